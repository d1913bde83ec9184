/**
 * model/step.ts over symbolic states: for one event of the catalog, the ways `step` can go (each a
 * path condition, the next state, the outcome, and whether an audit record is written), followed by
 * the history monitor (model/monitor.ts). Each function mirrors the model function of the same name;
 * what the layout fixes is decided here, what the state decides becomes a term.
 */
import { has } from '../../model/bits.js';
import { type Access, ExitReason } from '../../model/events.js';
import { canSpoof, EPT_R, EPT_W, EPT_X, type Layout, passThrough, resettable } from '../../model/layout.js';
import { Flag } from '../../model/state.js';
import { ADDRESS_WIDTH_PAGES, type Outcome, type SeededBug } from '../../model/step.js';
import {
  booted,
  emptyLabel,
  hvIs,
  isLaunched,
  isStatus,
  type Label,
  labelOf,
  runningNow,
  STATUS_CODE,
  type SymState,
  union,
} from './state.js';
import { add, and, eq, FALSE, int, lt, not, or, type Term, TRUE } from './terms.js';

/** One way a step can go: taken when `cond` holds in the state before. */
export interface Branch {
  readonly cond: Term;
  readonly state: SymState;
  readonly outcome: Outcome;
  /** The step writes an audit record (model/step.ts `audit` ran). */
  readonly audited: boolean;
}

/** Seeded bugs the encoding mirrors; `refused-send-enqueues` grows a queue past its capacity,
 * which a bounded queue cannot hold. */
export const MIRRORED_BUGS: readonly SeededBug[] = [
  'status-without-privilege',
  'unaudited-refusal',
  'fault-flushes-inbox',
  'auto-restart',
  'dma-after-halt',
  'tick-after-halt',
  'launch-ignores-mismatch',
  'unchecked-buffer',
];

export type Bugs = ReadonlySet<SeededBug>;

export const withSym = (s: SymState, c: Partial<SymState>): SymState => ({ ...s, ...c });

export function replace<T>(xs: readonly T[], i: number, v: T): readonly T[] {
  const copy = xs.slice();
  copy[i] = v;
  return copy;
}

const setStatus = (s: SymState, p: number, st: keyof typeof STATUS_CODE) =>
  withSym(s, { status: replace(s.status, p, int(STATUS_CODE[st])) });

/** Splits on `cond`: the branches of `then` where it holds, of `otherwise` where not. */
export function split(cond: Term, then: Branch[], otherwise: Branch[]): Branch[] {
  return [
    ...then.map((b) => ({ ...b, cond: and(cond, b.cond) })),
    ...otherwise.map((b) => ({ ...b, cond: and(not(cond), b.cond) })),
  ];
}

export const done = (state: SymState, outcome: Outcome, audited = false): Branch[] => [
  { cond: TRUE, state, outcome, audited },
];
export const ignored = (s: SymState) => done(s, 'ignored');

/** model/step.ts `audit`: appends one record; halts or drops as the policy says. */
export function audit(layout: Layout, s: SymState, cause: number | null, also?: Label): SymState {
  const own = cause === null ? emptyLabel(layout.nPartitions) : labelOf(layout, s, cause);
  const label = also ? union(own, also) : own;
  const { capacity, onFull } = layout.config.audit;
  const room = lt(s.auditCount, int(capacity));
  const count = s.auditCount;
  return withSym(s, {
    auditLabel: union(s.auditLabel, label),
    auditCount:
      room === TRUE ? add(count, 1) : room === FALSE ? count : `(ite ${room} ${add(count, 1)} ${count})`,
    halted: onFull === 'halt' ? or(s.halted, eq(count, int(capacity - 1))) : s.halted,
    flags: replace(
      s.flags,
      Math.log2(Flag.AuditDropped),
      or(s.flags[Math.log2(Flag.AuditDropped)]!, not(room)),
    ),
  });
}

export function measureHypervisor(layout: Layout, s: SymState): Branch[] {
  return split(
    or(not(hvIs(s, 'pending')), s.halted),
    ignored(s),
    split(
      not(s.hvTampered),
      done(withSym(s, { hv: int(1) }), 'ok'),
      done(withSym(audit(layout, withSym(s, { hv: int(2) }), null), { halted: TRUE }), 'refused', true),
    ),
  );
}

export function tamperImage(s: SymState, p: number | null): Branch[] {
  if (p === null)
    return split(
      or(s.halted, not(hvIs(s, 'pending')), s.hvTampered),
      ignored(s),
      done(withSym(s, { hvTampered: TRUE }), 'ok'),
    );
  return split(
    or(s.halted, not(isStatus(s, p, 'pending')), s.tampered[p]!),
    ignored(s),
    done(withSym(s, { tampered: replace(s.tampered, p, TRUE) }), 'ok'),
  );
}

/** `state.status.indexOf('pending') === p`. */
export function firstPending(s: SymState, p: number): Term {
  return and(
    isStatus(s, p, 'pending'),
    ...s.status.slice(0, p).map((_, q) => not(isStatus(s, q, 'pending'))),
  );
}

export function launchPartition(layout: Layout, s: SymState, p: number, bugs: Bugs): Branch[] {
  const measured = layout.config.partitions[p]!.launch === 'measured';
  const matches = bugs.has('launch-ignores-mismatch') ? TRUE : not(s.tampered[p]!);
  return split(
    or(s.halted, not(hvIs(s, 'ok')), not(firstPending(s, p))),
    ignored(s),
    split(
      measured ? matches : TRUE,
      done(setStatus(s, p, 'running'), 'ok'),
      done(audit(layout, setStatus(s, p, 'refused'), p), 'refused', true),
    ),
  );
}

/** Fieldwise `cond ? a : b`. */
function merge(cond: Term, a: SymState, b: SymState): SymState {
  const pick = (x: Term, y: Term): Term => {
    if (x === y || cond === TRUE) return x;
    if (cond === FALSE) return y;
    return `(ite ${cond} ${x} ${y})`;
  };
  const label = (x: Label, y: Label) => x.map((t, i) => pick(t, y[i]!));
  return {
    hv: pick(a.hv, b.hv),
    hvTampered: pick(a.hvTampered, b.hvTampered),
    tampered: label(a.tampered, b.tampered),
    status: label(a.status, b.status),
    observed: a.observed.map((l, p) => label(l, b.observed[p]!)),
    pendingIrq: a.pendingIrq.map((l, p) => label(l, b.pendingIrq[p]!)),
    frame: pick(a.frame, b.frame),
    cells: a.cells.map((l, i) => label(l, b.cells[i]!)),
    chLen: label(a.chLen, b.chLen),
    chSlots: a.chSlots.map((slots, k) => slots.map((l, j) => label(l, b.chSlots[k]![j]!))),
    auditCount: pick(a.auditCount, b.auditCount),
    auditLabel: label(a.auditLabel, b.auditLabel),
    halted: pick(a.halted, b.halted),
    flags: label(a.flags, b.flags),
  };
}

/** One tick, one branch per frame position (the frame decides who starts and who runs). */
export function tick(layout: Layout, s: SymState, bugs: Bugs): Branch[] {
  const { majorFrame } = layout.config.schedule;
  const notIgnored = and(or(not(s.halted), bugs.has('tick-after-halt') ? TRUE : FALSE), booted(s));
  const branches: Branch[] = [{ cond: not(notIgnored), state: s, outcome: 'ignored', audited: false }];
  for (let at = 0; at < majorFrame; at++) {
    const frame = (at + 1) % majorFrame;
    let next = withSym(s, { frame: int(frame) });
    const starting = layout.frames[frame]!.starting;
    for (let m = 0; m < layout.nPartitions; m++) {
      if (!has(layout.healthMonitors, m) || !has(starting, m)) continue;
      const controlled = resettable(layout, m);
      for (let p = 0; p < layout.nPartitions; p++)
        if (has(controlled, p))
          next = merge(
            and(isStatus(next, m, 'running'), isStatus(next, p, 'faulted')),
            reset(layout, next, m, p),
            next,
          );
    }
    if (bugs.has('auto-restart'))
      next = withSym(next, {
        status: next.status.map((_, p) => {
          const faulted = isStatus(next, p, 'faulted');
          return faulted === TRUE
            ? int(1)
            : faulted === FALSE
              ? next.status[p]!
              : `(ite ${faulted} 1 ${next.status[p]})`;
        }),
      });
    next = injectPending(layout, next, runningNow(layout, next));
    branches.push({
      cond: and(notIgnored, eq(s.frame, int(at))),
      state: next,
      outcome: 'ok',
      audited: false,
    });
  }
  return branches;
}

/** VM entry: each entering partition observes the interrupts pending for it. */
function injectPending(layout: Layout, s: SymState, entering: Term[]): SymState {
  const owners = layout.config.devices.map((d) => labelOf(layout, s, d.owner));
  return withSym(s, {
    observed: s.observed.map((seen, p) =>
      seen.map((t, q) =>
        or(t, and(entering[p]!, or(...s.pendingIrq[p]!.map((pending, d) => and(pending, owners[d]![q]!))))),
      ),
    ),
    pendingIrq: s.pendingIrq.map((row, p) => row.map((t) => and(t, not(entering[p]!)))),
  });
}

/** model/step.ts `reset`. */
export function reset(layout: Layout, s: SymState, by: number, target: number): SymState {
  const resetter = labelOf(layout, s, by);
  const cleared = union(resetter, labelOf(layout, s, target));
  const cells = s.cells.map((cell, i) => {
    const cls = layout.cells[i]!;
    return has(cls.listers, target) ? cleared.map((t, q) => (has(cls.initial, q) ? TRUE : t)) : cell;
  });
  return withSym(setStatus(s, target, 'running'), {
    observed: replace(s.observed, target, union(s.observed[target]!, resetter)),
    pendingIrq: replace(
      s.pendingIrq,
      target,
      s.pendingIrq[target]!.map(() => FALSE),
    ),
    cells,
  });
}

const RIGHT: Record<Access, number> = { read: EPT_R, write: EPT_W, execute: EPT_X };

export function guestAccess(layout: Layout, s: SymState, p: number, gpa: number, access: Access): Branch[] {
  const running = runningNow(layout, s)[p]!;
  const entry = layout.ept[p]?.[gpa];
  let go: Branch[];
  if (!entry || !(entry.rights & RIGHT[access])) go = done(fault(layout, s, p), 'faulted', true);
  else {
    const cell = layout.classes[layout.classOf[entry.page]!]!.cell;
    go = done(cell < 0 ? s : memoryAccess(layout, s, p, cell, access === 'write'), 'ok');
  }
  return split(not(running), ignored(s), go);
}

function memoryAccess(layout: Layout, s: SymState, p: number, cell: number, write: boolean): SymState {
  if (write)
    return withSym(s, { cells: replace(s.cells, cell, union(s.cells[cell]!, labelOf(layout, s, p))) });
  return observe(s, p, s.cells[cell]!);
}

/** model/step.ts `fault`. */
function fault(layout: Layout, s: SymState, p: number): SymState {
  return audit(layout, setStatus(s, p, 'faulted'), p);
}

export function vmExit(layout: Layout, s: SymState, p: number, reason: number, bugs: Bugs): Branch[] {
  const running = runningNow(layout, s)[p]!;
  let go: Branch[];
  switch (reason) {
    case ExitReason.Cpuid:
    case ExitReason.Hlt:
    case ExitReason.CrAccess:
    case ExitReason.Rdmsr:
      go = done(s, 'ok');
      break;
    case ExitReason.IoInstruction:
    case ExitReason.Wrmsr:
      go = done(audit(layout, s, p), 'refused', true);
      break;
    default: {
      let faulted = fault(layout, s, p);
      if (bugs.has('fault-flushes-inbox'))
        faulted = withSym(faulted, {
          chLen: faulted.chLen.map((len, c) => (layout.config.channels[c]!.to === p ? int(0) : len)),
          chSlots: faulted.chSlots.map((slots, c) =>
            layout.config.channels[c]!.to === p ? slots.map((l) => l.map(() => FALSE)) : slots,
          ),
        });
      go = done(faulted, 'faulted', true);
    }
  }
  return split(not(running), ignored(s), go);
}

/** model/step.ts `dma`. */
export function dma(
  layout: Layout,
  s: SymState,
  d: number,
  page: number,
  access: 'read' | 'write',
  bugs: Bugs,
): Branch[] {
  const device = layout.config.devices[d];
  if (device === undefined) return ignored(s);
  const owner = device.owner;
  const halt = bugs.has('dma-after-halt') ? FALSE : s.halted;
  const fault = done(audit(layout, s, owner), 'refused', true);
  const inPlatform = Number.isInteger(page) && page >= 0 && page < layout.config.platform.pages;
  let go: Branch[];
  if (passThrough(layout, d) && !inPlatform) go = done(s, 'refused');
  else if (!Number.isInteger(page) || page < 0 || page >= ADDRESS_WIDTH_PAGES) go = fault;
  else if (!inPlatform || !layout.dmaReach[d]![page]) go = fault;
  else {
    const cell = layout.classes[layout.classOf[page]!]!.cell;
    go = done(cell < 0 ? s : memoryAccess(layout, s, owner, cell, access === 'write'), 'ok');
  }
  const refused = layout.config.partitions.flatMap((p) =>
    has(layout.groupOwners[d]!, p.index) ? [isStatus(s, p.index, 'refused')] : [],
  );
  return split(or(not(booted(s)), halt), ignored(s), split(or(...refused), fault, go));
}

/** model/step.ts `peerDma`. */
export function peerDma(
  layout: Layout,
  s: SymState,
  d: number,
  peer: number,
  access: 'read' | 'write',
  bugs: Bugs,
): Branch[] {
  const owner = layout.config.devices[d]?.owner;
  const peerOwner = layout.config.devices[peer]?.owner;
  if (owner === undefined || peerOwner === undefined || !has(layout.peers[d]!, peer)) return ignored(s);
  const halt = bugs.has('dma-after-halt') ? FALSE : s.halted;
  const next =
    access === 'write'
      ? observe(s, peerOwner, labelOf(layout, s, owner))
      : observe(s, owner, labelOf(layout, s, peerOwner));
  return split(or(not(booted(s)), halt), ignored(s), done(next, 'ok'));
}

export function deviceIrq(layout: Layout, s: SymState, d: number): Branch[] {
  const owner = layout.config.devices[d]?.owner;
  if (owner === undefined) return ignored(s);
  const next = route(layout, s, d, labelOf(layout, s, owner), false);
  return split(or(s.halted, not(booted(s)), not(isLaunched(s, owner))), ignored(s), done(next, 'ok'));
}

/** model/step.ts `msiWrite`. */
export function msiWrite(layout: Layout, s: SymState, d: number, vector: number): Branch[] {
  const owner = layout.config.devices[d]?.owner;
  const routedTo = layout.config.devices[vector]?.owner;
  if (owner === undefined || routedTo === undefined) return ignored(s);
  if (!canSpoof(layout, d, vector)) return ignored(s);
  const next = route(layout, s, vector, labelOf(layout, s, owner), true);
  return split(or(s.halted, not(booted(s)), not(isLaunched(s, routedTo))), ignored(s), done(next, 'ok'));
}

/** model/step.ts `route`. */
function route(layout: Layout, s: SymState, d: number, label: Label, labelPending: boolean): SymState {
  const running = runningNow(layout, s);
  const targets = layout.irqTargets[d]!;
  return withSym(s, {
    observed: s.observed.map((seen, q) =>
      has(targets, q)
        ? seen.map((t, r) => or(t, labelPending ? label[r]! : and(running[q]!, label[r]!)))
        : seen,
    ),
    pendingIrq: s.pendingIrq.map((row, q) =>
      has(targets, q) ? replace(row, d, or(row[d]!, not(running[q]!))) : row,
    ),
  });
}

/** model/step.ts `observe`: `p` learns `label`. */
export function observe(s: SymState, p: number, label: Label): SymState {
  return withSym(s, { observed: replace(s.observed, p, union(s.observed[p]!, label)) });
}
