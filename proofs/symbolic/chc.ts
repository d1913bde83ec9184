/**
 * Proof by constrained Horn clauses: Spacer (Z3's IC3/PDR engine) either finds an inductive
 * invariant that excludes a property's bad states, or shows the bad states reachable. A found
 * invariant is not taken on Spacer's word: plain SMT queries check again that the initial state
 * satisfies it, that every transition of the whole relation preserves it, and that it excludes the
 * bad states.
 */
import type { Relation } from './relation.js';
import { coneOfInfluence, declare, hornScript } from './smt.js';
import { and, not, renameVars, type Term } from './terms.js';
import { type Budget, SmtSession, type WallClock } from './z3.js';

export type ChcAnswer =
  /** `definitions` defines `Inv` over the variables `args`, in that order. */
  | { readonly kind: 'proved'; readonly definitions: string; readonly args: readonly number[] }
  | { readonly kind: 'refuted' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Raised when a solver answer does not stand up to checking: a defect, never a verdict. */
export class ProofDefect extends Error {}

/**
 * Spacer on the property's Horn clauses, within `budget`. Past the wall clock it raises
 * `SolverInterrupted` rather than answer.
 */
export async function chc(rel: Relation, bad: Term, budget: Budget, clock?: WallClock): Promise<ChcAnswer> {
  const session = await SmtSession.open(clock);
  try {
    const answer = (await session.check(hornScript(rel, bad), budget)).trim();
    if (answer === 'unsat') return { kind: 'refuted' };
    if (answer !== 'sat') {
      const reason = (await session.run('(get-info :reason-unknown)')).trim();
      return { kind: 'unknown', reason: `Spacer answered ${answer} ${reason}` };
    }
    const model = (await session.run('(get-model)')).trim();
    const definitions = model.slice(model.indexOf('(') + 1, model.lastIndexOf(')')).trim();
    if (!/\(define-fun Inv\b/.test(definitions)) throw new ProofDefect(`Spacer gave no invariant: ${model}`);
    return { kind: 'proved', definitions, args: coneOfInfluence(rel, bad).vars };
  } finally {
    session.close();
  }
}

/**
 * The plainest candidate invariant: the property itself, with the integer variables within their
 * bounds, over the property's cone of influence. When `recheck` confirms it (the initial state
 * satisfies it, every transition keeps it), the property is inductive as it stands and needs no
 * Spacer: induction, the first step of k-induction, with the bounds as its strengthening.
 */
export function propertyAsInvariant(rel: Relation, bad: Term): Extract<ChcAnswer, { kind: 'proved' }> {
  const args = coneOfInfluence(rel, bad).vars;
  const position = new Map(args.map((v, k) => [v, k]));
  const param = (i: number) => `x!${position.get(i)}`;
  const bounds = args.flatMap((i) => {
    const upper = rel.bounds.get(i);
    return upper === undefined ? [] : [`(<= 0 ${param(i)})`, `(<= ${param(i)} ${upper})`];
  });
  const body = and(not(renameVars(bad, param)), ...bounds);
  const params = args.map((i) => `(${param(i)} ${rel.vars[i]!.sort})`).join(' ');
  return { kind: 'proved', definitions: `(define-fun Inv (${params}) Bool ${body})`, args };
}

export type Recheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly failed: string; readonly answer: string };

/**
 * The invariant checked by plain satisfiability queries over the whole relation: each query asks
 * for a counterexample to one obligation and must be answered `unsat`. Transitions are taken from
 * the whole relation, not the cone Spacer saw, so a cone that left out a transition changing one of
 * the invariant's variables is caught here. The queries share `budget` in turn: one that finds it
 * spent by those before it counts as answered `unknown`.
 */
export async function recheck(
  rel: Relation,
  bad: Term,
  proof: Extract<ChcAnswer, { kind: 'proved' }>,
  budget: Budget,
  clock?: WallClock,
): Promise<Recheck> {
  const inv = (value: (i: number) => Term) =>
    proof.args.length ? `(Inv ${proof.args.map(value).join(' ')})` : 'Inv';
  const own = (i: number) => `x${i}`;
  const obligations: { name: string; query: Term[] }[] = [
    { name: 'the initial state satisfies the invariant', query: [`(not ${inv((i) => rel.init[i]!)})`] },
    // A transition that leaves every argument of Inv as it is preserves it by its very text.
    ...rel.transitions
      .filter((t) => proof.args.some((i) => t.next[i] !== own(i)))
      .map((t) => ({
        name: `${describe(rel, t.event)} preserves the invariant`,
        query: [inv(own), t.cond, `(not ${inv((i) => t.next[i]!)})`],
      })),
    { name: 'the invariant excludes the bad states', query: [inv(own), bad] },
  ];
  const session = await SmtSession.open(clock);
  try {
    const allowed = budget.left;
    const script = [
      proof.definitions,
      declare(
        rel,
        rel.vars.map((_, i) => i),
        own,
      ),
      '(get-info :rlimit)',
      ...obligations.map(
        (o) => `(push)${o.query.map((q) => `(assert ${q})`).join('')}(check-sat)(pop)(get-info :rlimit)`,
      ),
    ].join('\n');
    const output = await session.check(script, budget);
    const answers = [...output.matchAll(/^(sat|unsat|unknown)$/gm)].map((m) => m[1]!);
    const counts = [...output.matchAll(/^\(:rlimit (\d+)\)$/gm)].map((m) => Number(m[1]));
    // Each query was allowed all that was left when the script began; taken in turn, the first
    // whose spending passes that is cut off there.
    const within = (k: number) => counts[k + 1]! - counts[0]! <= allowed;
    const failed = obligations.findIndex((_, k) => answers[k] !== 'unsat' || !within(k));
    if (failed < 0) return { ok: true };
    return {
      ok: false,
      failed: obligations[failed]!.name,
      answer: within(failed) ? (answers[failed] ?? 'nothing') : 'unknown',
    };
  } finally {
    session.close();
  }
}

function describe(rel: Relation, event: number): string {
  const e = rel.events[event]!;
  return `event ${event} (${Object.values(e).join(' ')})`;
}
