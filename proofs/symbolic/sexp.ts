/**
 * S-expressions as Z3 prints them (a model's `define-fun`s): atoms are symbols, numerals and
 * `|quoted symbols|`, lists are nested arrays. The proof's invariant is read back through this, both
 * into domain terms (explain-invariant.ts) and into TLA+ (tla/ind-inv.ts).
 */

export type Sexp = string | Sexp[];

/** Text that is not one well-formed s-expression list, or a model without the expected definition. */
export class SexpError extends Error {}

type ErrorClass = new (message: string) => Error;

/** Parses `text`; malformed text raises `Failure` (SexpError unless the caller names its own). */
export function parseSexps(text: string, Failure: ErrorClass = SexpError): Sexp[] {
  const tokens = text.match(/\(|\)|\|[^|]*\||[^\s()]+/g) ?? [];
  const stack: Sexp[][] = [[]];
  for (const t of tokens) {
    if (t === '(') stack.push([]);
    else if (t === ')') {
      const done = stack.pop();
      if (!done || !stack.length) throw new Failure(`unbalanced ) in ${text}`);
      stack.at(-1)!.push(done);
    } else stack.at(-1)!.push(t);
  }
  if (stack.length !== 1) throw new Failure(`unbalanced ( in ${text}`);
  return stack[0]!;
}

/** A solver symbol without its `|...|` quotes. */
export const unquote = (symbol: string): string => symbol.replace(/^\|(.*)\|$/s, '$1');

/** `(define-fun Inv ((x!0 Int) ...) Bool body)` in a model: its parameter names and body. */
export function invDefinition(
  definitions: string,
  Failure: ErrorClass = SexpError,
): { params: string[]; body: Sexp } {
  const found = parseSexps(definitions, Failure).filter(
    (d): d is Sexp[] => Array.isArray(d) && d[0] === 'define-fun' && d[1] === 'Inv',
  );
  if (found.length !== 1) throw new Failure(`expected one definition of Inv in ${definitions}`);
  const [, , params, , body] = found[0]!;
  if (!Array.isArray(params) || body === undefined)
    throw new Failure(`malformed definition of Inv: ${definitions}`);
  return {
    params: params.map((p) => {
      if (!Array.isArray(p) || typeof p[0] !== 'string')
        throw new Failure(`malformed parameter ${JSON.stringify(p)}`);
      return unquote(p[0]);
    }),
    body,
  };
}
