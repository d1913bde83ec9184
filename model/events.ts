/**
 * Events: everything the environment, the attacker and the guests can make the hypervisor do. The
 * `type` of each event is the name of the TLA+ action in spec/Hypervisor.tla that performs it.
 */
import type { DeviceIdx, PartitionIdx } from '../system/config.js';

export type Access = 'read' | 'write' | 'execute';

export const HYPERCALL_OPS = [
  'send',
  'receive',
  'partition-reset',
  'partition-status',
  'audit-read',
  'yield',
] as const;
export type HypercallOp = (typeof HYPERCALL_OPS)[number];

/** Basic VM-exit reasons (Intel SDM, appendix C). */
export const ExitReason = {
  TripleFault: 2,
  ExternalInterrupt: 1,
  Cpuid: 10,
  Hlt: 12,
  Vmcall: 18,
  CrAccess: 28,
  IoInstruction: 30,
  Rdmsr: 31,
  Wrmsr: 32,
  EptViolation: 48,
  EptMisconfig: 49,
  PreemptionTimer: 52,
} as const;

/** Exit reasons a guest causes on purpose with a single instruction (the `VmExit` event). */
export const GUEST_EXIT_REASONS = [
  ExitReason.TripleFault,
  ExitReason.Cpuid,
  ExitReason.Hlt,
  ExitReason.CrAccess,
  ExitReason.IoInstruction,
  ExitReason.Rdmsr,
  ExitReason.Wrmsr,
] as const;

export type Event =
  /** The security monitor measures the hypervisor image. */
  | { readonly type: 'MeasureHypervisor' }
  /** The attacker replaces an image before it is measured; `partition: null` is the hypervisor. */
  | { readonly type: 'TamperImage'; readonly partition: PartitionIdx | null }
  /** The next partition in file order is measured (unless unmeasured) and launched or refused. */
  | { readonly type: 'LaunchPartition'; readonly partition: PartitionIdx }
  /** The preemption timer fires on every CPU (exit 52): the major frame advances one tick. */
  | { readonly type: 'Tick' }
  /** A running guest touches one of its guest-physical pages; outside its EPT this is exit 48. */
  | {
      readonly type: 'GuestAccess';
      readonly partition: PartitionIdx;
      readonly gpa: number;
      readonly access: Access;
    }
  /** A device reads or writes a host page through the IOMMU. */
  | {
      readonly type: 'Dma';
      readonly device: DeviceIdx;
      readonly page: number;
      readonly access: Exclude<Access, 'execute'>;
    }
  /**
   * A device reads or writes the memory-mapped buffer of device `peer` directly, peer-to-peer: the
   * request is routed below the IOMMU (a bridge's secondary bus, or a switch without ACS), so no
   * translation or fault record sees it.
   */
  | {
      readonly type: 'PeerDma';
      readonly device: DeviceIdx;
      readonly peer: DeviceIdx;
      readonly access: Exclude<Access, 'execute'>;
    }
  /** A device raises its physical interrupt line. */
  | { readonly type: 'DeviceIrq'; readonly device: DeviceIdx }
  /**
   * A device writes an MSI carrying the vector the hypervisor assigned to device `vector`: a write to
   * the interrupt address range, not DMA. Only without interrupt remapping does it arrive as written.
   */
  | { readonly type: 'MsiWrite'; readonly device: DeviceIdx; readonly vector: DeviceIdx }
  /**
   * VMCALL (exit 18). `op` and `arg` are what the guest put in its registers, malformed or not. For
   * `send` and `receive`, `buffer` is the guest-physical page of the message buffer the hypervisor
   * copies from or into (model/operands.ts), -1 for an operand that is no message buffer.
   */
  | {
      readonly type: 'Hypercall';
      readonly partition: PartitionIdx;
      readonly op: string;
      readonly arg: number;
      readonly buffer?: number;
    }
  /** Any other VM exit a guest instruction causes, by basic exit reason. */
  | { readonly type: 'VmExit'; readonly partition: PartitionIdx; readonly reason: number };

export type EventType = Event['type'];

export const EVENT_TYPES: readonly EventType[] = [
  'MeasureHypervisor',
  'TamperImage',
  'LaunchPartition',
  'Tick',
  'GuestAccess',
  'Dma',
  'PeerDma',
  'DeviceIrq',
  'MsiWrite',
  'Hypercall',
  'VmExit',
];
