/**
 * k-induction (proofs/symbolic/kinduction.ts), prove's second route to `holds`: on small relations
 * written out by hand, a property that is not inductive as it stands is proved with the k its
 * unreachable predecessors need (the distinct states of the path cutting off their cycles), and
 * none smaller; and on an example, a property Spacer proves is not claimed where paths of good
 * states reach a bad one.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { budgetUnits } from '../../proofs/prove-budget.js';
import { propertyAsInvariant, recheck } from '../../proofs/symbolic/chc.js';
import { kInduction } from '../../proofs/symbolic/kinduction.js';
import type { Relation, Transition } from '../../proofs/symbolic/relation.js';
import { buildRelation } from '../../proofs/symbolic/relation.js';
import type { StateVar } from '../../proofs/symbolic/state.js';
import { Budget } from '../../proofs/symbolic/z3.js';
import { example } from '../helpers.js';

/** One integer variable x0 in 0..3, starting at 0, with a step from each `from` to its `to`. */
function counter(steps: readonly [number, number][]): Relation {
  const vars: StateVar[] = [{ name: 'x0', sort: 'Int', meaning: 'frame', role: { kind: 'frame' } }];
  const transitions: Transition[] = steps.map(([from, to]) => ({
    event: 0,
    cond: `(= x0 ${from})`,
    next: [String(to)],
    outcome: 'ok',
  }));
  return {
    layout: buildLayout(example('mils-two-domain')),
    vars,
    bounds: new Map([[0, 3]]),
    events: [{ type: 'Tick' }],
    guards: ['true'],
    transitions,
    init: ['0'],
    bad: new Map([['FailSecure', '(= x0 3)']]),
  };
}

/** A minute's worth of solver work. */
const soon = () => new Budget(budgetUnits(60_000));

describe('k-induction', () => {
  // 0 loops on itself; 1 and 2 alternate, and 2 also leads to 3, the bad state: only 0 is reachable.
  const rel = counter([
    [0, 0],
    [1, 2],
    [2, 1],
    [2, 3],
  ]);
  const bad = '(= x0 3)';

  it('proves with the k a cycle of unreachable good states needs, and not with less', async () => {
    expect((await recheck(rel, bad, propertyAsInvariant(rel, bad), soon())).ok).toBe(false);
    // 1 -> 2 -> 3 is a path of two good states into the bad one; with three, 1 or 2 repeats.
    expect(await kInduction(rel, bad, soon(), 2)).toEqual({
      kind: 'unknown',
      reason: 'not k-inductive for any k up to 2',
    });
    expect(await kInduction(rel, bad, soon(), 12)).toEqual({ kind: 'proved', k: 3 });
  });

  it('claims nothing where the bad state is reachable, or without a base case', async () => {
    const reachable = counter([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    // 3 is three steps away: the base case holds up to k = 3, and every step case up to it fails
    // (0 -> 1 -> 2 -> 3 is a path of distinct good states).
    expect((await kInduction(reachable, bad, soon(), 3)).kind).toBe('unknown');
    expect(await kInduction(rel, bad, soon(), 1)).toMatchObject({ kind: 'unknown' });
  });

  it('on an example, does not prove what an unreachable state with a full log breaks', async () => {
    // A full log that has not halted is unreachable under onFull: halt, but from it a refusal
    // drops a record: Spacer's invariant rules it out, paths of good states do not.
    const mils = buildRelation(buildLayout(example('mils-two-domain')));
    const audit = mils.bad.get('AuditCompleteness')!;
    expect((await kInduction(mils, audit, soon(), 4)).kind).toBe('unknown');
  });
});
