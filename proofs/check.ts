/**
 * The explorer as an engine: one run over a system file, reported in the fixed `check --json` shape
 * (docs/DESIGN.md section 5). The command line prints it; the TLA+ engines and the evidence package
 * compare their own runs with it.
 */
import { buildLayout, type Layout, noHealthMonitor } from '../model/layout.js';
import type { SystemConfig } from '../system/config.js';
import { type ExploreResult, explore, type SearchOptions, type StopReason } from './explorer.js';
import { type ItfTrace, traceToItf } from './itf.js';
import type { NoninterferenceReport } from './ni-report.js';
import { exploreParallel, type ParallelOptions } from './parallel.js';
import { CATALOG, type PropertyName } from './properties.js';

export type PropertyStatus = 'holds' | 'violated' | 'unknown';

/** One property in the `check --json` object. */
export interface PropertyReport {
  name: PropertyName;
  status: PropertyStatus;
  /**
   * Present, and true, only when the property holds vacuously: nothing it speaks about can happen
   * on this system (its bait is unreachable, or it quantifies over nothing), so its `holds`
   * demonstrates nothing. An extension of section 5; the status values stay as they are.
   */
  vacuous?: true;
  /** Why the property is vacuous here, in the system file's words; present with `vacuous`. */
  reason?: string;
  /**
   * On a violated property, once diagnosed (diagnosis/causes.ts): the fields of the system file
   * that make the counterexample possible. An extension of section 5.
   */
  causes?: ReportedCause[];
  /**
   * With `prove`, on a property proved by an inductive invariant: the invariant in the system's
   * terms, one statement per line (proofs/symbolic/explain-invariant.ts). An extension of section 5.
   */
  invariant?: { text: string[] };
  trace?: ItfTrace;
}

/** A field of the system file behind a violation: its path, where it is, and why it matters. */
export interface ReportedCause {
  path: string;
  line: number;
  column: number;
  explanation: string;
}

/** The `check --json` object: docs/DESIGN.md section 5, with the extensions marked. */
export interface CheckReport {
  system: string;
  engine: string;
  properties: PropertyReport[];
  stats: {
    distinctStates: number;
    depth: number;
    durationMs: number;
    /** Set when the search ended before covering every reachable state (an extension of section 5). */
    stopped?: StopReason;
    /** Set when the counts are those of a reduced graph (an extension of section 5). */
    reduction?: 'label-slicing';
    /**
     * Set when states were stored up to the system's symmetries (proofs/symmetry.ts): the counts are
     * then the quotient's. The group's order, and the partitions it renames onto one another, by
     * name (an extension of section 5).
     */
    symmetry?: { order: number; interchangeable: string[][] };
  };
  /** With `check --noninterference`: the self-composition per observer (an extension, section 7). */
  noninterference?: NoninterferenceReport;
}

export interface CheckRun {
  readonly report: CheckReport;
  readonly result: ExploreResult;
  readonly layout: Layout;
}

/** The explorer, in this thread. */
export function runExplorer(config: SystemConfig, file: string, options: SearchOptions = {}): CheckRun {
  return explorerRun(config, file, explore(config, options));
}

/** The explorer on `workers` threads (proofs/parallel.ts): the same report for every count. */
export async function runExplorerParallel(
  config: SystemConfig,
  file: string,
  options: ParallelOptions = {},
): Promise<CheckRun> {
  return explorerRun(config, file, await exploreParallel(config, options));
}

/**
 * Why `name` holds vacuously on the system, or null when it does not (or nobody knows): FaultRecovery
 * with no health monitor (no partition-control over another partition) quantifies over nothing,
 * whatever the search found; any other property is
 * vacuous when a finished search never reached its bait (`baitReached` false). An engine that did
 * not settle baits passes `undefined`, and only the first kind is known.
 */
export function vacuityReason(
  layout: Layout,
  name: PropertyName,
  baitReached: boolean | undefined,
): string | null {
  const unmonitored = noHealthMonitor(layout);
  if (name === 'FaultRecovery' && unmonitored !== null)
    return `${unmonitored}, so there is no health monitor to recover anything`;
  if (baitReached !== false) return null;
  const bait = CATALOG.find((p) => p.name === name)!.bait.description;
  return `nothing exercises it here: no reachable step in which ${bait}`;
}

/** A property that holds, with `vacuous` and `reason` when it holds vacuously. */
export function holdsEntry(
  layout: Layout,
  name: PropertyName,
  baits: ReadonlyMap<PropertyName, boolean> | undefined,
): PropertyReport {
  const reason = vacuityReason(layout, name, baits?.get(name));
  return reason === null ? { name, status: 'holds' } : { name, status: 'holds', vacuous: true, reason };
}

function explorerRun(config: SystemConfig, file: string, result: ExploreResult): CheckRun {
  const layout = buildLayout(config);
  const properties = CATALOG.map((p): PropertyReport => {
    const verdict = result.verdicts.get(p.name)!;
    if (verdict.status === 'holds')
      return holdsEntry(layout, p.name, result.complete ? result.baits : undefined);
    if (verdict.status !== 'violated') return { name: p.name, status: verdict.status };
    const description = `shortest counterexample to ${p.name} found by the explorer`;
    return {
      name: p.name,
      status: verdict.status,
      trace: traceToItf(layout, verdict.trace, file, description),
    };
  });
  return {
    layout,
    result,
    report: {
      system: config.system,
      engine: 'explorer',
      properties,
      stats: {
        distinctStates: result.distinctStates,
        depth: result.depth,
        durationMs: Math.round(result.durationMs),
        ...(result.stopped ? { stopped: result.stopped } : {}),
        ...(result.reduction ? { reduction: result.reduction } : {}),
        ...(result.symmetry
          ? {
              symmetry: {
                order: result.symmetry.order,
                interchangeable: result.symmetry.orbits.map((o) => o.map((p) => config.partitions[p]!.name)),
              },
            }
          : {}),
      },
    },
  };
}

/** 0 when every property holds, 1 when any is violated or unknown. */
export function exitCodeOf(report: CheckReport): 0 | 1 {
  return report.properties.every((p) => p.status === 'holds') ? 0 : 1;
}
