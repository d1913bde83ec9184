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
import { SmtSession, SolverInterrupted } from './z3.js';

export type ChcAnswer =
  /** `definitions` defines `Inv` over the variables `args`, in that order. */
  | { readonly kind: 'proved'; readonly definitions: string; readonly args: readonly number[] }
  | { readonly kind: 'refuted' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Raised when a solver answer does not stand up to checking: a defect, never a verdict. */
export class ProofDefect extends Error {}

/** Whole milliseconds to the deadline: Z3 reads 2500.5 as the rational 5001/2 and rejects it as a timeout. */
const remaining = (deadline: number) => Math.max(1, Math.ceil(deadline - Date.now()));

export async function chc(rel: Relation, bad: Term, deadline: number): Promise<ChcAnswer> {
  const session = await SmtSession.open();
  try {
    const answer = (await session.run(hornScript(rel, bad, remaining(deadline)), remaining(deadline))).trim();
    if (answer === 'unsat') return { kind: 'refuted' };
    if (answer !== 'sat') {
      const reason = (await session.run('(get-info :reason-unknown)')).trim();
      return { kind: 'unknown', reason: `Spacer answered ${answer} ${reason}` };
    }
    const model = (await session.run('(get-model)')).trim();
    const definitions = model.slice(model.indexOf('(') + 1, model.lastIndexOf(')')).trim();
    if (!/\(define-fun Inv\b/.test(definitions)) throw new ProofDefect(`Spacer gave no invariant: ${model}`);
    return { kind: 'proved', definitions, args: coneOfInfluence(rel, bad).vars };
  } catch (e) {
    if (e instanceof SolverInterrupted) return { kind: 'unknown', reason: e.message };
    throw e;
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
 * the invariant's variables is caught here.
 */
export async function recheck(
  rel: Relation,
  bad: Term,
  proof: Extract<ChcAnswer, { kind: 'proved' }>,
  deadline: number,
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
  const session = await SmtSession.open();
  try {
    const script = [
      `(set-option :timeout ${remaining(deadline)})`,
      proof.definitions,
      declare(
        rel,
        rel.vars.map((_, i) => i),
        own,
      ),
      ...obligations.map((o) => `(push)${o.query.map((q) => `(assert ${q})`).join('')}(check-sat)(pop)`),
    ].join('\n');
    let output: string;
    try {
      output = await session.run(script, remaining(deadline));
    } catch (e) {
      if (e instanceof SolverInterrupted)
        return { ok: false, failed: "the invariant's obligations hold", answer: 'unknown' };
      throw e;
    }
    const answers = output.trim().split(/\s+/);
    const failed = obligations.findIndex((_, k) => answers[k] !== 'unsat');
    if (failed < 0) return { ok: true };
    return { ok: false, failed: obligations[failed]!.name, answer: answers[failed] ?? 'nothing' };
  } finally {
    session.close();
  }
}

function describe(rel: Relation, event: number): string {
  const e = rel.events[event]!;
  return `event ${event} (${Object.values(e).join(' ')})`;
}
