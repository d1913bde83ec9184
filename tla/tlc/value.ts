/**
 * TLA+ values as TLC prints them in a state (`-tool` counterexamples), read into JSON of the shape
 * TLC's Json module writes and `fromJson` (tla/state-codec.ts) reads: sets and sequences as
 * arrays, records and other functions as objects keyed by the printed key, strings and model
 * values by name, integers and booleans as themselves.
 *
 *   value    = int | string | TRUE | FALSE | identifier
 *            | "{" [value ("," value)*] "}"                  set
 *            | "<<" [value ("," value)*] ">>"                 sequence (a function on 1..n)
 *            | "[" name "|->" value ("," name "|->" value)* "]"   record (a function on strings)
 *            | "(" value ":>" value ("@@" value ":>" value)* ")"  any other function
 *
 * TLC wraps long values over several lines; whitespace between tokens is insignificant.
 */

export type JsonValue = number | string | boolean | JsonValue[] | { [key: string]: JsonValue };

export class TlaValueError extends Error {}

const TOKEN = /\s*(<<|>>|\|->|:>|@@|[{}[\](),]|-?\d+|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) return tokens;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new TlaValueError(`cannot read a TLA+ value at "${text.slice(at, at + 20).trim()}"`);
    tokens.push(m[1]!);
  }
}

export function parseTlaValue(text: string): JsonValue {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const expect = (t: string) => {
    if (tokens[i] !== t) throw new TlaValueError(`expected "${t}", found ${tokens[i] ?? 'the end'}`);
    i++;
  };
  const list = <T>(close: string, item: () => T, separator = ','): T[] => {
    const out: T[] = [];
    if (peek() === close) {
      i++;
      return out;
    }
    for (;;) {
      out.push(item());
      if (peek() === separator) i++;
      else {
        expect(close);
        return out;
      }
    }
  };
  const key = (v: JsonValue): string => {
    if (typeof v === 'object') throw new TlaValueError('a function key must be a number, string or name');
    return String(v);
  };
  const value = (): JsonValue => {
    const t = tokens[i++];
    if (t === undefined) throw new TlaValueError('unexpected end of the value');
    if (t === '{') return list('}', value);
    if (t === '<<') return list('>>', value);
    if (t === '[') {
      const entries = list(']', () => {
        const name = tokens[i++]!;
        expect('|->');
        return [name, value()] as const;
      });
      return Object.fromEntries(entries);
    }
    if (t === '(') {
      const entries = list(
        ')',
        () => {
          const k = key(value());
          expect(':>');
          return [k, value()] as const;
        },
        '@@',
      );
      return Object.fromEntries(entries);
    }
    if (t === 'TRUE') return true;
    if (t === 'FALSE') return false;
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^[A-Za-z_]/.test(t)) return t;
    throw new TlaValueError(`unexpected "${t}"`);
  };
  const v = value();
  if (i !== tokens.length) throw new TlaValueError(`unexpected "${tokens[i]}" after the value`);
  return v;
}

/**
 * A state as TLC prints it: `/\ name = value` conjuncts (a value may continue on indented lines),
 * or a single `name = value` when the spec has one variable.
 */
export function parseTlaState(lines: readonly string[]): Record<string, JsonValue> {
  const conjuncts: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('/\\ ') || conjuncts.length === 0) conjuncts.push(line.replace(/^\/\\ /, ''));
    else conjuncts[conjuncts.length - 1] += `\n${line}`;
  }
  const state: Record<string, JsonValue> = {};
  for (const c of conjuncts) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*) = ([\s\S]*)$/.exec(c);
    if (!m) throw new TlaValueError(`expected "variable = value", found "${c.slice(0, 40)}"`);
    state[m[1]!] = parseTlaValue(m[2]!);
  }
  return state;
}
