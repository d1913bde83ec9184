/**
 * model/monitor.ts over symbolic states: the history flags one branch of a step sets, judged by
 * comparing the states before and after, as the model's monitor does.
 */
import { has } from '../../model/bits.js';
import type { Event } from '../../model/events.js';
import { type Layout, resettable } from '../../model/layout.js';
import { authorised } from '../../model/monitor.js';
import { bufferAllowed, hasBuffer } from '../../model/operands.js';
import { Flag } from '../../model/state.js';
import { isStatus, type SymState } from './state.js';
import { type Branch, replace, withSym } from './step.js';
import { and, eq, FALSE, int, not, or, type Term, TRUE } from './terms.js';

const at = (flag: number) => Math.log2(flag);

export function monitor(layout: Layout, before: SymState, event: Event, branch: Branch): Term[] {
  const after = branch.state;
  const flags = after.flags.slice();
  if (branch.outcome === 'ignored') return flags;
  const set = (flag: number, cond: Term) => {
    flags[at(flag)] = or(flags[at(flag)]!, cond);
  };
  set(Flag.HaltEscape, and(before.halted, not(sameState(before, after, false))));

  const denied = branch.outcome === 'refused' || branch.outcome === 'faulted' || branch.outcome === 'dropped';
  if (denied && !branch.audited) set(Flag.Unaudited, TRUE);

  switch (event.type) {
    case 'Dma':
      if (branch.outcome === 'ok' && !layout.ownerWritable[event.device]![event.page])
        set(Flag.DmaEscape, TRUE);
      break;
    case 'PeerDma':
      if (
        branch.outcome === 'ok' &&
        layout.config.devices[event.device]!.owner !== layout.config.devices[event.peer]!.owner
      )
        set(Flag.DmaEscape, TRUE);
      break;
    case 'DeviceIrq':
    case 'MsiWrite': {
      const owner = layout.config.devices[event.device]!.owner;
      const line = event.type === 'MsiWrite' ? event.vector : event.device;
      for (let q = 0; q < layout.nPartitions; q++)
        if (has(layout.irqTargets[line]!, q) && q !== owner) set(Flag.IrqEscape, TRUE);
      break;
    }
    case 'Hypercall':
      if (branch.outcome === 'refused') set(Flag.HypercallEscape, not(sameState(before, after, true)));
      if (branch.outcome === 'ok' && !authorised(layout, event.partition, event.op, event.arg))
        set(Flag.HypercallEscape, TRUE);
      if (
        branch.outcome === 'ok' &&
        hasBuffer(event.op) &&
        !bufferAllowed(layout, event.partition, event.op, event.buffer)
      )
        set(Flag.HypercallEscape, TRUE);
      break;
    default:
      break;
  }

  if (branch.outcome === 'faulted') {
    const p = (event as { partition: number }).partition;
    const expected = withSym(before, { status: replace(before.status, p, int(2)) });
    set(Flag.FaultEscape, not(sameState(expected, after, true)));
  }
  set(Flag.FaultEscape, restartedWithoutReset(layout, before, event, after));
  return flags;
}

function restartedWithoutReset(layout: Layout, before: SymState, event: Event, after: SymState): Term {
  if (event.type === 'Hypercall' && event.op === 'partition-reset') return FALSE;
  if (event.type !== 'Tick')
    return or(
      ...before.status.map((_, p) => and(isStatus(before, p, 'faulted'), isStatus(after, p, 'running'))),
    );
  // Per frame: whether each partition is a health monitor up at its turn in a tick into that frame
  // (model/monitor.ts `restartable`: running, or faulted and controlled by a monitor up before it).
  const up = layout.frames.map((frame) => {
    const terms: Term[] = [];
    for (let m = 0; m < layout.nPartitions; m++) {
      if (!has(frame.starting, m) || !resettable(layout, m)) {
        terms.push(FALSE);
        continue;
      }
      const restartedBy = terms.filter((_, k) => has(resettable(layout, k), m));
      terms.push(or(isStatus(before, m, 'running'), and(isStatus(before, m, 'faulted'), or(...restartedBy))));
    }
    return terms;
  });
  /** A health monitor that controls `p` is up at its turn in this tick. */
  const recovered = (p: number): Term =>
    or(
      ...layout.frames.map((_, f) =>
        and(eq(after.frame, int(f)), or(...up[f]!.filter((_, m) => has(resettable(layout, m), p)))),
      ),
    );
  return or(
    ...before.status.map((_, p) =>
      and(isStatus(before, p, 'faulted'), isStatus(after, p, 'running'), not(recovered(p))),
    ),
  );
}

/** model/state.ts `sameState`, history flags always left out (the monitor compares without them). */
export function sameState(a: SymState, b: SymState, exceptAudit: boolean): Term {
  const pairs: [Term, Term][] = [
    [a.hv, b.hv],
    [a.hvTampered, b.hvTampered],
    [a.frame, b.frame],
  ];
  const zip = (xs: readonly Term[], ys: readonly Term[]) => {
    for (let i = 0; i < xs.length; i++) pairs.push([xs[i]!, ys[i]!]);
  };
  zip(a.tampered, b.tampered);
  zip(a.status, b.status);
  zip(a.observed.flat(), b.observed.flat());
  zip(a.pendingIrq.flat(), b.pendingIrq.flat());
  zip(a.cells.flat(), b.cells.flat());
  zip(a.chLen, b.chLen);
  zip(a.chSlots.flat(2), b.chSlots.flat(2));
  if (!exceptAudit) {
    pairs.push([a.halted, b.halted], [a.auditCount, b.auditCount]);
    zip(a.auditLabel, b.auditLabel);
  }
  return and(...pairs.map(([x, y]) => eq(x, y)));
}
