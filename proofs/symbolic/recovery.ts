/**
 * FaultRecovery as a safety property (k-liveness, after Claessen and Sörensson): for a health
 * monitor m and a partition p it controls, a counter of the Ticks taken while p is faulted, m is up
 * and the system has not halted (the pair's P, as proofs/liveness.ts defines it), reset to 0 by any
 * step that ends outside P. If no reachable state has the counter past `bound`, no run stays inside
 * P forever under weak fairness of Tick: such a run takes infinitely many Ticks inside P (Tick is
 * enabled in every state of P), so its prefix with `bound + 1` of them would reach a state with the
 * counter past the bound. That is exactly the negation of (p faulted /\ m up) ~> (p not faulted \/
 * m not up \/ halted), so a proof of the counter's bound is a proof of FaultRecovery for the pair.
 *
 * The counter is one more variable of the relation; the bound is a safety property over it, which
 * Spacer proves (or refutes) and `recheck` confirms like any invariant. A refuted bound is no
 * violation: the run may leave P later.
 */

import { has } from '../../model/bits.js';
import type { ChcAnswer } from './chc.js';
import type { Relation, Transition } from './relation.js';
import { varsOf } from './smt.js';
import { booted, meaningOf, STATUS_CODE, varState } from './state.js';
import { add, and, eq, implies, int, ite, lt, not, renameVars, type Term } from './terms.js';

export interface RecoveryPair {
  readonly partition: number;
  readonly monitor: number;
}

/**
 * The bound a proof is asked for: the monitor's window starts at least once every major frame,
 * and the Tick that starts it resets every faulted partition it controls, so P is left within a
 * frame's Ticks wherever the monitor has a window. One more leaves room for the Tick that entered P.
 */
export const recoveryBound = (rel: Relation): number => rel.layout.config.schedule.majorFrame + 1;

/**
 * The relation with the pair's Tick counter appended as its last variable (`Int`, 0 .. bound + 1,
 * saturating), and the states where the counter has passed `bound`.
 */
export function withTickCounter(
  rel: Relation,
  pair: RecoveryPair,
  bound: number,
): { readonly rel: Relation; readonly bad: Term } {
  const counter = rel.vars.length;
  const c = `x${counter}`;
  const inside = (value: (i: number) => Term) => insideTerm(rel, pair, value);
  const top = bound + 1;
  const transitions = rel.transitions.map((t): Transition => {
    const counted = rel.events[t.event]!.type === 'Tick' ? ite(lt(c, int(top)), add(c, 1), int(top)) : c;
    return {
      ...t,
      next: [
        ...t.next,
        ite(
          inside((i) => t.next[i]!),
          counted,
          int(0),
        ),
      ],
    };
  });
  const role = { kind: 'ticks', ...pair } as const;
  return {
    rel: {
      ...rel,
      vars: [
        ...rel.vars,
        {
          name: c,
          sort: 'Int',
          meaning: meaningOf(rel.layout, role),
          role,
        },
      ],
      bounds: new Map([...rel.bounds, [counter, top]]),
      transitions,
      init: [...rel.init, int(0)],
    },
    bad: eq(c, int(top)),
  };
}

/** The pair's P over the variables named by `value`. */
export function insideTerm(rel: Relation, pair: RecoveryPair, value: (i: number) => Term): Term {
  const index = (kind: string, partition?: number) =>
    rel.vars.findIndex(
      (v) =>
        v.role.kind === kind &&
        (partition === undefined || ('partition' in v.role && v.role.partition === partition)),
    );
  return and(
    not(value(index('halted'))),
    eq(value(index('status', pair.partition)), int(STATUS_CODE.faulted)),
    eq(value(index('status', pair.monitor)), int(STATUS_CODE.running)),
  );
}

/**
 * The invariant the monitor policy suggests, for `recheck` to confirm before Spacer is asked: the
 * counter is 0 outside P, P holds only on a booted system, and inside P the counter is at most the
 * Ticks since the monitor's last window start (each Tick into a window start resets the partition,
 * so no counted Tick ends on one). Over the counted relation's variables; null when the monitor has
 * no window, so that no bound exists.
 */
export function policyInvariant(
  counted: Relation,
  pair: RecoveryPair,
): Extract<ChcAnswer, { kind: 'proved' }> | null {
  const { layout } = counted;
  const frames = layout.frames;
  const starts = frames.map((f) => has(f.starting, pair.monitor));
  if (!starts.includes(true)) return null;
  // Ticks since the last start, per frame position (0 at a start), going round twice.
  const since = new Array<number>(frames.length).fill(0);
  for (let k = 0; k < 2 * frames.length; k++) {
    const f = k % frames.length;
    since[f] = starts[f] ? 0 : since[(f + frames.length - 1) % frames.length]! + 1;
  }
  const s = varState(layout);
  const c = `x${counted.vars.length - 1}`;
  const limit = since.reduceRight<Term>(
    (rest, b, f) => (f === since.length - 1 ? int(b) : ite(eq(s.frame, int(f)), int(b), rest)),
    '',
  );
  const body = and(
    `(<= ${c} ${limit})`,
    implies(
      `(< 0 ${c})`,
      and(
        insideTerm(counted, pair, (i) => `x${i}`),
        booted(s),
      ),
    ),
  );
  const args = [...new Set(varsOf(body))].sort((a, b) => a - b);
  const position = new Map(args.map((v, k) => [v, k]));
  const param = (i: number) => `x!${position.get(i)}`;
  const bounds = args.flatMap((i) => {
    const upper = counted.bounds.get(i);
    return upper === undefined ? [] : [`(<= 0 ${param(i)})`, `(<= ${param(i)} ${upper})`];
  });
  const params = args.map((i) => `(${param(i)} ${counted.vars[i]!.sort})`).join(' ');
  return {
    kind: 'proved',
    definitions: `(define-fun Inv (${params}) Bool ${and(renameVars(body, param), ...bounds)})`,
    args,
  };
}
