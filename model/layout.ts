/**
 * Static facts the model derives once from a system configuration: the EPT the memory manager
 * builds for each partition, what each device reaches through the IOMMU, interrupt routing, the
 * schedule unrolled per tick, and the memory abstraction that keeps exhaustive search small.
 *
 * Memory abstraction (docs/DESIGN.md section 4): host pages with the same accessors (the same partitions
 * through EPT with the same rights, the same devices through the IOMMU, listed by the same
 * partitions, in the same shared regions) behave identically, so one abstract cell stands for each
 * such class. A class only one partition can reach needs no label of its own: it only ever holds
 * what that partition observed, so reading it back adds nothing. Only the remaining classes carry a
 * label in the state (`State.cells`).
 */

import {
  type CpuId,
  type DeviceIdx,
  type HostPage,
  hasPrivilege,
  pagesOf,
  type SystemConfig,
} from '../system/config.js';
import { type Bits, bit, EMPTY, has } from './bits.js';
import { mayFlowTo } from './policy.js';

/** EPT entry permission bits, as in the Intel entry format (bits 0, 1, 2). */
export const EPT_R = 1;
export const EPT_W = 2;
export const EPT_X = 4;

/** One guest-physical page of a partition's EPT. The guest sees its pages from gpa 0 upwards. */
export interface EptEntry {
  readonly gpa: number;
  readonly page: HostPage;
  readonly rights: number;
}

export interface MemClass {
  readonly id: number;
  readonly pages: readonly HostPage[];
  /** Partitions whose `memory` lists these pages. */
  readonly listers: Bits;
  /** Partitions that reach the class through EPT or through a device they own. */
  readonly accessors: Bits;
  /** Devices whose IOMMU translation reaches the class. */
  readonly devices: Bits;
  /** Index into `State.cells`, or -1 for a class that needs no label. */
  readonly cell: number;
  /** Label of a fresh page of this class: the partitions that list it. */
  readonly initial: Bits;
}

/** Scheduling facts for one tick position of the major frame. */
export interface FrameSlot {
  /** Partitions with a window covering this tick on some CPU. */
  readonly eligible: Bits;
  /** Per CPU, the partitions whose windows cover this tick there. */
  readonly perCpu: readonly Bits[];
  /** Partitions that would run here against the schedule's rules: through a window that wraps past
   * the major frame, or on a CPU the partition may not use. */
  readonly misplaced: Bits;
  /** Partitions with a window starting at this tick (the health monitor acts then). */
  readonly starting: Bits;
}

export interface Layout {
  readonly config: SystemConfig;
  readonly nPartitions: number;
  readonly nDevices: number;
  readonly classes: readonly MemClass[];
  /** Class of each host page. */
  readonly classOf: readonly number[];
  /** Labelled classes, in `State.cells` order. */
  readonly cells: readonly MemClass[];
  readonly ept: readonly (readonly EptEntry[])[];
  /** Per partition: the EPT maps a page beyond what it may reach (owned alone, or shared as configured). */
  readonly eptBreach: readonly boolean[];
  /** Per partition and host page: the rights MemoryIsolation allows (0 when none). */
  readonly allowed: readonly Uint8Array[];
  /** Per device and host page: 1 where the IOMMU lets the device through. */
  readonly dmaReach: readonly Uint8Array[];
  /**
   * Per device: the device whose requester ID it uses (the first of its `iommuGroup` in file order,
   * else itself). One requester ID is one VT-d context and one interrupt-remapping source id.
   */
  readonly requester: readonly DeviceIdx[];
  /** Per device: the devices sharing its requester ID, itself included. */
  readonly group: readonly Bits[];
  /** Per device: the owners of the devices sharing its requester ID. */
  readonly groupOwners: readonly Bits[];
  /**
   * Per device: the devices whose memory-mapped buffers it reaches peer-to-peer, without the IOMMU:
   * the others of its `iommuGroup` (a conventional PCI bus behind a bridge has no access control
   * services), and with `platform.acs: off` the others naming its `rootPort`.
   */
  readonly peers: readonly Bits[];
  /** Per device: host pages its owner may write (DmaContainment's bound). */
  readonly ownerWritable: readonly Uint8Array[];
  /** Per device: partitions owning a device on the same interrupt line. */
  readonly irqTargets: readonly Bits[];
  readonly frames: readonly FrameSlot[];
  /** Partitions holding `partition-control`. */
  readonly monitors: Bits;
  /**
   * Per partition: the partitions its `partition-control` reaches (reset and status): those its
   * `controls` names, every partition when it names none, and itself (a holder may query its own
   * status, never reset itself); none without the privilege.
   */
  readonly controls: readonly Bits[];
  /** Health monitors: holders of `partition-control` that control another partition (FaultRecovery's monitors). */
  readonly healthMonitors: Bits;
  readonly auditReaders: Bits;
  readonly downgraders: Bits;
  /** Per partition: the sources InformationFlow lets reach it. */
  readonly mayFlowTo: readonly Bits[];
}

export interface LayoutOptions {
  /**
   * Test-only: give every host page its own cell with a label, instead of one cell per class of
   * interchangeable pages and none for pages only one partition reaches. Verdicts must not change.
   */
  readonly precise?: boolean;
}

export function buildLayout(config: SystemConfig, options: LayoutOptions = {}): Layout {
  const nPartitions = config.partitions.length;
  const nDevices = config.devices.length;
  const nPages = config.platform.pages;

  const listers: number[] = new Array(nPages).fill(EMPTY);
  for (const p of config.partitions)
    for (const range of p.memory) for (const page of pagesOf(range)) listers[page]! |= bit(p.index);

  const sharedOf: string[][] = Array.from({ length: nPages }, () => []);
  config.shared.forEach((region, r) => {
    for (const page of pagesOf(region.memory)) sharedOf[page]!.push(String(r));
  });

  const ept = config.partitions.map((p) => {
    const entries: EptEntry[] = [];
    const map = (page: HostPage, rights: number) => entries.push({ gpa: entries.length, page, rights });
    for (const range of p.memory) for (const page of pagesOf(range)) map(page, EPT_R | EPT_W | EPT_X);
    for (const region of config.shared) {
      if (region.writer === p.index) for (const page of pagesOf(region.memory)) map(page, EPT_R | EPT_W);
      else if (region.readers.includes(p.index)) for (const page of pagesOf(region.memory)) map(page, EPT_R);
    }
    return entries;
  });

  const allowed = config.partitions.map((p) => {
    const rights = new Uint8Array(nPages);
    for (let page = 0; page < nPages; page++)
      if (listers[page] === bit(p.index)) rights[page] = EPT_R | EPT_W | EPT_X;
    for (const region of config.shared) {
      const granted =
        region.writer === p.index ? EPT_R | EPT_W : region.readers.includes(p.index) ? EPT_R : 0;
      for (const page of pagesOf(region.memory)) rights[page]! |= granted;
    }
    return rights;
  });

  const eptBreach = ept.map((entries, p) => entries.some((e) => (e.rights & ~allowed[p]![e.page]!) !== 0));

  // Devices of one iommuGroup share a requester ID, hence one context: each reaches the union of
  // the group's windows (all of memory if one of them is pass-through).
  const requester = config.devices.map((d) =>
    d.iommuGroup === null ? d.index : config.devices.find((e) => e.iommuGroup === d.iommuGroup)!.index,
  );
  const group = requester.map((r) => {
    let members = EMPTY;
    requester.forEach((other, e) => {
      if (other === r) members |= bit(e);
    });
    return members;
  });
  const groupOwners = group.map((members) => {
    let owners = EMPTY;
    for (const d of config.devices) if (has(members, d.index)) owners |= bit(d.owner);
    return owners;
  });
  const peers = config.devices.map((d, i) => {
    let reached = group[i]! & ~bit(i);
    if (config.platform.acs === 'off' && d.rootPort !== null)
      for (const e of config.devices) if (e.index !== i && e.rootPort === d.rootPort) reached |= bit(e.index);
    return reached;
  });
  const dmaReach = config.devices.map((_, i) => {
    const reach = new Uint8Array(nPages);
    for (const d of config.devices) {
      if (!has(group[i]!, d.index)) continue;
      if (d.iommu === 'passthrough') reach.fill(1);
      else for (const range of d.dma) for (const page of pagesOf(range)) reach[page] = 1;
    }
    return reach;
  });

  const ownerWritable = config.devices.map((d) => {
    const writable = new Uint8Array(nPages);
    for (let page = 0; page < nPages; page++) writable[page] = allowed[d.owner]![page]! & EPT_W ? 1 : 0;
    return writable;
  });

  // Group pages into classes by everything that can tell two pages apart.
  const eptRights: number[][] = Array.from({ length: nPages }, () => new Array(nPartitions).fill(0));
  ept.forEach((entries, p) => {
    for (const e of entries) eptRights[e.page]![p]! |= e.rights;
  });
  const signatureToClass = new Map<string, number>();
  const classOf: number[] = [];
  const classPages: HostPage[][] = [];
  const classDevices: Bits[] = [];
  for (let page = 0; page < nPages; page++) {
    let devices = EMPTY;
    for (let d = 0; d < nDevices; d++) if (dmaReach[d]![page]) devices |= bit(d);
    const signature = options.precise
      ? String(page)
      : `${listers[page]}|${eptRights[page]!.join(',')}|${devices}|${sharedOf[page]!.join(',')}`;
    let id = signatureToClass.get(signature);
    if (id === undefined) {
      id = classPages.length;
      signatureToClass.set(signature, id);
      classPages.push([]);
      classDevices.push(devices);
    }
    classPages[id]!.push(page as HostPage);
    classOf.push(id);
  }

  const cells: MemClass[] = [];
  const classes: MemClass[] = classPages.map((pages, id) => {
    const first = pages[0]!;
    let accessors = EMPTY;
    for (let p = 0; p < nPartitions; p++) if (eptRights[first]![p]) accessors |= bit(p);
    for (let d = 0; d < nDevices; d++)
      if (has(classDevices[id]!, d)) accessors |= bit(config.devices[d]!.owner);
    const needsLabel = options.precise ? accessors !== EMPTY : popcount(accessors) > 1;
    const cls: MemClass = {
      id,
      pages,
      listers: listers[first]!,
      accessors,
      devices: classDevices[id]!,
      cell: needsLabel ? cells.length : -1,
      initial: listers[first]!,
    };
    if (needsLabel) cells.push(cls);
    return cls;
  });

  const irqTargets = config.devices.map((d) => {
    let targets = EMPTY;
    for (const other of config.devices) if (other.irq === d.irq) targets |= bit(other.owner);
    return targets;
  });

  const frames = buildFrames(config);

  let monitors = EMPTY;
  let healthMonitors = EMPTY;
  let auditReaders = EMPTY;
  let downgraders = EMPTY;
  const everyone: Bits = 2 ** nPartitions - 1;
  const controls = config.partitions.map((p) => {
    if (!hasPrivilege(p, 'partition-control')) return EMPTY;
    let reached = bit(p.index);
    if (p.controls === undefined) reached = everyone;
    else for (const t of p.controls) reached |= bit(t);
    return reached;
  });
  for (const p of config.partitions) {
    if (hasPrivilege(p, 'partition-control')) monitors |= bit(p.index);
    if (controls[p.index]! & ~bit(p.index)) healthMonitors |= bit(p.index);
    if (hasPrivilege(p, 'audit-read')) auditReaders |= bit(p.index);
    if (p.downgrader) downgraders |= bit(p.index);
  }

  return {
    config,
    nPartitions,
    nDevices,
    classes,
    classOf,
    cells,
    ept,
    eptBreach,
    allowed,
    dmaReach,
    requester,
    group,
    groupOwners,
    peers,
    ownerWritable,
    irqTargets,
    frames,
    monitors,
    controls,
    healthMonitors,
    auditReaders,
    downgraders,
    mayFlowTo: mayFlowTo(config),
  };
}

/**
 * Unrolls the schedule into one slot per tick. A window that runs past the end of the major frame is
 * taken to wrap into the next frame's first ticks, which is what a scheduler counting modulo the
 * frame does; TemporalIsolation then finds the partition running outside the frame's layout.
 */
function buildFrames(config: SystemConfig): FrameSlot[] {
  const { majorFrame, windows } = config.schedule;
  const frames: FrameSlot[] = [];
  for (let tick = 0; tick < majorFrame; tick++) {
    const perCpu: Bits[] = new Array(config.platform.cpus).fill(EMPTY);
    let eligible = EMPTY;
    let misplaced = EMPTY;
    let starting = EMPTY;
    for (const w of windows) {
      if (!windowCovers(w, tick, majorFrame)) continue;
      const offset = (((tick - w.start) % majorFrame) + majorFrame) % majorFrame;
      perCpu[w.cpu] = perCpu[w.cpu]! | bit(w.partition);
      eligible |= bit(w.partition);
      const pastFrame = w.start + w.length > majorFrame;
      const foreignCpu = !config.partitions[w.partition]!.cpus.includes(w.cpu as CpuId);
      if (pastFrame || foreignCpu) misplaced |= bit(w.partition);
      if (offset === 0) starting |= bit(w.partition);
    }
    frames.push({ eligible, perCpu, misplaced, starting });
  }
  return frames;
}

/** Whether a window covers `tick` of the major frame, wrapping past its end as a scheduler counting modulo the frame does. */
export function windowCovers(
  w: { start: number; length: number },
  tick: number,
  majorFrame: number,
): boolean {
  const offset = (((tick - w.start) % majorFrame) + majorFrame) % majorFrame;
  return w.length >= majorFrame || offset < w.length;
}

/** The device's context is pass-through: it or a device sharing its requester ID is. */
export function passThrough(layout: Layout, d: number): boolean {
  return layout.config.devices.some((e) => has(layout.group[d]!, e.index) && e.iommu === 'passthrough');
}

/**
 * Device `d` can raise the vector of device `v` as an MSI: always without interrupt remapping, and
 * under it when they share a requester ID, which source-id validation cannot tell apart.
 */
export function canSpoof(layout: Layout, d: number, v: number): boolean {
  return d !== v && (layout.config.platform.interruptRemapping === 'off' || has(layout.group[d]!, v));
}

/** The partitions health monitor `m` resets when they fault: those it controls but itself. */
export function resettable(layout: Layout, m: number): Bits {
  return layout.controls[m]! & ~bit(m);
}

/**
 * Why the system has no health monitor for FaultRecovery to speak of, or null when it has one: no
 * partition holds partition-control, or every holder's `controls` names no other partition.
 */
export function noHealthMonitor(layout: Layout): string | null {
  if (layout.healthMonitors !== EMPTY) return null;
  return layout.monitors === EMPTY
    ? 'no partition holds partition-control'
    : 'no partition-control holder controls another partition';
}

export function popcount(x: Bits): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}
