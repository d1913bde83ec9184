/**
 * Guards around the YAML parser for input that is valid YAML but hostile or careless: nesting deep
 * enough to exhaust the parser's stack, an alias bomb, several documents in one file, and integers
 * too large for a double. Each is found with its position, so the message can point at it.
 */
import { type Document, isAlias, isCollection, type Node, visit } from 'yaml';

/** Far deeper than any system file (which nests 4 levels), far shallower than the parser's limit. */
export const MAX_DEPTH = 64;

/**
 * Offset of the first place the text nests deeper than `MAX_DEPTH` (flow brackets, block
 * indentation and "- " entries counted together), or -1. A scan of the characters, so it cannot
 * overflow the stack itself; quoted text and comments are skipped.
 */
export function tooDeep(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (flow === 0 && i === lineStart) {
      // A block line: its indentation closes deeper levels; each leading "- " or "? " opens one.
      while (text[i] === ' ') i++;
      if (text[i] === '\n' || text[i] === '#' || i >= text.length) {
        i = skipTo(text, i, '\n');
        lineStart = i + 1;
        continue;
      }
      while (indents.length > 0 && indents.at(-1)! >= i - lineStart) indents.pop();
      indents.push(i - lineStart);
      while ((text[i] === '-' || text[i] === '?') && text[i + 1] === ' ') {
        i += 2;
        while (text[i] === ' ') i++;
        indents.push(i - lineStart);
        if (indents.length > MAX_DEPTH) return i;
      }
    }
    const c = text[i];
    if (c === '\n') lineStart = i + 1;
    else if (c === '[' || c === '{') flow++;
    else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
    else if (c === '"' || c === "'") i = skipQuoted(text, i);
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      i = skipTo(text, i, '\n') - 1;
    }
    if (indents.length + flow > MAX_DEPTH) return i;
  }
  return -1;
}

function skipTo(text: string, from: number, c: string): number {
  const at = text.indexOf(c, from);
  return at === -1 ? text.length : at;
}

function skipQuoted(text: string, open: number): number {
  const q = text[open]!;
  for (let i = open + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}

/**
 * Offset of the alias where expansion blows up: the first alias (in file order) whose anchor's
 * value itself holds aliases, which is where an alias bomb starts multiplying; else the first alias.
 */
export function aliasBombAt(doc: Document): number {
  let first = -1;
  let found = -1;
  visit(doc, {
    Alias(_, alias) {
      const offset = alias.range?.[0] ?? 0;
      if (first === -1) first = offset;
      const target = alias.resolve(doc) as Node | undefined;
      if (found === -1 && target && isCollection(target) && holdsAlias(target)) {
        found = offset;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found !== -1 ? found : Math.max(first, 0);
}

function holdsAlias(node: Node): boolean {
  let yes = false;
  visit(node, {
    Alias() {
      yes = true;
      return visit.BREAK;
    },
  });
  return yes;
}

/** `value` with every bigint a double holds exactly turned into a number; the others stay bigints. */
export function normalizeIntegers(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  if (Array.isArray(value)) return value.map(normalizeIntegers);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeIntegers(v)]));
  return value;
}

export { isAlias };
