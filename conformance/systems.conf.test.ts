/**
 * Beyond the examples: generated systems (proofs/arbitraries.ts, insecure ones included) get the
 * same verdicts and the same distinct-state count from the explorer and from tla-checker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemArb } from '../proofs/arbitraries.js';
import { explore } from '../proofs/explorer.js';
import { tlaCheckerEngine } from '../tla/checker-engine.js';

/** Generated systems bigger than this are left to the examples: tla-checker would take too long. */
const MAX_STATES = 2_000;

describe('generated systems', () => {
  it('the explorer and tla-checker agree on verdicts and state counts', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        systemArb({ maxPartitions: 3, maxDevices: 2, maxChannels: 2, maxPages: 8 }),
        async (config) => {
          const model = explore(config, { maxStates: MAX_STATES });
          fc.pre(model.complete);
          const spec = await tlaCheckerEngine.check(config, 'generated.json');
          expect(spec.disagreements).toEqual([]);
          expect(spec.report.properties.map((p) => [p.name, p.status])).toEqual(
            [...model.verdicts].map(([name, v]) => [name, v.status]),
          );
          expect(spec.report.stats.distinctStates).toBe(model.distinctStates);
          checked++;
        },
      ),
      { numRuns: 12, seed: 4242 },
    );
    expect(checked).toBeGreaterThan(6);
  });
});
