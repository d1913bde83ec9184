/**
 * The hypervisor's transition function: `step(layout, state, event)` returns the next state, the
 * outcome and the effects (VM exits, audit records, VT-d faults, injections) as data. It is pure
 * and total: a guest's bad request is refused, audited, and the machine carries on; nothing here
 * throws on input a guest or device can produce.
 *
 * Each handler is the model of one core component (docs/DESIGN.md section 1) and is mirrored by the TLA+
 * action of the same name in spec/Hypervisor.tla.
 */

import type { DeviceIdx, PartitionIdx } from '../system/config.js';
import { type Bits, bit, EMPTY, has } from './bits.js';
import { type Access, type Event, ExitReason } from './events.js';
import { canSpoof, EPT_R, EPT_W, EPT_X, type Layout, passThrough, resettable } from './layout.js';
import { monitor } from './monitor.js';
import { bufferAllowed, bufferCell, bufferEntry } from './operands.js';
import { booted, Flag, isLaunched, labelOf, runningNow, type State, withChanges } from './state.js';

/**
 * Known bugs that tests switch on to show the property catalog catches them, each with what it
 * does. `hypervisor` bugs change what the hypervisor does; `label` bugs are not hypervisor bugs:
 * the model's labels under-approximate a flow. Only comparing labels with values
 * (proofs/noninterference.ts) sees a label bug where another flow hides it from InformationFlow.
 */
export const SEEDED_BUGS = {
  'refused-send-enqueues': {
    kind: 'hypervisor',
    description: 'A send on a channel the caller does not own is refused but still enqueued.',
  },
  'status-without-privilege': {
    kind: 'hypervisor',
    description: '`partition-status` skips the privilege check.',
  },
  'unaudited-refusal': { kind: 'hypervisor', description: 'Refused hypercalls are not audited.' },
  'fault-flushes-inbox': {
    kind: 'hypervisor',
    description: 'A fault also flushes the messages queued for the faulting partition.',
  },
  'auto-restart': {
    kind: 'hypervisor',
    description: 'A faulted partition is restarted at the next tick without a partition-reset.',
  },
  'dma-after-halt': {
    kind: 'hypervisor',
    description: 'Devices keep doing DMA (through the IOMMU and peer-to-peer) after the fail-secure halt.',
  },
  'tick-after-halt': {
    kind: 'hypervisor',
    description: 'The preemption timer keeps running after the fail-secure halt.',
  },
  'launch-ignores-mismatch': {
    kind: 'hypervisor',
    description: 'A partition whose measurement mismatches is launched anyway.',
  },
  'unchecked-buffer': {
    kind: 'hypervisor',
    description:
      "`send` and `receive` copy through any buffer the caller's EPT translates, without checking the caller's rights there: a confused deputy that writes a received message into memory the caller may only read.",
  },
  'reset-forgets-resetter': {
    kind: 'label',
    description: 'A reset leaves the memory it clears labelled with its listers only.',
  },
  'channel-full-sender-only': {
    kind: 'label',
    description: 'A "channel full" record carries the sender\'s label only, not the receiver\'s.',
  },
} as const satisfies Record<string, { readonly kind: 'hypervisor' | 'label'; readonly description: string }>;

export type SeededBug = keyof typeof SEEDED_BUGS;

export interface ModelOptions {
  /** Test-only: never set from the command line. */
  readonly bugs?: ReadonlySet<SeededBug>;
}

/** VT-d fault reasons the hypervisor sees: 2 no context entry, 4 address beyond the width, 5 write
 * denied, 6 read denied. Reason 1, no root entry, never reaches it: the root entries of every
 * device's bus exist from boot to the halt, and the devices are held outside that time. */
export type VtdFaultReason = 2 | 4 | 5 | 6;

export type HypercallStatus = 'OK' | 'EPERM' | 'EINVAL' | 'ENOSYS' | 'EAGAIN' | 'EFAULT';

export type AuditCode =
  | 'hv-measurement-failed'
  | 'launch-refused'
  | 'ept-violation'
  | 'iommu-fault'
  | 'hypercall-refused'
  | 'channel-full'
  | 'io-denied'
  | 'msr-denied'
  | 'guest-fault';

/** Every audit code, in a fixed order: the emulator's records and the self-composition's logs number them so. */
export const AUDIT_CODES: readonly AuditCode[] = [
  'hv-measurement-failed',
  'launch-refused',
  'ept-violation',
  'iommu-fault',
  'hypercall-refused',
  'channel-full',
  'io-denied',
  'msr-denied',
  'guest-fault',
];

/** Whether the operation the event asked for was carried out; `ignored` when the event is not
 * enabled in the state (the spec's action guard is false), so the hypervisor never saw it. */
export type Outcome = 'ok' | 'refused' | 'faulted' | 'dropped' | 'ignored';

export type Effect =
  | { readonly kind: 'vm-exit'; readonly partition: PartitionIdx; readonly reason: number }
  | {
      readonly kind: 'audit';
      readonly code: AuditCode;
      readonly cause: PartitionIdx | null;
      readonly label: Bits;
    }
  | {
      readonly kind: 'ept-violation';
      readonly partition: PartitionIdx;
      readonly gpa: number;
      readonly access: Access;
    }
  | {
      readonly kind: 'vtd-fault';
      readonly device: DeviceIdx;
      readonly page: number;
      readonly reason: VtdFaultReason;
    }
  | { readonly kind: 'inject'; readonly partition: PartitionIdx; readonly devices: Bits }
  | { readonly kind: 'pend'; readonly partition: PartitionIdx; readonly device: DeviceIdx }
  | { readonly kind: 'inject-gp'; readonly partition: PartitionIdx }
  | { readonly kind: 'fault'; readonly partition: PartitionIdx }
  | { readonly kind: 'reset'; readonly by: PartitionIdx; readonly target: PartitionIdx }
  | {
      readonly kind: 'launch';
      readonly partition: PartitionIdx;
      readonly verdict: 'measured' | 'unmeasured' | 'refused';
    }
  | {
      readonly kind: 'hypercall';
      readonly partition: PartitionIdx;
      readonly op: string;
      readonly status: HypercallStatus;
    }
  | { readonly kind: 'halt'; readonly reason: 'measurement' | 'audit-full' };

export interface StepResult {
  readonly state: State;
  readonly outcome: Outcome;
  readonly effects: readonly Effect[];
}

const NO_EFFECTS: readonly Effect[] = [];

/** Total transition function: the core semantics followed by the history monitor. */
export function step(layout: Layout, state: State, event: Event, options: ModelOptions = {}): StepResult {
  const result = core(layout, state, event, options.bugs ?? NO_BUGS);
  const flags = monitor(layout, state, event, result);
  if (flags === result.state.flags) return result;
  return { ...result, state: withChanges(result.state, { flags }) };
}

const NO_BUGS: ReadonlySet<SeededBug> = new Set();

function core(layout: Layout, s: State, e: Event, bugs: ReadonlySet<SeededBug>): StepResult {
  switch (e.type) {
    case 'MeasureHypervisor':
      return measureHypervisor(layout, s);
    case 'TamperImage':
      return tamperImage(s, e.partition);
    case 'LaunchPartition':
      return launchPartition(layout, s, e.partition, bugs);
    case 'Tick':
      return tick(layout, s, bugs);
    case 'GuestAccess':
      return guestAccess(layout, s, e.partition, e.gpa, e.access);
    case 'Dma':
      return dma(layout, s, e.device, e.page, e.access, bugs);
    case 'PeerDma':
      return peerDma(layout, s, e.device, e.peer, e.access, bugs);
    case 'DeviceIrq':
      return deviceIrq(layout, s, e.device);
    case 'MsiWrite':
      return msiWrite(layout, s, e.device, e.vector);
    case 'Hypercall':
      return hypercall(layout, s, e.partition, e.op, e.arg, e.buffer, bugs);
    case 'VmExit':
      return vmExit(layout, s, e.partition, e.reason, bugs);
    default:
      return unreachable(e);
  }
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

/** Done, with nothing outside the guest to change (e.g. a guest touching its private memory). */
const unchanged = (state: State): StepResult => ({ state, outcome: 'ok', effects: NO_EFFECTS });
/** Not enabled in this state (a guest that is not running, a launch out of order): nothing happens. */
const ignored = (state: State): StepResult => ({ state, outcome: 'ignored', effects: NO_EFFECTS });

// ---------------------------------------------------------------- audit (system audit component)

/**
 * Appends one record, labelled by its cause and by `also`, the partitions whose behaviour decides
 * whether the record exists at all. Under `halt` the record that fills the log is kept and the system halts in
 * the same step; under `overwrite` a full log drops its oldest record, which AuditCompleteness sees.
 */
function audit(
  layout: Layout,
  s: State,
  code: AuditCode,
  cause: PartitionIdx | null,
  effects: Effect[],
  also: Bits = EMPTY,
): State {
  const label = (cause === null ? EMPTY : labelOf(layout, s, cause)) | also;
  effects.push({ kind: 'audit', code, cause, label });
  const { capacity, onFull } = layout.config.audit;
  const auditLabel = s.auditLabel | label;
  if (s.auditCount < capacity) {
    const auditCount = s.auditCount + 1;
    if (auditCount === capacity && onFull === 'halt') {
      effects.push({ kind: 'halt', reason: 'audit-full' });
      return withChanges(s, { auditCount, auditLabel, halted: true });
    }
    return withChanges(s, { auditCount, auditLabel });
  }
  return withChanges(s, { auditLabel, flags: s.flags | Flag.AuditDropped });
}

// ---------------------------------------------------------------- security monitor (measured launch)

function measureHypervisor(layout: Layout, s: State): StepResult {
  if (s.hv !== 'pending' || s.halted) return ignored(s);
  if (!s.hvTampered) return { state: withChanges(s, { hv: 'ok' }), outcome: 'ok', effects: NO_EFFECTS };
  const effects: Effect[] = [];
  const audited = audit(layout, withChanges(s, { hv: 'failed' }), 'hv-measurement-failed', null, effects);
  if (!audited.halted) effects.push({ kind: 'halt', reason: 'measurement' });
  return { state: withChanges(audited, { halted: true }), outcome: 'refused', effects };
}

function tamperImage(s: State, p: PartitionIdx | null): StepResult {
  if (s.halted) return ignored(s);
  if (p === null) {
    if (s.hv !== 'pending' || s.hvTampered) return ignored(s);
    return { state: withChanges(s, { hvTampered: true }), outcome: 'ok', effects: NO_EFFECTS };
  }
  if (s.status[p] !== 'pending' || has(s.tampered, p)) return ignored(s);
  return { state: withChanges(s, { tampered: s.tampered | bit(p) }), outcome: 'ok', effects: NO_EFFECTS };
}

function launchPartition(
  layout: Layout,
  s: State,
  p: PartitionIdx,
  bugs: ReadonlySet<SeededBug>,
): StepResult {
  if (s.halted || s.hv !== 'ok' || s.status.indexOf('pending') !== p) return ignored(s);
  const measured = layout.config.partitions[p]!.launch === 'measured';
  const matches = !has(s.tampered, p) || bugs.has('launch-ignores-mismatch');
  if (!measured || matches) {
    const verdict = measured ? 'measured' : 'unmeasured';
    return {
      state: withChanges(s, { status: replace(s.status, p, 'running') }),
      outcome: 'ok',
      effects: [{ kind: 'launch', partition: p, verdict }],
    };
  }
  const effects: Effect[] = [{ kind: 'launch', partition: p, verdict: 'refused' }];
  const state = audit(
    layout,
    withChanges(s, { status: replace(s.status, p, 'refused') }),
    'launch-refused',
    p,
    effects,
  );
  return { state, outcome: 'refused', effects };
}

// ---------------------------------------------------------------- RTvCPU scheduler and health monitor

/**
 * One preemption-timer tick on every CPU. Health monitors whose window starts now reset every faulted
 * partition they control; then every vCPU entering the guest gets its pending interrupts injected.
 */
function tick(layout: Layout, s: State, bugs: ReadonlySet<SeededBug>): StepResult {
  if ((s.halted && !bugs.has('tick-after-halt')) || !booted(s)) return ignored(s);
  const frame = (s.frame + 1) % layout.config.schedule.majorFrame;
  let next: State = withChanges(s, { frame });
  const effects: Effect[] = [];
  const starting = layout.frames[frame]!.starting;
  for (let m = 0; m < layout.nPartitions; m++) {
    if (!has(layout.healthMonitors, m) || !has(starting, m) || next.status[m] !== 'running') continue;
    const controlled = resettable(layout, m);
    for (let p = 0; p < layout.nPartitions; p++)
      if (has(controlled, p) && next.status[p] === 'faulted')
        next = reset(layout, next, m as PartitionIdx, p as PartitionIdx, effects, bugs);
  }
  if (bugs.has('auto-restart') && next.status.includes('faulted'))
    next = withChanges(next, { status: next.status.map((st) => (st === 'faulted' ? 'running' : st)) });
  next = injectPending(layout, next, runningNow(layout, next), effects);
  return { state: next, outcome: 'ok', effects: effects.length ? effects : NO_EFFECTS };
}

/** VM entry: each entering partition observes the interrupts pending for it. */
function injectPending(layout: Layout, s: State, entering: Bits, effects: Effect[]): State {
  let observed: Bits[] | null = null;
  let pending: Bits[] | null = null;
  for (let p = 0; p < layout.nPartitions; p++) {
    const devices = s.pendingIrq[p]!;
    if (devices === EMPTY || !has(entering, p)) continue;
    observed ??= [...s.observed];
    pending ??= [...s.pendingIrq];
    observed[p] = observed[p]! | irqLabel(layout, s, devices);
    pending[p] = EMPTY;
    effects.push({ kind: 'inject', partition: p as PartitionIdx, devices });
  }
  return observed && pending ? withChanges(s, { observed, pendingIrq: pending }) : s;
}

function irqLabel(layout: Layout, s: State, devices: Bits): Bits {
  let label = EMPTY;
  for (let d = 0; d < layout.nDevices; d++)
    if (has(devices, d)) label |= labelOf(layout, s, layout.config.devices[d]!.owner);
  return label;
}

/**
 * Restart `target` on behalf of `by`: its memory is cleared, its pending interrupts dropped, and it
 * observes the resetter's label (a reset is a message from the resetter). The cleared memory holds
 * no data, but that it was cleared now is the resetter's decision about the target's state: every
 * other partition reaching it learns both, so it carries both labels besides its listers'.
 */
function reset(
  layout: Layout,
  s: State,
  by: PartitionIdx,
  target: PartitionIdx,
  effects: Effect[],
  bugs: ReadonlySet<SeededBug>,
): State {
  effects.push({ kind: 'reset', by, target });
  const cleared = bugs.has('reset-forgets-resetter')
    ? EMPTY
    : labelOf(layout, s, by) | labelOf(layout, s, target);
  let cells = s.cells;
  layout.cells.forEach((cls, i) => {
    const label = cls.initial | cleared;
    if (has(cls.listers, target) && cells[i] !== label) {
      if (cells === s.cells) cells = [...s.cells];
      (cells as Bits[])[i] = label;
    }
  });
  return withChanges(s, {
    status: replace(s.status, target, 'running'),
    observed: replace(s.observed, target, s.observed[target]! | labelOf(layout, s, by)),
    pendingIrq: replace(s.pendingIrq, target, EMPTY),
    cells,
  });
}

// ---------------------------------------------------------------- memory manager (EPT)

const RIGHT: Record<Access, number> = { read: EPT_R, write: EPT_W, execute: EPT_X };

function guestAccess(layout: Layout, s: State, p: PartitionIdx, gpa: number, access: Access): StepResult {
  if (!has(runningNow(layout, s), p)) return ignored(s);
  const entry = layout.ept[p]?.[gpa];
  if (!entry || !(entry.rights & RIGHT[access])) {
    const effects: Effect[] = [
      { kind: 'vm-exit', partition: p, reason: ExitReason.EptViolation },
      { kind: 'ept-violation', partition: p, gpa, access },
    ];
    return { state: fault(layout, s, p, 'ept-violation', effects), outcome: 'faulted', effects };
  }
  const cell = layout.classes[layout.classOf[entry.page]!]!.cell;
  if (cell < 0) return unchanged(s);
  return { state: memoryAccess(layout, s, p, cell, access === 'write'), outcome: 'ok', effects: NO_EFFECTS };
}

/** A read observes the cell's label; a write adds the writer's label to it. */
function memoryAccess(layout: Layout, s: State, p: PartitionIdx, cell: number, write: boolean): State {
  if (write) {
    const label = s.cells[cell]! | labelOf(layout, s, p);
    return label === s.cells[cell] ? s : withChanges(s, { cells: replace(s.cells, cell, label) });
  }
  return observe(s, p, s.cells[cell]!);
}

// ---------------------------------------------------------------- exception handler

/** The partition stops until a partition-reset; the fault is audited. */
function fault(layout: Layout, s: State, p: PartitionIdx, code: AuditCode, effects: Effect[]): State {
  effects.push({ kind: 'fault', partition: p });
  return audit(layout, withChanges(s, { status: replace(s.status, p, 'faulted') }), code, p, effects);
}

function vmExit(
  layout: Layout,
  s: State,
  p: PartitionIdx,
  reason: number,
  bugs: ReadonlySet<SeededBug>,
): StepResult {
  if (!has(runningNow(layout, s), p)) return ignored(s);
  const effects: Effect[] = [{ kind: 'vm-exit', partition: p, reason }];
  switch (reason) {
    case ExitReason.Cpuid:
    case ExitReason.Hlt:
    case ExitReason.CrAccess:
    case ExitReason.Rdmsr:
      // Emulated from the partition's virtual CPU state: nothing outside the guest changes.
      return { state: s, outcome: 'ok', effects };
    case ExitReason.IoInstruction:
    case ExitReason.Wrmsr: {
      // No port or sensitive MSR is assigned to a partition: inject #GP and keep it running.
      effects.push({ kind: 'inject-gp', partition: p });
      const code = reason === ExitReason.Wrmsr ? 'msr-denied' : 'io-denied';
      return { state: audit(layout, s, code, p, effects), outcome: 'refused', effects };
    }
    default: {
      // A triple fault, or an exit no guest instruction should cause: the partition is faulted.
      let faulted = fault(layout, s, p, 'guest-fault', effects);
      if (bugs.has('fault-flushes-inbox'))
        faulted = {
          ...faulted,
          channels: faulted.channels.map((q, c) => (layout.config.channels[c]!.to === p ? [] : q)),
        };
      return { state: faulted, outcome: 'faulted', effects };
    }
  }
}

// ---------------------------------------------------------------- IOMMU (VT-d)

/** Host pages below the IOMMU's 48-bit address width; an address at or above it is fault reason 4. */
export const ADDRESS_WIDTH_PAGES = 2 ** (48 - 12);

/**
 * A device's request, as VT-d answers it once the hypervisor has programmed it: a device whose owner
 * was refused finds no context entry (reason 2), an address beyond the width is reason 4, one the
 * second-level tables do not map is reason 5 or 6; each fault is recorded and the hypervisor audits
 * it for the owner. A pass-through request is not translated, so it meets no translation fault
 * (reasons 4 to 6 are about translation): one past platform memory, up to any address, is blocked
 * by the platform (the hypervisor's protected memory region, or no memory at all) without a fault
 * record, so the hypervisor never learns of it and nothing is audited.
 */
function dma(
  layout: Layout,
  s: State,
  d: DeviceIdx,
  page: number,
  access: 'read' | 'write',
  bugs: ReadonlySet<SeededBug>,
): StepResult {
  const device = layout.config.devices[d];
  if (device === undefined || !booted(s)) return ignored(s);
  if (s.halted && !bugs.has('dma-after-halt')) return ignored(s);
  const owner = device.owner;
  const fault = (reason: VtdFaultReason): StepResult => {
    const effects: Effect[] = [{ kind: 'vtd-fault', device: d, page, reason }];
    return { state: audit(layout, s, 'iommu-fault', owner, effects), outcome: 'refused', effects };
  };
  // One context serves every device of a requester ID; the hypervisor programs it only when it
  // launched all of their owners.
  for (let q = 0; q < layout.nPartitions; q++)
    if (has(layout.groupOwners[d]!, q) && s.status[q] === 'refused') return fault(2);
  const inPlatform = Number.isInteger(page) && page >= 0 && page < layout.config.platform.pages;
  // A pass-through request is not translated, so no translation fault: the platform serves it or
  // blocks it, unrecorded.
  if (passThrough(layout, d) && !inPlatform) return { state: s, outcome: 'refused', effects: NO_EFFECTS };
  if (!Number.isInteger(page) || page < 0 || page >= ADDRESS_WIDTH_PAGES) return fault(4);
  if (!inPlatform || !layout.dmaReach[d]![page]) return fault(access === 'write' ? 5 : 6);
  const cell = layout.classes[layout.classOf[page]!]!.cell;
  if (cell < 0) return unchanged(s);
  return {
    state: memoryAccess(layout, s, owner, cell, access === 'write'),
    outcome: 'ok',
    effects: NO_EFFECTS,
  };
}

/**
 * A device's request to a peer device's memory-mapped buffer, routed below the IOMMU (on a bridge's
 * secondary bus, or by a switch without ACS): no translation, no fault record, nothing for the
 * hypervisor to see or audit. A buffer holds what its device moves for its owner, so a write gives
 * the peer's owner the writer's owner's label and a read gives the reader's owner the peer's owner's.
 * The devices are released once boot completes and reset at the fail-secure halt, as for DMA.
 */
function peerDma(
  layout: Layout,
  s: State,
  d: DeviceIdx,
  peer: DeviceIdx,
  access: 'read' | 'write',
  bugs: ReadonlySet<SeededBug>,
): StepResult {
  const owner = layout.config.devices[d]?.owner;
  const peerOwner = layout.config.devices[peer]?.owner;
  if (owner === undefined || peerOwner === undefined || !has(layout.peers[d]!, peer)) return ignored(s);
  if (!booted(s) || (s.halted && !bugs.has('dma-after-halt'))) return ignored(s);
  const state =
    access === 'write'
      ? observe(s, peerOwner, labelOf(layout, s, owner))
      : observe(s, owner, labelOf(layout, s, peerOwner));
  return { state, outcome: 'ok', effects: NO_EFFECTS };
}

// ---------------------------------------------------------------- interrupt handler

/** The physical line is routed to every partition owning a device on it. */
function deviceIrq(layout: Layout, s: State, d: DeviceIdx): StepResult {
  const owner = layout.config.devices[d]?.owner;
  if (owner === undefined || s.halted || !booted(s) || !isLaunched(s, owner)) return ignored(s);
  return route(layout, s, d, labelOf(layout, s, owner), false);
}

/**
 * Without interrupt remapping a device's write to the interrupt address range arrives as the MSI it
 * wrote, and nothing checks its source: the hypervisor takes the vector for that of device `vector`
 * and routes it as such (once it has launched that device's owner; a refused owner's device may
 * write too, as it may attempt DMA). A pending vector does not remember who raised it, so the partitions that
 * hold it pending are given the sender's label at once.
 */
function msiWrite(layout: Layout, s: State, d: DeviceIdx, vector: DeviceIdx): StepResult {
  const owner = layout.config.devices[d]?.owner;
  const routedTo = layout.config.devices[vector]?.owner;
  if (owner === undefined || routedTo === undefined) return ignored(s);
  if (!canSpoof(layout, d, vector)) return ignored(s);
  if (s.halted || !booted(s) || !isLaunched(s, routedTo)) return ignored(s);
  return route(layout, s, vector, labelOf(layout, s, owner), true);
}

/**
 * Delivers the vector of device `d`, carrying `label`, to every partition it is routed to. A
 * partition running now takes an external-interrupt exit and gets it injected at once; others hold
 * it pending (and, with `labelPending`, observe `label` now).
 */
function route(layout: Layout, s: State, d: DeviceIdx, label: Bits, labelPending: boolean): StepResult {
  const running = runningNow(layout, s);
  const effects: Effect[] = [];
  let observed = s.observed;
  let pendingIrq = s.pendingIrq;
  for (let q = 0; q < layout.nPartitions; q++) {
    if (!has(layout.irqTargets[d]!, q)) continue;
    if (has(running, q)) {
      effects.push({ kind: 'vm-exit', partition: q as PartitionIdx, reason: ExitReason.ExternalInterrupt });
      effects.push({ kind: 'inject', partition: q as PartitionIdx, devices: bit(d) });
      if ((observed[q]! | label) !== observed[q]) observed = replace(observed, q, observed[q]! | label);
    } else {
      effects.push({ kind: 'pend', partition: q as PartitionIdx, device: d });
      if (!has(pendingIrq[q]!, d)) pendingIrq = replace(pendingIrq, q, pendingIrq[q]! | bit(d));
      if (labelPending && (observed[q]! | label) !== observed[q])
        observed = replace(observed, q, observed[q]! | label);
    }
  }
  const state =
    observed === s.observed && pendingIrq === s.pendingIrq ? s : withChanges(s, { observed, pendingIrq });
  return { state, outcome: 'ok', effects };
}

// ---------------------------------------------------------------- hypercall API

function hypercall(
  layout: Layout,
  s: State,
  p: PartitionIdx,
  op: string,
  arg: number,
  buffer: number | undefined,
  bugs: ReadonlySet<SeededBug>,
): StepResult {
  if (!has(runningNow(layout, s), p)) return ignored(s);
  const effects: Effect[] = [{ kind: 'vm-exit', partition: p, reason: ExitReason.Vmcall }];
  const reply = serve(layout, s, p, op, arg, buffer, bugs, effects);
  effects.push({ kind: 'hypercall', partition: p, op, status: reply.status });
  if (reply.outcome !== 'refused' || bugs.has('unaudited-refusal'))
    return { state: reply.state, outcome: reply.outcome, effects };
  return { state: audit(layout, reply.state, 'hypercall-refused', p, effects), outcome: 'refused', effects };
}

/** What the hypercall returns to the guest, and the state it leaves (before a refusal's audit). */
interface Reply {
  readonly state: State;
  readonly status: HypercallStatus;
  readonly outcome: Outcome;
}

const reply = (state: State, status: HypercallStatus = 'OK', outcome: Outcome = 'ok'): Reply => ({
  state,
  status,
  outcome,
});
const refusal = (state: State, status: HypercallStatus): Reply => ({ state, status, outcome: 'refused' });

function serve(
  layout: Layout,
  s: State,
  p: PartitionIdx,
  op: string,
  arg: number,
  buffer: number | undefined,
  bugs: ReadonlySet<SeededBug>,
  effects: Effect[],
): Reply {
  const { channels, partitions } = layout.config;
  const validPartition = Number.isInteger(arg) && arg >= 0 && arg < partitions.length;
  // partition-control over the target: the privilege, and the target among those it controls.
  const control = validPartition && has(layout.controls[p]!, arg);
  // The message buffer, once the channel is checked: mapped, with the right the copy needs.
  const entry = bufferEntry(layout, p, buffer);
  const usable = bugs.has('unchecked-buffer') ? entry !== null : bufferAllowed(layout, p, op, buffer);
  switch (op) {
    case 'send': {
      const ch = channels[arg];
      if (!ch) return refusal(s, 'EINVAL');
      if (ch.from !== p) {
        if (!bugs.has('refused-send-enqueues')) return refusal(s, 'EPERM');
        const leaked = replace(s.channels, arg, [...s.channels[arg]!, labelOf(layout, s, p)]);
        return refusal(withChanges(s, { channels: leaked }), 'EPERM');
      }
      if (!entry || !usable) return refusal(s, 'EFAULT');
      const queue = s.channels[arg]!;
      // The sender is told OK even when the message is dropped: back-pressure would leak the
      // receiver's progress to the sender. Whether the queue is full depends on the receiver too,
      // so the record carries both labels.
      if (queue.length >= ch.capacity) {
        const receiver = bugs.has('channel-full-sender-only') ? EMPTY : labelOf(layout, s, ch.to);
        return reply(audit(layout, s, 'channel-full', p, effects, receiver), 'OK', 'dropped');
      }
      // The message is what the buffer holds; a downgrader releases it as its own.
      const cell = bufferCell(layout, entry);
      const content = cell < 0 || has(layout.downgraders, p) ? EMPTY : s.cells[cell]!;
      const message = labelOf(layout, s, p) | content;
      return reply(withChanges(s, { channels: replace(s.channels, arg, [...queue, message]) }));
    }
    case 'receive': {
      const ch = channels[arg];
      if (!ch) return refusal(s, 'EINVAL');
      if (ch.to !== p) return refusal(s, 'EPERM');
      if (!entry || !usable) return refusal(s, 'EFAULT');
      const queue = s.channels[arg]!;
      if (queue.length === 0) return reply(s, 'EAGAIN');
      const [head, ...rest] = queue;
      const received = withChanges(s, {
        channels: replace(s.channels, arg, rest),
        observed: replace(s.observed, p, s.observed[p]! | head!),
      });
      // The message lands in the buffer, where the caller put it: as if it wrote it there.
      const cell = bufferCell(layout, entry);
      return reply(cell < 0 ? received : memoryAccess(layout, received, p, cell, true));
    }
    case 'partition-reset':
      if (!validPartition || arg === p) return refusal(s, 'EINVAL');
      if (!control) return refusal(s, 'EPERM');
      if (!isLaunched(s, arg)) return refusal(s, 'EINVAL');
      return reply(reset(layout, s, p, arg as PartitionIdx, effects, bugs));
    case 'partition-status':
      if (!validPartition) return refusal(s, 'EINVAL');
      if (!control && !bugs.has('status-without-privilege')) return refusal(s, 'EPERM');
      return reply(observe(s, p, s.observed[arg]!));
    case 'audit-read':
      if (!has(layout.auditReaders, p)) return refusal(s, 'EPERM');
      return reply(observe(s, p, s.auditLabel));
    case 'yield':
      return reply(s);
    default:
      return refusal(s, 'ENOSYS');
  }
}

/** `p` learns `label`. */
function observe(s: State, p: number, label: Bits): State {
  const observed = s.observed[p]! | label;
  return observed === s.observed[p] ? s : withChanges(s, { observed: replace(s.observed, p, observed) });
}

/** Copy of `xs` with index `i` set to `v` (the model's states are never mutated). */
function replace<T>(xs: readonly T[], i: number, v: T): readonly T[] {
  const copy = xs.slice();
  copy[i] = v;
  return copy;
}
