/**
 * Bounded model checking, deepening one step at a time: the relation unrolled from the initial
 * state over the cone of influence of one property, asking at each depth whether a bad state is
 * reached in exactly that many steps. The first depth that answers yes gives a shortest
 * counterexample, as the names of its events; the caller replays them through the model.
 */
import type { Relation } from './relation.js';
import { coneOfInfluence, declare, eventFormula } from './smt.js';
import { and, eq, or, renameVars, type Term } from './terms.js';
import { SmtSession, SolverInterrupted } from './z3.js';

export type BmcAnswer =
  /** Indices into `Relation.events`, in order. */
  | { readonly kind: 'trace'; readonly events: readonly number[] }
  /** No bad state within `depth` steps; the search stopped at the deadline or the depth bound. */
  | { readonly kind: 'none'; readonly depth: number; readonly reason: string };

export async function bmc(rel: Relation, bad: Term, deadline: number, maxDepth = 200): Promise<BmcAnswer> {
  const cone = coneOfInfluence(rel, bad);
  const events = [...new Set(cone.transitions.map((k) => rel.transitions[k]!.event))];
  const at = (k: number) => (i: number) => `s${k}_${i}`;
  // Whole milliseconds: Z3 reads 2500.5 as the rational 5001/2 and rejects it as a timeout.
  const left = () => Math.max(1, Math.ceil(deadline - Date.now()));
  const session = await SmtSession.open();
  let searched = -1;
  try {
    await session.run(
      [
        declare(rel, cone.vars, at(0)),
        `(assert ${and(...cone.vars.map((i) => eq(at(0)(i), rel.init[i]!)))})`,
      ].join('\n'),
    );
    for (let depth = 0; depth <= maxDepth; depth++) {
      if (Date.now() >= deadline) return { kind: 'none', depth: depth - 1, reason: 'the time ran out' };
      const answer = (
        await session.run(
          `(set-option :timeout ${left()})(push)(assert ${renameVars(bad, at(depth))})(check-sat)`,
          left(),
        )
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
        return { kind: 'none', depth: depth - 1, reason: `the solver answered ${answer}` };
      searched = depth;
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
  } catch (e) {
    if (e instanceof SolverInterrupted) return { kind: 'none', depth: searched, reason: 'the time ran out' };
    throw e;
  } finally {
    session.close();
  }
}
