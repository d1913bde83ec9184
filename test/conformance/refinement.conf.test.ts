/**
 * The emulator refines the model: long seeded simulations of every example system and of generated
 * systems, every step checked online against model/step.ts; and together they exercise every VM-exit
 * reason, hypercall, VT-d fault reason and model event the model can produce.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedRun, misconfigRun } from '../../conformance/refinement-campaign.js';
import { Coverage } from '../../conformance/refinement-coverage.js';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout } from '../../model/layout.js';
import { init, type State } from '../../model/state.js';
import { step } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import type { SystemConfig } from '../../system/config.js';
import { example, ROOT } from '../helpers.js';

const EXAMPLES = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));
const SEEDS = 48;
const STEPS = 2500;

const total = new Coverage();
const perExample = new Map<string, Coverage>();

/** Event kinds (type and outcome) of every transition the explorer takes, up to a bound on states. */
function explorerKinds(config: SystemConfig, maxStates: number): Set<string> {
  const layout = buildLayout(config);
  const catalog = buildCatalog(layout);
  const kinds = new Set<string>();
  const seen = new Set<string>();
  let frontier: State[] = [init(layout)];
  seen.add(JSON.stringify(frontier[0]));
  while (frontier.length && seen.size < maxStates) {
    const next: State[] = [];
    for (const s of frontier)
      for (const e of enabledEvents(layout, catalog, s)) {
        const r = step(layout, s, e);
        kinds.add(`${e.type} ${r.outcome}`);
        const key = JSON.stringify(r.state);
        if (!seen.has(key) && seen.size < maxStates) {
          seen.add(key);
          next.push(r.state);
        }
      }
    frontier = next;
  }
  return kinds;
}

describe('the emulator refines the model on every example', () => {
  it.each(EXAMPLES)(`%s, ${SEEDS} seeds of ${STEPS} steps`, (name) => {
    const config = example(name);
    const coverage = new Coverage();
    for (let seed = 0; seed < SEEDS; seed++) {
      const run = checkedRun(config, { seed, steps: STEPS });
      expect(
        run.failure,
        `replay: checkedRun(example('${name}'), { seed: ${seed}, steps: ${STEPS} })`,
      ).toBeNull();
      coverage.merge(run.coverage);
    }
    const misconfig = misconfigRun(config);
    expect(misconfig.failure).toBeNull();
    coverage.merge(misconfig.coverage);
    perExample.set(name, coverage);
    total.merge(coverage);
    // Random guests reach every kind of event the explorer reaches on this system.
    const missing = [...explorerKinds(config, 4000)].filter((k) => !coverage.events.has(k));
    expect(missing, `event kinds the explorer reaches but ${SEEDS} random runs did not`).toEqual([]);
  });
});

describe('the emulator refines the model on generated systems', () => {
  it('holds for random systems, random guests and random seeds', () => {
    fc.assert(
      fc.property(systemArb({ maxPartitions: 3, maxDevices: 3, maxPages: 12 }), fc.nat(), (config, seed) => {
        const run = checkedRun(config, { seed, steps: 400 });
        total.merge(run.coverage);
        if (run.failure) throw new Error(run.failure);
      }),
      { seed: 20261126, numRuns: 250 },
    );
  });
});

describe('coverage of the conformance run', () => {
  it('exercises every VM-exit reason, hypercall, VT-d fault reason and model event the model can produce', () => {
    console.log(`Refinement conformance coverage\n${total.report()}`);
    expect(total.missing()).toEqual({ exits: [], hypercalls: [], vtd: [], events: [] });
  });
});
