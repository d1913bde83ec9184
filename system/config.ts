/**
 * The resolved system configuration: what a system file (docs/DESIGN.md section 3) means once it has been
 * parsed, validated and had its references resolved. Every other view (model, spec, emulator,
 * evidence) starts from this shape; none of them reads the raw file.
 *
 * Partitions, devices, channels and shared regions are referred to by their index in the file, so
 * that the model can keep sets of partitions as bitmasks. Names are kept for messages and traces.
 */

/** Index of a partition in `SystemConfig.partitions` (file order, which is also launch order). */
export type PartitionIdx = number & { readonly __brand: 'PartitionIdx' };
/** Index of a device in `SystemConfig.devices`. */
export type DeviceIdx = number & { readonly __brand: 'DeviceIdx' };
/** Index of a channel in `SystemConfig.channels`. */
export type ChannelIdx = number & { readonly __brand: 'ChannelIdx' };
/** A host-physical page number, 0 <= page < platform.pages. */
export type HostPage = number & { readonly __brand: 'HostPage' };
/** A physical CPU number, 0 <= cpu < platform.cpus. */
export type CpuId = number & { readonly __brand: 'CpuId' };
/** `sha256:` followed by 64 lower-case hex digits. */
export type Digest = string & { readonly __brand: 'Digest' };

export type PartitionKind = 'guest-os' | 'rtos' | 'bare-metal';
export type LaunchMode = 'measured' | 'unmeasured';
export type Privilege = 'partition-control' | 'audit-read';
export type IommuMode = 'enforced' | 'passthrough';
export type AuditPolicy = 'halt' | 'overwrite';
/** VT-d interrupt remapping with source-id validation: on, or off (MSIs are delivered as written). */
export type InterruptRemapping = 'enforced' | 'off';
/** PCIe access control services: on (peer requests go up to the IOMMU), or off (a switch routes them to the peer). */
export type AcsMode = 'enforced' | 'off';

/** A half-open run of host pages [start, start + pages). */
export interface PageRange {
  readonly start: number;
  readonly pages: number;
}

export interface PartitionConfig {
  readonly index: PartitionIdx;
  readonly name: string;
  readonly kind: PartitionKind;
  /** Its level under a `levels` policy; absent under a `flows` policy. */
  readonly level?: string;
  /** Position of `level` in `SystemConfig.levels` (0 = lowest); absent under a `flows` policy. */
  readonly rank?: number;
  readonly cpus: readonly CpuId[];
  readonly memory: readonly PageRange[];
  readonly image: Digest;
  readonly launch: LaunchMode;
  readonly privileges: readonly Privilege[];
  /**
   * The partitions its `partition-control` may reset and query, itself never among them; absent:
   * every partition. Only a holder of `partition-control` has it.
   */
  readonly controls?: readonly PartitionIdx[];
  readonly downgrader: boolean;
}

export interface DeviceConfig {
  readonly index: DeviceIdx;
  readonly name: string;
  readonly owner: PartitionIdx;
  readonly irq: number;
  readonly iommu: IommuMode;
  readonly dma: readonly PageRange[];
  /** Devices naming one group share a requester ID (behind one PCIe-to-PCI bridge); null: its own. */
  readonly iommuGroup: string | null;
  /** The PCIe root port the device sits below (behind one switch with the others naming it); null: unknown. */
  readonly rootPort: string | null;
}

export interface ChannelConfig {
  readonly index: ChannelIdx;
  readonly name: string;
  readonly from: PartitionIdx;
  readonly to: PartitionIdx;
  readonly capacity: number;
}

export interface SharedConfig {
  readonly name: string;
  readonly memory: PageRange;
  readonly writer: PartitionIdx;
  readonly readers: readonly PartitionIdx[];
}

/** A declared flow between two partitions (a `flows` entry with groups expanded). */
export interface FlowConfig {
  readonly from: PartitionIdx;
  readonly to: PartitionIdx;
}

export interface WindowConfig {
  readonly cpu: CpuId;
  readonly partition: PartitionIdx;
  readonly start: number;
  readonly length: number;
}

export interface SystemConfig {
  readonly system: string;
  readonly platform: {
    readonly cpus: number;
    readonly pages: number;
    readonly interruptRemapping: InterruptRemapping;
    readonly acs: AcsMode;
  };
  readonly hypervisor: { readonly image: Digest };
  /** The level order, lowest first; empty under a `flows` policy. */
  readonly levels: readonly string[];
  /**
   * The declared flows, when the system states its policy as `flows` rather than `levels`. The
   * allowed relation is their reflexive-transitive closure (`model/layout.ts`).
   */
  readonly flows?: readonly FlowConfig[];
  readonly partitions: readonly PartitionConfig[];
  readonly devices: readonly DeviceConfig[];
  readonly channels: readonly ChannelConfig[];
  readonly shared: readonly SharedConfig[];
  readonly schedule: { readonly majorFrame: number; readonly windows: readonly WindowConfig[] };
  readonly audit: { readonly capacity: number; readonly onFull: AuditPolicy };
}

export function pagesOf(range: PageRange): HostPage[] {
  return Array.from({ length: range.pages }, (_, i) => (range.start + i) as HostPage);
}

export function hasPrivilege(p: PartitionConfig, privilege: Privilege): boolean {
  return p.privileges.includes(privilege);
}
