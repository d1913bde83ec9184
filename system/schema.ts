/**
 * The raw shape of a system file (docs/DESIGN.md section 3), before references are resolved. Objects are
 * strict, so an unknown key is an error; defaults are the ones the contract fixes. Checks that need
 * more than one field (references, duplicates, ranges against the platform) live in `load.ts`.
 */
import { z } from 'zod';
import type { AuditPolicy, IommuMode, LaunchMode, PartitionKind, Privilege } from './config.js';

export const NAME_PATTERN = /^[a-z0-9-]+$/;
/** Upper-case hex is accepted and normalised, since tools print digests either way. */
export const DIGEST_PATTERN = /^sha256:[0-9a-fA-F]{64}$/;
/** The exploring model keeps sets of partitions as 31-bit masks. */
export const MAX_PARTITIONS = 30;

export const PARTITION_KINDS = ['guest-os', 'rtos', 'bare-metal'] as const satisfies readonly PartitionKind[];
export const LAUNCH_MODES = ['measured', 'unmeasured'] as const satisfies readonly LaunchMode[];
export const PRIVILEGES = ['partition-control', 'audit-read'] as const satisfies readonly Privilege[];
export const IOMMU_MODES = ['enforced', 'passthrough'] as const satisfies readonly IommuMode[];
export const AUDIT_POLICIES = ['halt', 'overwrite'] as const satisfies readonly AuditPolicy[];

export const nameSchema = z
  .string()
  .regex(NAME_PATTERN)
  .describe('a name of lower-case letters, digits and "-"');
export const digestSchema = z
  .string()
  .regex(DIGEST_PATTERN)
  .describe('a digest "sha256:" followed by 64 hex digits');
/** A page, CPU, interrupt line or tick offset. */
const position = z.int().min(0);
/** A capacity, length or size. */
const count = z.int().min(1);

export const pageRangeSchema = z.strictObject({ start: position, pages: count });

export const partitionSchema = z.strictObject({
  name: nameSchema,
  kind: z.enum(PARTITION_KINDS),
  level: z.string(),
  cpus: z.array(position),
  memory: z.array(pageRangeSchema),
  image: digestSchema,
  launch: z.enum(LAUNCH_MODES).default('measured'),
  privileges: z.array(z.enum(PRIVILEGES)).default([]),
  downgrader: z.boolean().default(false),
});

export const deviceSchema = z.strictObject({
  name: nameSchema,
  owner: z.string(),
  irq: position,
  iommu: z.enum(IOMMU_MODES).default('enforced'),
  dma: z.array(pageRangeSchema),
});

export const channelSchema = z.strictObject({
  name: nameSchema,
  from: z.string(),
  to: z.string(),
  capacity: count,
});

export const sharedSchema = z.strictObject({
  name: nameSchema,
  memory: pageRangeSchema,
  writer: z.string(),
  readers: z.array(z.string()),
});

export const windowSchema = z.strictObject({
  cpu: position,
  partition: z.string(),
  start: position,
  length: count,
});

export const systemFileSchema = z.strictObject({
  system: nameSchema,
  platform: z.strictObject({ cpus: count, pages: count }),
  hypervisor: z.strictObject({ image: digestSchema }),
  levels: z.array(z.string()),
  partitions: z.array(partitionSchema),
  devices: z.array(deviceSchema).default([]),
  channels: z.array(channelSchema).default([]),
  shared: z.array(sharedSchema).default([]),
  schedule: z.strictObject({ majorFrame: count, windows: z.array(windowSchema) }),
  audit: z.strictObject({ capacity: count, onFull: z.enum(AUDIT_POLICIES) }),
});

/** A system file that has the right shape, with defaults filled in. */
export type SystemFile = z.output<typeof systemFileSchema>;
