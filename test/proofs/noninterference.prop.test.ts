/**
 * The one-run verdict held to the two-run one on generated systems: a view the self-composition
 * finds diverging is one InformationFlow finds a leak to (anything else is a defect in the labels),
 * each divergence comes with two valid runs, and every value that differs carries a hidden label.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { checkNoninterference } from '../../proofs/noninterference.js';
import { expectValidWitness, labelDefects, leaksTo } from './ni-oracle.js';

/** CI (TYPEZERO_CONF_FULL=1) draws a hundred systems, a local run 25. */
const GENERATED = process.env.TYPEZERO_CONF_FULL === '1' ? 100 : 25;
const BOUND = 20_000;

describe('self-composition on generated systems', () => {
  const systems = fc.sample(systemArb({ maxPartitions: 3, maxDevices: 2, maxChannels: 2, maxPages: 8 }), {
    seed: 14,
    numRuns: GENERATED,
  });

  it('finds no divergence where InformationFlow finds no leak', () => {
    let compared = 0;
    let violated = 0;
    for (const config of systems) {
      const leaks = leaksTo(config, BOUND);
      if (leaks === null) continue;
      const layout = buildLayout(config);
      for (const o of checkNoninterference(config, { maxStates: BOUND }).observers) {
        if (o.status === 'unknown') continue;
        compared++;
        if (o.status !== 'violated') continue;
        violated++;
        expect(leaks.has(o.observer), `${JSON.stringify(config)}\n${o.witness!.divergence}`).toBe(true);
        expectValidWitness(layout, layout.mayFlowTo[o.observer]!, o.witness!);
      }
    }
    // Both kinds of system were met, or the comparison showed little.
    expect(compared).toBeGreaterThan(GENERATED);
    expect(violated).toBeGreaterThan(2);
  });

  it('finds every differing value labelled hidden in one run at least', () => {
    for (const config of systems.slice(0, 10)) expect(labelDefects(config, {}, 2000)).toEqual([]);
  });
});
