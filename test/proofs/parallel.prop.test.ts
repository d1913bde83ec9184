/**
 * The parallel explorer (the built one, whose workers load from dist/) against the explorer in this
 * thread, on generated systems: the same counts, depth, verdicts, baits and the same shortest
 * counterexamples, event for event, for 2 and 3 workers, under bounds that cut some searches short
 * and let others finish, with ranges small enough that workers share even small levels.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { systemArb } from '../../proofs/arbitraries.js';
import { type ExploreResult, explore } from '../../proofs/explorer.js';
import type { SystemConfig } from '../../system/config.js';
import { EXAMPLES } from '../cli/cli.js';
import { example, ROOT } from '../helpers.js';

type Parallel = (config: SystemConfig, options: object) => Promise<ExploreResult>;
const { exploreParallel } = (await import(`${ROOT}dist/proofs/parallel.js`)) as { exploreParallel: Parallel };

function summary(r: ExploreResult) {
  return {
    distinctStates: r.distinctStates,
    depth: r.depth,
    complete: r.complete,
    baits: [...r.baits],
    verdicts: [...r.verdicts].map(([name, v]) => ({
      name,
      status: v.status,
      events: v.status === 'violated' ? v.trace.steps.map((s) => JSON.stringify(s.event)) : [],
      loop: v.status === 'violated' ? v.trace.loop : undefined,
    })),
  };
}

describe('parallel exploration', () => {
  it.each(EXAMPLES)('%s: workers share nearly every level and give the in-thread result', async (name) => {
    const config = example(name);
    const options = { rangeSize: name === 'three-level-guard' ? 16 : 1 };
    const one = explore(config, options);
    expect(summary(await exploreParallel(config, { ...options, workers: 2 }))).toEqual(summary(one));
  });

  test.prop(
    [systemArb(), fc.constantFrom(2, 3), fc.constantFrom(700, 5000, 20000), fc.constantFrom(8, 64, 512)],
    { numRuns: 30 },
  )('gives the in-thread result for every worker count', async (config, workers, maxStates, rangeSize) => {
    const options = { maxStates, rangeSize };
    const one = explore(config, options);
    const many = await exploreParallel(config, { ...options, workers });
    expect(summary(many)).toEqual(summary(one));
  });
});
