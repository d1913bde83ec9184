/**
 * k-induction, prove's second route to `holds` where Spacer's first attempt finds no invariant: if no bad
 * state is reachable within k - 1 steps of the initial state (bounded model checking's answer, the
 * base case) and no path of k steps through distinct states, each of them good, ends in a bad state
 * (the step case, one SMT query here), then no bad state is reachable at all. The step case is
 * asked over the property's cone of influence, with the integer variables within their bounds
 * (which every state keeps) and the states of the path pairwise distinct (which keeps it sound and
 * lets a longer path succeed where a shorter one does not).
 */
import type { Relation } from './relation.js';
import { coneOfInfluence, declare, eventFormula } from './smt.js';
import { and, eq, not, or, renameVars, type Term } from './terms.js';
import { type Budget, SmtSession, type WallClock } from './z3.js';

export type KInductionAnswer =
  | { readonly kind: 'proved'; readonly k: number }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * The smallest k from 2 to `maxK` for which the step case holds, given that the base case holds
 * for every k up to `maxK` (no bad state within `maxK - 1` steps).
 */
export async function kInduction(
  rel: Relation,
  bad: Term,
  budget: Budget,
  maxK: number,
  clock?: WallClock,
): Promise<KInductionAnswer> {
  if (maxK < 2) return { kind: 'unknown', reason: 'the base case is not established beyond one step' };
  const cone = coneOfInfluence(rel, bad);
  const events = [...new Set(cone.transitions.map((k) => rel.transitions[k]!.event))];
  const at = (k: number) => (i: number) => `k${k}_${i}`;
  const state = (k: number) => {
    const bounds = cone.vars.flatMap((i) => {
      const upper = rel.bounds.get(i);
      return upper === undefined ? [] : [`(<= 0 ${at(k)(i)})`, `(<= ${at(k)(i)} ${upper})`];
    });
    return [declare(rel, cone.vars, at(k)), ...bounds.map((b) => `(assert ${b})`)].join('\n');
  };
  const same = (j: number, k: number) => and(...cone.vars.map((i) => eq(at(j)(i), at(k)(i))));
  const session = await SmtSession.open(clock);
  try {
    await session.run(state(0));
    for (let k = 1; k <= maxK; k++) {
      if (budget.left <= 0) return { kind: 'unknown', reason: "the solver's budget ran out" };
      // States 0 .. k-1 are good, k follows k-1 by some event, and differs from every one before.
      const step = or(...events.map((e) => eventFormula(rel, e, at(k - 1), at(k), cone.vars)));
      const distinct = Array.from({ length: k }, (_, j) => `(assert ${not(same(j, k))})`);
      await session.run(
        [`(assert ${not(renameVars(bad, at(k - 1)))})`, state(k), `(assert ${step})`, ...distinct].join('\n'),
      );
      if (k < 2) continue;
      const answer = (
        await session.check(`(push)(assert ${renameVars(bad, at(k))})(check-sat)(pop)`, budget)
      ).trim();
      if (answer === 'unsat') return { kind: 'proved', k };
      if (answer !== 'sat')
        return { kind: 'unknown', reason: `the step case for k = ${k}: the solver answered ${answer}` };
    }
    return { kind: 'unknown', reason: `not k-inductive for any k up to ${maxK}` };
  } finally {
    session.close();
  }
}
