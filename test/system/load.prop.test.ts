import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { type LoadResult, parseSystemText } from '../../system/load.js';
import { BASE } from './fixtures.js';

/** Every result is a config or well-formed errors that point inside the text. */
function expectWellFormed(result: LoadResult, text: string): void {
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  const lines = text.split('\n');
  for (const e of result.errors) {
    expect(e.code).toMatch(/^TZ1\d\d$/);
    expect(e.message).not.toBe('');
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines.length);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeLessThanOrEqual((lines[(e.line ?? 1) - 1]?.length ?? 0) + 1);
  }
}

/** Paths to every node of a parsed YAML value, the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const children = Array.isArray(value)
    ? value.map((v, i) => pathsOf(v, [...prefix, i]))
    : typeof value === 'object' && value !== null
      ? Object.entries(value).map(([k, v]) => pathsOf(v, [...prefix, k]))
      : [];
  return [prefix, ...children.flat()];
}

function replaceAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const record = value as Record<string, unknown>;
  return { ...record, [head]: replaceAt(record[head], rest, replacement) };
}

const base: unknown = parse(BASE);
const basePaths = pathsOf(base);

describe('parseSystemText never throws', () => {
  test.prop([fc.nat(), fc.string({ maxLength: 3 })])(
    'on the example system with a few characters replaced',
    (at, insert) => {
      const i = at % (BASE.length + 1);
      const text = BASE.slice(0, i) + insert + BASE.slice(i + 1);
      expectWellFormed(parseSystemText(text, 'sys.yaml'), text);
    },
  );

  test.prop([fc.constantFrom(...basePaths), fc.jsonValue({ maxDepth: 2 })])(
    'on the example system with any node replaced by any value',
    (path, replacement) => {
      const text = stringify(replaceAt(base, path, replacement));
      expectWellFormed(parseSystemText(text, 'sys.yaml'), text);
    },
  );

  test.prop([fc.string()])('on arbitrary text, as YAML and as JSON', (text) => {
    expectWellFormed(parseSystemText(text, 'sys.yaml'), text);
    expectWellFormed(parseSystemText(text, 'sys.json'), text);
  });
});
