/**
 * Bounded model checking, deepening one step at a time: the relation unrolled from the initial
 * state over the cone of influence of one property, asking at each depth whether a bad state is
 * reached in exactly that many steps. The first depth that answers yes gives a shortest
 * counterexample, as the names of its events; the caller replays them through the model.
 */
import type { Relation } from './relation.js';
import { coneOfInfluence, declare, eventFormula } from './smt.js';
import { and, eq, or, renameVars, type Term } from './terms.js';
import { type Budget, SmtSession, type WallClock } from './z3.js';

export type BmcAnswer =
  /** Indices into `Relation.events`, in order. */
  | { readonly kind: 'trace'; readonly events: readonly number[] }
  /** No bad state within `depth` steps; the search stopped when its budget ran out or at the depth bound. */
  | { readonly kind: 'none'; readonly depth: number; readonly reason: string };

/** The search, within `budget`. Past the wall clock it raises `SolverInterrupted` rather than answer. */
export async function bmc(
  rel: Relation,
  bad: Term,
  budget: Budget,
  maxDepth = 200,
  clock?: WallClock,
): Promise<BmcAnswer> {
  const cone = coneOfInfluence(rel, bad);
  const events = [...new Set(cone.transitions.map((k) => rel.transitions[k]!.event))];
  const at = (k: number) => (i: number) => `s${k}_${i}`;
  const session = await SmtSession.open(clock);
  try {
    await session.run(
      [
        declare(rel, cone.vars, at(0)),
        `(assert ${and(...cone.vars.map((i) => eq(at(0)(i), rel.init[i]!)))})`,
      ].join('\n'),
    );
    for (let depth = 0; depth <= maxDepth; depth++) {
      if (budget.left <= 0) return { kind: 'none', depth: depth - 1, reason: "the solver's budget ran out" };
      const answer = (
        await session.check(`(push)(assert ${renameVars(bad, at(depth))})(check-sat)`, budget)
      ).trim();
      if (answer === 'sat') {
        const names = Array.from({ length: depth }, (_, k) => `e${k}`);
        const values = depth ? await session.run(`(get-value (${names.join(' ')}))`) : '';
        const chosen = names.map((n) => {
          const m = new RegExp(`\\(${n} (\\d+)\\)`).exec(values);
          if (!m) throw new Error(`no value for ${n} in ${values}`);
          return Number(m[1]);
        });
        return { kind: 'trace', events: chosen };
      }
      await session.run('(pop)');
      if (answer !== 'unsat')
        return {
          kind: 'none',
          depth: depth - 1,
          reason: budget.left <= 0 ? "the solver's budget ran out" : `the solver answered ${answer}`,
        };
      if (!events.length)
        return { kind: 'none', depth: Infinity, reason: 'no event changes what the property reads' };
      const step = or(
        ...events.map((e) =>
          and(`(= e${depth} ${e})`, eventFormula(rel, e, at(depth), at(depth + 1), cone.vars)),
        ),
      );
      await session.run(
        [declare(rel, cone.vars, at(depth + 1)), `(declare-const e${depth} Int)`, `(assert ${step})`].join(
          '\n',
        ),
      );
    }
    return { kind: 'none', depth: maxDepth, reason: `no counterexample within ${maxDepth} steps` };
  } finally {
    session.close();
  }
}
