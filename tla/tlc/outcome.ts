/**
 * One TLC run's result, typed: read from its `-tool` messages (tla/tlc/messages.ts) and how the
 * process ended. Every outcome TLC can reach has its own kind; the message of a failure is one
 * line in TLC's or SANY's words, never with a timestamp (TLC's start, finish and progress messages,
 * the only ones that carry the time, are read for their counts only).
 */
import {
  count,
  EC,
  parseProgress,
  parseToolOutput,
  SEVERITY,
  type TlcMessage,
  type ToolOutput,
} from './messages.js';
import { type JsonValue, parseTlaState } from './value.js';

export interface TlcStats {
  readonly generatedStates: number | null;
  readonly distinctStates: number | null;
  readonly statesLeft: number | null;
  /** TLC's depth: the number of states on the longest shortest path, the initial state included. */
  readonly depth: number | null;
}

/** One state of a counterexample: the step's label as TLC prints it, and the variables' values. */
export interface TlcState {
  readonly label: string;
  readonly values: Readonly<Record<string, JsonValue>>;
}

export type TlcOutcome =
  | { readonly kind: 'ok'; readonly stats: TlcStats }
  | {
      readonly kind: 'invariant';
      /** The invariant's TLA+ name; empty where TLC did not say (distributed TLC). */
      readonly name: string;
      readonly states: readonly TlcState[];
      readonly stats: TlcStats;
    }
  | {
      readonly kind: 'property';
      readonly states: readonly TlcState[];
      /** The 0-based index of the state the last one steps back to (itself when it stutters). */
      readonly loop: number;
      readonly stuttering: boolean;
      readonly stats: TlcStats;
    }
  | { readonly kind: 'deadlock'; readonly states: readonly TlcState[]; readonly stats: TlcStats }
  | { readonly kind: 'tautology'; readonly message: string }
  | { readonly kind: 'parse-error'; readonly message: string }
  | { readonly kind: 'semantic-error'; readonly message: string }
  | { readonly kind: 'assumption'; readonly message: string }
  | { readonly kind: 'evaluation-error'; readonly message: string }
  | { readonly kind: 'out-of-memory'; readonly message: string }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'exception'; readonly message: string }
  /** Killed at its time limit (the limit, not a measured time). */
  | { readonly kind: 'timeout'; readonly limitMs: number };

export type TlcFailure = Extract<TlcOutcome, { message: string }>;

/** How the process ended. */
export interface TlcExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** The run was killed at this time limit, in milliseconds. */
  readonly timedOutAt: number | null;
  readonly stderr: string;
}

const text = (m: TlcMessage) => m.lines.join('\n');
const oneLine = (lines: readonly string[]) =>
  lines
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');

function stats(out: ToolOutput): TlcStats {
  let generated: number | null = null;
  let distinct: number | null = null;
  let left: number | null = null;
  let depth: number | null = null;
  let progressDepth: number | null = null;
  for (const m of out.messages) {
    if (m.code === EC.TLC_STATS) {
      const r =
        /([\d,.]+) states generated, ([\d,.]+) distinct states found, ([\d,.]+) states left on queue/.exec(
          text(m),
        );
      if (r) [generated, distinct, left] = [count(r[1]!), count(r[2]!), count(r[3]!)];
    } else if (m.code === EC.TLC_SEARCH_DEPTH) {
      const r = /depth of the complete state graph search is (\d+)/.exec(text(m));
      if (r) depth = Number(r[1]);
    } else if (m.code === EC.TLC_PROGRESS_STATS) progressDepth = parseProgress(m)?.depth ?? progressDepth;
  }
  // TLC omits the depth message after a liveness violation; its last progress report has it.
  return {
    generatedStates: generated,
    distinctStates: distinct,
    statesLeft: left,
    depth: depth ?? progressDepth,
  };
}

/** A counterexample state message: `<n>: <label>` then the variables. */
function tlcState(m: TlcMessage): TlcState {
  const header = m.lines[0] ?? '';
  const label = /^\d+: (.*)$/.exec(header)?.[1] ?? header;
  return { label, values: parseTlaState(m.lines.slice(1)) };
}

function behaviour(out: ToolOutput, after: number): TlcState[] {
  return out.messages
    .slice(after + 1)
    .filter((m) => m.code === EC.TLC_STATE_PRINT2)
    .map(tlcState);
}

function sanyError(loose: readonly string[]): TlcFailure | null {
  const parse = loose.findIndex((l) => l.includes('***Parse Error***'));
  if (parse >= 0) {
    const detail = loose.slice(parse + 1).find((l) => l.trim() !== '');
    return { kind: 'parse-error', message: oneLine([detail ?? 'SANY could not parse the module']) };
  }
  const semantic = loose.findIndex((l) => /^\s*Semantic errors:/.test(l));
  if (semantic >= 0) {
    const start = loose.findIndex((l, i) => i > semantic && /^\s*\*\*\* Errors:/.test(l));
    const rest = loose.slice(start + 1);
    const blank = rest.findIndex((l, i) => l.trim() === '' && i > 0 && rest[i + 1]?.trim() === '');
    const detail = oneLine(rest.slice(0, blank < 0 ? 4 : blank));
    return { kind: 'semantic-error', message: detail || 'semantic analysis failed' };
  }
  return null;
}

const OUT_OF_MEMORY = /OutOfMemoryError|Java heap space|GC overhead limit exceeded|Direct buffer memory/;

export function readOutcome(out: ToolOutput, exit: TlcExit): TlcOutcome {
  const { messages, loose } = out;
  if (exit.timedOutAt !== null) return { kind: 'timeout', limitMs: exit.timedOutAt };
  const find = (...codes: number[]) => messages.findIndex((m) => codes.includes(m.code));

  const invariant = find(EC.TLC_INVARIANT_VIOLATED_BEHAVIOR, EC.TLC_INVARIANT_VIOLATED_INITIAL);
  if (invariant >= 0) {
    const m = messages[invariant]!;
    const name = /^Invariant (\S+) is violated/.exec(text(m))?.[1] ?? '';
    const states =
      m.code === EC.TLC_INVARIANT_VIOLATED_INITIAL
        ? [{ label: 'Initial predicate', values: parseTlaState(m.lines.slice(1)) }]
        : behaviour(out, invariant);
    return { kind: 'invariant', name, states, stats: stats(out) };
  }
  const deadlock = find(EC.TLC_DEADLOCK_REACHED);
  if (deadlock >= 0) return { kind: 'deadlock', states: behaviour(out, deadlock), stats: stats(out) };
  const temporal = find(EC.TLC_TEMPORAL_PROPERTY_VIOLATED, EC.TLC_PROPERTY_VIOLATED_INITIAL);
  if (temporal >= 0) {
    const states = behaviour(out, temporal);
    const back = messages.find((m) => m.code === EC.TLC_BACK_TO_STATE);
    const stutter = messages.find((m) => m.code === EC.TLC_STATE_PRINT3);
    const backTo = back ? Number(/^(\d+):/.exec(back.lines[0] ?? '')?.[1]) - 1 : states.length - 1;
    if (states.length && Number.isInteger(backTo) && backTo >= 0 && backTo < states.length)
      return { kind: 'property', states, loop: backTo, stuttering: !back && !!stutter, stats: stats(out) };
    return { kind: 'exception', message: 'TLC reported a temporal property violated without a lasso' };
  }
  // Distributed TLC prints the behaviour of a violated invariant without naming the invariant;
  // TLC prints it too before an evaluation error, which is then the error it reports.
  const unnamed = find(EC.TLC_BEHAVIOR_UP_TO_THIS_POINT);
  const otherErrors = messages.some(
    (m) =>
      m.code !== EC.TLC_BEHAVIOR_UP_TO_THIS_POINT &&
      (m.severity === SEVERITY.ERROR || m.severity === SEVERITY.TLCBUG),
  );
  if (unnamed >= 0 && !otherErrors && behaviour(out, unnamed).length > 0)
    return { kind: 'invariant', name: '', states: behaviour(out, unnamed), stats: stats(out) };
  const tautology = find(EC.TLC_LIVE_FORMULA_TAUTOLOGY);
  if (tautology >= 0) return { kind: 'tautology', message: oneLine(messages[tautology]!.lines) };
  const assumption = find(EC.TLC_ASSUMPTION_FALSE, EC.TLC_ASSUMPTION_EVALUATION_ERROR);
  if (assumption >= 0) return { kind: 'assumption', message: oneLine(messages[assumption]!.lines) };

  const errors = messages.filter((m) => m.severity === SEVERITY.ERROR || m.severity === SEVERITY.TLCBUG);
  const all = [...errors.map(text), ...loose, exit.stderr].join('\n');
  if (
    find(EC.SYSTEM_OUT_OF_MEMORY, EC.SYSTEM_OUT_OF_MEMORY_TOO_MANY_INIT, EC.SYSTEM_OUT_OF_MEMORY_LIVENESS) >=
      0 ||
    OUT_OF_MEMORY.test(all)
  )
    return {
      kind: 'out-of-memory',
      message: `TLC ran out of memory (${OUT_OF_MEMORY.exec(all)?.[0] ?? 'heap'})`,
    };
  if (find(EC.TLC_PARSING_FAILED, EC.TLC_PARSING_FAILED2) >= 0)
    return sanyError(loose) ?? { kind: 'parse-error', message: 'parsing or semantic analysis failed' };
  const usage = /unrecognized option: ?(\S+)|Error: (.*option.*)/i.exec([...loose, exit.stderr].join('\n'));
  if (find(EC.CHECK_PARAM_UNRECOGNIZED, EC.WRONG_COMMANDLINE_PARAMS_TLC) >= 0 || usage)
    return { kind: 'usage-error', message: usage ? oneLine([usage[0]]) : 'TLC rejected its command line' };

  if (find(EC.TLC_SUCCESS) >= 0 && errors.length === 0) return { kind: 'ok', stats: stats(out) };

  // The first error in TLC's words: an evaluation error in the spec, or anything else TLC reports.
  const innermost = errors[0];
  const evaluation = errors.find(
    (m) => m.code >= 2100 && m.code < 2300 && m.code !== EC.TLC_FINGERPRINT_EXCEPTION,
  );
  if (evaluation) return { kind: 'evaluation-error', message: oneLine(evaluation.lines.slice(0, 3)) };
  if (innermost) return { kind: 'exception', message: oneLine(innermost.lines.slice(0, 3)) };
  // An exception TLC did not catch: the JVM prints it on stderr, TLC's message framed within it.
  const uncaught = [...messages, ...parseToolOutput(exit.stderr).messages].find((m) =>
    /Exception|Error/.test(m.prefix),
  );
  if (uncaught) return { kind: 'exception', message: oneLine([uncaught.prefix, uncaught.lines[0] ?? '']) };
  const thrown = [...loose, ...exit.stderr.split('\n')].find((l) => /Exception|Error/.test(l));
  if (thrown) return { kind: 'exception', message: oneLine([thrown.replace(/@!@!@.*$/, '')]) };
  if (exit.signal) return { kind: 'exception', message: `TLC was killed by ${exit.signal}` };
  return { kind: 'exception', message: `TLC ended without a result (exit code ${exit.code})` };
}
