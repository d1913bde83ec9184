/**
 * A FaultRecovery violation by bounded model checking: a lasso, a path from the initial state whose
 * last state equals an earlier one, every state of the loop inside the pair's P (the partition
 * faulted, its monitor up, the system not halted) and a Tick among the loop's steps, so that the
 * loop repeated forever is a run fair to Tick that never recovers. Deepening one step at a time
 * over the cone of influence of P, as bounded model checking of an invariant does (bmc.ts); the
 * solver's answer is only a candidate, which the caller replays through the model.
 */
import { insideTerm, type RecoveryPair } from './recovery.js';
import type { Relation } from './relation.js';
import { coneOfInfluence, declare, eventFormula } from './smt.js';
import { and, eq, or } from './terms.js';
import { type Budget, SmtSession, type WallClock } from './z3.js';

export type LassoAnswer =
  /** Indices into `Relation.events`, in order; the path returns after them to the state after `loop` of them. */
  | { readonly kind: 'lasso'; readonly events: readonly number[]; readonly loop: number }
  | { readonly kind: 'none'; readonly depth: number; readonly reason: string };

/**
 * A lasso for any of `pairs` (one query for all: the loop stays inside one pair's P), within
 * `budget`. Past the wall clock it raises `SolverInterrupted` rather than answer.
 */
export async function lasso(
  rel: Relation,
  pairs: readonly RecoveryPair[],
  budget: Budget,
  maxDepth: number,
  clock?: WallClock,
): Promise<LassoAnswer> {
  const cone = coneOfInfluence(rel, or(...pairs.map((pair) => insideTerm(rel, pair, (i) => `x${i}`))));
  const events = [...new Set(cone.transitions.map((k) => rel.transitions[k]!.event))];
  const tick = rel.events.findIndex((e) => e.type === 'Tick');
  const at = (k: number) => (i: number) => `l${k}_${i}`;
  /** Whether state k is inside pair q's P. */
  const inside = (k: number, q: number) => `in${k}_${q}`;
  const defineInside = (k: number) =>
    pairs.map((pair, q) => `(define-fun ${inside(k, q)} () Bool ${insideTerm(rel, pair, at(k))})`).join('\n');
  const same = (j: number, k: number) => and(...cone.vars.map((i) => eq(at(j)(i), at(k)(i))));
  const session = await SmtSession.open(clock);
  try {
    await session.run(
      [
        declare(rel, cone.vars, at(0)),
        `(assert ${and(...cone.vars.map((i) => eq(at(0)(i), rel.init[i]!)))})`,
        defineInside(0),
      ].join('\n'),
    );
    for (let n = 1; n <= maxDepth; n++) {
      if (budget.left <= 0) return { kind: 'none', depth: n - 1, reason: "the solver's budget ran out" };
      const step = or(
        ...events.map((e) => and(`(= e${n - 1} ${e})`, eventFormula(rel, e, at(n - 1), at(n), cone.vars))),
      );
      await session.run(
        [
          declare(rel, cone.vars, at(n)),
          `(declare-const e${n - 1} Int)`,
          `(assert ${step})`,
          defineInside(n),
        ].join('\n'),
      );
      // Some loop i .. n: state n is state i, every state from i on is inside one pair's P, one
      // step is a Tick.
      const loops = Array.from({ length: n }, (_, i) =>
        and(
          same(i, n),
          or(...pairs.map((_, q) => and(...Array.from({ length: n - i + 1 }, (_, j) => inside(i + j, q))))),
          or(...Array.from({ length: n - i }, (_, j) => `(= e${i + j} ${tick})`)),
        ),
      );
      const answer = (
        await session.check(
          `(push)${loops.map((l, i) => `(define-fun loop${i} () Bool ${l})`).join('')}(assert ${or(...loops.map((_, i) => `loop${i}`))})(check-sat)`,
          budget,
        )
      ).trim();
      if (answer === 'sat') {
        const names = Array.from({ length: n }, (_, k) => `e${k}`);
        const values = await session.run(`(get-value (${names.join(' ')}))`);
        const chosen = names.map((name) => Number(solverValue(values, name)));
        const starts = await session.run(`(get-value (${loops.map((_, i) => `loop${i}`).join(' ')}))`);
        const loop = loops.findIndex((_, i) => solverValue(starts, `loop${i}`) === 'true');
        return { kind: 'lasso', events: chosen, loop };
      }
      await session.run('(pop)');
      if (answer !== 'unsat')
        return {
          kind: 'none',
          depth: n - 1,
          reason: budget.left <= 0 ? "the solver's budget ran out" : `the solver answered ${answer}`,
        };
    }
    return { kind: 'none', depth: maxDepth, reason: `no lasso within ${maxDepth} steps` };
  } finally {
    session.close();
  }
}

function solverValue(values: string, name: string): string {
  const m = new RegExp(`\\(${name} (\\d+|true|false)\\)`).exec(values);
  if (!m) throw new Error(`no value for ${name} in ${values}`);
  return m[1]!;
}
