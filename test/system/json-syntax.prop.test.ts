import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { findJsonSyntaxError } from '../../system/json-syntax.js';

/** JSON.parse is the oracle for which texts are JSON; the checker exists only to say where they fail. */
describe('findJsonSyntaxError agrees with JSON.parse', () => {
  test.prop([fc.json()])('on valid JSON', (text) => {
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  test.prop([
    fc.json(),
    fc.nat(),
    fc.constantFrom('', ',', '"', '{', '}', '[', ']', ':', '\\', '-', '.', 'e', '0', ' ', 'x'),
  ])('on JSON with one character replaced or deleted', (text, at, insert) => {
    const i = at % (text.length + 1);
    const mutated = text.slice(0, i) + insert + text.slice(i + 1);
    let valid = true;
    try {
      JSON.parse(mutated);
    } catch {
      valid = false;
    }
    expect(findJsonSyntaxError(mutated) === undefined).toBe(valid);
  });
});
