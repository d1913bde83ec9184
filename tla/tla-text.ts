/**
 * TLA+ source text for values: the generator writes the static facts of a system this way, and
 * trace validation writes model states this way. Everything here is in the intersection of TLA+
 * module syntax and tla-checker's .cfg value syntax, which has no parentheses: functions are written
 * `k :> v @@ ...` (the standard TLC module's operators) and a function's value is never itself a
 * function written that way (nested maps are keyed by tuples instead).
 */

export type Tla = string;

export function str(s: string): Tla {
  return JSON.stringify(s);
}

export function int(n: number): Tla {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

export function bool(b: boolean): Tla {
  return b ? 'TRUE' : 'FALSE';
}

export function set(items: readonly Tla[]): Tla {
  return `{${[...new Set(items)].join(', ')}}`;
}

export function seq(items: readonly Tla[]): Tla {
  return `<<${items.join(', ')}>>`;
}

export function tuple(...items: Tla[]): Tla {
  return seq(items);
}

export function record(fields: Readonly<Record<string, Tla>>): Tla {
  return `[${Object.entries(fields)
    .map(([k, v]) => `${k} |-> ${v}`)
    .join(', ')}]`;
}

/** A function from the given keys; `<<>>`, the empty function, when there are none. */
export function fn(entries: readonly (readonly [Tla, Tla])[]): Tla {
  if (!entries.length) return '<<>>';
  return entries
    .map(([k, v]) => {
      if (/:>/.test(v) && !/^[[{<]/.test(v))
        throw new Error(`a function value cannot be a bare function: ${v}`);
      return `${k} :> ${v}`;
    })
    .join(' @@ ');
}

/** TLA+ identifiers: module names and definitions. */
export function identifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}
