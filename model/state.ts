/**
 * The state of the hypervisor model. Every field is mirrored by a variable of the same name in
 * spec/Hypervisor.tla. Sets of partitions and devices are bitmasks (model/bits.ts); states are
 * immutable and share unchanged parts, so a step that changes nothing returns the very same object.
 */
import { type Bits, bit, EMPTY } from './bits.js';
import type { Layout } from './layout.js';

/** Launch and fault state of one partition. */
export type PartitionStatus = 'pending' | 'running' | 'faulted' | 'refused';
/** The security monitor's verdict on the hypervisor's own measurement. */
export type HypervisorStatus = 'pending' | 'ok' | 'failed';

/**
 * History flags: one bit per fact about past steps that a state invariant needs (docs/DESIGN.md section 6
 * asks for action properties to be checked as invariants over history variables). The correct model
 * sets only the flags a system file can cause; the others catch seeded bugs.
 */
export const Flag = {
  /** A device completed DMA to a page its owner may not write, or to another owner's device peer-to-peer. */
  DmaEscape: 1 << 0,
  /** A device interrupt reached a partition that does not own the device. */
  IrqEscape: 1 << 1,
  /** A denied or failed operation left no audit record. */
  Unaudited: 1 << 2,
  /** An audit record was dropped. */
  AuditDropped: 1 << 3,
  /** A refused hypercall changed more than the audit log, or a privileged one succeeded unprivileged. */
  HypercallEscape: 1 << 4,
  /** A fault changed more than the faulting partition and the audit log, or a partition restarted
   * or had its memory cleared without a partition-reset. */
  FaultEscape: 1 << 5,
  /** Something changed after the system halted. */
  HaltEscape: 1 << 6,
} as const;
export type FlagName = keyof typeof Flag;

export interface State {
  readonly hv: HypervisorStatus;
  /** The attacker replaced the hypervisor image before it was measured. */
  readonly hvTampered: boolean;
  /** Partitions whose image the attacker replaced before it was measured. */
  readonly tampered: Bits;
  readonly status: readonly PartitionStatus[];
  /** Per partition: every partition whose data it has observed (always includes itself). */
  readonly observed: readonly Bits[];
  /** Per partition: devices whose interrupts wait for injection at the next VM entry. */
  readonly pendingIrq: readonly Bits[];
  /** Position in the major frame, shared by every CPU (one synchronised timer). */
  readonly frame: number;
  /** Per labelled memory class (Layout.cells): the partitions whose data the memory holds. */
  readonly cells: readonly Bits[];
  /** Per channel: the labels of the queued messages, oldest first. */
  readonly channels: readonly (readonly Bits[])[];
  /** Records in the audit log. */
  readonly auditCount: number;
  /** Union of the labels of the records written to the log (flows through `audit-read`). */
  readonly auditLabel: Bits;
  /** Fail-secure halt: after a failed hypervisor measurement or when the log fills under `halt`. */
  readonly halted: boolean;
  readonly flags: Bits;
}

export function init(layout: Layout): State {
  const { config } = layout;
  return {
    hv: 'pending',
    hvTampered: false,
    tampered: EMPTY,
    status: config.partitions.map(() => 'pending'),
    observed: config.partitions.map((p) => bit(p.index)),
    pendingIrq: config.partitions.map(() => EMPTY),
    frame: 0,
    cells: layout.cells.map((c) => c.initial),
    channels: config.channels.map(() => []),
    auditCount: 0,
    auditLabel: EMPTY,
    halted: false,
    flags: EMPTY,
  };
}

/** The hypervisor passed measurement and every partition has launched or been refused. */
export function booted(state: State): boolean {
  return state.hv === 'ok' && !state.status.includes('pending');
}

export function isLaunched(state: State, p: number): boolean {
  const s = state.status[p];
  return s === 'running' || s === 'faulted';
}

/** Partitions whose vCPUs run now: up, booted, and inside one of their windows. */
export function runningNow(layout: Layout, state: State): Bits {
  if (state.halted || !booted(state)) return EMPTY;
  let up = EMPTY;
  for (let p = 0; p < state.status.length; p++) if (state.status[p] === 'running') up |= bit(p);
  return up & layout.frames[state.frame]!.eligible;
}

/** The label a partition puts on what it causes: itself if it is a downgrader, else all it observed. */
export function labelOf(layout: Layout, state: State, p: number): Bits {
  return layout.downgraders & bit(p) ? bit(p) : state.observed[p]!;
}

/**
 * A copy of `s` with some fields replaced. Builds the object literal with every field in a fixed
 * order, so all states share one hidden class and copying stays cheap in the explorer's hot loop.
 */
export function withChanges(s: State, c: Partial<State>): State {
  return {
    hv: c.hv ?? s.hv,
    hvTampered: c.hvTampered ?? s.hvTampered,
    tampered: c.tampered ?? s.tampered,
    status: c.status ?? s.status,
    observed: c.observed ?? s.observed,
    pendingIrq: c.pendingIrq ?? s.pendingIrq,
    frame: c.frame ?? s.frame,
    cells: c.cells ?? s.cells,
    channels: c.channels ?? s.channels,
    auditCount: c.auditCount ?? s.auditCount,
    auditLabel: c.auditLabel ?? s.auditLabel,
    halted: c.halted ?? s.halted,
    flags: c.flags ?? s.flags,
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Field-by-field equality of two states of the same system. With `exceptAudit`, the audit log, the
 * fail-secure halt it may trigger and the history flags are left out of the comparison.
 */
export function sameState(a: State, b: State, exceptAudit = false): boolean {
  if (a === b) return true;
  if (a.hv !== b.hv || a.hvTampered !== b.hvTampered || a.frame !== b.frame || a.tampered !== b.tampered)
    return false;
  if (
    !exceptAudit &&
    (a.halted !== b.halted ||
      a.auditCount !== b.auditCount ||
      a.auditLabel !== b.auditLabel ||
      a.flags !== b.flags)
  )
    return false;
  if (a.status !== b.status) {
    if (a.status.length !== b.status.length) return false;
    for (let i = 0; i < a.status.length; i++) if (a.status[i] !== b.status[i]) return false;
  }
  if (
    !sameNumbers(a.observed, b.observed) ||
    !sameNumbers(a.pendingIrq, b.pendingIrq) ||
    !sameNumbers(a.cells, b.cells)
  )
    return false;
  if (a.channels === b.channels) return true;
  if (a.channels.length !== b.channels.length) return false;
  for (let i = 0; i < a.channels.length; i++) if (!sameNumbers(a.channels[i]!, b.channels[i]!)) return false;
  return true;
}
