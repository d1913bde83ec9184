import { describe, expect, test } from 'vitest';
import { findJsonSyntaxError } from '../../system/json-syntax.js';

describe('findJsonSyntaxError', () => {
  test.each([
    ['{"a": 1,}', 7, 'trailing comma before "}"'],
    ['[1, 2,]', 5, 'trailing comma before "]"'],
    ['{"a": 1', 7, 'unexpected end of input; expected "," or "}"'],
    ["{'a': 1}", 1, `unexpected "'"; expected a double-quoted key`],
    ['{"a" 1}', 5, 'unexpected "1"; expected ":" after the key'],
    ['{"a": 1} // note', 9, 'unexpected "/" after the end of the JSON value'],
    ['{"a": tru}', 6, 'unexpected "t"; expected a value'],
    ['{"a": 01}', 6, 'malformed number'],
    ['{"a": "x\\q"}', 8, 'invalid escape "\\\\q" in string'],
    ['{"a": "x\ty"}', 8, 'control character in string; escape it'],
    ['"abc', 4, 'unterminated string'],
    ['', 0, 'unexpected end of input; expected a value'],
  ])('%j', (text, offset, message) => {
    expect(findJsonSyntaxError(text)).toEqual({ offset, message });
  });

  test('accepts every JSON value', () => {
    expect(
      findJsonSyntaxError(' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"], "b": {}} '),
    ).toBeUndefined();
  });

  test('refuses absurd nesting instead of overflowing the stack', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))?.message).toBe('nesting deeper than 256 levels');
  });
});
