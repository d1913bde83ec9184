/**
 * Every engine the package runs, behind one shape: verdicts per property, counts, and each
 * counterexample as ITF. An engine that cannot run here says why; it is recorded as not run, never
 * as passing.
 */
import { runExplorer } from '../cli/check.js';
import { explainViolation } from '../proofs/explain.js';
import type { Trace } from '../proofs/explorer.js';
import type { ItfTrace } from '../proofs/itf.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import type { EngineName, EngineStatus, PropertyStatus } from './types.js';

export interface EngineVerdictRun {
  readonly status: PropertyStatus;
  readonly itf?: ItfTrace;
  readonly explanation?: string;
  /** The model trace, when the engine is the explorer (used to perform it on the emulator). */
  readonly trace?: Trace;
}

export interface EngineRun {
  readonly engine: EngineName;
  readonly status: EngineStatus;
  readonly reason: string | null;
  readonly distinctStates: number | null;
  readonly depth: number | null;
  readonly durationMs: number | null;
  readonly verdicts: ReadonlyMap<PropertyName, EngineVerdictRun>;
  /** Explorer only: whether each property's bait step was reached. */
  readonly baits?: ReadonlyMap<PropertyName, boolean>;
}

export interface EngineOptions {
  readonly maxStates: number;
  /** The name the system file goes by inside the package, written into traces as their source. */
  readonly source: string;
}

export function notRun(engine: EngineName, reason: string, status: EngineStatus = 'not-run'): EngineRun {
  return {
    engine,
    status,
    reason,
    distinctStates: null,
    depth: null,
    durationMs: null,
    verdicts: new Map(),
  };
}

export function runExplorerEngine(config: SystemConfig, options: EngineOptions): EngineRun {
  const run = runExplorer(config, options.source, { maxStates: options.maxStates });
  const verdicts = new Map<PropertyName, EngineVerdictRun>();
  for (const p of CATALOG) {
    const v = run.result.verdicts.get(p.name)!;
    const entry = run.report.properties.find((e) => e.name === p.name)!;
    if (v.status !== 'violated') verdicts.set(p.name, { status: v.status });
    else
      verdicts.set(p.name, {
        status: 'violated',
        trace: v.trace,
        explanation: explainViolation(run.layout, p.name, v.trace),
        ...(entry.trace ? { itf: entry.trace } : {}),
      });
  }
  return {
    engine: 'explorer',
    status: run.result.complete ? 'completed' : 'bounded',
    reason: run.result.complete
      ? null
      : `stopped at the bound of ${options.maxStates} distinct states before the search finished`,
    distinctStates: run.report.stats.distinctStates,
    depth: run.report.stats.depth,
    durationMs: run.report.stats.durationMs,
    verdicts,
    baits: run.result.baits,
  };
}

/** Runs every engine in ENGINE_NAMES order; engines that are not available are recorded as such. */
export function runEngines(config: SystemConfig, options: EngineOptions): EngineRun[] {
  return [
    runExplorerEngine(config, options),
    notRun('tla-checker', 'no TLA+ engine interface is available in this build of typezero'),
    notRun('tlc', 'no TLA+ engine interface is available in this build of typezero'),
  ];
}
