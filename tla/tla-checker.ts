/**
 * Typed access to tla-checker, the TLA+ model checker compiled to WebAssembly (npm `tla-checker`).
 * Each call takes the whole module as one source string and returns JSON; this module loads the
 * WebAssembly once and turns the answers into typed values, so nothing above it parses text.
 *
 * Facts about version 0.9 this relies on (see the notes in shared/notes/tla-checker.md):
 *  - a violated invariant is reported by its 0-based position among the cfg's INVARIANTs;
 *  - the batch check stops at the first violation and reports the distinct states found so far;
 *  - counterexamples come as text, one block per state; `explore_*` give states as JSON.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as wasm from 'tla-checker';

let loaded = false;

function load(): void {
  if (loaded) return;
  const require = createRequire(import.meta.url);
  wasm.initSync({ module: readFileSync(require.resolve('tla-checker/tla_checker_bg.wasm')) });
  loaded = true;
}

export type CheckerErrorType =
  | 'InvariantViolation'
  | 'LivenessViolation'
  | 'Deadlock'
  | 'MaxStatesExceeded'
  | 'MaxDepthExceeded'
  | 'ParseError'
  | 'ConfigError'
  | 'OptionsError'
  | 'NextError'
  | 'InitError'
  | 'InvariantError'
  | 'MissingConstants'
  | string;

export interface RawCheckResult {
  readonly success: boolean;
  readonly error_type: CheckerErrorType | null;
  readonly error_message: string | null;
  readonly states_explored: number;
  readonly trace: string[] | null;
  readonly dot: string | null;
  readonly warnings: string[];
}

/** One state of a text trace: variable name to its value as tla-checker prints it. */
export type DisplayState = Record<string, string>;

export type CheckOutcome =
  | { readonly kind: 'ok'; readonly distinctStates: number; readonly dot?: string }
  | {
      readonly kind: 'invariant';
      /** 0-based position of the violated invariant in the cfg. */
      readonly index: number;
      readonly distinctStates: number;
      readonly trace: DisplayState[];
    }
  | {
      readonly kind: 'liveness';
      readonly distinctStates: number;
      readonly prefix: DisplayState[];
      readonly cycle: DisplayState[];
      readonly dot?: string;
    }
  | { readonly kind: 'deadlock'; readonly distinctStates: number; readonly trace: DisplayState[] }
  | {
      readonly kind: 'bound';
      readonly distinctStates: number;
      readonly message: string;
      readonly dot?: string;
    }
  | {
      readonly kind: 'error';
      readonly type: string;
      readonly message: string;
      readonly trace: DisplayState[];
    };

export interface CheckOptions {
  readonly maxStates?: number;
  readonly maxDepth?: number;
  readonly allowDeadlock?: boolean;
  /** Also return the state graph (DOT), from which the search depth is computed. */
  readonly exportDot?: boolean;
}

/** Far beyond any model typezero checks exhaustively; hitting it is reported, never a pass. */
const DEFAULT_MAX_STATES = 50_000_000;
const DEFAULT_MAX_DEPTH = 100_000;

/**
 * Checks the spec within `maxStates` distinct states. tla-checker stops only once it holds more
 * than `max_states`, one state past the bound: a stop there is reported at the bound, and a
 * violation found in that one extra state is looked for again within the bound.
 */
export function checkSpec(spec: string, cfg: string, options: CheckOptions = {}): CheckOutcome {
  const limit = options.maxStates;
  if (limit === undefined) return checkOnce(spec, cfg, options, DEFAULT_MAX_STATES);
  const atBound = (out: CheckOutcome): CheckOutcome =>
    out.kind === 'bound' ? { ...out, distinctStates: Math.min(out.distinctStates, limit) } : out;
  const out = checkOnce(spec, cfg, options, limit);
  if (out.kind !== 'error' && out.kind !== 'bound' && out.kind !== 'ok' && out.distinctStates > limit)
    return atBound(checkOnce(spec, cfg, options, limit - 1));
  return atBound(out);
}

function checkOnce(spec: string, cfg: string, options: CheckOptions, maxStates: number): CheckOutcome {
  load();
  const raw = JSON.parse(
    wasm.check_spec_with_options(
      spec,
      JSON.stringify({
        cfg_source: cfg,
        max_states: maxStates,
        max_depth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
        allow_deadlock: options.allowDeadlock ?? false,
        export_dot: options.exportDot ?? false,
        dot_mode: 'clean',
      }),
    ),
  ) as RawCheckResult;
  const n = raw.states_explored;
  const dot = raw.dot ? { dot: raw.dot } : {};
  if (raw.success) return { kind: 'ok', distinctStates: n, ...dot };
  const message = raw.error_message ?? '';
  const traces = (raw.trace ?? []).map(parseTextTrace);
  switch (raw.error_type) {
    case 'InvariantViolation': {
      const m = /^Invariant (\d+) violated/.exec(message);
      if (!m) return { kind: 'error', type: 'InvariantViolation', message, trace: traces[0] ?? [] };
      return { kind: 'invariant', index: Number(m[1]), distinctStates: n, trace: traces[0] ?? [] };
    }
    case 'LivenessViolation':
      return { kind: 'liveness', distinctStates: n, prefix: traces[0] ?? [], cycle: traces[1] ?? [], ...dot };
    case 'Deadlock':
      return { kind: 'deadlock', distinctStates: n, trace: traces[0] ?? [] };
    case 'MaxStatesExceeded':
    case 'MaxDepthExceeded':
    case 'MaxTimeExceeded':
      return { kind: 'bound', distinctStates: n, message, ...dot };
    default:
      return { kind: 'error', type: raw.error_type ?? 'unknown', message, trace: traces[0] ?? [] };
  }
}

/**
 * Splits a printed trace into states: blocks headed `State <n>` whose lines are `  name = value`.
 * Values are one line each (tla-checker prints every value on one line).
 */
export function parseTextTrace(text: string): DisplayState[] {
  const states: DisplayState[] = [];
  let current: DisplayState | null = null;
  for (const line of text.split('\n')) {
    if (/^State \d+/.test(line)) {
      current = {};
      states.push(current);
      continue;
    }
    const m = /^ {2}([A-Za-z_][A-Za-z0-9_]*) = (.*)$/.exec(line);
    if (m && current) current[m[1]!] = m[2]!;
  }
  return states;
}

/** A state as tla-checker's explore API gives and takes it. */
export type JsonState = Record<string, unknown>;

export interface ExploredState {
  readonly json: JsonState;
  readonly display: DisplayState;
}

export interface Transition {
  readonly action: string;
  readonly state: ExploredState;
}

function exploreCall<T>(text: string): T {
  const parsed = JSON.parse(text) as { ok: boolean; error?: string } & T;
  if (!parsed.ok) throw new Error(`tla-checker: ${parsed.error ?? 'explore call failed'}`);
  return parsed;
}

export function exploreInit(spec: string, cfg: string): ExploredState[] {
  load();
  return exploreCall<{ states: ExploredState[] }>(wasm.explore_init(spec, cfg, '{}')).states;
}

export function exploreNext(spec: string, cfg: string, state: JsonState): Transition[] {
  load();
  return exploreCall<{ transitions: Transition[] }>(wasm.explore_next(spec, cfg, '{}', JSON.stringify(state)))
    .transitions;
}

/** Evaluates a state-level TLA+ expression in a state; returns its printed value. */
export function exploreEval(spec: string, cfg: string, state: JsonState, expr: string): unknown {
  load();
  return JSON.parse(wasm.explore_eval(spec, cfg, '{}', JSON.stringify(state), expr));
}
