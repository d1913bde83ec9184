/**
 * SMT-LIB2 terms as text, built with constant folding so that the facts the layout fixes (a
 * partition's privileges, a page's class, the schedule) disappear from the formulas instead of
 * reaching the solver as `true` and `false`.
 */

/** One SMT-LIB2 term of sort Bool or Int. */
export type Term = string;

export const TRUE: Term = 'true';
export const FALSE: Term = 'false';

export function bool(b: boolean): Term {
  return b ? TRUE : FALSE;
}

export function int(n: number): Term {
  return n < 0 ? `(- ${-n})` : String(n);
}

export function not(a: Term): Term {
  if (a === TRUE) return FALSE;
  if (a === FALSE) return TRUE;
  if (a.startsWith('(not ') && a.endsWith(')')) {
    const inner = a.slice(5, -1);
    if (balanced(inner)) return inner;
  }
  return `(not ${a})`;
}

/** Whether `t` is one whole term (so that `(not t)` can be unwrapped safely). */
function balanced(t: Term): boolean {
  if (!t.startsWith('(')) return !/[\s()]/.test(t);
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')') depth--;
    if (depth === 0) return i === t.length - 1;
  }
  return false;
}

export function and(...xs: Term[]): Term {
  const parts: Term[] = [];
  for (const x of xs) {
    if (x === FALSE) return FALSE;
    if (x !== TRUE && !parts.includes(x)) parts.push(x);
  }
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0]!;
  return `(and ${parts.join(' ')})`;
}

export function or(...xs: Term[]): Term {
  const parts: Term[] = [];
  for (const x of xs) {
    if (x === TRUE) return TRUE;
    if (x !== FALSE && !parts.includes(x)) parts.push(x);
  }
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0]!;
  return `(or ${parts.join(' ')})`;
}

export function implies(a: Term, b: Term): Term {
  return or(not(a), b);
}

const NUMERAL = /^\d+$/;

export function eq(a: Term, b: Term): Term {
  if (a === b) return TRUE;
  if (NUMERAL.test(a) && NUMERAL.test(b)) return FALSE;
  if ((a === TRUE || a === FALSE) && (b === TRUE || b === FALSE)) return FALSE;
  if (b === TRUE) return a;
  if (a === TRUE) return b;
  if (b === FALSE) return not(a);
  if (a === FALSE) return not(b);
  return `(= ${a} ${b})`;
}

export function ite(c: Term, a: Term, b: Term): Term {
  if (c === TRUE || a === b) return a;
  if (c === FALSE) return b;
  if (a === TRUE && b === FALSE) return c;
  if (a === FALSE && b === TRUE) return not(c);
  if (a === TRUE) return or(c, b);
  if (b === FALSE) return and(c, a);
  if (a === FALSE) return and(not(c), b);
  if (b === TRUE) return or(not(c), a);
  return `(ite ${c} ${a} ${b})`;
}

export function lt(a: Term, b: Term): Term {
  if (NUMERAL.test(a) && NUMERAL.test(b)) return bool(Number(a) < Number(b));
  return `(< ${a} ${b})`;
}

export function add(a: Term, n: number): Term {
  if (NUMERAL.test(a)) return int(Number(a) + n);
  if (n === 0) return a;
  return n > 0 ? `(+ ${a} ${n})` : `(- ${a} ${-n})`;
}

/** Replaces every state variable `x<i>` of `t` by `rename(i)`. */
export function renameVars(t: Term, rename: (i: number) => string): Term {
  return t.replace(/\bx(\d+)\b/g, (_, i: string) => rename(Number(i)));
}
