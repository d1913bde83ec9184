/**
 * Every engine the package runs, behind one shape: verdicts and bait reachability per property,
 * counts, and each counterexample as ITF. An engine that cannot run here says why; it is recorded as
 * not run, never as passing. An engine that throws is recorded as failed, with its message.
 */

import { buildLayout } from '../model/layout.js';
import { runExplorer } from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import type { Trace } from '../proofs/explorer.js';
import { explore } from '../proofs/explorer.js';
import type { ItfTrace } from '../proofs/itf.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { tlaCheckerEngine } from '../tla/checker-engine.js';
import type { Engine, EngineRun as SpecEngineRun, ToolProvenance } from '../tla/engine.js';
import { tlcEngine } from '../tla/tlc/engine.js';
import type { Env } from '../tla/tlc/jar.js';
import { searchOf } from './abstraction.js';
import {
  enumerationCheck,
  type ProofOutcome,
  type ProveSetting,
  provedByInvariant,
  runProveEngine,
} from './prove-engine.js';
import type {
  AbstractionReduction,
  AbstractionSearch,
  EngineName,
  EngineStatus,
  PropertyStatus,
} from './types.js';

export interface EngineVerdictRun {
  readonly status: PropertyStatus;
  readonly itf?: ItfTrace;
  readonly explanation?: string;
  /** The counterexample as a model trace, when the model could follow it. */
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
  /** Whether each property's bait step was reached. */
  readonly baits?: ReadonlyMap<PropertyName, boolean>;
  /** Counterexamples from the spec that the model could not follow step by step, in words. */
  readonly disagreements?: readonly string[];
  /** For TLC: its version line, the jar and the exact command of its last run. */
  readonly tool?: ToolProvenance;
  /** Set when `distinctStates` counts a reduced graph (proofs/slicing.ts). */
  readonly reduction?: 'label-slicing';
  /**
   * For a reduced explorer run: the whole-state count, searched again without the reduction to
   * compare with the TLA+ engines, which store whole states. Null when that search stopped at the bound.
   */
  readonly wholeStates?: number | null;
  /**
   * For the explorer: its searches of the class model, label-sliced and (when `wholeStates` was
   * searched) over whole states, which the abstraction test compares with the page-by-page model
   * instead of searching the class model again.
   */
  readonly classSearches?: Partial<Record<AbstractionReduction, AbstractionSearch>>;
  /**
   * Each of its `holds` and `violated` verdicts settles its property on its own, whatever the run's
   * status: a proof, or a trace the model replays (prove). What it leaves unknown contradicts nothing.
   */
  readonly decidesEach?: true;
  /** For prove: the proof run, the solver, and where the enumeration met it. */
  readonly proof?: ProofOutcome;
}

export interface EngineOptions {
  readonly maxStates: number;
  /** The name the system file goes by inside the package, written into traces as their source. */
  readonly source: string;
  readonly onProgress?: (line: string) => void;
  readonly env?: Env;
  /** The unbounded proof: its solver time per property, or why it is skipped; not run when absent. */
  readonly prove?: ProveSetting;
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

function boundReason(maxStates: number): string {
  return `stopped at the bound of ${maxStates} distinct states before the search finished`;
}

/**
 * The explorer with label slicing, as `check` runs it: the reduced graph is a bisimulation quotient
 * of the whole one (the same verdicts, baits and counterexample lengths), so systems whose whole state
 * space is beyond the bound are still decided.
 */
export function runExplorerEngine(config: SystemConfig, options: EngineOptions): EngineRun {
  const run = runExplorer(config, options.source, { maxStates: options.maxStates, reduction: true });
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
    reason: run.result.complete ? null : boundReason(options.maxStates),
    distinctStates: run.report.stats.distinctStates,
    depth: run.report.stats.depth,
    durationMs: run.report.stats.durationMs,
    verdicts,
    baits: run.result.baits,
    ...(run.result.reduction ? { reduction: run.result.reduction } : {}),
    classSearches: { [run.result.reduction ? 'label-slicing' : 'none']: searchOf(run.result) },
  };
}

/** A TLA+ engine's run in the package's terms. */
export function fromSpecRun(engine: EngineName, run: SpecEngineRun, maxStates: number): EngineRun {
  const verdicts = new Map<PropertyName, EngineVerdictRun>();
  for (const entry of run.report.properties) {
    const trace = run.traces.get(entry.name);
    verdicts.set(entry.name, {
      status: entry.status,
      ...(entry.trace ? { itf: entry.trace } : {}),
      ...(trace ? { trace, explanation: explainViolation(run.layout, entry.name, trace) } : {}),
    });
  }
  return {
    engine,
    status: run.complete ? 'completed' : 'bounded',
    reason: run.complete ? null : boundReason(maxStates),
    distinctStates: run.report.stats.distinctStates,
    depth: run.report.stats.depth,
    durationMs: run.report.stats.durationMs,
    verdicts,
    ...(run.baits ? { baits: run.baits } : {}),
    ...(run.tool ? { tool: run.tool } : {}),
    disagreements: run.disagreements.map(
      (d) =>
        `${engine}'s counterexample to ${d.property} does not replay in the model: ${d.disagreement.message}`,
    ),
  };
}

async function runSpecEngine(
  name: 'tla-checker' | 'tlc',
  engine: Engine,
  config: SystemConfig,
  options: EngineOptions,
): Promise<EngineRun> {
  const availability = await engine.available(config);
  if (!availability.ok) return notRun(name, availability.reason);
  try {
    const run = await engine.check(config, options.source, {
      maxStates: options.maxStates,
      baits: true,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return fromSpecRun(name, run, options.maxStates);
  } catch (e) {
    return notRun(name, e instanceof Error ? e.message : String(e), 'failed');
  }
}

/**
 * Runs the explorer, prove, tla-checker and TLC, and lists them in ENGINE_NAMES order; engines that
 * are not available are recorded as such. Then, where the explorer finished, one search of the whole
 * states serves both the count a finished TLA+ engine is compared with and the proof's invariants,
 * each evaluated in every reachable state.
 */
export async function runEngines(config: SystemConfig, options: EngineOptions): Promise<EngineRun[]> {
  options.onProgress?.('explorer');
  const explorer = runExplorerEngine(config, options);
  const proved = await runProveEngine(config, options);
  const checker = await runSpecEngine('tla-checker', tlaCheckerEngine, config, options);
  const tlc = await runSpecEngine('tlc', tlcEngine(options.env ?? process.env), config, options);
  const specCompleted = checker.status === 'completed' || tlc.status === 'completed';
  const counts = explorer.reduction !== undefined && explorer.status === 'completed' && specCompleted;
  const invariants = proved.proof ? provedByInvariant(proved.proof.run) : [];
  const meet = explorer.status === 'completed' && invariants.length > 0;
  if (!counts && !meet) return [explorer, checker, tlc, proved];
  options.onProgress?.(
    `explorer (whole states, ${[counts && 'to compare counts with the TLA+ engines', meet && "to evaluate the proof's invariants"].filter(Boolean).join(' and ')})`,
  );
  const check = meet ? enumerationCheck(buildLayout(config), invariants) : null;
  const whole = explore(config, { maxStates: options.maxStates, ...(check ? { visit: check.visit } : {}) });
  // The same whole-state search of the class model serves the abstraction test (classSearches).
  const withWhole: EngineRun = {
    ...explorer,
    classSearches: { ...explorer.classSearches, none: searchOf(whole) },
  };
  return [
    counts ? { ...withWhole, wholeStates: whole.complete ? whole.distinctStates : null } : withWhole,
    checker,
    tlc,
    check ? { ...proved, proof: { ...proved.proof!, ...check.finish(whole) } } : proved,
  ];
}
