/**
 * A proof's inductive invariant in the system file's terms, for an evaluator to read: Spacer's
 * `define-fun Inv` (SMT-LIB over the relation's state variables) read as facts about single
 * variables (facts.ts), each variable named by what it stands for, and the common shapes said in
 * words: the bits of a label that stay clear ("unclass never observes data of secret", "secret's
 * observed set stays within {secret, unclass}"), interrupts that never wait for a partition, history
 * flags never set, bounds on counters ("the audit log never holds more than 1 record"),
 * implications between them ("if the audit log holds 2 records, then the hypervisor has halted").
 * Whatever has no such shape is written out literally with the variables' names. No conjunct is
 * dropped: every claim carries the facts it states, and their conjunction over all claims is the
 * invariant on every state of the system (the tests hold it to Z3's evaluation of `Inv`).
 */
import { type Fact, junction, toFact } from './facts.js';
import { type Expr, InvariantSyntaxError, readInvariant, variablesOf } from './invariant.js';
import {
  always,
  bitText,
  inText,
  labelClaim,
  list,
  never,
  partition,
  rangeLength,
  termText,
} from './invariant-words.js';
import type { Relation } from './relation.js';
import type { LabelHolder } from './state.js';

/** One sentence of the explanation and the facts it states. */
export interface Claim {
  readonly text: string;
  readonly facts: readonly Fact[];
}

/** The claims of the invariant `definitions` whose parameters stand for the relation's `variables`. */
export function explainInvariant(rel: Relation, definitions: string, variables: readonly number[]): Claim[] {
  const body = readInvariant(definitions, variables);
  const groups = new Map<string, Group>();
  const ranges: { facts: Fact[]; vars: Set<number> } = { facts: [], vars: new Set() };
  const tops: Fact[] = [];
  for (const conjunct of conjuncts(body)) {
    const fact = toFact(rel, conjunct);
    if (fact.kind === 'const' && fact.value) {
      // True of every state: a bound the solver needed, which the variables' ranges already keep.
      ranges.facts.push(fact);
      for (const v of variablesOf(conjunct)) ranges.vars.add(v);
      continue;
    }
    tops.push(...(fact.kind === 'and' ? fact.parts : [fact]));
  }
  for (const f of mergeImplications(rel, tops)) place(rel, groups, f);
  const claims = [...groups.values()]
    .sort((a, b) => a.rank - b.rank || a.first - b.first)
    .map((g) => ({ text: g.say(), facts: g.facts }));
  if (ranges.vars.size)
    claims.push({
      text: rangeText(
        rel,
        [...ranges.vars].sort((a, b) => a - b),
      ),
      facts: ranges.facts,
    });
  return claims;
}

/**
 * The explanation as lines of text; one line when the invariant asks nothing of any state, and the
 * solver's own text with the variables named when it is not a term this reading knows.
 */
export function invariantText(rel: Relation, definitions: string, variables: readonly number[]): string[] {
  let claims: Claim[];
  try {
    claims = explainInvariant(rel, definitions, variables);
  } catch (e) {
    if (!(e instanceof InvariantSyntaxError)) throw e;
    const named = definitions.replace(
      /\bx!(\d+)\b/g,
      (x, k: string) => rel.vars[variables[Number(k)]!]?.meaning ?? x,
    );
    return [`as the solver wrote it: ${named.replace(/\s+/g, ' ')}`];
  }
  return claims.length
    ? claims.map((c) => c.text)
    : ['true in every state: the configuration alone rules out every bad state'];
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'app' && e.op === 'and' ? e.args.flatMap(conjuncts) : [e];
}

interface Group {
  readonly rank: number;
  readonly first: number;
  readonly facts: Fact[];
  say(): string;
}

/** Adds a top-level fact to the claim it belongs to: one claim per label and polarity, per device, ... */
function place(rel: Relation, groups: Map<string, Group>, f: Fact): void {
  const { layout } = rel;
  const add = (key: string, rank: number, first: number, say: (facts: Fact[]) => string) => {
    let g = groups.get(key);
    if (!g) {
      const facts: Fact[] = [];
      g = { rank, first, facts, say: () => say(facts) };
      groups.set(key, g);
    }
    g.facts.push(f);
  };
  if (f.kind !== 'bit') {
    add(`fact ${groups.size}`, f.kind === 'in' ? 5 : 6, f.kind === 'in' ? f.index : firstVar(f), () =>
      f.kind === 'in'
        ? always(layout, rel.vars[f.index]!.role, f.values, rangeLength(rel, f.index))
        : say(rel, f),
    );
    return;
  }
  const role = rel.vars[f.index]!.role;
  const bits = (facts: Fact[]) => facts.map((x) => (x.kind === 'bit' ? rel.vars[x.index]!.role : role));
  switch (role.kind) {
    case 'label':
      add(`label ${holderKey(role.holder)} ${f.value}`, 0, f.index, (facts) =>
        labelClaim(
          layout,
          role.holder,
          bits(facts).map((r) => (r.kind === 'label' ? r.source : -1)),
          f.value,
        ),
      );
      return;
    case 'pendingIrq':
      add(`irq ${role.device} ${f.value}`, 1, f.index, (facts) => {
        const who = list(
          bits(facts).map((r) => partition(layout, r.kind === 'pendingIrq' ? r.partition : -1)),
        );
        const device = layout.config.devices[role.device]!.name;
        return f.value
          ? `an interrupt of ${device} always waits for ${who}`
          : `${device}'s interrupts never wait for delivery to ${who}`;
      });
      return;
    case 'tampered':
      add(`tampered ${f.value}`, 2, f.index, (facts) => {
        const who = bits(facts).map((r) => partition(layout, r.kind === 'tampered' ? r.partition : -1));
        const images = who.length === 1 ? `${who[0]}'s image is` : `the images of ${list(who)} are`;
        return `${images} ${f.value ? 'always' : 'never'} tampered with`;
      });
      return;
    default:
      add(`bit ${f.index}`, role.kind === 'flag' ? 4 : 3, f.index, () =>
        f.value ? `always: ${bitText(layout, role, true)}` : never(layout, role),
      );
  }
}

function firstVar(f: Fact): number {
  switch (f.kind) {
    case 'const':
      return -1;
    case 'bit':
    case 'in':
      return f.index;
    case 'term':
      return variablesOf(f.expr)[0] ?? -1;
    case 'and':
    case 'or':
      return Math.min(...f.parts.map(firstVar));
  }
}

function holderKey(h: LabelHolder): string {
  return JSON.stringify(h);
}

// ---------------------------------------------------------------- compound facts

/** Any fact as a statement about the state. */
function say(rel: Relation, f: Fact): string {
  const { layout } = rel;
  switch (f.kind) {
    case 'const':
      return String(f.value);
    case 'bit':
      return bitText(layout, rel.vars[f.index]!.role, f.value);
    case 'in':
      return inText(layout, rel.vars[f.index]!.role, f.values, rangeLength(rel, f.index));
    case 'term':
      return termText(rel, f.expr, f.value);
    case 'and':
      return list(
        f.parts.map((p) => nested(rel, p)),
        'and',
      );
    case 'or':
      return implication(rel, f.parts);
  }
}

function nested(rel: Relation, f: Fact): string {
  return f.kind === 'and' || f.kind === 'or' ? `(${say(rel, f)})` : say(rel, f);
}

/** The fact that is true exactly where `f` is false, for a fact about one variable. */
function negation(rel: Relation, f: Fact): Fact | null {
  if (f.kind === 'bit') return { ...f, value: !f.value };
  if (f.kind === 'in') {
    const values = Array.from({ length: rangeLength(rel, f.index) }, (_, k) => k).filter(
      (k) => !f.values.includes(k),
    );
    return { kind: 'in', index: f.index, values };
  }
  return null;
}

/**
 * A disjunction as "if A and B, then C or D": a part that says a flag or bit is clear, or that a
 * counter or launch state takes some values, is a condition (negated); the others are the
 * consequence. With no consequence, the measurement or else a launch state becomes it. Null when
 * the parts have no such reading (no condition, or no consequence to take).
 */
function split(rel: Relation, parts: readonly Fact[]): { premises: Fact[]; consequences: Fact[] } | null {
  const condition = (f: Fact) => (f.kind === 'bit' && !f.value) || f.kind === 'in';
  const conditions = parts.filter(condition);
  const consequences = parts.filter((f) => !condition(f));
  if (!conditions.length) return null;
  if (consequences.length) return { premises: conditions.map((c) => negation(rel, c)!), consequences };
  const role = (f: Fact) => (f.kind === 'in' ? rel.vars[f.index]!.role.kind : '');
  const chosen = conditions.find((f) => role(f) === 'hv') ?? conditions.find((f) => role(f) === 'status');
  if (!chosen) return null;
  return {
    premises: conditions.filter((c) => c !== chosen).map((c) => negation(rel, c)!),
    consequences: [chosen],
  };
}

/** (c and a) or (not c and b), as "if c, then a; otherwise b". */
function ifThenElse(rel: Relation, parts: readonly Fact[]): string | null {
  if (parts.length !== 2) return null;
  const [a, b] = parts.map((p) => (p.kind === 'and' ? p.parts : [p]));
  const key = (f: Fact) => JSON.stringify(f);
  for (const c of a!) {
    const opposite = negation(rel, c);
    const other = opposite && b!.find((f) => key(f) === key(opposite));
    if (!other) continue;
    const then = junction(
      rel,
      'and',
      a!.filter((f) => f !== c),
    );
    const otherwise = junction(
      rel,
      'and',
      b!.filter((f) => f !== other),
    );
    if (otherwise.kind === 'const') return `if ${say(rel, c)}, then ${say(rel, then)}`;
    if (then.kind === 'const') return `if ${say(rel, opposite)}, then ${say(rel, otherwise)}`;
    return `if ${say(rel, c)}, then ${say(rel, then)}; otherwise ${say(rel, otherwise)}`;
  }
  return null;
}

function implication(rel: Relation, parts: readonly Fact[]): string {
  const branches = ifThenElse(rel, parts);
  if (branches) return branches;
  const s = split(rel, parts);
  if (!s) {
    const conditions = parts.filter((f) => negation(rel, f) !== null);
    return conditions.length === parts.length
      ? `never all of: ${conditions.map((c) => say(rel, negation(rel, c)!)).join('; ')}`
      : list(parts.map((p) => nested(rel, p)));
  }
  const then =
    s.consequences.length === 1
      ? say(rel, s.consequences[0]!)
      : list(s.consequences.map((c) => nested(rel, c)));
  return `if ${list(
    s.premises.map((c) => say(rel, c)),
    'and',
  )}, then ${then}`;
}

/**
 * Implications with the same premises as one: "if A then B" and "if A then C" become "if A then B
 * and C", with the facts about one variable merged ("if secret is not pending, then the
 * hypervisor's measurement is ok" rather than "is not pending" and "is not failed").
 */
function mergeImplications(rel: Relation, facts: readonly Fact[]): Fact[] {
  const out: Fact[] = [];
  const byPremises = new Map<string, { at: number; premises: Fact[]; consequences: Fact[] }>();
  for (const f of facts) {
    const s = f.kind === 'or' ? split(rel, f.parts) : null;
    if (s?.consequences.length !== 1) {
      out.push(f);
      continue;
    }
    const key = JSON.stringify(s.premises.map((p) => JSON.stringify(p)).sort());
    const seen = byPremises.get(key);
    if (!seen) {
      byPremises.set(key, { at: out.length, ...s });
      out.push(f);
      continue;
    }
    seen.consequences.push(s.consequences[0]!);
    // Not A or (B and C): the premises negated again, and the consequences together.
    const then = junction(rel, 'and', seen.consequences);
    out[seen.at] = junction(rel, 'or', [...seen.premises.map((p) => negation(rel, p)!), then]);
  }
  return out;
}

/** The bounds on counters the invariant repeats, which every state keeps. */
function rangeText(rel: Relation, vars: readonly number[]): string {
  const items = vars.map((i) => {
    const v = rel.vars[i]!;
    return v.sort === 'Int' ? `${v.meaning} 0..${rel.bounds.get(i)}` : v.meaning;
  });
  return `and the counters stay in their ranges, as in every state: ${items.join(', ')}`;
}

/** The conjunction of the claims' facts: the invariant, on the states of the system. */
export function claimsFact(rel: Relation, claims: readonly Claim[]): Fact {
  return junction(
    rel,
    'and',
    claims.flatMap((c) => c.facts),
  );
}
