/**
 * An invariant's term (invariant.ts) as a formula of facts about single state variables: negations
 * pushed down to the variables, implications and Boolean `ite`s and equalities spelled out as `and`
 * and `or`, and every comparison that reads one variable turned into the set of values of that
 * variable's range that satisfy it. Over the states of the system (every variable within its range)
 * the formula means exactly what the term does; what reads two variables or more stays a term.
 */
import { has } from '../../model/bits.js';
import type { State } from '../../model/state.js';
import { type Expr, evaluate, type Value, variablesOf } from './invariant.js';
import type { Relation } from './relation.js';
import { HV_CODE, STATUS_CODE, type VarRole } from './state.js';

export type Fact =
  | { readonly kind: 'const'; readonly value: boolean }
  /** The Boolean variable `index` has the value `value`. */
  | { readonly kind: 'bit'; readonly index: number; readonly value: boolean }
  /** The integer variable `index` takes one of `values` (a proper, non-empty part of its range). */
  | { readonly kind: 'in'; readonly index: number; readonly values: readonly number[] }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Fact[] }
  /** A term over several variables, as the solver wrote it, that evaluates to `value`. */
  | { readonly kind: 'term'; readonly expr: Expr; readonly value: boolean };

const TRUE: Fact = { kind: 'const', value: true };
const FALSE: Fact = { kind: 'const', value: false };
const konst = (b: boolean): Fact => (b ? TRUE : FALSE);

/** The values variable `index` takes in the states of the system. */
export function rangeOf(rel: Relation, index: number): Value[] {
  if (rel.vars[index]!.sort === 'Bool') return [false, true];
  const upper = rel.bounds.get(index);
  if (upper === undefined) throw new Error(`no range for ${rel.vars[index]!.meaning}`);
  return Array.from({ length: upper + 1 }, (_, v) => v);
}

type Sort = 'Bool' | 'Int';

function sortOf(rel: Relation, e: Expr): Sort {
  switch (e.kind) {
    case 'var':
      return rel.vars[e.index]!.sort;
    case 'bool':
      return 'Bool';
    case 'int':
      return 'Int';
    case 'app':
      if (e.op === 'ite') return sortOf(rel, e.args[1]!);
      return ['+', '-', '*', 'div', 'mod', 'abs'].includes(e.op) ? 'Int' : 'Bool';
  }
}

/** The fact that `e` evaluates to `positive`. */
export function toFact(rel: Relation, e: Expr, positive = true): Fact {
  const fact = (x: Expr, pos = positive) => toFact(rel, x, pos);
  if (e.kind === 'bool') return konst(e.value === positive);
  if (e.kind === 'var' && rel.vars[e.index]!.sort === 'Bool')
    return { kind: 'bit', index: e.index, value: positive };
  if (e.kind !== 'app') throw new Error(`an integer where a formula belongs: ${JSON.stringify(e)}`);
  const { op, args } = e;
  const boolArgs = args.every((a) => sortOf(rel, a) === 'Bool');
  switch (op) {
    case 'not':
      return fact(args[0]!, !positive);
    case 'and':
    case 'or':
      return junction(
        rel,
        (op === 'and') === positive ? 'and' : 'or',
        args.map((a) => fact(a)),
      );
    case '=>':
      return junction(rel, positive ? 'or' : 'and', [
        ...args.slice(0, -1).map((a) => fact(a, !positive)),
        fact(args.at(-1)!),
      ]);
    case 'ite':
      if (sortOf(rel, e) !== 'Bool') break;
      return junction(rel, 'or', [
        junction(rel, 'and', [fact(args[0]!, true), fact(args[1]!)]),
        junction(rel, 'and', [fact(args[0]!, false), fact(args[2]!)]),
      ]);
    case '=':
    case 'distinct':
    case 'xor':
      if (!boolArgs || args.length !== 2) break;
      return equivalence(rel, args[0]!, args[1]!, (op === '=') === positive);
    default:
      break;
  }
  return atom(rel, e, positive);
}

/** a = b when `same`, else a ≠ b. */
function equivalence(rel: Relation, a: Expr, b: Expr, same: boolean): Fact {
  return junction(rel, 'or', [
    junction(rel, 'and', [toFact(rel, a, true), toFact(rel, b, same)]),
    junction(rel, 'and', [toFact(rel, a, false), toFact(rel, b, !same)]),
  ]);
}

/** A comparison: over one variable, the values of its range that make it `positive`. */
function atom(rel: Relation, e: Expr, positive: boolean): Fact {
  const vars = variablesOf(e);
  if (vars.length === 0) return konst(evaluate(e, () => 0) === positive);
  if (vars.length > 1) return { kind: 'term', expr: e, value: positive };
  const index = vars[0]!;
  const range = rangeOf(rel, index);
  const values = range.filter((v) => evaluate(e, () => v) === positive);
  return inRange(rel, index, values);
}

/** Variable `index` takes one of `values` (of its range). */
function inRange(rel: Relation, index: number, values: readonly Value[]): Fact {
  const range = rangeOf(rel, index);
  if (values.length === 0) return FALSE;
  if (values.length === range.length) return TRUE;
  if (rel.vars[index]!.sort === 'Bool') return { kind: 'bit', index, value: values[0] as boolean };
  return { kind: 'in', index, values: [...(values as number[])].sort((a, b) => a - b) };
}

/**
 * `and` or `or` of the parts, flattened, with constants folded and the facts about one variable
 * merged (their values intersected under `and`, joined under `or`).
 */
export function junction(rel: Relation, kind: 'and' | 'or', parts: readonly Fact[]): Fact {
  const unit = kind === 'and';
  const out: Fact[] = [];
  for (const p of parts) {
    if (p.kind === 'const') {
      if (p.value !== unit) return konst(!unit);
      continue;
    }
    if (p.kind === kind) out.push(...p.parts);
    else out.push(p);
  }
  const merged = mergeByVariable(rel, kind, out);
  if (merged.some((p) => p.kind === 'const' && p.value !== unit)) return konst(!unit);
  const kept = merged.filter((p) => p.kind !== 'const');
  if (kept.length === 0) return konst(unit);
  if (kept.length === 1) return kept[0]!;
  return { kind, parts: kept };
}

function mergeByVariable(rel: Relation, kind: 'and' | 'or', parts: readonly Fact[]): Fact[] {
  const at = new Map<number, number>();
  const out: Fact[] = [];
  for (const p of parts) {
    if (p.kind !== 'bit' && p.kind !== 'in') {
      out.push(p);
      continue;
    }
    const values: Value[] = p.kind === 'bit' ? [p.value] : [...p.values];
    const k = at.get(p.index);
    if (k === undefined) {
      at.set(p.index, out.length);
      out.push(p);
      continue;
    }
    const before = out[k]!;
    const had: Value[] =
      before.kind === 'bit' ? [before.value] : before.kind === 'in' ? [...before.values] : [];
    const joined = kind === 'and' ? had.filter((v) => values.includes(v)) : [...new Set([...had, ...values])];
    out[k] = inRange(rel, p.index, joined);
  }
  return out;
}

/** The fact with every variable given by `value`. */
export function factHolds(f: Fact, value: (index: number) => Value): boolean {
  switch (f.kind) {
    case 'const':
      return f.value;
    case 'bit':
      return value(f.index) === f.value;
    case 'in':
      return f.values.includes(value(f.index) as number);
    case 'and':
      return f.parts.every((p) => factHolds(p, value));
    case 'or':
      return f.parts.some((p) => factHolds(p, value));
    case 'term':
      return evaluate(f.expr, value) === f.value;
  }
}

/**
 * What a state variable reads in a model state, from its role alone: the meaning the explanation
 * gives each variable, which the tests hold to the solver's own encoding of the state.
 */
export function roleValue(role: VarRole, s: State): Value {
  switch (role.kind) {
    case 'hv':
      return HV_CODE[s.hv];
    case 'hvTampered':
      return s.hvTampered;
    case 'tampered':
      return has(s.tampered, role.partition);
    case 'status':
      return STATUS_CODE[s.status[role.partition]!];
    case 'pendingIrq':
      return has(s.pendingIrq[role.partition]!, role.device);
    case 'frame':
      return s.frame;
    case 'length':
      return s.channels[role.channel]!.length;
    case 'auditCount':
      return s.auditCount;
    case 'halted':
      return s.halted;
    case 'flag':
      return has(s.flags, role.flag);
    case 'ticks':
      throw new Error('the FaultRecovery proof counts Ticks; a model state has no such count');
    case 'label': {
      const h = role.holder;
      const bits =
        h.kind === 'observed'
          ? s.observed[h.partition]!
          : h.kind === 'cell'
            ? s.cells[h.cell]!
            : h.kind === 'slot'
              ? (s.channels[h.channel]![h.slot] ?? 0)
              : s.auditLabel;
      return has(bits, role.source);
    }
  }
}
