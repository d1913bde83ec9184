/**
 * The relation as SMT-LIB2 text: constrained Horn clauses for Spacer (one clause per transition,
 * restricted to the cone of influence of one property), the transition formula over a pair of
 * states for bounded model checking and the conformance tests, and the declarations they share.
 */
import type { Relation } from './relation.js';
import { and, eq, or, renameVars, type Term } from './terms.js';

export const varsOf = (t: Term): number[] => [...t.matchAll(/\bx(\d+)\b/g)].map((m) => Number(m[1]));

/**
 * The variables a property depends on, and the transitions that change them: the bad states'
 * variables, closed under the variables of every transition changing one of them (its condition and
 * the new values). The rest of the state can neither enable such a transition nor shape its effect,
 * so the projection reaches exactly the projections of the reachable states.
 */
export function coneOfInfluence(rel: Relation, bad: Term): { vars: number[]; transitions: number[] } {
  const relevant = new Set(varsOf(bad));
  const changes = rel.transitions.map((t) => t.next.map((term, i) => term !== `x${i}`));
  let grew = true;
  while (grew) {
    grew = false;
    rel.transitions.forEach((t, k) => {
      const touched = [...relevant].filter((i) => changes[k]![i]);
      if (!touched.length) return;
      for (const v of [...varsOf(t.cond), ...touched.flatMap((i) => varsOf(t.next[i]!))])
        if (!relevant.has(v)) {
          relevant.add(v);
          grew = true;
        }
    });
  }
  const vars = [...relevant].sort((a, b) => a - b);
  const transitions = rel.transitions.flatMap((_, k) => (vars.some((i) => changes[k]![i]) ? [k] : []));
  return { vars, transitions };
}

const sortOf = (rel: Relation, i: number) => rel.vars[i]!.sort;

/** `(declare-const <name i> <sort>)` for the given variables. */
export function declare(rel: Relation, vars: readonly number[], name: (i: number) => string): string {
  return vars.map((i) => `(declare-const ${name(i)} ${sortOf(rel, i)})`).join('\n');
}

/** The Horn clauses whose least model is the set of reachable states, and the query `bad`. */
export function hornScript(rel: Relation, bad: Term): string {
  const cone = coneOfInfluence(rel, bad);
  const args = (terms: (i: number) => Term) => cone.vars.map(terms).join(' ');
  const inv = (terms: (i: number) => Term) => (cone.vars.length ? `(Inv ${args(terms)})` : 'Inv');
  const binders = cone.vars.map((i) => `(x${i} ${sortOf(rel, i)})`).join(' ');
  const clause = (body: Term, head: Term) =>
    cone.vars.length
      ? `(assert (forall (${binders}) (=> ${body} ${head})))`
      : `(assert (=> ${body} ${head}))`;
  const own = (i: number) => `x${i}`;
  const lines = [
    '(set-logic HORN)',
    `(declare-fun Inv (${cone.vars.map((i) => sortOf(rel, i)).join(' ')}) Bool)`,
    `(assert ${inv((i) => rel.init[i]!)})`,
    ...cone.transitions.map((k) => {
      const t = rel.transitions[k]!;
      return clause(
        and(inv(own), t.cond),
        inv((i) => t.next[i]!),
      );
    }),
    clause(and(inv(own), bad), 'false'),
    '(check-sat)',
  ];
  return lines.join('\n');
}

/** The cone's variables, in the order `Inv`'s arguments take them. */
export function hornArguments(rel: Relation, bad: Term): number[] {
  return coneOfInfluence(rel, bad).vars;
}

/**
 * Event `e` leads from the state named by `cur` to the state named by `nxt`: its guard holds, and
 * for one of its branches the condition holds and every variable takes that branch's value.
 */
export function eventFormula(
  rel: Relation,
  e: number,
  cur: (i: number) => string,
  nxt: (i: number) => string,
  only?: readonly number[],
): Term {
  const vars = only ?? rel.vars.map((_, i) => i);
  const branches = rel.transitions
    .filter((t) => t.event === e)
    .map((t) => and(renameVars(t.cond, cur), ...vars.map((i) => eq(nxt(i), renameVars(t.next[i]!, cur)))));
  return or(...branches);
}
