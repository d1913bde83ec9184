/**
 * The explorer as an engine: one run over a system file, reported in the fixed `check --json` shape
 * (docs/DESIGN.md section 5). The command line prints it; the TLA+ engines and the evidence package
 * compare their own runs with it.
 */
import { buildLayout, type Layout } from '../model/layout.js';
import type { SystemConfig } from '../system/config.js';
import { type ExploreResult, explore, type SearchOptions, type StopReason } from './explorer.js';
import { type ItfTrace, traceToItf } from './itf.js';
import { exploreParallel, type ParallelOptions } from './parallel.js';
import { CATALOG, type PropertyName } from './properties.js';

export type PropertyStatus = 'holds' | 'violated' | 'unknown';

/** The `check --json` object: docs/DESIGN.md section 5, exactly. */
export interface CheckReport {
  system: string;
  engine: string;
  properties: { name: PropertyName; status: PropertyStatus; trace?: ItfTrace }[];
  stats: {
    distinctStates: number;
    depth: number;
    durationMs: number;
    /** Set when the search ended before covering every reachable state (an extension of section 5). */
    stopped?: StopReason;
    /** Set when the counts are those of a reduced graph (an extension of section 5). */
    reduction?: 'label-slicing';
  };
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

function explorerRun(config: SystemConfig, file: string, result: ExploreResult): CheckRun {
  const layout = buildLayout(config);
  const properties = CATALOG.map((p) => {
    const verdict = result.verdicts.get(p.name)!;
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
      },
    },
  };
}

/** 0 when every property holds, 1 when any is violated or unknown. */
export function exitCodeOf(report: CheckReport): 0 | 1 {
  return report.properties.every((p) => p.status === 'holds') ? 0 : 1;
}
