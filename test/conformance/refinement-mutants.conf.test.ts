/**
 * Deliberately broken emulators must fail refinement: each mutant is run through the same seeded
 * campaign as the real emulator (examples first, then generated systems) until the checker reports
 * a mismatch. A mutant that survives means the conformance suite has a blind spot.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedRun } from '../../conformance/refinement-campaign.js';
import { EMULATOR_MUTANTS, type EmulatorMutant } from '../../emulator/machine.js';
import { systemArb } from '../../proofs/arbitraries.js';
import type { SystemConfig } from '../../system/config.js';
import { example, ROOT } from '../helpers.js';

const MUTANTS = Object.keys(EMULATOR_MUTANTS) as EmulatorMutant[];

const EXAMPLES: SystemConfig[] = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => example(f.replace(/\.yaml$/, '')));
const GENERATED: SystemConfig[] = fc.sample(systemArb({ maxPartitions: 3, maxDevices: 3, maxPages: 12 }), {
  seed: 7,
  numRuns: 300,
});

/** The first refinement failure the campaign finds with the mutant switched on. */
function firstFailure(mutant: EmulatorMutant): string | null {
  const mutants = new Set([mutant]);
  for (const systems of [EXAMPLES, GENERATED])
    for (let seed = 0; seed < 16; seed++)
      for (const config of systems) {
        const run = checkedRun(config, { seed, steps: 600, mutants });
        if (run.failure) return run.failure;
      }
  return null;
}

describe('mutant emulators fail refinement', () => {
  it.each(MUTANTS)('%s is caught', (mutant) => {
    const failure = firstFailure(mutant);
    expect(failure, `${mutant} survived the conformance campaign`).not.toBeNull();
    expect(failure).toMatch(/refinement fails at step \d+/);
  });
});
