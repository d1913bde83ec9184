/**
 * The command line's output handling in process: a closed reader ends the run with exit 2 and
 * nothing more, another write failure with one line on stderr, and text is made terminal-safe.
 */
import { describe, expect, it } from 'vitest';
import { type Io, memoryIo, OutputError, terminalSafe } from '../../cli/io.js';
import { run } from '../../cli/main.js';
import { ROOT } from '../helpers.js';

/** An Io whose stdout fails with `code` after `okWrites` writes; stderr is kept. */
function failingIo(code: string, okWrites: number): Io & { stderr: () => string } {
  const inner = memoryIo();
  let writes = 0;
  return {
    ...inner,
    out: (text) => {
      if (writes++ >= okWrites) throw new OutputError('standard output', code);
      inner.out(text);
    },
    stderr: inner.stderr,
  };
}

const EXAMPLE = `${ROOT}examples/audit-overwrite.yaml`;

describe('output failures', () => {
  it('EPIPE in the middle of a simulation: exit 2, nothing on stderr, the run stops', async () => {
    const io = failingIo('EPIPE', 10);
    const started = Date.now();
    expect(await run(['simulate', EXAMPLE, '--steps', '30000000'], io)).toBe(2);
    expect(io.stderr()).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('ENOSPC: exit 2 and one line saying so', async () => {
    const io = failingIo('ENOSPC', 0);
    expect(await run(['validate', EXAMPLE], io)).toBe(2);
    expect(io.stderr()).toBe(
      'typezero: cannot write to standard output: no space left on the device (ENOSPC)\n',
    );
  });

  it('help goes to stdout with exit 0, through the same Io', async () => {
    const io = memoryIo();
    expect(await run(['check', '--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^Usage: typezero check \[options\] <system-file>/);
    expect(io.stderr()).toBe('');
  });
});

describe('terminalSafe', () => {
  it('escapes controls, separators and bidirectional marks, keeping newline and tab', () => {
    expect(terminalSafe('a\u001b[31mb\rc\u009bd\u202ee\u2028f\tg\nh')).toBe(
      'a\\u001b[31mb\\u000dc\\u009bd\\u202ee\\u2028f\tg\nh',
    );
  });

  it('keeps JSON valid and its values the same', () => {
    const value = { name: 'x\u0085y\u202ez' };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });
});
