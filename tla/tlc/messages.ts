/**
 * TLC's `-tool` output, the message protocol the Toolbox reads (both 1.7.4 and 1.8.0 write it):
 * every report is framed as
 *
 *   @!@!@STARTMSG <code>:<severity> @!@!@
 *   <text lines>
 *   @!@!@ENDMSG <code> @!@!@
 *
 * where the code is one of tlc2.output.EC and the severity one of tlc2.output.MP (0 none, 1 error,
 * 2 TLC bug, 3 warning, 4 state). Lines outside any frame (SANY's parse and semantic errors, a JVM
 * stack trace) are kept in order as loose lines. Messages can nest (a fingerprint error wraps the
 * evaluation error that caused it); each is recorded where it ends, inner ones first.
 */

/** The EC codes typezero reads. */
export const EC = {
  GENERAL: 1000,
  SYSTEM_OUT_OF_MEMORY: 1001,
  SYSTEM_OUT_OF_MEMORY_TOO_MANY_INIT: 1002,
  SYSTEM_OUT_OF_MEMORY_LIVENESS: 1003,
  SYSTEM_STACK_OVERFLOW: 1005,
  WRONG_COMMANDLINE_PARAMS_TLC: 1102,
  TLC_ASSUMPTION_FALSE: 2104,
  TLC_ASSUMPTION_EVALUATION_ERROR: 2105,
  TLC_INVARIANT_VIOLATED_INITIAL: 2107,
  TLC_PROPERTY_VIOLATED_INITIAL: 2108,
  TLC_INVARIANT_VIOLATED_BEHAVIOR: 2110,
  /** "The behavior up to this point is:", before a counterexample's states. */
  TLC_BEHAVIOR_UP_TO_THIS_POINT: 2121,
  TLC_INVARIANT_EVALUATION_FAILED: 2111,
  TLC_DEADLOCK_REACHED: 2114,
  TLC_TEMPORAL_PROPERTY_VIOLATED: 2116,
  TLC_BACK_TO_STATE: 2122,
  TLC_BUG: 2128,
  TLC_FINGERPRINT_EXCEPTION: 2147,
  TLC_PARSING_FAILED2: 2171,
  TLC_FINISHED: 2186,
  TLC_SUCCESS: 2193,
  TLC_SEARCH_DEPTH: 2194,
  TLC_STATS: 2199,
  TLC_PROGRESS_STATS: 2200,
  TLC_LIVE_FORMULA_TAUTOLOGY: 2253,
  TLC_STATE_PRINT2: 2217,
  TLC_STATE_PRINT3: 2218,
  TLC_VERSION: 2262,
  /** Distributed TLC: the server is up and waits for workers. */
  TLC_DISTRIBUTED_SERVER_RUNNING: 7000,
  TLC_PARSING_FAILED: 3002,
  CHECK_PARAM_UNRECOGNIZED: 3113,
} as const;

export const SEVERITY = { NONE: 0, ERROR: 1, TLCBUG: 2, WARNING: 3, STATE: 4 } as const;

export interface TlcMessage {
  readonly code: number;
  readonly severity: number;
  /** The message's own text lines, without the frame (nested messages removed). */
  readonly lines: readonly string[];
  /** Text before the frame on its first line: a thrown exception's name when TLC did not catch it. */
  readonly prefix: string;
}

export interface ToolOutput {
  readonly messages: readonly TlcMessage[];
  /** Lines outside every message, in order. */
  readonly loose: readonly string[];
}

const START = /^(.*?)@!@!@STARTMSG (\d+):(\d+) @!@!@\s*$/;
const END = /^@!@!@ENDMSG (\d+) @!@!@\s*$/;

export function parseToolOutput(stdout: string): ToolOutput {
  const messages: TlcMessage[] = [];
  const loose: string[] = [];
  const open: { code: number; severity: number; lines: string[]; prefix: string }[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const start = START.exec(line);
    if (start) {
      open.push({ code: Number(start[2]), severity: Number(start[3]), lines: [], prefix: start[1]!.trim() });
      continue;
    }
    const end = END.exec(line);
    if (end && open.length && open.at(-1)!.code === Number(end[1])) {
      const m = open.pop()!;
      messages.push({ ...m, lines: trimEnd(m.lines) });
      continue;
    }
    (open.at(-1)?.lines ?? loose).push(line);
  }
  // A run killed mid-message leaves it open: keep what it said.
  for (const m of open.reverse()) messages.push({ ...m, lines: trimEnd(m.lines) });
  return { messages, loose };
}

function trimEnd(lines: string[]): string[] {
  let n = lines.length;
  while (n > 0 && lines[n - 1]!.trim() === '') n--;
  return lines.slice(0, n);
}

/** The progress report of a TLC_PROGRESS_STATS message, without its timestamp. */
export function parseProgress(m: TlcMessage): { depth: number; distinct: number; queue: number } | null {
  const text = m.lines.join(' ');
  const r =
    /^Progress\((\d+)\) at .*?: ([\d,.]+) states generated.*?, ([\d,.]+) distinct states found.*?, ([\d,.]+) states left on queue/.exec(
      text,
    );
  return r ? { depth: Number(r[1]), distinct: count(r[3]!), queue: count(r[4]!) } : null;
}

export const count = (s: string) => Number(s.replace(/[,.\s_]/g, ''));
