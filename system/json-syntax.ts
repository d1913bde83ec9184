/**
 * A strict JSON (RFC 8259) syntax check that says where the first error is. `JSON.parse` does not
 * report a position on every engine, and the YAML parser accepts things JSON does not (comments,
 * single quotes, trailing commas), so `.json` system files are checked here first.
 */

export interface JsonSyntaxError {
  readonly offset: number;
  readonly message: string;
}

/** Deeper nesting than any system file needs; the cap keeps recursion off the stack limit. */
const MAX_DEPTH = 256;

class Failure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;

  const fail = (message: string, offset = i): never => {
    throw new Failure(offset, message);
  };
  const found = (): string =>
    i < text.length ? `unexpected ${JSON.stringify(text[i])}` : 'unexpected end of input';
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (char: string, what: string): void => {
    if (text[i] !== char) fail(`${found()}; expected ${what}`);
    i++;
  };

  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string; escape it');
      if (c === 0x5c) {
        const escaped = text.charAt(i + 1);
        if ('"\\/bfnrt'.includes(escaped) && escaped !== '') i += 2;
        else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail(`invalid escape ${JSON.stringify(text.slice(i, i + 2))} in string`);
      } else {
        i++;
      }
    }
    i++;
  };

  const number = (): void => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    const end = i + (match?.[0].length ?? 0);
    if (!match || /[0-9.eE+-]/.test(text.charAt(end))) fail('malformed number');
    i = end;
  };

  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) fail(`${found()}; expected a value`);
    i += word.length;
  };

  const container = (close: string, depth: number, member: () => void): void => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      const comma = i;
      expect(',', `"," or "${close}"`);
      skipSpace();
      if (text[i] === close) fail(`trailing comma before "${close}"`, comma);
    }
  };

  const value = (depth: number): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      container('}', depth + 1, () => {
        if (text[i] !== '"') fail(`${found()}; expected a double-quoted key`);
        string();
        skipSpace();
        expect(':', '":" after the key');
        value(depth + 1);
      });
    } else if (c === '[') {
      container(']', depth + 1, () => value(depth + 1));
    } else if (c === '"') {
      string();
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      number();
    } else if (c === 't') {
      literal('true');
    } else if (c === 'f') {
      literal('false');
    } else if (c === 'n') {
      literal('null');
    } else {
      fail(`${found()}; expected a value`);
    }
  };

  try {
    value(0);
    skipSpace();
    if (i < text.length) fail(`${found()} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (e instanceof Failure) return { offset: e.offset, message: e.message };
    throw e;
  }
}
