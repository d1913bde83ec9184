/**
 * The explorer as an engine: one run over a system file, reported in the fixed `check --json` shape
 * (docs/DESIGN.md section 5). The command line prints it; the TLA+ engines and the evidence package
 * compare their own runs with it.
 */
import { buildLayout, type Layout } from '../model/layout.js';
import type { SystemConfig } from '../system/config.js';
import { type ExploreResult, explore, type Progress } from './explorer.js';
import { type ItfTrace, traceToItf } from './itf.js';
import { CATALOG, type PropertyName } from './properties.js';

export type PropertyStatus = 'holds' | 'violated' | 'unknown';

/** The `check --json` object: docs/DESIGN.md section 5, exactly. */
export interface CheckReport {
  system: string;
  engine: string;
  properties: { name: PropertyName; status: PropertyStatus; trace?: ItfTrace }[];
  stats: { distinctStates: number; depth: number; durationMs: number };
}

export interface CheckRun {
  readonly report: CheckReport;
  readonly result: ExploreResult;
  readonly layout: Layout;
}

export function runExplorer(
  config: SystemConfig,
  file: string,
  options: { maxStates?: number; onProgress?: (p: Progress) => void },
): CheckRun {
  const layout = buildLayout(config);
  const result = explore(config, options);
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
      },
    },
  };
}

/** 0 when every property holds, 1 when any is violated or unknown. */
export function exitCodeOf(report: CheckReport): 0 | 1 {
  return report.properties.every((p) => p.status === 'holds') ? 0 : 1;
}
