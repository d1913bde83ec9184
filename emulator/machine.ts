/**
 * The concrete Type Zero machine: host memory as bytes holding partition memory and every structure
 * the hypervisor keeps, real EPT and VT-d tables, a PCR bank, vCPUs running guest code, devices, a
 * preemption-timer scheduler, interrupt routing, hypercall channels and the audit ring.
 *
 * Each call to `perform` is one emulator step and returns the model event it performed
 * (model/events.ts), its outcome and its effects in the model's vocabulary, so that
 * conformance/refinement.ts can check it against model/step.ts. The hypervisor logic here reads only
 * the system file's configuration and its own memory; it never consults the model.
 *
 * Information-flow labels cannot be read back from bytes, so the machine carries them as ghost state
 * beside the bytes (`Ghost`), updated by the rules of docs/DESIGN.md section 4:
 *   - per platform page: the partitions whose data it holds. A write adds the writer's label to that
 *     one page. A read observes the union of the labels of every page in the page's memory class
 *     (model/layout.ts): the model judges a class as a whole, and pages of one class have the same
 *     accessors, so a read of any of them could have been a read of the page that was written. With
 *     this rule the union over a class's pages is exactly the model's cell label, step by step.
 *   - per partition: what it has observed; per queued message and audit record: its sender's or
 *     cause's label, plus the union of every label ever written to the audit ring.
 *   - per pending interrupt: the label is its device owner's label at injection, as the model has it
 *     (the label at raise time is kept too; observed sets only grow, so it is always contained).
 */
import { type Bits, bit, EMPTY, has } from '../model/bits.js';
import { type Access, type Event, ExitReason } from '../model/events.js';
import { buildLayout, type Layout, passThrough } from '../model/layout.js';
import {
  AUDIT_CODES,
  type AuditCode,
  type Effect,
  type HypercallStatus,
  type VtdFaultReason as ModelVtdFaultReason,
  type Outcome,
} from '../model/step.js';
import type { DeviceIdx, PartitionIdx, SystemConfig } from '../system/config.js';
import { pagesOf } from '../system/config.js';
import { EmulatorCapacityError, emulatorCapacityProblem } from './capacity.js';
import { EPT_EXEC, EPT_READ, EPT_WRITE, type EptAccess, EptBuilder, walkEpt } from './ept.js';
import { barAddress, Fabric } from './fabric.js';
import { attackerPayload, hypervisorImage, IMAGE_PAYLOAD, IMAGE_VCPUS, partitionImage } from './image.js';
import {
  bufferPage,
  CMD_DMA_READ,
  CMD_DMA_WRITE,
  DEVICE_PORT_BASE,
  DEVICE_PORT_STRIDE,
  decodeAt,
  disassemble,
  HYPERCALL_NUMBER,
  hypercallArg,
  hypercallOp,
  type Instruction,
  PORT_ADDR,
  PORT_CMD,
  PORT_STATUS,
  REGISTERS,
  STATUS_CODE,
} from './isa.js';
import { entryAddress, HostMemory, PAGE_SIZE } from './memory.js';
import { InterruptRemapper, IRTE_SIZE, VECTOR_BASE } from './remapping.js';
import {
  PCR_HYPERVISOR,
  PCR_LAUNCH,
  PCR_PARTITIONS,
  PCR_UNMEASURED,
  PcrBank,
  sameBytes,
  sha256,
} from './tpm.js';
import {
  buildSecondLevel,
  Iommu,
  type SourceId,
  TT_PASSTHROUGH,
  TT_TRANSLATED,
  VTD_REASON_TEXT,
  type VtdFaultReason,
  writeContextEntry,
  writeRootEntry,
} from './vtd.js';

/**
 * Deliberately broken variants, kept as tests the conformance suite must fail: each mutant's name
 * and what it breaks.
 */
export const EMULATOR_MUTANTS = {
  'ept-ignores-write-bit': 'The EPT walker lets a write through any readable page.',
  'iommu-skips-context-check': 'The IOMMU uses a context entry that is not present, as pass-through.',
  'iommu-ignores-leaf-rights': 'The IOMMU ignores the read/write bits of second-level leaf entries.',
  'irq-drops-pending': 'Interrupts for partitions not running now are dropped instead of held pending.',
  'injection-skipped': 'Pending interrupts are never injected at VM entry.',
  'audit-overwrite-uncounted': 'The audit ring overwrites its oldest record without counting the loss.',
  'status-without-privilege': '`partition-status` skips the privilege check.',
  'pcr-extend-without-chain': 'PCR extend forgets the old value: PCR := H(digest).',
  'reset-keeps-memory': "partition-reset restarts the vCPUs but leaves the partition's memory as it was.",
  'scheduler-window-overrun': 'The scheduler lets a window run one tick past its end.',
} as const satisfies Record<string, string>;

export type EmulatorMutant = keyof typeof EMULATOR_MUTANTS;

export interface MachineOptions {
  /** Guest code per partition, one program per vCPU (the last is reused if there are fewer). */
  readonly programs: readonly (readonly (readonly Instruction[])[])[];
  readonly mutants?: ReadonlySet<EmulatorMutant>;
}

/** What drives one emulator step. */
export type Action =
  | { readonly kind: 'measure' }
  | { readonly kind: 'tamper'; readonly partition: PartitionIdx | null }
  | { readonly kind: 'launch'; readonly partition: PartitionIdx }
  | { readonly kind: 'tick' }
  /** The device starts a DMA on its own (a packet arrives, an engine completes). */
  | {
      readonly kind: 'dma';
      readonly device: DeviceIdx;
      readonly address: number;
      readonly access: 'read' | 'write';
    }
  | { readonly kind: 'irq'; readonly device: DeviceIdx }
  /** The device starts a DMA at the BAR of device `peer` (emulator/fabric.ts routes it). */
  | {
      readonly kind: 'peer';
      readonly device: DeviceIdx;
      readonly peer: DeviceIdx;
      readonly access: 'read' | 'write';
    }
  /** The device writes an MSI with the vector assigned to device `vector` (a spoofing attempt). */
  | { readonly kind: 'msi'; readonly device: DeviceIdx; readonly vector: DeviceIdx }
  /** Run a vCPU natively until its next visible instruction. */
  | { readonly kind: 'run'; readonly vcpu: number };

/** Hardware facts of a step that the model does not speak of. */
export type HwNote =
  | { readonly kind: 'exit'; readonly cpu: number; readonly reason: number; readonly partition: number }
  | {
      readonly kind: 'vtd-fault';
      readonly device: number;
      readonly reason: VtdFaultReason;
      readonly address: number;
    }
  | { readonly kind: 'irq-blocked'; readonly device: number };

export interface StepRecord {
  /** 1-based step number. */
  readonly index: number;
  readonly event: Event;
  readonly outcome: Outcome;
  readonly effects: readonly Effect[];
  readonly hw: readonly HwNote[];
  readonly log: readonly string[];
  /** Guest instructions retired in this step. */
  readonly instructions: number;
  readonly vcpu?: number;
}

export type VcpuState = 'ready' | 'sleeping' | 'stopped';
const VCPU_STATE: readonly VcpuState[] = ['ready', 'sleeping', 'stopped'];

export interface Vcpu {
  readonly id: number;
  readonly partition: PartitionIdx;
  readonly cpu: number;
  /** Index of this vCPU within its partition. */
  readonly index: number;
  readonly vmcs: number;
  code: Instruction[];
}

/** Partition status codes kept in the partition control block. */
const STATUS_NAMES = ['pending', 'running', 'faulted', 'refused'] as const;
export type PartitionStatusName = (typeof STATUS_NAMES)[number];

// Global page offsets.
const G_HV = 0;
const G_HALTED = 1;
const G_BOOTED = 3;
const G_NEXT_LAUNCH = 4;
const G_MAJOR = 8;
const G_WINDOWS = 12;
const G_HV_LOCKED = 16;
// Partition control block (32 bytes each).
const PCB_SIZE = 32;
const PCB_STATUS = 0;
const PCB_PRIV = 1;
const PCB_IMAGE_LOCKED = 2;
/** The partitions its partition-control reaches, one bit per partition (itself included). */
const PCB_CONTROLS = 4;
const PCB_EPT = 8;
const PCB_VIRR = 16;
const PCB_IOBITMAP = 24;
const PCB_RESETS = 20;
const PRIV_CONTROL = 1;
const PRIV_AUDIT = 2;
// VMCS guest-state area (128 bytes each).
const VMCS_SIZE = 128;
const VMCS_PC = 32;
const VMCS_STATE = 36;
const VMCS_VECTOR = 40;
const VMCS_INJECTIONS = 44;
const VMCS_EXCEPTION = 48;
const VMCS_CR = 52;
const VMCS_RETIRED = 88;
// Rings.
const RING_HEAD = 0;
const RING_COUNT = 4;
const RING_CAPACITY = 8;
const RING_LOST = 12;
const RING_SEQ = 16;
const CHANNEL_HEADER = 16;
const CHANNEL_SLOT = 16;
const AUDIT_HEADER = 32;
export const AUDIT_RECORD = 32;
const WINDOW_SIZE = 12;

/** The first measurement of a dynamic launch (the SINIT module's digest), a fixed value here. */
const SINIT_DIGEST = sha256(new TextEncoder().encode('typezero SINIT ACM'));

/** Ghost state: labels the bytes cannot show (see the file comment). */
export class Ghost {
  readonly pageLabel: Int32Array;
  /** Per memory class: the union of its pages' labels (kept up to date, recomputed after a reset). */
  readonly classLabel: Int32Array;
  readonly observed: number[];
  readonly channelLabels: number[][];
  readonly auditLabels: Int32Array;
  /** Union of every label ever written to the audit ring. */
  auditLabel = 0;
  /** Per partition and device: label of the owner when the pending interrupt was raised. */
  readonly raisedLabel: number[][];

  constructor(layout: Layout) {
    const { config } = layout;
    this.pageLabel = new Int32Array(config.platform.pages);
    for (let page = 0; page < config.platform.pages; page++)
      this.pageLabel[page] = layout.classes[layout.classOf[page]!]!.initial;
    this.classLabel = Int32Array.from(layout.classes.map((c) => c.initial));
    this.observed = config.partitions.map((p) => bit(p.index));
    this.channelLabels = config.channels.map((c) => new Array(c.capacity).fill(0));
    this.auditLabels = new Int32Array(config.audit.capacity);
    this.raisedLabel = config.partitions.map(() => config.devices.map(() => 0));
  }
}

interface StepContext {
  event: Event | null;
  outcome: Outcome;
  readonly effects: Effect[];
  readonly hw: HwNote[];
  readonly log: string[];
  instructions: number;
}

/**
 * Why the emulator cannot hold `config`, or null when it can as far as is known before the guest
 * images are built (they are not counted): the platform's pages and the hypervisor's tables, one
 * vCPU per CPU a partition has a window on (at least one).
 */
export function emulatorCapacityOf(config: SystemConfig): string | null {
  const total = vcpuCpusOf(config).reduce((n, c) => n + c.length, 0);
  return emulatorCapacityProblem(config, hypervisorPages(config, buildLayout(config), [], total));
}

/** Each partition's vCPUs, as the CPUs its windows are on (sorted), or its first CPU without one. */
function vcpuCpusOf(config: SystemConfig): number[][] {
  return config.partitions.map((p) => {
    const cpus = [
      ...new Set(config.schedule.windows.filter((w) => w.partition === p.index).map((w) => w.cpu)),
    ];
    cpus.sort((a, b) => a - b);
    return cpus.length ? cpus : [p.cpus[0] ?? 0];
  });
}

/**
 * Pages the hypervisor's own structures take: the global page, per-CPU frame positions, control
 * blocks, digests, images (`imageLengths` in bytes: the hypervisor's, then each partition's),
 * VMCSs, rings, schedule, interrupt remapping, I/O bitmaps, and the EPT and VT-d tables.
 */
export function hypervisorPages(
  config: SystemConfig,
  layout: Layout,
  imageLengths: readonly number[],
  nVcpus: number,
): number {
  const nParts = config.partitions.length;
  const pagesFor = (bytes: number) => Math.max(1, Math.ceil(bytes / PAGE_SIZE));
  let hvPages = 1 + pagesFor(config.platform.cpus * 4);
  hvPages += pagesFor(nParts * PCB_SIZE) + pagesFor(32 * (nParts + 1));
  for (const length of imageLengths) hvPages += pagesFor(length);
  hvPages += pagesFor(nVcpus * VMCS_SIZE);
  for (const c of config.channels) hvPages += pagesFor(CHANNEL_HEADER + c.capacity * CHANNEL_SLOT);
  hvPages += pagesFor(AUDIT_HEADER + config.audit.capacity * AUDIT_RECORD);
  hvPages +=
    pagesFor(config.schedule.windows.length * WINDOW_SIZE) + pagesFor(config.devices.length * IRTE_SIZE);
  hvPages += 2 * nParts; // I/O bitmaps
  hvPages += 1 + (config.devices.length ? 1 + (config.devices.length >> 5) : 0); // root + context tables
  for (const entries of layout.ept) hvPages += tableBound(entries.length);
  for (const _ of config.devices) hvPages += tableBound(config.platform.pages);
  return hvPages;
}

function tableBound(entries: number): number {
  return 2 + Math.ceil(entries / 2 ** 27) + Math.ceil(entries / 2 ** 18) + Math.ceil(entries / 2 ** 9);
}

export function sourceIdOf(device: number): SourceId {
  return { bus: 1 + (device >> 5), devfn: (device & 31) << 3 };
}

export class Machine {
  readonly layout: Layout;
  readonly config: SystemConfig;
  readonly mem: HostMemory;
  readonly tpm: PcrBank;
  readonly iommu: Iommu;
  readonly remapper: InterruptRemapper;
  readonly fabric: Fabric;
  readonly ghost: Ghost;
  readonly vcpus: Vcpu[] = [];
  readonly mutants: ReadonlySet<EmulatorMutant>;
  steps = 0;

  // Addresses of the hypervisor's structures.
  readonly global: number;
  readonly frames: number;
  readonly pcb: number;
  readonly knownGood: number;
  readonly hvImage: { readonly addr: number; readonly length: number };
  readonly images: { readonly addr: number; readonly length: number }[] = [];
  readonly channelRings: number[] = [];
  readonly auditRing: number;
  readonly schedule: number;
  readonly irte: number;
  readonly rootTable: number;
  readonly contextTables = new Map<number, number>();
  /** Pages holding paging structures (EPT, VT-d); the refinement checker re-walks them when they change. */
  readonly tablePages = new Set<number>();
  private readonly eptBuilders: (EptBuilder | null)[];
  /** Device registers: DMA address, last status, and the data buffer the device moves. */
  readonly devices: { address: number; status: number; buffer: Uint8Array }[];

  constructor(config: SystemConfig, options: MachineOptions) {
    this.config = config;
    this.layout = buildLayout(config);
    this.mutants = options.mutants ?? new Set();
    const nParts = config.partitions.length;

    const vcpuCpus = vcpuCpusOf(config);
    const programsOf = (p: number, n: number) => {
      const given = options.programs[p] ?? [];
      if (!given.length) throw new Error(`no guest program for partition ${config.partitions[p]!.name}`);
      return Array.from({ length: n }, (_, i) => given[Math.min(i, given.length - 1)]!);
    };
    const hvImageBytes = hypervisorImage(config);
    const imageBytes = config.partitions.map((p) =>
      partitionImage(config, p.index, programsOf(p.index, vcpuCpus[p.index]!.length)),
    );

    // Size the hypervisor's memory.
    const nVcpus = vcpuCpus.reduce((n, c) => n + c.length, 0);
    const hvPages = hypervisorPages(
      config,
      this.layout,
      [hvImageBytes.length, ...imageBytes.map((img) => img.length)],
      nVcpus,
    );
    const problem = emulatorCapacityProblem(config, hvPages);
    if (problem) throw new EmulatorCapacityError(problem);
    this.mem = new HostMemory(config.platform.pages, hvPages);
    const mem = this.mem;

    this.tpm = new PcrBank({ extendWithoutChain: this.mutants.has('pcr-extend-without-chain') });
    this.iommu = new Iommu(mem, config.platform.pages * PAGE_SIZE, {
      skipContextCheck: this.mutants.has('iommu-skips-context-check'),
      ignoreLeafRights: this.mutants.has('iommu-ignores-leaf-rights'),
    });
    this.ghost = new Ghost(this.layout);
    this.fabric = new Fabric(config);

    this.global = mem.allocPages(1);
    this.frames = mem.allocBytes(config.platform.cpus * 4);
    this.pcb = mem.allocBytes(nParts * PCB_SIZE);
    this.knownGood = mem.allocBytes(32 * (nParts + 1));
    const hvAddr = mem.allocBytes(hvImageBytes.length);
    mem.writeBytes(hvAddr, hvImageBytes);
    this.hvImage = { addr: hvAddr, length: hvImageBytes.length };
    // Provisioning: the known-good digests of the genuine images.
    mem.writeBytes(this.knownGood, sha256(hvImageBytes));
    imageBytes.forEach((img, p) => {
      const addr = mem.allocBytes(img.length);
      mem.writeBytes(addr, img);
      this.images.push({ addr, length: img.length });
      mem.writeBytes(this.knownGood + 32 * (p + 1), sha256(img));
    });
    const vmcsBase = mem.allocBytes(nVcpus * VMCS_SIZE);
    vcpuCpus.forEach((cpus, p) => {
      cpus.forEach((cpu, index) => {
        const id = this.vcpus.length;
        this.vcpus.push({
          id,
          partition: p as PartitionIdx,
          cpu,
          index,
          vmcs: vmcsBase + id * VMCS_SIZE,
          code: [],
        });
        mem.write8(vmcsBase + id * VMCS_SIZE + VMCS_STATE, 2);
      });
    });
    for (const c of config.channels) {
      const ring = mem.allocBytes(CHANNEL_HEADER + c.capacity * CHANNEL_SLOT);
      mem.write32(ring + RING_CAPACITY, c.capacity);
      this.channelRings.push(ring);
    }
    this.auditRing = mem.allocBytes(AUDIT_HEADER + config.audit.capacity * AUDIT_RECORD);
    mem.write32(this.auditRing + RING_CAPACITY, config.audit.capacity);
    this.schedule = mem.allocBytes(config.schedule.windows.length * WINDOW_SIZE);
    this.irte = mem.allocBytes(config.devices.length * IRTE_SIZE);
    this.remapper = new InterruptRemapper(
      mem,
      this.irte,
      config.devices.length,
      config.platform.interruptRemapping,
    );
    for (const p of config.partitions) {
      let priv = 0;
      if (p.privileges.includes('partition-control')) priv |= PRIV_CONTROL;
      if (p.privileges.includes('audit-read')) priv |= PRIV_AUDIT;
      mem.write8(this.pcb + p.index * PCB_SIZE + PCB_PRIV, priv);
      mem.write32(this.pcb + p.index * PCB_SIZE + PCB_CONTROLS, controlMask(config, p.index));
    }
    this.rootTable = this.allocTable();
    this.iommu.rootTable = this.rootTable;
    for (const d of config.devices) {
      const { bus } = sourceIdOf(d.index);
      if (!this.contextTables.has(bus)) this.contextTables.set(bus, this.allocTable());
    }
    this.eptBuilders = config.partitions.map(() => null);
    // A buffer starts with the device's own data (0xd0 + its index), which it also writes in
    // place of any zero it holds.
    this.devices = config.devices.map((d) => ({
      address: 0,
      status: 0,
      buffer: new Uint8Array(8).fill(0xd0 + d.index),
    }));
    for (let page = 0; page < config.platform.pages; page++) this.loadInitialData(page);
  }

  private allocTable(): number {
    const addr = this.mem.allocPages(1);
    this.tablePages.add(addr / PAGE_SIZE);
    return addr;
  }

  // ---------------------------------------------------------------- small accessors

  get hvStatus(): 'pending' | 'ok' | 'failed' {
    return (['pending', 'ok', 'failed'] as const)[this.mem.read8(this.global + G_HV)]!;
  }
  get halted(): boolean {
    return this.mem.read8(this.global + G_HALTED) === 1;
  }
  get booted(): boolean {
    return this.mem.read8(this.global + G_BOOTED) === 1;
  }
  /** Position in the major frame of each CPU's preemption timer. */
  frameOf(cpu: number): number {
    return this.mem.read32(this.frames + cpu * 4);
  }
  status(p: number): PartitionStatusName {
    return STATUS_NAMES[this.mem.read8(this.pcb + p * PCB_SIZE + PCB_STATUS)]!;
  }
  private setStatus(p: number, s: PartitionStatusName): void {
    this.mem.write8(this.pcb + p * PCB_SIZE + PCB_STATUS, STATUS_NAMES.indexOf(s));
  }
  eptRoot(p: number): number {
    return this.mem.read64(this.pcb + p * PCB_SIZE + PCB_EPT);
  }
  vIrr(p: number): number {
    return this.mem.read32(this.pcb + p * PCB_SIZE + PCB_VIRR);
  }
  private setVirr(p: number, v: number): void {
    this.mem.write32(this.pcb + p * PCB_SIZE + PCB_VIRR, v);
  }
  private privileged(p: number, priv: number): boolean {
    return (this.mem.read8(this.pcb + p * PCB_SIZE + PCB_PRIV) & priv) !== 0;
  }
  /** `p` holds partition-control over `target` (a valid partition index). */
  private controls(p: number, target: number): boolean {
    if (!this.privileged(p, PRIV_CONTROL)) return false;
    return ((this.mem.read32(this.pcb + p * PCB_SIZE + PCB_CONTROLS) >>> target) & 1) === 1;
  }
  vcpuState(v: Vcpu): VcpuState {
    return VCPU_STATE[this.mem.read8(v.vmcs + VMCS_STATE)]!;
  }
  private setVcpuState(v: Vcpu, s: VcpuState): void {
    this.mem.write8(v.vmcs + VMCS_STATE, VCPU_STATE.indexOf(s));
  }
  register(v: Vcpu, r: number): number {
    return this.mem.read32(v.vmcs + r * 4);
  }
  lastVector(v: Vcpu): number {
    return this.mem.read32(v.vmcs + VMCS_VECTOR);
  }
  lastException(v: Vcpu): number {
    return this.mem.read32(v.vmcs + VMCS_EXCEPTION);
  }
  /** Queue length and the ring slots of channel `c`, oldest first. */
  channelQueue(c: number): { payload: number; sender: number; slot: number }[] {
    const ring = this.channelRings[c]!;
    const head = this.mem.read32(ring + RING_HEAD);
    const count = this.mem.read32(ring + RING_COUNT);
    const cap = this.mem.read32(ring + RING_CAPACITY);
    const out = [];
    for (let i = 0; i < count; i++) {
      const slot = (head + i) % cap;
      const at = ring + CHANNEL_HEADER + slot * CHANNEL_SLOT;
      out.push({ payload: this.mem.read32(at), sender: this.mem.read32(at + 4), slot });
    }
    return out;
  }
  auditCount(): number {
    return this.mem.read32(this.auditRing + RING_COUNT);
  }
  auditLost(): number {
    return this.mem.read32(this.auditRing + RING_LOST);
  }
  /** The audit records present, oldest first, decoded from the ring. */
  auditRecords(): { seq: number; code: AuditCode; cause: number | null; detail: number; frame: number }[] {
    const ring = this.auditRing;
    const cap = this.mem.read32(ring + RING_CAPACITY);
    const head = this.mem.read32(ring + RING_HEAD);
    const out = [];
    for (let i = 0; i < this.auditCount(); i++) {
      const at = ring + AUDIT_HEADER + ((head + i) % cap) * AUDIT_RECORD;
      const cause = this.mem.read8(at + 5);
      out.push({
        seq: this.mem.read32(at),
        code: AUDIT_CODES[this.mem.read8(at + 4)]!,
        cause: cause === 0xff ? null : cause,
        detail: this.mem.read32(at + 8),
        frame: this.mem.read32(at + 16),
      });
    }
    return out;
  }
  imageBytes(p: number | null): Uint8Array {
    const img = p === null ? this.hvImage : this.images[p]!;
    return this.mem.readBytes(img.addr, img.length);
  }
  knownGoodDigest(p: number | null): Uint8Array {
    return this.mem.readBytes(this.knownGood + 32 * (p === null ? 0 : p + 1), 32);
  }
  partitionName(p: number): string {
    return this.config.partitions[p]?.name ?? `#${p}`;
  }
  deviceName(d: number): string {
    return this.config.devices[d]?.name ?? `#${d}`;
  }

  private labelOf(p: number): Bits {
    return this.config.partitions[p]!.downgrader ? bit(p) : this.ghost.observed[p]!;
  }

  // ---------------------------------------------------------------- scheduling facts

  /** Whether a window of `p` on `cpu` covers the current position of the major frame. */
  private covers(p: number, cpu: number): boolean {
    const major = this.mem.read32(this.global + G_MAJOR);
    const n = this.mem.read32(this.global + G_WINDOWS);
    const frame = this.frameOf(cpu);
    for (let i = 0; i < n; i++) {
      const at = this.schedule + i * WINDOW_SIZE;
      if (this.mem.read16(at + 2) !== p) continue;
      if (this.mem.read16(at) !== cpu) continue;
      const start = this.mem.read32(at + 4);
      const length = this.mem.read32(at + 8) + (this.mutants.has('scheduler-window-overrun') ? 1 : 0);
      const offset = (((frame - start) % major) + major) % major;
      if (length >= major || offset < length) return true;
    }
    return false;
  }

  private windowStarts(p: number): boolean {
    const major = this.mem.read32(this.global + G_MAJOR);
    const n = this.mem.read32(this.global + G_WINDOWS);
    for (let i = 0; i < n; i++) {
      const at = this.schedule + i * WINDOW_SIZE;
      if (this.mem.read16(at + 2) !== p) continue;
      const cpu = this.mem.read16(at);
      const start = this.mem.read32(at + 4);
      if ((((this.frameOf(cpu) - start) % major) + major) % major === 0) return true;
    }
    return false;
  }

  private dispatching(): boolean {
    return this.booted && !this.halted;
  }

  /** The partition is up and inside one of its windows on some CPU. */
  partitionRunning(p: number): boolean {
    if (!this.dispatching() || this.status(p) !== 'running') return false;
    return this.vcpus.some((v) => v.partition === p && this.covers(p, v.cpu));
  }

  canRun(v: Vcpu): boolean {
    return (
      this.dispatching() &&
      this.status(v.partition) === 'running' &&
      this.vcpuState(v) === 'ready' &&
      this.covers(v.partition, v.cpu)
    );
  }

  runnableVcpus(): Vcpu[] {
    return this.vcpus.filter((v) => this.canRun(v));
  }

  // ---------------------------------------------------------------- steps

  perform(action: Action): StepRecord | null {
    const ctx: StepContext = { event: null, outcome: 'ok', effects: [], hw: [], log: [], instructions: 0 };
    let vcpu: number | undefined;
    switch (action.kind) {
      case 'measure':
        this.measureHypervisor(ctx);
        break;
      case 'tamper':
        this.tamper(ctx, action.partition);
        break;
      case 'launch':
        this.launch(ctx, action.partition);
        break;
      case 'tick':
        this.tick(ctx);
        break;
      case 'dma': {
        const dev = this.devices[action.device]!;
        ctx.log.push(
          `${this.deviceName(action.device)} starts a DMA ${action.access} at 0x${action.address.toString(16)}`,
        );
        dev.address = action.address;
        this.dma(ctx, action.device, action.access);
        break;
      }
      case 'peer':
        ctx.log.push(
          `${this.deviceName(action.device)} starts a DMA ${action.access} at the BAR of ${this.deviceName(action.peer)}`,
        );
        this.devices[action.device]!.address = barAddress(action.peer);
        this.dma(ctx, action.device, action.access);
        break;
      case 'irq':
        this.deviceIrq(ctx, action.device);
        break;
      case 'msi':
        this.msiWrite(ctx, action.device, action.vector);
        break;
      case 'run': {
        const v = this.vcpus[action.vcpu];
        if (!v || !this.canRun(v)) return null;
        vcpu = v.id;
        this.runVcpu(ctx, v);
        break;
      }
    }
    if (!ctx.event) throw new Error('emulator step without a model event');
    this.steps++;
    return {
      index: this.steps,
      event: ctx.event,
      outcome: ctx.outcome,
      effects: ctx.effects,
      hw: ctx.hw,
      log: ctx.log,
      instructions: ctx.instructions,
      ...(vcpu === undefined ? {} : { vcpu }),
    };
  }

  // ---------------------------------------------------------------- system audit

  /** One record, labelled by its cause and by `also` (partitions that decide whether it exists). */
  private audit(ctx: StepContext, code: AuditCode, cause: number | null, detail = 0, also = EMPTY): void {
    const label = (cause === null ? EMPTY : this.labelOf(cause)) | also;
    ctx.effects.push({ kind: 'audit', code, cause: cause as PartitionIdx | null, label });
    const ring = this.auditRing;
    const cap = this.mem.read32(ring + RING_CAPACITY);
    const head = this.mem.read32(ring + RING_HEAD);
    const count = this.mem.read32(ring + RING_COUNT);
    const seq = this.mem.read32(ring + RING_SEQ);
    let slot: number;
    if (count < cap) {
      slot = (head + count) % cap;
      this.mem.write32(ring + RING_COUNT, count + 1);
    } else {
      // Full: only reachable under `overwrite`; the oldest record goes and the loss is counted.
      slot = head;
      this.mem.write32(ring + RING_HEAD, (head + 1) % cap);
      if (!this.mutants.has('audit-overwrite-uncounted'))
        this.mem.write32(ring + RING_LOST, this.auditLost() + 1);
      ctx.log.push(`audit ring full: record #${seq - cap + 1} overwritten`);
    }
    const at = ring + AUDIT_HEADER + slot * AUDIT_RECORD;
    this.mem.fill(at, AUDIT_RECORD, 0);
    this.mem.write32(at, seq + 1);
    this.mem.write8(at + 4, AUDIT_CODES.indexOf(code));
    this.mem.write8(at + 5, cause === null ? 0xff : cause);
    this.mem.write32(at + 8, detail);
    this.mem.write32(at + 16, this.frameOf(0));
    this.mem.write32(ring + RING_SEQ, seq + 1);
    this.ghost.auditLabels[slot] = label;
    this.ghost.auditLabel |= label;
    ctx.log.push(`audit #${seq + 1}: ${code}${cause === null ? '' : ` (${this.partitionName(cause)})`}`);
    if (count + 1 === cap && this.config.audit.onFull === 'halt') this.halt(ctx, 'audit-full');
  }

  /** Fail-secure: every vCPU stops, the timer is disarmed, DMA and interrupts are blocked. */
  private halt(ctx: StepContext, reason: 'measurement' | 'audit-full'): void {
    ctx.effects.push({ kind: 'halt', reason });
    this.mem.write8(this.global + G_HALTED, 1);
    for (const bus of this.contextTables.keys()) writeRootEntry(this.mem, this.rootTable, bus, null);
    this.remapper.clear();
    this.fabric.released = false;
    this.mem.write8(this.global + G_HV_LOCKED, 1);
    for (let p = 0; p < this.config.partitions.length; p++)
      this.mem.write8(this.pcb + p * PCB_SIZE + PCB_IMAGE_LOCKED, 1);
    ctx.log.push(
      `SYSTEM HALTED (${reason === 'measurement' ? 'hypervisor measurement mismatch' : 'audit log full'})`,
    );
  }

  // ---------------------------------------------------------------- security monitor

  private measureHypervisor(ctx: StepContext): void {
    ctx.event = { type: 'MeasureHypervisor' };
    if (this.hvStatus !== 'pending' || this.halted) {
      ctx.outcome = 'ignored';
      ctx.log.push('measured launch already done: ignored');
      return;
    }
    this.tpm.dynamicLaunch();
    this.tpm.extend(PCR_LAUNCH, SINIT_DIGEST);
    const digest = sha256(this.imageBytes(null));
    this.tpm.extend(PCR_HYPERVISOR, digest);
    this.mem.write8(this.global + G_HV_LOCKED, 1);
    if (sameBytes(digest, this.knownGoodDigest(null))) {
      this.mem.write8(this.global + G_HV, 1);
      ctx.log.push(`dynamic launch: PCR17-22 zeroed, hypervisor measured into PCR18, matches known-good`);
      return;
    }
    this.mem.write8(this.global + G_HV, 2);
    ctx.outcome = 'refused';
    ctx.log.push(`dynamic launch: hypervisor measurement does not match known-good`);
    this.audit(ctx, 'hv-measurement-failed', null);
    if (!this.halted) this.halt(ctx, 'measurement');
  }

  private tamper(ctx: StepContext, p: PartitionIdx | null): void {
    ctx.event = { type: 'TamperImage', partition: p };
    const locked =
      this.halted ||
      (p === null
        ? this.mem.read8(this.global + G_HV_LOCKED) === 1
        : this.mem.read8(this.pcb + p * PCB_SIZE + PCB_IMAGE_LOCKED) === 1);
    const img = p === null ? this.hvImage : this.images[p]!;
    const payload = attackerPayload();
    const current = this.mem.readBytes(img.addr + IMAGE_PAYLOAD, payload.length);
    if (locked || sameBytes(current, payload)) {
      ctx.outcome = 'ignored';
      ctx.log.push(
        `attacker cannot change the ${p === null ? 'hypervisor' : this.partitionName(p)} image now`,
      );
      return;
    }
    this.mem.writeBytes(img.addr + IMAGE_PAYLOAD, payload);
    ctx.log.push(`attacker patches the ${p === null ? 'hypervisor' : this.partitionName(p)} image`);
  }

  private launch(ctx: StepContext, p: PartitionIdx): void {
    ctx.event = { type: 'LaunchPartition', partition: p };
    const next = this.mem.read32(this.global + G_NEXT_LAUNCH);
    if (this.halted || this.hvStatus !== 'ok' || next !== p) {
      ctx.outcome = 'ignored';
      ctx.log.push(`launch of ${this.partitionName(p)} is not next: ignored`);
      return;
    }
    const part = this.config.partitions[p]!;
    this.mem.write8(this.pcb + p * PCB_SIZE + PCB_IMAGE_LOCKED, 1);
    this.mem.write32(this.global + G_NEXT_LAUNCH, next + 1);
    if (part.launch === 'measured') {
      const digest = sha256(this.imageBytes(p));
      this.tpm.extend(PCR_PARTITIONS, digest);
      if (!sameBytes(digest, this.knownGoodDigest(p))) {
        this.setStatus(p, 'refused');
        ctx.outcome = 'refused';
        ctx.effects.push({ kind: 'launch', partition: p, verdict: 'refused' });
        ctx.log.push(`${part.name}: measurement does not match known-good, launch refused`);
        this.audit(ctx, 'launch-refused', p);
        this.completeBootIfDone(ctx);
        return;
      }
      ctx.log.push(`${part.name}: measured into PCR19, matches known-good, launched`);
    } else {
      this.tpm.extend(PCR_UNMEASURED, sha256(new TextEncoder().encode(`unmeasured:${part.name}`)));
      ctx.log.push(`${part.name}: launched WITHOUT measurement (recorded in PCR20)`);
    }
    ctx.effects.push({
      kind: 'launch',
      partition: p,
      verdict: part.launch === 'measured' ? 'measured' : 'unmeasured',
    });
    this.setStatus(p, 'running');
    this.buildEpt(p);
    this.loadCode(p);
    this.buildIoBitmap(p);
    this.completeBootIfDone(ctx);
  }

  /** The memory manager builds a partition's EPT from the system file: its memory, then shared regions. */
  private eptMappings(p: number): { gpaPage: number; hostPage: number; rights: number }[] {
    const out: { gpaPage: number; hostPage: number; rights: number }[] = [];
    const part = this.config.partitions[p]!;
    for (const range of part.memory)
      for (const page of pagesOf(range))
        out.push({ gpaPage: out.length, hostPage: page, rights: EPT_READ | EPT_WRITE | EPT_EXEC });
    for (const region of this.config.shared) {
      const rights =
        region.writer === p
          ? EPT_READ | EPT_WRITE
          : region.readers.includes(p as PartitionIdx)
            ? EPT_READ
            : 0;
      if (rights)
        for (const page of pagesOf(region.memory)) out.push({ gpaPage: out.length, hostPage: page, rights });
    }
    return out;
  }

  private buildEpt(p: number): void {
    let builder = this.eptBuilders[p];
    if (!builder) {
      builder = new EptBuilder(this.mem, () => this.allocTable());
      this.eptBuilders[p] = builder;
    }
    const root = builder.build(this.eptMappings(p));
    this.mem.write64(this.pcb + p * PCB_SIZE + PCB_EPT, root);
  }

  /** Decodes each vCPU's code from the partition's image (the image stays the only copy). */
  private loadCode(p: number): void {
    const img = this.images[p]!;
    const bytes = this.mem.bytes;
    const n = this.mem.read32(img.addr + IMAGE_VCPUS);
    for (const v of this.vcpus) {
      if (v.partition !== p) continue;
      const entry = img.addr + IMAGE_VCPUS + 4 + Math.min(v.index, n - 1) * 8;
      const offset = this.mem.read32(entry);
      const count = this.mem.read32(entry + 4);
      const code: Instruction[] = [];
      for (let i = 0; i < count; i++) {
        const ins = decodeAt(bytes, img.addr + offset + i * 8);
        if (!ins) throw new Error(`undecodable guest code in the image of ${this.partitionName(p)}`);
        code.push(ins);
      }
      v.code = code;
      this.restartVcpu(v);
    }
  }

  private restartVcpu(v: Vcpu): void {
    this.mem.fill(v.vmcs, VMCS_SIZE, 0);
    this.setVcpuState(v, 'ready');
  }

  /** VMX I/O bitmaps: every port exits except the register block of a device the partition owns. */
  private buildIoBitmap(p: number): void {
    const bitmap = this.mem.allocPages(2);
    this.mem.fill(bitmap, 2 * PAGE_SIZE, 0xff);
    for (const d of this.config.devices) {
      if (d.owner !== p) continue;
      for (let port = 0; port < DEVICE_PORT_STRIDE; port++) {
        const at = DEVICE_PORT_BASE + d.index * DEVICE_PORT_STRIDE + port;
        const byte = bitmap + (at >> 3);
        this.mem.write8(byte, this.mem.read8(byte) & ~(1 << (at & 7)));
      }
    }
    this.mem.write64(this.pcb + p * PCB_SIZE + PCB_IOBITMAP, bitmap);
  }

  private ioExits(p: number, port: number): boolean {
    const bitmap = this.mem.read64(this.pcb + p * PCB_SIZE + PCB_IOBITMAP);
    if (!bitmap || port > 0xffff) return true;
    return (this.mem.read8(bitmap + (port >> 3)) & (1 << (port & 7))) !== 0;
  }

  /**
   * After the last launch: program the IOMMU (context entries for devices whose owner runs),
   * interrupt remapping, the schedule table, and arm the preemption timer at position 0.
   */
  private completeBootIfDone(ctx: StepContext): void {
    if (this.mem.read32(this.global + G_NEXT_LAUNCH) < this.config.partitions.length || this.halted) return;
    const { mem, config } = this;
    for (const [bus, table] of this.contextTables) writeRootEntry(mem, this.rootTable, bus, table);
    for (const d of config.devices) {
      // Devices sharing a requester ID share its context: the first of them programs it, with the
      // union of their windows, and only once every one of their owners runs.
      const src = sourceIdOf(this.layout.requester[d.index]!);
      const table = this.contextTables.get(src.bus)!;
      const group = this.layout.group[d.index]!;
      const members = config.devices.filter((e) => has(group, e.index));
      const launched = members.every((e) => this.status(e.owner) === 'running');
      if (this.layout.requester[d.index] !== d.index) {
        // Its group's first device programmed the context.
      } else if (!launched) {
        writeContextEntry(mem, table, src.devfn, null);
      } else if (passThrough(this.layout, d.index)) {
        writeContextEntry(mem, table, src.devfn, {
          translationType: TT_PASSTHROUGH,
          domain: d.index + 1,
          slptptr: 0,
        });
      } else {
        const pages = members.flatMap((e) => e.dma.flatMap((r) => pagesOf(r)));
        const sl = buildSecondLevel(mem, () => this.allocTable(), [...new Set(pages)]);
        writeContextEntry(mem, table, src.devfn, {
          translationType: TT_TRANSLATED,
          domain: d.index + 1,
          slptptr: sl.root,
        });
      }
      if (this.status(d.owner) !== 'running') continue;
      let targets = 0;
      for (const other of config.devices) if (other.irq === d.irq) targets |= bit(other.owner);
      this.remapper.write(d.index, { vector: VECTOR_BASE + d.index, line: d.irq, targets, source: src });
    }
    mem.write32(this.global + G_MAJOR, config.schedule.majorFrame);
    mem.write32(this.global + G_WINDOWS, config.schedule.windows.length);
    config.schedule.windows.forEach((w, i) => {
      const at = this.schedule + i * WINDOW_SIZE;
      mem.write16(at, w.cpu);
      mem.write16(at + 2, w.partition);
      mem.write32(at + 4, w.start);
      mem.write32(at + 8, w.length);
    });
    for (let cpu = 0; cpu < config.platform.cpus; cpu++) mem.write32(this.frames + cpu * 4, 0);
    mem.write8(this.global + G_BOOTED, 1);
    this.fabric.released = true;
    ctx.log.push(
      'boot complete: IOMMU contexts and interrupt routing programmed, devices released, preemption timer armed',
    );
  }

  // ---------------------------------------------------------------- scheduler and health monitor

  private tick(ctx: StepContext): void {
    ctx.event = { type: 'Tick' };
    if (!this.dispatching()) {
      ctx.outcome = 'ignored';
      ctx.log.push('preemption timer not armed: ignored');
      return;
    }
    const { config, mem } = this;
    for (const v of this.vcpus)
      if (this.status(v.partition) === 'running' && this.covers(v.partition, v.cpu))
        ctx.hw.push({ kind: 'exit', cpu: v.cpu, reason: ExitReason.PreemptionTimer, partition: v.partition });
    const major = mem.read32(this.global + G_MAJOR);
    for (let cpu = 0; cpu < config.platform.cpus; cpu++)
      mem.write32(this.frames + cpu * 4, (this.frameOf(cpu) + 1) % major);
    ctx.log.push(`preemption timer (exit 52): tick ${this.frameOf(0)} of the major frame`);
    for (let m = 0; m < config.partitions.length; m++) {
      if (!this.privileged(m, PRIV_CONTROL) || !this.windowStarts(m) || this.status(m) !== 'running')
        continue;
      for (let p = 0; p < config.partitions.length; p++)
        if (p !== m && this.controls(m, p) && this.status(p) === 'faulted') {
          ctx.log.push(
            `health monitor ${this.partitionName(m)} resets faulted ${this.partitionName(p)} (partition-reset)`,
          );
          this.reset(ctx, m, p);
        }
    }
    for (let p = 0; p < config.partitions.length; p++) {
      const pending = this.vIrr(p);
      if (!pending || !this.partitionRunning(p) || this.mutants.has('injection-skipped')) continue;
      this.inject(ctx, p, pending);
      this.setVirr(p, 0);
    }
    for (const v of this.vcpus)
      if (this.vcpuState(v) === 'sleeping' && this.status(v.partition) === 'running')
        this.setVcpuState(v, 'ready');
  }

  /**
   * VM entry with the pending vectors of `devices` injected into `p`, carrying `label` (by default
   * the labels of the devices' owners).
   */
  private inject(ctx: StepContext, p: number, devices: Bits, label?: Bits): void {
    let carried = label ?? EMPTY;
    if (label === undefined)
      for (let d = 0; d < this.config.devices.length; d++)
        if (has(devices, d)) carried |= this.labelOf(this.config.devices[d]!.owner);
    this.ghost.observed[p]! |= carried;
    ctx.effects.push({ kind: 'inject', partition: p as PartitionIdx, devices });
    for (const v of this.vcpus) {
      if (v.partition !== p || !this.covers(p, v.cpu)) continue;
      const d = Math.log2(devices & -devices);
      this.mem.write32(v.vmcs + VMCS_VECTOR, VECTOR_BASE + d);
      this.mem.write32(v.vmcs + VMCS_INJECTIONS, this.mem.read32(v.vmcs + VMCS_INJECTIONS) + 1);
      if (this.vcpuState(v) === 'sleeping') this.setVcpuState(v, 'ready');
      break;
    }
    const names = [];
    for (let d = 0; d < this.config.devices.length; d++)
      if (has(devices, d)) names.push(`0x${(VECTOR_BASE + d).toString(16)}`);
    ctx.log.push(`VM entry into ${this.partitionName(p)} injects vector ${names.join(', ')}`);
  }

  /**
   * Restarts `target` for `by`: its memory is cleared and reloaded, its pending interrupts dropped, its
   * vCPUs restarted; it learns who reset it.
   */
  private reset(ctx: StepContext, by: number, target: number): void {
    ctx.effects.push({ kind: 'reset', by: by as PartitionIdx, target: target as PartitionIdx });
    const label = this.labelOf(by);
    if (!this.mutants.has('reset-keeps-memory')) {
      // That the pages were cleared now is the resetter's decision about the target's state.
      const cleared = label | this.labelOf(target);
      const touched = new Set<number>();
      for (const range of this.config.partitions[target]!.memory)
        for (const page of pagesOf(range)) {
          this.loadInitialData(page);
          this.ghost.pageLabel[page] = this.layout.classes[this.layout.classOf[page]!]!.initial | cleared;
          touched.add(this.layout.classOf[page]!);
        }
      for (const c of touched) {
        let union = EMPTY;
        for (const page of this.layout.classes[c]!.pages) union |= this.ghost.pageLabel[page]!;
        this.ghost.classLabel[c] = union;
      }
    }
    this.ghost.observed[target]! |= label;
    this.setVirr(target, 0);
    this.setStatus(target, 'running');
    // The restarted guest finds who reset it in r1 and how many times it was reset in r2.
    const resets = this.mem.read32(this.pcb + target * PCB_SIZE + PCB_RESETS) + 1;
    this.mem.write32(this.pcb + target * PCB_SIZE + PCB_RESETS, resets);
    for (const v of this.vcpus)
      if (v.partition === target) {
        this.restartVcpu(v);
        this.mem.write32(v.vmcs + 1 * 4, by);
        this.mem.write32(v.vmcs + 2 * 4, resets);
      }
  }

  /** A page's content at launch: the data of the first partition listing it, or zeroes. */
  private loadInitialData(page: number): void {
    const owner = this.config.partitions.find((p) =>
      p.memory.some((r) => page >= r.start && page < r.start + r.pages),
    );
    const at = page * PAGE_SIZE;
    if (!owner) {
      this.mem.fill(at, PAGE_SIZE, 0);
      return;
    }
    const word = (0x5a000000 | ((owner.index & 0xff) << 16) | (page & 0xffff)) >>> 0;
    for (let off = 0; off < PAGE_SIZE; off += 4) this.mem.view.setUint32(at + off, word, true);
    this.mem.write32(at, word);
  }

  // ---------------------------------------------------------------- faults and exits

  private fault(ctx: StepContext, p: number, code: AuditCode, detail = 0): void {
    ctx.effects.push({ kind: 'fault', partition: p as PartitionIdx });
    ctx.outcome = 'faulted';
    this.setStatus(p, 'faulted');
    for (const v of this.vcpus) if (v.partition === p) this.setVcpuState(v, 'stopped');
    ctx.log.push(`${this.partitionName(p)} faulted: its vCPUs stop until a partition-reset`);
    this.audit(ctx, code, p, detail);
  }

  private exit(ctx: StepContext, v: Vcpu, reason: number): void {
    ctx.hw.push({ kind: 'exit', cpu: v.cpu, reason, partition: v.partition });
    ctx.effects.push({ kind: 'vm-exit', partition: v.partition, reason });
  }

  /** Exits a guest causes on purpose, other than VMCALL and EPT faults. */
  private vmExit(ctx: StepContext, v: Vcpu, reason: number): void {
    const p = v.partition;
    ctx.event = { type: 'VmExit', partition: p, reason };
    this.exit(ctx, v, reason);
    switch (reason) {
      case ExitReason.Cpuid:
      case ExitReason.Hlt:
      case ExitReason.CrAccess:
      case ExitReason.Rdmsr:
        return;
      case ExitReason.IoInstruction:
      case ExitReason.Wrmsr:
        ctx.effects.push({ kind: 'inject-gp', partition: p });
        this.mem.write32(v.vmcs + VMCS_EXCEPTION, 13);
        ctx.outcome = 'refused';
        ctx.log.push('#GP injected');
        this.audit(ctx, reason === ExitReason.Wrmsr ? 'msr-denied' : 'io-denied', p, reason);
        return;
      default:
        this.fault(ctx, p, 'guest-fault', reason);
    }
  }

  // ---------------------------------------------------------------- guest execution

  /** Runs `v` natively until its next visible instruction, which this step performs. */
  private runVcpu(ctx: StepContext, v: Vcpu): void {
    const { mem } = this;
    const p = v.partition;
    const regs = new Uint32Array(REGISTERS);
    for (let r = 0; r < REGISTERS; r++) regs[r] = mem.read32(v.vmcs + r * 4);
    let pc = mem.read32(v.vmcs + VMCS_PC);
    const code = v.code;
    const who = `cpu${v.cpu} ${this.partitionName(p)}`;
    const save = () => {
      for (let r = 0; r < REGISTERS; r++) mem.write32(v.vmcs + r * 4, regs[r]!);
      mem.write32(v.vmcs + VMCS_PC, pc);
      mem.write32(v.vmcs + VMCS_RETIRED, mem.read32(v.vmcs + VMCS_RETIRED) + ctx.instructions);
    };
    for (let budget = code.length + 1; ; budget--) {
      if (budget < 0) throw new Error(`vCPU ${v.id} ran a loop without a visible instruction`);
      const ins = code[pc]!;
      const next = (pc + 1) % code.length;
      ctx.instructions++;
      switch (ins.op) {
        case 'nop':
          pc = next;
          continue;
        case 'mov':
          regs[ins.a] = ins.imm;
          pc = next;
          continue;
        case 'movr':
          regs[ins.a] = regs[ins.b]!;
          pc = next;
          continue;
        case 'add':
          regs[ins.a] = (regs[ins.a]! + ins.imm) >>> 0;
          pc = next;
          continue;
        case 'jmp':
          pc = ins.imm;
          continue;
        case 'jnz':
          pc = regs[ins.a] ? ins.imm : next;
          continue;
        case 'in':
        case 'out': {
          const port = ins.imm;
          if (!this.ioExits(p, port)) {
            const d = Math.floor((port - DEVICE_PORT_BASE) / DEVICE_PORT_STRIDE);
            const reg = (port - DEVICE_PORT_BASE) % DEVICE_PORT_STRIDE;
            const dev = this.devices[d]!;
            if (ins.op === 'in') {
              regs[ins.a] = reg === PORT_STATUS ? dev.status : reg === PORT_ADDR ? dev.address : 0;
              pc = next;
              continue;
            }
            if (reg === PORT_ADDR) {
              dev.address = regs[ins.a]!;
              pc = next;
              continue;
            }
            if (reg === PORT_CMD && (regs[ins.a] === CMD_DMA_READ || regs[ins.a] === CMD_DMA_WRITE)) {
              pc = next;
              save();
              const access = regs[ins.a] === CMD_DMA_READ ? 'read' : 'write';
              ctx.log.push(`${who}: ${disassemble(ins)} rings ${this.deviceName(d)}'s doorbell`);
              this.dma(ctx, d as DeviceIdx, access);
              return;
            }
            pc = next;
            continue;
          }
          pc = next;
          if (ins.op === 'in') regs[ins.a] = 0xffffffff;
          save();
          ctx.log.push(`${who}: ${disassemble(ins)} -> VM exit 30 (I/O instruction)`);
          this.vmExit(ctx, v, ExitReason.IoInstruction);
          return;
        }
        case 'load':
        case 'store':
        case 'exec': {
          const access: Access = ins.op === 'load' ? 'read' : ins.op === 'store' ? 'write' : 'execute';
          const addr = ins.op === 'exec' ? ins.imm : ins.imm - (ins.imm % 4);
          pc = next;
          const value = regs[ins.a]!;
          const done = this.guestMemory(ctx, v, addr, access, value);
          if (done !== null && ins.op === 'load') regs[ins.a] = done;
          save();
          ctx.log.unshift(`${who}: ${disassemble(ins)}`);
          return;
        }
        case 'cpuid': {
          const leaf = regs[0]!;
          regs[0] = leaf === 0 ? 0x40000001 : 0;
          regs[1] = 0x65707954; // "Type"
          regs[2] = 0x6f72655a; // "Zero"
          regs[3] = v.index;
          pc = next;
          save();
          ctx.log.push(`${who}: cpuid -> VM exit 10, emulated`);
          this.vmExit(ctx, v, ExitReason.Cpuid);
          return;
        }
        case 'hlt':
          pc = next;
          save();
          this.setVcpuState(v, 'sleeping');
          ctx.log.push(`${who}: hlt -> VM exit 12, vCPU sleeps until its next VM entry`);
          this.vmExit(ctx, v, ExitReason.Hlt);
          return;
        case 'movcr':
          mem.write32(v.vmcs + VMCS_CR + (ins.a % 9) * 4, regs[ins.b]!);
          pc = next;
          save();
          ctx.log.push(`${who}: ${disassemble(ins)} -> VM exit 28, shadow CR${ins.a} updated`);
          this.vmExit(ctx, v, ExitReason.CrAccess);
          return;
        case 'rdmsr':
          regs[0] = regs[1] === 0x10 ? mem.read32(v.vmcs + VMCS_RETIRED) : 0;
          pc = next;
          save();
          ctx.log.push(`${who}: rdmsr 0x${regs[1]!.toString(16)} -> VM exit 31, emulated`);
          this.vmExit(ctx, v, ExitReason.Rdmsr);
          return;
        case 'wrmsr':
          pc = next;
          save();
          ctx.log.push(`${who}: wrmsr 0x${regs[1]!.toString(16)} -> VM exit 32`);
          this.vmExit(ctx, v, ExitReason.Wrmsr);
          return;
        case 'triple':
          pc = next;
          save();
          ctx.log.push(`${who}: triple fault -> VM exit 2`);
          this.vmExit(ctx, v, ExitReason.TripleFault);
          return;
        case 'vmcall': {
          pc = next;
          const result = this.hypercall(ctx, v, regs[0]!, regs[1]!, regs[2]!, regs[3]!);
          regs[0] = result.status;
          if (result.value !== undefined) regs[1] = result.value;
          if (result.extra !== undefined) regs[2] = result.extra;
          save();
          return;
        }
      }
    }
  }

  /** One guest access through the EPT; returns the loaded word, or null when the access failed. */
  private guestMemory(ctx: StepContext, v: Vcpu, addr: number, access: Access, value: number): number | null {
    const p = v.partition;
    const walk = walkEpt(this.mem, this.eptRoot(p), addr, access as EptAccess, {
      ignoreWriteBit: this.mutants.has('ept-ignores-write-bit'),
    });
    const gpa = Math.floor(addr / PAGE_SIZE);
    if (walk.kind === 'misconfig') {
      ctx.log.push(`EPT misconfiguration (exit 49) at gpa 0x${addr.toString(16)}, level ${walk.level}`);
      this.vmExit(ctx, v, ExitReason.EptMisconfig);
      this.buildEpt(p);
      ctx.log.push(`memory manager rebuilds the EPT of ${this.partitionName(p)} from the system file`);
      return null;
    }
    ctx.event = { type: 'GuestAccess', partition: p, gpa, access };
    if (walk.kind === 'violation') {
      this.exit(ctx, v, ExitReason.EptViolation);
      ctx.effects.push({ kind: 'ept-violation', partition: p, gpa, access });
      ctx.log.push(`EPT violation (exit 48): ${access} at gpa 0x${addr.toString(16)}`);
      this.fault(ctx, p, 'ept-violation', gpa);
      return null;
    }
    const page = Math.floor(walk.hpa / PAGE_SIZE);
    if (access === 'write') {
      this.mem.write32(walk.hpa, value);
      this.labelWrite(page, this.labelOf(p));
      ctx.log.push(`  -> host 0x${walk.hpa.toString(16)} := 0x${value.toString(16)}`);
      return value;
    }
    this.labelRead(p, page);
    const word = access === 'read' ? this.mem.read32(walk.hpa) : this.mem.read8(walk.hpa);
    ctx.log.push(
      `  -> host 0x${walk.hpa.toString(16)}${access === 'read' ? ` = 0x${word.toString(16)}` : ' fetched'}`,
    );
    return word;
  }

  private labelWrite(page: number, label: Bits): void {
    this.ghost.pageLabel[page]! |= label;
    this.ghost.classLabel[this.layout.classOf[page]!]! |= label;
  }

  private labelRead(p: number, page: number): void {
    this.ghost.observed[p]! |= this.ghost.classLabel[this.layout.classOf[page]!]!;
  }

  // ---------------------------------------------------------------- IOMMU

  /**
   * Device `d` performs the DMA its registers describe: to a peer's BAR when the fabric routes it
   * there, otherwise through the remapping hardware.
   */
  private dma(ctx: StepContext, d: DeviceIdx, access: 'read' | 'write'): void {
    const dev = this.devices[d]!;
    const owner = this.config.devices[d]!.owner;
    const address = dev.address;
    const peer = this.fabric.peerAt(d, address);
    if (peer !== null) {
      this.peerDma(ctx, d, peer as DeviceIdx, access);
      return;
    }
    const page = Math.floor(address / PAGE_SIZE);
    ctx.event = { type: 'Dma', device: d, page, access };
    if (!this.fabric.released) {
      // Held before boot and from the halt: nothing reaches the IOMMU, so nothing is recorded
      // (no root entry exists then, and no hypervisor would act on a reason-1 record).
      dev.status = 0xff;
      ctx.outcome = 'ignored';
      ctx.log.push(`${this.deviceName(d)} DMA held: the devices are not released`);
      return;
    }
    const tr = this.iommu.translate(sourceIdOf(this.layout.requester[d]!), address, access === 'write');
    if (tr.kind === 'blocked') {
      // No fault record: the hypervisor never learns of the request, so nothing audits it.
      dev.status = 0xff;
      ctx.outcome = 'refused';
      ctx.log.push(
        `${this.deviceName(d)} pass-through DMA ${access} at 0x${address.toString(16)} blocked by the platform, unreported`,
      );
      return;
    }
    if (tr.kind === 'fault') {
      dev.status = tr.reason;
      ctx.hw.push({ kind: 'vtd-fault', device: d, reason: tr.reason, address });
      const records = this.iommu.drainFaults();
      ctx.log.push(
        `VT-d fault reason ${tr.reason} (${VTD_REASON_TEXT[tr.reason]}) for ${this.deviceName(d)} at 0x${address.toString(16)}`,
      );
      for (const rec of records) {
        ctx.effects.push({
          kind: 'vtd-fault',
          device: d,
          page: Math.floor(rec.address / PAGE_SIZE),
          reason: rec.reason as ModelVtdFaultReason,
        });
      }
      ctx.outcome = 'refused';
      this.audit(ctx, 'iommu-fault', owner, address);
      return;
    }
    dev.status = 0;
    const hpage = Math.floor(tr.hpa / PAGE_SIZE);
    const at = tr.hpa - (tr.hpa % 8);
    if (access === 'write') {
      for (let i = 0; i < 8; i++) if (dev.buffer[i] === 0) dev.buffer[i] = 0xd0 + d;
      this.mem.writeBytes(at, dev.buffer);
      this.labelWrite(hpage, this.labelOf(owner));
    } else {
      dev.buffer = this.mem.readBytes(at, 8);
      this.labelRead(owner, hpage);
    }
    ctx.log.push(
      `${this.deviceName(d)} DMA ${access} 0x${address.toString(16)} -> host 0x${tr.hpa.toString(16)}${tr.passthrough ? ' (pass-through)' : ` (domain ${tr.domain})`}`,
    );
  }

  /**
   * The fabric routed `d`'s request to the BAR of `peer` below the IOMMU: the buffers move with
   * nothing translating, faulting or auditing it. A buffer holds what its device moves for its owner,
   * so the owner receiving data gets the sender's owner's label (as the model has it).
   */
  private peerDma(ctx: StepContext, d: DeviceIdx, peer: DeviceIdx, access: 'read' | 'write'): void {
    ctx.event = { type: 'PeerDma', device: d, peer, access };
    if (!this.fabric.released) {
      ctx.outcome = 'ignored';
      ctx.log.push(`${this.deviceName(d)} peer request held: the devices are not released`);
      return;
    }
    const dev = this.devices[d]!;
    const other = this.devices[peer]!;
    const owner = this.config.devices[d]!.owner;
    const peerOwner = this.config.devices[peer]!.owner;
    dev.status = 0;
    if (access === 'write') {
      for (let i = 0; i < 8; i++) if (dev.buffer[i] === 0) dev.buffer[i] = 0xd0 + d;
      other.buffer = dev.buffer.slice();
      this.ghost.observed[peerOwner]! |= this.labelOf(owner);
    } else {
      dev.buffer = other.buffer.slice();
      this.ghost.observed[owner]! |= this.labelOf(peerOwner);
    }
    ctx.log.push(
      `${this.deviceName(d)} ${access === 'write' ? 'writes to' : 'reads from'} the buffer of ${this.deviceName(peer)} peer-to-peer: the request never reaches the IOMMU`,
    );
  }

  // ---------------------------------------------------------------- interrupts

  private deviceIrq(ctx: StepContext, d: DeviceIdx): void {
    ctx.event = { type: 'DeviceIrq', device: d };
    const delivery = this.remapper.deliver(sourceIdOf(this.layout.requester[d]!), VECTOR_BASE + d);
    if (delivery.kind === 'blocked' || this.halted) {
      ctx.outcome = 'ignored';
      ctx.hw.push({ kind: 'irq-blocked', device: d });
      ctx.log.push(`${this.deviceName(d)} interrupt blocked: no remapping entry`);
      return;
    }
    ctx.log.push(
      `${this.deviceName(d)} raises line ${delivery.fields.line} (vector 0x${delivery.fields.vector.toString(16)})`,
    );
    this.route(ctx, d, delivery.fields.targets, this.labelOf(this.config.devices[d]!.owner), false);
  }

  /**
   * Device `d` writes an MSI with the vector of device `v`. Under interrupt remapping source-id
   * validation refuses it; without, the hypervisor cannot tell it from `v`'s own interrupt and
   * routes it as such. A pending vector does not remember who raised it, so the partitions that hold
   * it pending are given the sender's label now (as the model does).
   */
  private msiWrite(ctx: StepContext, d: DeviceIdx, v: DeviceIdx): void {
    ctx.event = { type: 'MsiWrite', device: d, vector: v };
    const delivery = this.remapper.deliver(sourceIdOf(this.layout.requester[d]!), VECTOR_BASE + v);
    if (delivery.kind === 'blocked' || this.halted || !this.booted) {
      ctx.outcome = 'ignored';
      ctx.hw.push({ kind: 'irq-blocked', device: d });
      const why =
        delivery.kind === 'blocked' && delivery.why === 'source-id'
          ? 'source-id validation'
          : 'no remapping entry';
      ctx.log.push(
        `${this.deviceName(d)} MSI with vector 0x${(VECTOR_BASE + v).toString(16)} blocked: ${why}`,
      );
      return;
    }
    ctx.log.push(
      `${this.deviceName(d)} writes an MSI with vector 0x${delivery.fields.vector.toString(16)}, which belongs to ${this.deviceName(v)}: no interrupt remapping checks its source`,
    );
    this.route(ctx, v, delivery.fields.targets, this.labelOf(this.config.devices[d]!.owner), true);
  }

  /** The hypervisor delivers the vector of device `d` to `targets`: at once if running, else pending. */
  private route(ctx: StepContext, d: DeviceIdx, targets: Bits, label: Bits, labelPending: boolean): void {
    for (let q = 0; q < this.config.partitions.length; q++) {
      if (!has(targets, q)) continue;
      if (this.partitionRunning(q)) {
        const v = this.vcpus.find((x) => x.partition === q && this.covers(q, x.cpu))!;
        ctx.hw.push({ kind: 'exit', cpu: v.cpu, reason: ExitReason.ExternalInterrupt, partition: q });
        ctx.effects.push({
          kind: 'vm-exit',
          partition: q as PartitionIdx,
          reason: ExitReason.ExternalInterrupt,
        });
        ctx.log.push(`cpu${v.cpu}: external interrupt (exit 1)`);
        this.inject(ctx, q, bit(d), label);
      } else {
        if (this.mutants.has('irq-drops-pending')) continue;
        ctx.effects.push({ kind: 'pend', partition: q as PartitionIdx, device: d });
        this.setVirr(q, this.vIrr(q) | bit(d));
        if (labelPending) this.ghost.observed[q]! |= label;
        else this.ghost.raisedLabel[q]![d] = label;
        ctx.log.push(`vector pending for ${this.partitionName(q)} until its next VM entry`);
      }
    }
  }

  // ---------------------------------------------------------------- hypercalls

  private hypercall(
    ctx: StepContext,
    v: Vcpu,
    number: number,
    r1: number,
    r2: number,
    r3: number,
  ): { status: number; value?: number; extra?: number } {
    const p = v.partition;
    const op = hypercallOp(number);
    const arg = hypercallArg(r1);
    const withBuffer = number === HYPERCALL_NUMBER.send || number === HYPERCALL_NUMBER.receive;
    ctx.event = withBuffer
      ? { type: 'Hypercall', partition: p, op, arg, buffer: bufferPage(r2, r3) }
      : { type: 'Hypercall', partition: p, op, arg };
    this.exit(ctx, v, ExitReason.Vmcall);
    const { channels, partitions } = this.config;
    const finish = (status: HypercallStatus, value?: number, extra?: number) => {
      ctx.effects.push({ kind: 'hypercall', partition: p, op, status });
      ctx.log.unshift(
        `cpu${v.cpu} ${this.partitionName(p)}: VMCALL ${op}(${arg}) -> ${status}${value === undefined ? '' : ` [${value}]`}`,
      );
      return {
        status: STATUS_CODE[status],
        ...(value === undefined ? {} : { value }),
        ...(extra === undefined ? {} : { extra }),
      };
    };
    const refuse = (status: HypercallStatus) => {
      const r = finish(status);
      ctx.outcome = 'refused';
      this.audit(ctx, 'hypercall-refused', p, number);
      return r;
    };
    const validPartition = arg >= 0 && arg < partitions.length;
    switch (number) {
      case HYPERCALL_NUMBER.send: {
        const ch = channels[arg];
        if (!ch || arg < 0) return refuse('EINVAL');
        if (ch.from !== p) return refuse('EPERM');
        const source = this.messageBuffer(p, r2, r3, 'read');
        if (source === null) return refuse('EFAULT');
        const ring = this.channelRings[arg]!;
        const count = this.mem.read32(ring + RING_COUNT);
        const cap = this.mem.read32(ring + RING_CAPACITY);
        if (count >= cap) {
          // Dropped but reported OK: back-pressure would tell the sender the receiver's progress.
          ctx.outcome = 'dropped';
          ctx.log.push(`channel ${ch.name} full: message dropped, sender told OK`);
          this.audit(ctx, 'channel-full', p, arg, this.labelOf(ch.to));
          return finish('OK');
        }
        const slot = (this.mem.read32(ring + RING_HEAD) + count) % cap;
        const at = ring + CHANNEL_HEADER + slot * CHANNEL_SLOT;
        this.mem.write32(at, this.mem.read32(source));
        this.mem.write32(at + 4, p);
        this.mem.write32(ring + RING_COUNT, count + 1);
        // The message is what the buffer holds; a downgrader releases it as its own.
        const page = Math.floor(source / PAGE_SIZE);
        const content = has(this.layout.downgraders, p)
          ? EMPTY
          : this.ghost.classLabel[this.layout.classOf[page]!]!;
        this.ghost.channelLabels[arg]![slot] = this.labelOf(p) | content;
        return finish('OK');
      }
      case HYPERCALL_NUMBER.receive: {
        const ch = channels[arg];
        if (!ch || arg < 0) return refuse('EINVAL');
        if (ch.to !== p) return refuse('EPERM');
        const target = this.messageBuffer(p, r2, r3, 'write');
        if (target === null) return refuse('EFAULT');
        const ring = this.channelRings[arg]!;
        const count = this.mem.read32(ring + RING_COUNT);
        if (count === 0) return finish('EAGAIN');
        const head = this.mem.read32(ring + RING_HEAD);
        const cap = this.mem.read32(ring + RING_CAPACITY);
        const at = ring + CHANNEL_HEADER + head * CHANNEL_SLOT;
        const message = this.mem.read32(at);
        this.mem.write32(ring + RING_HEAD, (head + 1) % cap);
        this.mem.write32(ring + RING_COUNT, count - 1);
        this.ghost.observed[p]! |= this.ghost.channelLabels[arg]![head]!;
        // Copied into the caller's buffer as if the caller wrote it, and returned in r1.
        this.mem.write32(target, message);
        this.labelWrite(Math.floor(target / PAGE_SIZE), this.labelOf(p));
        return finish('OK', message);
      }
      case HYPERCALL_NUMBER['partition-reset']: {
        if (!validPartition || arg === p) return refuse('EINVAL');
        if (!this.controls(p, arg)) return refuse('EPERM');
        const st = this.status(arg);
        if (st !== 'running' && st !== 'faulted') return refuse('EINVAL');
        this.reset(ctx, p, arg);
        return finish('OK');
      }
      case HYPERCALL_NUMBER['partition-status']: {
        if (!validPartition) return refuse('EINVAL');
        if (!this.controls(p, arg) && !this.mutants.has('status-without-privilege')) return refuse('EPERM');
        this.ghost.observed[p]! |= this.ghost.observed[arg]!;
        return finish('OK', STATUS_NAMES.indexOf(this.status(arg)));
      }
      case HYPERCALL_NUMBER['audit-read']: {
        if (!this.privileged(p, PRIV_AUDIT)) return refuse('EPERM');
        const records = this.auditRecords();
        this.ghost.observed[p]! |= this.ghost.auditLabel;
        const newest = records[records.length - 1];
        return finish('OK', records.length, newest ? AUDIT_CODES.indexOf(newest.code) : 0);
      }
      case HYPERCALL_NUMBER.yield:
        this.setVcpuState(v, 'sleeping');
        return finish('OK');
      default:
        return refuse('ENOSYS');
    }
  }

  /**
   * The host address of the message buffer at guest address `address`, `length` bytes long, when it
   * is one aligned message and the caller's EPT grants `access` there; null otherwise (EFAULT). The
   * hypervisor walks the caller's EPT itself, with the caller's rights, before it copies: it never
   * reads or writes guest memory with its own privilege where the guest could not.
   */
  private messageBuffer(p: number, address: number, length: number, access: 'read' | 'write'): number | null {
    if (bufferPage(address, length) < 0) return null;
    const walk = walkEpt(this.mem, this.eptRoot(p), address, access);
    return walk.kind === 'ok' ? walk.hpa : null;
  }

  // ---------------------------------------------------------------- test hooks

  /** Fault injection for tests: makes one of `p`'s EPT leaf entries malformed (write without read). */
  corruptEptEntry(p: number, gpaPage: number): boolean {
    const root = this.eptRoot(p);
    if (!root) return false;
    let table = root;
    for (let level = 4; level > 1; level--) {
      const entry = this.mem.read64(table + (Math.floor(gpaPage / 2 ** (9 * (level - 1))) % 512) * 8);
      if (entry % 8 === 0) return false;
      table = entryAddress(entry);
    }
    const slot = table + (gpaPage % 512) * 8;
    const entry = this.mem.read64(slot);
    if (entry % 8 === 0) return false;
    this.mem.write64(slot, entry - (entry % 8) + EPT_WRITE);
    return true;
  }
}

/** The partitions `p`'s partition-control reaches: those its `controls` names (all without it) and itself. */
function controlMask(config: SystemConfig, p: number): number {
  const part = config.partitions[p]!;
  if (!part.privileges.includes('partition-control')) return 0;
  if (part.controls === undefined) return 2 ** config.partitions.length - 1;
  return part.controls.reduce((mask, t) => mask | (1 << t), 1 << p);
}
