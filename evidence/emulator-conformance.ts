/**
 * Emulator vs model, for the package: the seeded refinement runs (each with its record), directed
 * runs along the model's shortest path to every kind of step the seeded runs missed, and every
 * explorer counterexample performed by guest code, each step checked to refine the model.
 */
import { checkedRun, misconfigRun } from '../conformance/refinement-campaign.js';
import { Coverage } from '../conformance/refinement-coverage.js';
import { realiseTrace } from '../conformance/refinement-realise.js';
import { emulatorCapacityOf } from '../emulator/machine.js';
import { CATALOG } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { coverageTables, modelReach } from './coverage.js';
import type { EngineRun } from './engines.js';
import { type RunRecord, seededRuns } from './runs.js';
import type { EmulatorVsModelEvidence } from './types.js';

type Mutable<T> = T extends readonly (infer U)[] ? U[] : T;

export function emulatorConformance(
  config: SystemConfig,
  options: { readonly seeds: number; readonly steps: number; readonly maxStates: number },
  explorer: EngineRun | undefined,
): EmulatorVsModelEvidence {
  const beyond = emulatorCapacityOf(config);
  if (beyond) return notRun(`not run: the emulator cannot hold this system: ${beyond}`, options.steps);
  const started = performance.now();
  // The seeded runs of the refinement campaign, one at a time, so each leaves a record.
  const coverage = new Coverage();
  const failures: string[] = [];
  const records: RunRecord[] = [];
  for (let seed = 0; seed < options.seeds; seed++) {
    const r = checkedRun(config, { seed, steps: options.steps });
    coverage.merge(r.coverage);
    if (r.failure) failures.push(r.failure);
    // The driver stops a run early only on a failed check or some steps after a fail-secure halt.
    records.push({
      seed,
      steps: r.steps,
      ended: r.failure ? 'failed' : r.steps >= options.steps ? 'step-budget' : 'halted',
    });
  }
  const misconfig = misconfigRun(config);
  coverage.merge(misconfig.coverage);
  if (misconfig.failure) failures.push(misconfig.failure);

  // Close the campaign's gaps: every kind of step the model takes here that no seeded run took is
  // performed once more, by guest code, along the model's shortest path to it.
  const reach = modelReach(config, options.maxStates);
  let directedRuns = 0;
  for (const key of [...reach.events, ...reach.hypercalls]) {
    if (coverage.events.has(key) || coverage.hypercalls.has(key)) continue;
    const r = realiseTrace(config, reach.paths.get(key)!);
    if (r.failure) {
      failures.push(`shortest path to "${key}" not performed: ${r.failure}`);
      continue;
    }
    directedRuns++;
    for (const record of r.records) coverage.add(record);
  }

  const counterexamples: Mutable<EmulatorVsModelEvidence['counterexamples']> = [];
  for (const p of CATALOG) {
    const trace = explorer?.verdicts.get(p.name)?.trace;
    if (!trace) continue;
    const events = trace.steps.flatMap((s) => (s.event ? [s.event] : []));
    const r = realiseTrace(config, events);
    counterexamples.push(
      r.failure
        ? { property: p.name, status: 'failed', detail: r.failure }
        : {
            property: p.name,
            status: 'realised',
            detail: `performed by guest code and the environment in ${r.records.length} emulator steps, each refining the model`,
          },
    );
  }
  const realiseFailures = counterexamples.filter((c) => c.status === 'failed');
  const ok = failures.length === 0 && realiseFailures.length === 0;
  return {
    status: ok ? 'passed' : 'failed',
    reason: ok
      ? null
      : [
          ...failures,
          ...realiseFailures.map((c) => `counterexample to ${c.property} not performed: ${c.detail}`),
        ].join('; '),
    runs: options.seeds + 1 + directedRuns,
    directedRuns,
    stepsChecked: coverage.steps,
    guestInstructions: coverage.instructions,
    failures,
    coverage: {
      ...coverageTables(coverage),
      modelReaches: { events: reach.events, hypercalls: reach.hypercalls },
    },
    counterexamples,
    seededRuns: seededRuns(options.steps, records),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The comparison not made, with the reason: nothing ran, nothing was covered. */
function notRun(reason: string, steps: number): EmulatorVsModelEvidence {
  return {
    status: 'not-run',
    reason,
    runs: 0,
    directedRuns: 0,
    stepsChecked: 0,
    guestInstructions: 0,
    failures: [],
    coverage: { ...coverageTables(new Coverage()), modelReaches: { events: [], hypercalls: [] } },
    counterexamples: [],
    seededRuns: seededRuns(steps, []),
    durationMs: null,
  };
}
