/**
 * The `tlc` engine: spec/Hypervisor.tla checked by TLC from tla2tools.jar, any version that has
 * `-tool` (1.7.4 and 1.8.0 both do). Each run writes the spec, the generated MC module and .cfg to
 * a temporary directory, runs TLC there (tla/tlc/run.ts), and reads the verdict and the
 * counterexample from its messages.
 */
import { hostname } from 'node:os';
import type { Layout } from '../../model/layout.js';
import { INVARIANTS } from '../../proofs/properties.js';
import type { SystemConfig } from '../../system/config.js';
import {
  type Availability,
  checkWithSpec,
  type Engine,
  EngineError,
  type EngineOptions,
  type EngineRun,
  type SpecBackend,
  type SpecRunRequest,
  type SpecRunResult,
  specAvailability,
  type ToolProvenance,
} from '../engine.js';
import { mcConfig, mcModule, mcModuleName, readHypervisorSpec } from '../generate.js';
import { fromJson } from '../state-codec.js';
import { runDistributedTlc } from './distributed.js';
import type { Env } from './jar.js';
import { findTools } from './java.js';
import type { TlcOutcome, TlcState } from './outcome.js';
import { runTlc, type TlcRun, type TlcRunOptions } from './run.js';

const BOUND = 'MC_StateBound';

/** The files of one TLC run: the spec, the MC module and its .cfg. */
export function tlcFiles(layout: Layout, request: SpecRunRequest, source: string): Record<string, string> {
  const name = mcModuleName(layout.config.system);
  // Emulates --max-states: TLC has no such bound, but stops expanding once it holds this many.
  const bound =
    request.maxStates !== undefined ? [`${BOUND} == TLCGet("distinct") < ${request.maxStates}`] : [];
  return {
    'Hypervisor.tla': readHypervisorSpec(),
    [`${name}.tla`]: mcModule(layout, source, bound),
    [`${name}.cfg`]: mcConfig(layout, {
      substitute: true,
      bugs: request.bugs,
      invariants: [],
      extraInvariants: request.invariants,
      liveness: request.liveness,
      ...(bound.length ? { constraint: BOUND } : {}),
    }),
  };
}

/** A failed run in one line: what went wrong, in TLC's or SANY's words. */
export function describeFailure(outcome: Exclude<TlcOutcome, { stats: unknown }>): string {
  switch (outcome.kind) {
    case 'timeout':
      return `TLC: killed at its time limit of ${outcome.limitMs} ms (${ENV_TIMEOUT})`;
    case 'tautology':
      return `TLC: the temporal property is a tautology: ${outcome.message}`;
    case 'parse-error':
      return `TLC: SANY cannot parse the model: ${outcome.message}`;
    case 'semantic-error':
      return `TLC: semantic error in the model: ${outcome.message}`;
    case 'assumption':
      return `TLC: an assumption of the model fails: ${outcome.message}`;
    case 'evaluation-error':
      return `TLC: cannot evaluate the model: ${outcome.message}`;
    case 'out-of-memory':
      return `TLC: ${outcome.message}; give Java more heap (-Xmx) or bound the search with --max-states`;
    case 'usage-error':
      return `TLC: ${outcome.message}`;
    case 'exception':
      return `TLC failed: ${outcome.message}`;
  }
}

/** The result of one run in the shared driver's terms; a run that did not finish is an EngineError. */
export function tlcResult(layout: Layout, outcome: TlcOutcome, maxStates?: number): SpecRunResult {
  const decode = (states: readonly TlcState[]) => states.map((s) => fromJson(layout, s.values));
  if (!('stats' in outcome)) throw new EngineError(describeFailure(outcome));
  const distinctStates = outcome.stats.distinctStates ?? 0;
  // TLC counts the states on the longest path; the explorer counts the steps.
  const depth = Math.max(0, (outcome.stats.depth ?? 1) - 1);
  switch (outcome.kind) {
    case 'ok':
      if (maxStates !== undefined && distinctStates >= maxStates)
        return { kind: 'bound', distinctStates, depth };
      return { kind: 'ok', distinctStates, depth };
    case 'invariant':
      return { kind: 'invariant', name: outcome.name, states: decode(outcome.states), distinctStates };
    case 'property': {
      const states = decode(outcome.states);
      return {
        kind: 'liveness',
        states: [...states, states[outcome.loop]!],
        loop: outcome.loop,
        distinctStates,
        depth,
      };
    }
    case 'deadlock':
      throw new EngineError(
        `TLC: the spec deadlocks after ${outcome.states.length - 1} steps, which the model never does (a spec error)`,
      );
  }
}

/** `check --engine tlc --tlc-server`: TLC's distributed mode (tla/tlc/distributed.ts). */
export interface DistributedSettings {
  readonly port: number;
  readonly localWorkers: number;
  /** Called when the server waits for workers, with the command a worker machine runs. */
  readonly onServerReady?: (workerCommand: string) => void;
}

export class TlcBackend implements SpecBackend {
  /** The runs so far, in order. */
  readonly runs: ToolProvenance[] = [];
  readonly noLiveness?: string;
  readonly caveats?: readonly string[];
  readonly partialTraces?: boolean;

  constructor(
    private readonly source: string,
    private readonly env: Env = process.env,
    private readonly onProgress?: (line: string) => void,
    private readonly distributed?: DistributedSettings,
  ) {
    if (distributed) {
      this.noLiveness = 'distributed TLC checks no temporal property';
      this.caveats = [
        'distributed TLC reports only the last step of each counterexample; the explorer or plain TLC gives the whole shortest one',
      ];
      this.partialTraces = true;
    }
  }

  private start(options: TlcRunOptions): Promise<TlcRun> {
    const d = this.distributed;
    if (!d) return runTlc(options);
    return runDistributedTlc({
      ...options,
      port: d.port,
      localWorkers: d.localWorkers,
      ...(d.onServerReady
        ? { onServerReady: () => d.onServerReady?.(`typezero tlc-worker ${hostname()}:${d.port}`) }
        : {}),
    });
  }

  async run(layout: Layout, request: SpecRunRequest): Promise<SpecRunResult> {
    const tools = findTools(this.env);
    if (!tools.ok) throw new EngineError(tools.reason);
    const name = mcModuleName(layout.config.system);
    const run = await this.start({
      java: tools.java,
      jar: tools.jar,
      files: tlcFiles(layout, request, this.source),
      module: `${name}.tla`,
      config: `${name}.cfg`,
      ...tlcRunSettings(this.env),
      ...(this.onProgress
        ? {
            onProgress: (p) =>
              this.onProgress?.(
                `tlc: ${p.distinct.toLocaleString('en-US')} distinct states, depth ${p.depth}, ${p.queue.toLocaleString('en-US')} queued`,
              ),
          }
        : {}),
    });
    this.runs.push({ version: run.version, jar: tools.jar, command: run.command });
    const outcome = run.outcome;
    if (outcome.kind === 'invariant' && outcome.name === '')
      return tlcResult(
        layout,
        { ...outcome, name: violatedInvariant(layout, outcome.states, request) },
        request.maxStates,
      );
    return tlcResult(layout, outcome, request.maxStates);
  }
}

/**
 * The invariant a counterexample breaks, where TLC did not name it: the first of the run's
 * invariants (in the order asked) whose model twin fails in the trace's last state.
 */
function violatedInvariant(layout: Layout, states: readonly TlcState[], request: SpecRunRequest): string {
  const last = states.at(-1);
  const state = last ? fromJson(layout, last.values) : null;
  const broken = state
    ? request.invariants.find((tla) => {
        const twin = INVARIANTS.find((p) => p.tla === tla);
        return twin !== undefined && !twin.holds(layout, state);
      })
    : undefined;
  if (broken === undefined)
    throw new EngineError(
      'TLC reports a violated invariant without naming it, and no property of the catalog fails in its last state',
    );
  return broken;
}

/** Environment: TLC workers, extra JVM options (space-separated) and a time limit per run. */
export const ENV_WORKERS = 'TYPEZERO_TLC_WORKERS';
export const ENV_JAVA_OPTS = 'TYPEZERO_TLC_JAVA_OPTS';
export const ENV_TIMEOUT = 'TYPEZERO_TLC_TIMEOUT_MS';

export function tlcRunSettings(env: Env): { workers?: number; jvm?: string[]; timeoutMs?: number } {
  const positive = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new EngineError(`${name} must be a positive integer, not "${v}"`);
    return n;
  };
  const workers = positive(ENV_WORKERS);
  const timeoutMs = positive(ENV_TIMEOUT);
  const jvm = env[ENV_JAVA_OPTS]?.split(/\s+/).filter(Boolean);
  return {
    ...(workers !== undefined ? { workers } : {}),
    ...(jvm?.length ? { jvm } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

export function tlcEngine(env: Env = process.env, distributed?: DistributedSettings): Engine {
  return {
    name: 'tlc',
    async available(config?: SystemConfig): Promise<Availability> {
      const tools = findTools(env);
      return tools.ok ? specAvailability(config) : { ok: false, reason: tools.reason };
    },
    async check(config: SystemConfig, file: string, options: EngineOptions = {}): Promise<EngineRun> {
      const backend = new TlcBackend(file, env, options.onProgress, distributed);
      const run = await checkWithSpec('tlc', backend, config, file, options);
      const last = backend.runs.at(-1);
      return last ? { ...run, tool: last } : run;
    },
  };
}
