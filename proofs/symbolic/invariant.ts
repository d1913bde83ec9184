/**
 * A proof's `define-fun Inv` read back as a term over the relation's state variables: Spacer's
 * parameters (`x!0`, `x!1`, ...) replaced by the variables they stand for, `let` bindings
 * substituted, and an evaluator with SMT-LIB's semantics for Booleans and integers. This is what
 * the explanation in domain terms starts from, and what a reachable state of the explorer is checked
 * against (the proof and the enumeration meet).
 */
import { invDefinition, type Sexp } from './sexp.js';

export type Op =
  | 'and'
  | 'or'
  | 'not'
  | '=>'
  | 'xor'
  | '='
  | 'distinct'
  | 'ite'
  | '<='
  | '>='
  | '<'
  | '>'
  | '+'
  | '-'
  | '*'
  | 'div'
  | 'mod'
  | 'abs';

const OPS: ReadonlySet<string> = new Set<Op>([
  'and',
  'or',
  'not',
  '=>',
  'xor',
  '=',
  'distinct',
  'ite',
  '<=',
  '>=',
  '<',
  '>',
  '+',
  '-',
  '*',
  'div',
  'mod',
  'abs',
]);

export type Expr =
  /** The relation's state variable `x<index>`. */
  | { readonly kind: 'var'; readonly index: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'app'; readonly op: Op; readonly args: readonly Expr[] };

export type Value = boolean | number;

/** An invariant this reading does not understand: a defect of the reading, never a verdict. */
export class InvariantSyntaxError extends Error {}

/**
 * The body of `Inv` in `definitions`, over the relation's variables: its k-th parameter stands for
 * the variable `variables[k]`.
 */
export function readInvariant(definitions: string, variables: readonly number[]): Expr {
  const found = invDefinition(definitions, InvariantSyntaxError);
  if (found.params.length !== variables.length)
    throw new InvariantSyntaxError(
      `Inv takes ${found.params.length} arguments, not the ${variables.length} variables of the proof`,
    );
  const scope = new Map<string, Expr>(
    found.params.map((p, k) => [p, { kind: 'var', index: variables[k]! } as const]),
  );
  return read(found.body, scope);
}

function read(e: Sexp, scope: ReadonlyMap<string, Expr>): Expr {
  if (typeof e === 'string') {
    if (e === 'true' || e === 'false') return { kind: 'bool', value: e === 'true' };
    if (/^\d+$/.test(e)) return { kind: 'int', value: Number(e) };
    const bound = scope.get(e.replace(/^\|(.*)\|$/s, '$1'));
    if (!bound) throw new InvariantSyntaxError(`unknown symbol ${e}`);
    return bound;
  }
  const [head, ...rest] = e;
  if (head === 'let' && rest.length === 2 && Array.isArray(rest[0])) {
    const inner = new Map(scope);
    for (const b of rest[0] as Sexp[]) {
      if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'string')
        throw new InvariantSyntaxError(`malformed binding ${JSON.stringify(b)}`);
      // Bindings of one let are parallel: each is read in the scope outside it.
      inner.set(b[0].replace(/^\|(.*)\|$/s, '$1'), read(b[1]!, scope));
    }
    return read(rest[1]!, inner);
  }
  if (typeof head !== 'string' || !OPS.has(head))
    throw new InvariantSyntaxError(`unknown operator in ${JSON.stringify(e)}`);
  const args = rest.map((a) => read(a, scope));
  if (!args.length) throw new InvariantSyntaxError(`${head} without arguments`);
  // A negative numeral is written (- n): keep it a numeral.
  if (head === '-' && args.length === 1 && args[0]!.kind === 'int')
    return { kind: 'int', value: -args[0]!.value };
  return { kind: 'app', op: head as Op, args };
}

/** The variables a term reads, in ascending order. */
export function variablesOf(e: Expr): number[] {
  const seen = new Set<number>();
  const walk = (x: Expr): void => {
    if (x.kind === 'var') seen.add(x.index);
    else if (x.kind === 'app') x.args.forEach(walk);
  };
  walk(e);
  return [...seen].sort((a, b) => a - b);
}

/** SMT-LIB's integer division: the quotient q with a = b·q + r and 0 <= r < |b|. */
function euclid(a: number, b: number): { q: number; r: number } {
  if (b === 0) throw new InvariantSyntaxError('division by zero in the invariant');
  const q = b > 0 ? Math.floor(a / b) : -Math.floor(a / -b);
  return { q, r: a - b * q };
}

/** The term's value where each variable `i` has the value `value(i)`. */
export function evaluate(e: Expr, value: (index: number) => Value): Value {
  switch (e.kind) {
    case 'var':
      return value(e.index);
    case 'bool':
    case 'int':
      return e.value;
    case 'app':
      break;
  }
  const v = e.args.map((a) => evaluate(a, value));
  const n = v as number[];
  switch (e.op) {
    case 'and':
      return v.every(Boolean);
    case 'or':
      return v.some(Boolean);
    case 'not':
      return !v[0];
    case '=>':
      // Right-associative: (=> a b c) is (=> a (=> b c)).
      return v.reduceRight((acc, x) => !x || acc);
    case 'xor':
      return v.reduce((acc, x) => acc !== x);
    case '=':
      return v.every((x) => x === v[0]);
    case 'distinct':
      return new Set(v).size === v.length;
    case 'ite':
      return v[0] ? v[1]! : v[2]!;
    case '<=':
      return n.every((x, k) => k === 0 || n[k - 1]! <= x);
    case '>=':
      return n.every((x, k) => k === 0 || n[k - 1]! >= x);
    case '<':
      return n.every((x, k) => k === 0 || n[k - 1]! < x);
    case '>':
      return n.every((x, k) => k === 0 || n[k - 1]! > x);
    case '+':
      return n.reduce((a, b) => a + b);
    case '-':
      return n.length === 1 ? -n[0]! : n.reduce((a, b) => a - b);
    case '*':
      return n.reduce((a, b) => a * b);
    case 'div':
      return n.reduce((a, b) => euclid(a, b).q);
    case 'mod':
      return euclid(n[0]!, n[1]!).r;
    case 'abs':
      return Math.abs(n[0]!);
  }
}
