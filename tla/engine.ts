/**
 * The engines behind `typezero check --engine`: one typed interface for the explorer, tla-checker,
 * TLC and prove (tla/prove-engine.ts), each returning the same report (docs/DESIGN.md section 5)
 * with counterexamples as ITF traces in the explorer's form.
 *
 * A TLA+ engine stops at the first violated invariant, so the TLA+ engines share one driver: run,
 * take the violated invariant out of the list, run again, until a run completes (or violates only
 * the liveness property, which both engines check after the whole state graph is built). The last
 * run's state count is the model's.
 */

import { buildLayout, type Layout } from '../model/layout.js';
import type { State } from '../model/state.js';
import type { SeededBug } from '../model/step.js';
import { type CheckReport, holdsEntry } from '../proofs/check.js';
import type { Trace } from '../proofs/explorer.js';
import { type ItfTrace, itfTrace, stateToItf, traceToItf } from '../proofs/itf.js';
import { CATALOG, INVARIANTS, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { specCapacityProblem } from './capacity.js';
import { baitName, vacuousLiveness } from './generate.js';
import { type Disagreement, labelStates } from './label.js';

export const ENGINE_NAMES = ['explorer', 'tla-checker', 'tlc', 'prove'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface EngineOptions {
  /** Stop after about this many distinct states; unsettled properties are then `unknown`. */
  readonly maxStates?: number;
  /** Seeded bugs, for bug models: the spec's `Bugs` constant and the model's options. */
  readonly bugs?: readonly SeededBug[];
  /** Also settle every property's bait (whether the property was exercised). */
  readonly baits?: boolean;
  /** One line of progress at a time, for a terminal. */
  readonly onProgress?: (line: string) => void;
  /** The explorer's threads and memory budget (`check --workers`, `--max-memory`). */
  readonly workers?: number;
  readonly maxMemory?: number;
}

export interface EngineRun {
  readonly report: CheckReport;
  readonly layout: Layout;
  /** The search covered every reachable state. */
  readonly complete: boolean;
  /** Each violated property's counterexample, as a model trace. */
  readonly traces: ReadonlyMap<PropertyName, Trace>;
  /** Whether each property's bait was reached, when the engine settled baits. */
  readonly baits?: ReadonlyMap<PropertyName, boolean>;
  /** Counterexamples from the spec that the model could not follow step by step. */
  readonly disagreements: readonly { readonly property: PropertyName; readonly disagreement: Disagreement }[];
  /** For an engine run as an external tool (TLC): what ran, for the record. */
  readonly tool?: ToolProvenance;
  /** What the user should know about the run beyond its verdicts, one sentence each. */
  readonly notes?: readonly string[];
}

/** An external checker's run: its version line, the jar it ran from and the exact command. */
export interface ToolProvenance {
  readonly version: string | null;
  /** Path of the jar. */
  readonly jar: string;
  /** The command of its last run: `java` and its arguments, the jar by its file name. */
  readonly command: readonly string[];
}

export interface Engine {
  readonly name: EngineName;
  /** Whether the engine can run here, and on `config` when given. */
  available(config?: SystemConfig): Promise<Availability>;
  check(config: SystemConfig, file: string, options?: EngineOptions): Promise<EngineRun>;
}

/** A TLA+ engine's availability on `config`: not for a system the TLA+ model cannot list. */
export function specAvailability(config: SystemConfig | undefined): Availability {
  const problem = config && specCapacityProblem(config);
  return problem ? { ok: false, reason: `cannot check this system in TLA+: ${problem}` } : { ok: true };
}

/** A tool failed (not a verdict): the CLI exits 2 with this one-line reason. */
export class EngineError extends Error {}

// ---------------------------------------------------------------- the shared TLA+ driver

export interface SpecRunRequest {
  /** Invariants to check, by TLA+ name, after TypeOK. */
  readonly invariants: readonly string[];
  readonly liveness: boolean;
  readonly bugs: readonly SeededBug[];
  readonly maxStates?: number;
}

export type SpecRunResult =
  | { readonly kind: 'ok'; readonly distinctStates: number; readonly depth: number }
  | {
      readonly kind: 'invariant';
      /** The TLA+ name of the violated invariant. */
      readonly name: string;
      readonly states: readonly State[];
      readonly distinctStates: number;
    }
  | {
      readonly kind: 'liveness';
      /** A lasso: the last state equals state `loop`. */
      readonly states: readonly State[];
      readonly loop: number;
      readonly distinctStates: number;
      readonly depth: number;
    }
  | { readonly kind: 'bound'; readonly distinctStates: number; readonly depth: number };

/** One engine's way of running the spec once. */
export interface SpecBackend {
  run(layout: Layout, request: SpecRunRequest): Promise<SpecRunResult>;
  /** Why the backend cannot check FaultRecovery (it is then `unknown`), or absent when it can. */
  readonly noLiveness?: string;
  /** What else a report from this backend should say, one sentence each. */
  readonly caveats?: readonly string[];
  /** Its counterexamples are only their last step (distributed TLC): shown as they are, not replayed. */
  readonly partialTraces?: boolean;
}

interface Violation {
  readonly states: readonly State[];
  readonly loop?: number;
}

export async function checkWithSpec(
  engine: EngineName,
  backend: SpecBackend,
  config: SystemConfig,
  file: string,
  options: EngineOptions = {},
): Promise<EngineRun> {
  const started = performance.now();
  const layout = buildLayout(config);
  const bugs = options.bugs ?? [];
  const byTla = new Map<string, PropertyName>(CATALOG.map((p) => [p.tla, p.name]));
  const byBait = new Map<string, PropertyName>(CATALOG.map((p) => [p.bait.tla, p.name]));
  let invariants = INVARIANTS.map((p) => p.tla);
  // A backend that does not name the invariant it finds violated cannot tell a bait from a property.
  const askBaits = options.baits === true && !backend.partialTraces;
  let baitsPending = askBaits ? CATALOG.map((p) => baitName(p.name)) : [];
  const violations = new Map<PropertyName, Violation>();
  const baits = new Map<PropertyName, boolean>();
  let final: Exclude<SpecRunResult, { kind: 'invariant' }>;
  let runs = 0;
  const liveness = vacuousLiveness(layout) === null;
  const livenessUnchecked = liveness && backend.noLiveness !== undefined;

  for (;;) {
    runs++;
    options.onProgress?.(
      `${engine}: run ${runs}, ${invariants.length + baitsPending.length} invariants to settle`,
    );
    const r = await backend.run(layout, {
      invariants: [...invariants, ...baitsPending],
      liveness: liveness && !livenessUnchecked,
      bugs,
      ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
    });
    if (r.kind !== 'invariant') {
      final = r;
      break;
    }
    const bait = byBait.get(r.name);
    const property = byTla.get(r.name);
    if (bait) {
      baits.set(bait, true);
      baitsPending = baitsPending.filter((b) => b !== r.name);
    } else if (property) {
      violations.set(property, { states: r.states });
      invariants = invariants.filter((i) => i !== r.name);
    } else
      throw new EngineError(`${engine}: the spec violates ${r.name}, which no property names (a spec error)`);
  }

  const complete = final.kind !== 'bound';
  if (final.kind === 'liveness') violations.set('FaultRecovery', { states: final.states, loop: final.loop });
  if (complete) for (const b of baitsPending) baits.set(byBait.get(b)!, false);

  const traces = new Map<PropertyName, Trace>();
  const disagreements: { property: PropertyName; disagreement: Disagreement }[] = [];
  const properties = CATALOG.map((p) => {
    const v = violations.get(p.name);
    if (!v) {
      if (p.name === 'FaultRecovery' && livenessUnchecked)
        return { name: p.name, status: 'unknown' as const };
      return complete
        ? holdsEntry(layout, p.name, askBaits ? baits : undefined)
        : { name: p.name, status: 'unknown' as const };
    }
    const description = `shortest counterexample to ${p.name} found by ${engine}`;
    const labelled = labelStates(layout, v.states, v.loop, { bugs: new Set(bugs) });
    let trace: ItfTrace;
    if (labelled.ok) {
      traces.set(p.name, labelled.trace);
      trace = traceToItf(layout, labelled.trace, file, description);
    } else if (backend.partialTraces) {
      trace = rawItf(
        layout,
        v.states,
        v.loop,
        file,
        `the last step of a counterexample to ${p.name} found by ${engine}`,
      );
    } else {
      disagreements.push({ property: p.name, disagreement: labelled.disagreement });
      trace = rawItf(layout, v.states, v.loop, file, `${description} (the model cannot replay it)`);
    }
    return { name: p.name, status: 'violated' as const, trace };
  });

  return {
    layout,
    complete,
    traces,
    ...(askBaits ? { baits } : {}),
    disagreements,
    notes: [
      ...(livenessUnchecked ? [`FaultRecovery is unknown: ${backend.noLiveness}`] : []),
      ...(backend.caveats ?? []),
    ],
    report: {
      system: config.system,
      engine,
      properties,
      stats: {
        distinctStates: final.distinctStates,
        depth: final.depth,
        durationMs: Math.round(performance.now() - started),
      },
    },
  };
}

/** An ITF trace straight from the spec's states, for a trace the model cannot label. */
function rawItf(
  layout: Layout,
  states: readonly State[],
  loop: number | undefined,
  source: string,
  description: string,
): ItfTrace {
  const itfStates = states.map((s, index) => ({
    '#meta': { index, action: index === 0 ? 'Init' : 'unlabelled' },
    ...stateToItf(layout, s),
  }));
  return itfTrace(itfStates, source, description, loop);
}
