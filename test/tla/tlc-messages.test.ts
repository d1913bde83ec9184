import { describe, expect, it } from 'vitest';
import { parseToolOutput } from '../../tla/tlc/messages.js';
import { readOutcome } from '../../tla/tlc/outcome.js';
import { parseTlaState, parseTlaValue, TlaValueError } from '../../tla/tlc/value.js';

describe("TLA+ values as TLC prints them, read into the Json module's shape", () => {
  it('sets, sequences, records, functions, strings, numbers, booleans, model values', () => {
    expect(parseTlaValue('{"a", "b"}')).toEqual(['a', 'b']);
    expect(parseTlaValue('<<{"secret"}, {}>>')).toEqual([['secret'], []]);
    expect(parseTlaValue('<< >>')).toEqual([]);
    expect(parseTlaValue('[secret |-> {"secret"}, unclass |-> {}]')).toEqual({
      secret: ['secret'],
      unclass: [],
    });
    expect(parseTlaValue('(0 :> {"a"} @@ 1 :> {})')).toEqual({ 0: ['a'], 1: [] });
    expect(parseTlaValue('(0 :> -3)')).toEqual({ 0: -3 });
    expect(parseTlaValue('"say \\"hi\\""')).toBe('say "hi"');
    expect(parseTlaValue('TRUE')).toBe(true);
    expect(parseTlaValue('HypervisorImage')).toBe('HypervisorImage');
  });

  it('values wrapped over lines', () => {
    expect(parseTlaValue('[ secret |-> {"secret"},\n      unclass |-> {"secret",\n   "unclass"} ]')).toEqual({
      secret: ['secret'],
      unclass: ['secret', 'unclass'],
    });
  });

  it('a state: conjuncts, a value continued on indented lines, or one variable alone', () => {
    expect(parseTlaState(['/\\ x = 1', '/\\ s = [a |-> 1,', '       b |-> 2]'])).toEqual({
      x: 1,
      s: { a: 1, b: 2 },
    });
    expect(parseTlaState(['x = 0'])).toEqual({ x: 0 });
  });

  it('anything else is an error that says where', () => {
    expect(() => parseTlaValue('{1, 2')).toThrow(TlaValueError);
    expect(() => parseTlaValue('[a |-> 1] 3')).toThrow(/after the value/);
    expect(() => parseTlaValue('1 + 2')).toThrow(/cannot read a TLA\+ value at "\+ 2"/);
    expect(() => parseTlaState(['/\\ x == 1'])).toThrow(/variable = value/);
  });
});

describe("TLC's -tool messages", () => {
  const frame = (code: number, severity: number, ...lines: string[]) =>
    [`@!@!@STARTMSG ${code}:${severity} @!@!@`, ...lines, `@!@!@ENDMSG ${code} @!@!@`].join('\n');

  it('frames, nested frames (inner first) and loose lines', () => {
    const out = parseToolOutput(
      ['Parsing file A.tla', frame(2147, 1, 'outer', frame(1000, 1, 'inner'), 'outer again'), ''].join('\n'),
    );
    expect(out.loose).toEqual(['Parsing file A.tla', '']);
    expect(out.messages.map((m) => [m.code, m.lines])).toEqual([
      [1000, ['inner']],
      [2147, ['outer', 'outer again']],
    ]);
  });

  it('a run killed mid-message keeps what the message said', () => {
    const out = parseToolOutput('@!@!@STARTMSG 2200:0 @!@!@\nProgress(3)');
    expect(out.messages).toEqual([{ code: 2200, severity: 0, lines: ['Progress(3)'], prefix: '' }]);
  });

  it('a run that was killed is a timeout, whatever it printed', () => {
    const out = parseToolOutput(frame(2110, 1, 'Invariant I is violated.'));
    expect(readOutcome(out, { code: null, signal: 'SIGKILL', timedOutAt: 1000, stderr: '' })).toEqual({
      kind: 'timeout',
      limitMs: 1000,
    });
  });

  it('no result at all is an exception with the exit code, not a pass', () => {
    expect(readOutcome(parseToolOutput(''), { code: 1, signal: null, timedOutAt: null, stderr: '' })).toEqual(
      {
        kind: 'exception',
        message: 'TLC ended without a result (exit code 1)',
      },
    );
  });
});
