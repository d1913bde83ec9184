/**
 * The model's `State` (model/state.ts) as solver variables. Every bitmask becomes one Boolean per
 * bit, the launch states and counters bounded integers, and each channel a length and one labelled
 * slot per unit of capacity (slots past the length are kept empty, so a queue has exactly one
 * encoding). A symbolic state holds one term per variable; `stateVars` names them `x0`, `x1`, ...
 * in the order `flatten` lists them.
 */
import { bit, has } from '../../model/bits.js';
import type { Layout } from '../../model/layout.js';
import type { HypervisorStatus, PartitionStatus, State } from '../../model/state.js';
import { and, bool, eq, FALSE, int, not, or, type Term } from './terms.js';

export const HV_CODE: Record<HypervisorStatus, number> = { pending: 0, ok: 1, failed: 2 };
export const STATUS_CODE: Record<PartitionStatus, number> = {
  pending: 0,
  running: 1,
  faulted: 2,
  refused: 3,
};
/** History flags, in `Flag` bit order (model/state.ts). */
export const FLAG_COUNT = 7;

export type Label = readonly Term[];

export interface SymState {
  readonly hv: Term;
  readonly hvTampered: Term;
  readonly tampered: readonly Term[];
  readonly status: readonly Term[];
  /** [p][q]: p has observed data of q. */
  readonly observed: readonly Label[];
  /** [p][d]: an interrupt of device d waits for p. */
  readonly pendingIrq: readonly (readonly Term[])[];
  readonly frame: Term;
  /** [cell][q]: the cell holds data of q. */
  readonly cells: readonly Label[];
  readonly chLen: readonly Term[];
  /** [channel][slot][q]. */
  readonly chSlots: readonly (readonly Label[])[];
  readonly auditCount: Term;
  readonly auditLabel: Label;
  readonly halted: Term;
  /** [flag]: in `Flag` bit order. */
  readonly flags: readonly Term[];
}

/** What a state variable stands for, by index into the configuration's lists. */
export type VarRole =
  | { readonly kind: 'hv' }
  | { readonly kind: 'hvTampered' }
  | { readonly kind: 'tampered'; readonly partition: number }
  | { readonly kind: 'status'; readonly partition: number }
  /** One bit of a label: `holder` holds data of partition `source`. */
  | { readonly kind: 'label'; readonly holder: LabelHolder; readonly source: number }
  | { readonly kind: 'pendingIrq'; readonly partition: number; readonly device: number }
  | { readonly kind: 'frame' }
  | { readonly kind: 'length'; readonly channel: number }
  | { readonly kind: 'auditCount' }
  | { readonly kind: 'halted' }
  /** A history flag, by its bit number in `Flag`. */
  | { readonly kind: 'flag'; readonly flag: number }
  /**
   * Not part of the model's state: the Ticks taken since `partition` faulted while `monitor` was
   * up (the FaultRecovery proof's counter, proofs/symbolic/recovery.ts).
   */
  | { readonly kind: 'ticks'; readonly partition: number; readonly monitor: number };

/** What carries a label: a partition's observed set, a labelled memory cell, a queue slot, the audit log. */
export type LabelHolder =
  | { readonly kind: 'observed'; readonly partition: number }
  | { readonly kind: 'cell'; readonly cell: number }
  | { readonly kind: 'slot'; readonly channel: number; readonly slot: number }
  | { readonly kind: 'auditLog' };

export interface StateVar {
  readonly name: string;
  readonly sort: 'Bool' | 'Int';
  /** What the variable stands for, e.g. `observed[secret][unclass]`. */
  readonly meaning: string;
  readonly role: VarRole;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The variable's name in the model's terms, as proof records list it. */
export function meaningOf(layout: Layout, role: VarRole): string {
  const { config } = layout;
  const part = (p: number) => config.partitions[p]!.name;
  switch (role.kind) {
    case 'hv':
    case 'hvTampered':
    case 'frame':
    case 'auditCount':
    case 'halted':
      return role.kind;
    case 'tampered':
    case 'status':
      return `${role.kind}[${part(role.partition)}]`;
    case 'pendingIrq':
      return `pendingIrq[${part(role.partition)}][${config.devices[role.device]!.name}]`;
    case 'length':
      return `length[${config.channels[role.channel]!.name}]`;
    case 'flag':
      return `flags[${role.flag}]`;
    case 'ticks':
      return `ticks[${part(role.partition)} faulted, ${part(role.monitor)} up]`;
    case 'label': {
      const h = role.holder;
      const holder =
        h.kind === 'observed'
          ? `observed[${part(h.partition)}]`
          : h.kind === 'cell'
            ? `cells[${h.cell}]`
            : h.kind === 'slot'
              ? `${config.channels[h.channel]!.name}[${h.slot}]`
              : 'auditLabel';
      return `${holder}[${part(role.source)}]`;
    }
  }
}

/** Builds a symbolic state of the layout's shape from a factory of leaves. */
function shape(layout: Layout, leaf: (sort: 'Bool' | 'Int', role: VarRole) => Term): SymState {
  const { config, nDevices } = layout;
  const parts = range(config.partitions.length);
  const label = (holder: LabelHolder) =>
    parts.map((source) => leaf('Bool', { kind: 'label', holder, source }));
  return {
    hv: leaf('Int', { kind: 'hv' }),
    hvTampered: leaf('Bool', { kind: 'hvTampered' }),
    tampered: parts.map((partition) => leaf('Bool', { kind: 'tampered', partition })),
    status: parts.map((partition) => leaf('Int', { kind: 'status', partition })),
    observed: parts.map((partition) => label({ kind: 'observed', partition })),
    pendingIrq: parts.map((partition) =>
      range(nDevices).map((device) => leaf('Bool', { kind: 'pendingIrq', partition, device })),
    ),
    frame: leaf('Int', { kind: 'frame' }),
    cells: layout.cells.map((_, cell) => label({ kind: 'cell', cell })),
    chLen: config.channels.map((_, channel) => leaf('Int', { kind: 'length', channel })),
    chSlots: config.channels.map((c, channel) =>
      range(c.capacity).map((slot) => label({ kind: 'slot', channel, slot })),
    ),
    auditCount: leaf('Int', { kind: 'auditCount' }),
    auditLabel: label({ kind: 'auditLog' }),
    halted: leaf('Bool', { kind: 'halted' }),
    flags: range(FLAG_COUNT).map((flag) => leaf('Bool', { kind: 'flag', flag })),
  };
}

/** Every term of a symbolic state, in variable order. */
export function flatten(s: SymState): Term[] {
  return [
    s.hv,
    s.hvTampered,
    ...s.tampered,
    ...s.status,
    ...s.observed.flat(),
    ...s.pendingIrq.flat(),
    s.frame,
    ...s.cells.flat(),
    ...s.chLen,
    ...s.chSlots.flat(2),
    s.auditCount,
    ...s.auditLabel,
    s.halted,
    ...s.flags,
  ];
}

/** The state variables `x0`, `x1`, ... with their sorts and meanings. */
export function stateVars(layout: Layout): StateVar[] {
  const vars: StateVar[] = [];
  const s = shape(layout, (sort, role) => {
    vars.push({ name: `x${vars.length}`, sort, meaning: meaningOf(layout, role), role });
    return `x${vars.length - 1}`;
  });
  if (flatten(s).some((t, i) => t !== `x${i}`)) throw new Error('state variables out of order');
  return vars;
}

/** The symbolic state whose every field is its own variable. */
export function varState(layout: Layout): SymState {
  let i = 0;
  return shape(layout, () => `x${i++}`);
}

/** Upper bounds of the integer variables (all are at least 0). */
export function intBounds(layout: Layout): Map<number, number> {
  const { config } = layout;
  const s = varState(layout);
  const bounds = new Map<number, number>();
  const at = (t: Term) => Number(t.slice(1));
  bounds.set(at(s.hv), 2);
  for (const t of s.status) bounds.set(at(t), 3);
  bounds.set(at(s.frame), config.schedule.majorFrame - 1);
  config.channels.forEach((c, k) => {
    bounds.set(at(s.chLen[k]!), c.capacity);
  });
  bounds.set(at(s.auditCount), config.audit.capacity);
  return bounds;
}

const labelOfBits = (n: number, bits: number): Label => range(n).map((q) => bool(has(bits, q)));

/** A model state as a symbolic state of constants. */
export function concreteState(layout: Layout, state: State): SymState {
  const n = layout.nPartitions;
  return {
    hv: int(HV_CODE[state.hv]),
    hvTampered: bool(state.hvTampered),
    tampered: range(n).map((p) => bool(has(state.tampered, p))),
    status: state.status.map((st) => int(STATUS_CODE[st])),
    observed: state.observed.map((b) => labelOfBits(n, b)),
    pendingIrq: state.pendingIrq.map((b) => range(layout.nDevices).map((d) => bool(has(b, d)))),
    frame: int(state.frame),
    cells: state.cells.map((b) => labelOfBits(n, b)),
    chLen: state.channels.map((q) => int(q.length)),
    chSlots: state.channels.map((q, k) =>
      range(layout.config.channels[k]!.capacity).map((j) => labelOfBits(n, q[j] ?? 0)),
    ),
    auditCount: int(state.auditCount),
    auditLabel: labelOfBits(n, state.auditLabel),
    halted: bool(state.halted),
    flags: range(FLAG_COUNT).map((f) => bool((state.flags & bit(f)) !== 0)),
  };
}

/**
 * The model state that solver values (SMT-LIB literals in variable order) stand for; the inverse
 * of `concreteState`, written separately so that tests can hold the two to each other.
 */
export function decodeState(layout: Layout, values: readonly string[]): State {
  let i = 0;
  const v = shape(layout, (sort) => {
    const text = values[i++];
    if (text === undefined) throw new Error('too few values for the state variables');
    if (sort === 'Bool' && text !== 'true' && text !== 'false') throw new Error(`not a Boolean: ${text}`);
    return text;
  });
  const num = (t: Term) => Number(t.replace(/^\(- (\d+)\)$/, '-$1'));
  const bits = (l: Label) => l.reduce((acc, t, q) => (t === 'true' ? acc | bit(q) : acc), 0);
  const key = <K extends string>(codes: Record<K, number>, t: Term): K => {
    const found = (Object.keys(codes) as K[]).find((k) => codes[k] === num(t));
    if (found === undefined) throw new Error(`no such code: ${t}`);
    return found;
  };
  return {
    hv: key(HV_CODE, v.hv),
    hvTampered: v.hvTampered === 'true',
    tampered: bits(v.tampered),
    status: v.status.map((t) => key(STATUS_CODE, t)),
    observed: v.observed.map(bits),
    pendingIrq: v.pendingIrq.map(bits),
    frame: num(v.frame),
    cells: v.cells.map(bits),
    channels: v.chSlots.map((slots, k) => slots.slice(0, num(v.chLen[k]!)).map(bits)),
    auditCount: num(v.auditCount),
    auditLabel: bits(v.auditLabel),
    halted: v.halted === 'true',
    flags: bits(v.flags),
  };
}

// ---------------------------------------------------------------- mirrors of model/state.ts

export function isStatus(s: SymState, p: number, status: PartitionStatus): Term {
  return eq(s.status[p]!, int(STATUS_CODE[status]));
}

export function hvIs(s: SymState, hv: HypervisorStatus): Term {
  return eq(s.hv, int(HV_CODE[hv]));
}

/** model/state.ts `booted`. */
export function booted(s: SymState): Term {
  return and(hvIs(s, 'ok'), ...s.status.map((_, p) => not(isStatus(s, p, 'pending'))));
}

/** model/state.ts `isLaunched`. */
export function isLaunched(s: SymState, p: number): Term {
  return or(isStatus(s, p, 'running'), isStatus(s, p, 'faulted'));
}

/** model/state.ts `runningNow`, as one term per partition. */
export function runningNow(layout: Layout, s: SymState): Term[] {
  const up = and(not(s.halted), booted(s));
  return s.status.map((_, p) => {
    const inWindow = or(
      ...layout.frames.map((slot, f) => (has(slot.eligible, p) ? eq(s.frame, int(f)) : FALSE)),
    );
    return and(up, isStatus(s, p, 'running'), inWindow);
  });
}

/** model/state.ts `labelOf`. */
export function labelOf(layout: Layout, s: SymState, p: number): Label {
  return has(layout.downgraders, p) ? labelOfBits(layout.nPartitions, bit(p)) : s.observed[p]!;
}

export function union(a: Label, b: Label): Label {
  return a.map((t, q) => or(t, b[q]!));
}

export const emptyLabel = (n: number): Label => labelOfBits(n, 0);
