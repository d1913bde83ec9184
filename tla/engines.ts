/**
 * Every engine by name, and `all`: run each available engine on the same system and accept the
 * result only when they agree (docs/DESIGN.md section 5): the same status for every property and, when
 * every property holds, the same number of distinct states among the engines that enumerate them
 * (prove counts none: its `holds` is a proof over every reachable state).
 */
import { type CheckReport, runExplorerParallel } from '../proofs/check.js';
import type { Trace } from '../proofs/explorer.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { tlaCheckerEngine } from './checker-engine.js';
import type { Availability, Engine, EngineName, EngineOptions, EngineRun } from './engine.js';
import { proveEngine } from './prove-engine.js';
import { tlcEngine } from './tlc/engine.js';
import type { Env } from './tlc/jar.js';

export const explorerEngine: Engine = {
  name: 'explorer',
  async available(): Promise<Availability> {
    return { ok: true };
  },
  async check(config: SystemConfig, file: string, options: EngineOptions = {}): Promise<EngineRun> {
    if (options.bugs?.length)
      throw new Error('the explorer engine takes seeded bugs through proofs/explorer.ts');
    const run = await runExplorerParallel(config, file, {
      ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}),
    });
    const traces = new Map<PropertyName, Trace>();
    for (const [name, verdict] of run.result.verdicts)
      if (verdict.status === 'violated') traces.set(name, verdict.trace);
    return {
      report: run.report,
      layout: run.layout,
      complete: run.result.complete,
      traces,
      baits: run.result.baits,
      disagreements: [],
    };
  },
};

export function engineNamed(name: EngineName, env: Env = process.env): Engine {
  switch (name) {
    case 'explorer':
      return explorerEngine;
    case 'tla-checker':
      return tlaCheckerEngine;
    case 'tlc':
      return tlcEngine(env);
    case 'prove':
      return proveEngine();
  }
}

/**
 * Why two reports are not the same answer, or null when they agree. A property one engine left
 * unsettled (a --max-states bound) contradicts nothing: the engines count states differently.
 */
export function compareReports(a: CheckReport, b: CheckReport): string | null {
  for (const p of CATALOG) {
    const x = a.properties.find((e) => e.name === p.name)?.status;
    const y = b.properties.find((e) => e.name === p.name)?.status;
    if (x !== y && x !== 'unknown' && y !== 'unknown')
      return `${p.name}: ${a.engine} says ${x}, ${b.engine} says ${y}`;
  }
  const allHold = a.properties.every((e) => e.status === 'holds');
  const enumerated = a.engine !== 'prove' && b.engine !== 'prove';
  if (allHold && enumerated && a.stats.distinctStates !== b.stats.distinctStates)
    return `every property holds, but ${a.engine} finds ${a.stats.distinctStates} distinct states and ${b.engine} ${b.stats.distinctStates}`;
  return null;
}

export interface AllRun {
  readonly runs: readonly EngineRun[];
  readonly skipped: readonly { readonly engine: EngineName; readonly reason: string }[];
  /** Why the engines disagree, or null. */
  readonly disagreement: string | null;
}

export async function runAll(
  config: SystemConfig,
  file: string,
  options: EngineOptions = {},
  env: Env = process.env,
): Promise<AllRun> {
  const runs: EngineRun[] = [];
  const skipped: { engine: EngineName; reason: string }[] = [];
  for (const name of ['explorer', 'tla-checker', 'tlc', 'prove'] as const) {
    const engine = engineNamed(name, env);
    const availability = await engine.available(config);
    if (!availability.ok) {
      skipped.push({ engine: name, reason: availability.reason });
      continue;
    }
    runs.push(await engine.check(config, file, options));
  }
  let disagreement: string | null = null;
  for (const run of runs.slice(1)) {
    disagreement ??= compareReports(runs[0]!.report, run.report);
    const d = run.disagreements[0];
    disagreement ??= d
      ? `${run.report.engine}'s counterexample to ${d.property} does not replay in the model: ${d.disagreement.message}`
      : null;
  }
  return { runs, skipped, disagreement };
}
