/**
 * Where the command line's text goes. Commands write through an `Io`, never to `process.stdout`
 * directly, so that the same entry point runs as a process (file descriptors 1 and 2) and in a test
 * (strings collected in memory), and so that a failing output (a closed pipe, a full disk) ends the
 * run with exit code 2 and one line instead of a stack trace.
 *
 * Everything written is made terminal-safe: control characters other than newline and tab (escape
 * sequences, carriage returns, C1 controls, bidirectional overrides) are shown as `\u{..}` escapes,
 * so that text taken from a system file cannot redraw or forge what a terminal shows. Inside JSON
 * strings the escape keeps the value, since JSON reads `\u001b` as the same character.
 */
import { writeSync } from 'node:fs';

export interface Io {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
  /** A status line redrawn in place on a terminal's stderr; ignored when stderr is not a terminal. */
  status(text: string): void;
  readonly stderrIsTTY: boolean;
  /** Writes out whatever is buffered. */
  flush(): void;
}

/** Standard output or error cannot be written. `closed` is a reader that went away (EPIPE). */
export class OutputError extends Error {
  constructor(
    readonly stream: 'standard output' | 'standard error',
    readonly code: string,
  ) {
    super(`cannot write to ${stream}: ${describeCode(code)}`);
  }

  get closed(): boolean {
    return this.code === 'EPIPE';
  }
}

function describeCode(code: string): string {
  const known: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EPIPE: 'the reader closed the pipe',
    EIO: 'input/output error',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'the file is too large',
    EBADF: 'it is closed',
  };
  return `${known[code] ?? 'write failed'} (${code})`;
}

/** Controls (C0, DEL, C1), line and paragraph separators, and bidirectional formatting marks. */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Text with every character that could steer a terminal, except newline and tab, shown as an escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) =>
    c === '\n' || c === '\t' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const CHUNK = 64 * 1024;

/** Writes all of `text` to `fd`, waiting out a full non-blocking pipe. */
function writeAll(fd: number, text: string, stream: OutputError['stream']): void {
  let bytes = Buffer.from(text, 'utf8');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (bytes.length > 0) {
    let n: number;
    try {
      n = writeSync(fd, bytes);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      throw new OutputError(stream, code);
    }
    bytes = bytes.subarray(n);
  }
}

/** The process's own stdout and stderr, written synchronously; stdout is buffered in chunks. */
export function processIo(): Io {
  let pending = '';
  let statusShown = false;
  const stderrIsTTY = process.stderr.isTTY === true;
  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    writeAll(1, text, 'standard output');
  };
  const clearStatus = (): void => {
    if (!statusShown) return;
    statusShown = false;
    writeAll(2, '\r\x1b[2K', 'standard error');
  };
  return {
    out(text) {
      pending += terminalSafe(text);
      if (pending.length >= CHUNK) flush();
    },
    err(text) {
      flush();
      clearStatus();
      writeAll(2, terminalSafe(text), 'standard error');
    },
    status(text) {
      if (!stderrIsTTY) return;
      if (text === '') return clearStatus();
      writeAll(2, `\r\x1b[2K${terminalSafe(text)}`, 'standard error');
      statusShown = true;
    },
    stderrIsTTY,
    flush() {
      flush();
      clearStatus();
    },
  };
}

/** An `Io` that keeps what is written, for running the command line inside a test. */
export interface MemoryIo extends Io {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

export function memoryIo(): MemoryIo {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => {
      stdout += terminalSafe(text);
    },
    err: (text) => {
      stderr += terminalSafe(text);
    },
    status: () => {},
    stderrIsTTY: false,
    flush: () => {},
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
