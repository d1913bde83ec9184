/**
 * The raw shape of a system file (docs/DESIGN.md section 3), before references are resolved. Objects are
 * strict, so an unknown key is an error; defaults are the ones the contract fixes. Checks that need
 * more than one field (references, duplicates, ranges against the platform) live in `load.ts`.
 */
import { z } from 'zod';
import type {
  AcsMode,
  AuditPolicy,
  InterruptRemapping,
  IommuMode,
  LaunchMode,
  PartitionKind,
  Privilege,
} from './config.js';
import {
  MAX_AUDIT_CAPACITY,
  MAX_CHANNEL_CAPACITY,
  MAX_CHANNELS,
  MAX_CPUS,
  MAX_FLOWS,
  MAX_IRQ,
  MAX_LEVELS,
  MAX_NAME_LENGTH,
  MAX_PAGES,
  MAX_PARTITIONS,
  MAX_RANGES,
  MAX_SHARED,
  MAX_TICKS,
  MAX_WINDOWS,
} from './limits.js';

export const NAME_PATTERN = /^[a-z0-9-]+$/;
/** Upper-case hex is accepted and normalised, since tools print digests either way. */
export const DIGEST_PATTERN = /^sha256:[0-9a-fA-F]{64}$/;
/** Characters a level name may not hold: controls (which could steer a terminal) and line breaks. */
export const LEVEL_PATTERN = /^[^\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/u;

export const PARTITION_KINDS = ['guest-os', 'rtos', 'bare-metal'] as const satisfies readonly PartitionKind[];
export const LAUNCH_MODES = ['measured', 'unmeasured'] as const satisfies readonly LaunchMode[];
export const PRIVILEGES = ['partition-control', 'audit-read'] as const satisfies readonly Privilege[];
export const IOMMU_MODES = ['enforced', 'passthrough'] as const satisfies readonly IommuMode[];
export const AUDIT_POLICIES = ['halt', 'overwrite'] as const satisfies readonly AuditPolicy[];
export const REMAPPING_MODES = ['enforced', 'off'] as const satisfies readonly InterruptRemapping[];
export const ACS_MODES = ['enforced', 'off'] as const satisfies readonly AcsMode[];

export const nameSchema = z
  .string()
  .max(MAX_NAME_LENGTH)
  .regex(NAME_PATTERN)
  .describe('a name of lower-case letters, digits and "-"');
export const digestSchema = z
  .string()
  .regex(DIGEST_PATTERN)
  .describe('a digest "sha256:" followed by 64 hex digits');
export const levelSchema = z
  .string()
  .max(MAX_NAME_LENGTH)
  .regex(LEVEL_PATTERN)
  .describe('a level name without control characters');
/** A page, CPU, interrupt line or tick offset below `limit`. */
const position = (limit: number) =>
  z
    .int()
    .min(0)
    .max(limit - 1);
/** A capacity, length or size of at most `limit`. */
const count = (limit: number) => z.int().min(1).max(limit);
const list = <T extends z.ZodType>(element: T, limit: number) => z.array(element).max(limit);
/** A reference to something named elsewhere in the file; checked against the names there. */
const reference = z.string().max(MAX_NAME_LENGTH);

export const pageRangeSchema = z.strictObject({ start: position(MAX_PAGES), pages: count(MAX_PAGES) });

export const partitionSchema = z.strictObject({
  name: nameSchema,
  kind: z.enum(PARTITION_KINDS),
  // Required under `levels`, refused under `flows` (cross-check.ts).
  level: reference.optional(),
  cpus: list(position(MAX_CPUS), MAX_CPUS),
  memory: list(pageRangeSchema, MAX_RANGES),
  image: digestSchema,
  launch: z.enum(LAUNCH_MODES).default('measured'),
  privileges: list(z.enum(PRIVILEGES), PRIVILEGES.length * 2).default([]),
  // The partitions its partition-control reaches; absent: every partition (cross-check.ts).
  controls: list(reference, MAX_PARTITIONS).optional(),
  downgrader: z.boolean().default(false),
});

export const deviceSchema = z.strictObject({
  name: nameSchema,
  owner: reference,
  irq: position(MAX_IRQ + 1),
  iommu: z.enum(IOMMU_MODES).default('enforced'),
  dma: list(pageRangeSchema, MAX_RANGES),
  iommuGroup: nameSchema.optional(),
  rootPort: nameSchema.optional(),
});

export const channelSchema = z.strictObject({
  name: nameSchema,
  from: reference,
  to: reference,
  capacity: count(MAX_CHANNEL_CAPACITY),
});

export const sharedSchema = z.strictObject({
  name: nameSchema,
  memory: pageRangeSchema,
  writer: reference,
  readers: list(reference, MAX_PARTITIONS),
});

/** One partition, or a group of them: every member of `from` may flow to every member of `to`. */
export const flowEndpointSchema = z
  .union([reference, list(reference, MAX_PARTITIONS).min(1)])
  .describe('a partition name or a non-empty list of partition names');

export const flowSchema = z.strictObject({ from: flowEndpointSchema, to: flowEndpointSchema });

export const windowSchema = z.strictObject({
  cpu: position(MAX_CPUS),
  partition: reference,
  start: position(MAX_TICKS),
  length: count(MAX_TICKS),
});

export const systemFileSchema = z.strictObject({
  system: nameSchema,
  platform: z.strictObject({
    cpus: count(MAX_CPUS),
    pages: count(MAX_PAGES),
    interruptRemapping: z.enum(REMAPPING_MODES).default('enforced'),
    acs: z.enum(ACS_MODES).default('enforced'),
  }),
  hypervisor: z.strictObject({ image: digestSchema }),
  // Exactly one of `levels` and `flows` states the information-flow policy (cross-check.ts).
  levels: list(levelSchema, MAX_LEVELS).optional(),
  flows: list(flowSchema, MAX_FLOWS).optional(),
  // At most MAX_PARTITIONS, reported with its own code (TZ116) by load.ts.
  partitions: z.array(partitionSchema).min(1),
  devices: z.array(deviceSchema).default([]),
  channels: list(channelSchema, MAX_CHANNELS).default([]),
  shared: list(sharedSchema, MAX_SHARED).default([]),
  schedule: z.strictObject({
    majorFrame: count(MAX_TICKS),
    windows: list(windowSchema, MAX_WINDOWS),
  }),
  audit: z.strictObject({ capacity: count(MAX_AUDIT_CAPACITY), onFull: z.enum(AUDIT_POLICIES) }),
});

/** A system file that has the right shape, with defaults filled in. */
export type SystemFile = z.output<typeof systemFileSchema>;
