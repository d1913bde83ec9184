import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { systemArb } from '../../proofs/arbitraries.js';
import { explore } from '../../proofs/explorer.js';
import type { SystemConfig } from '../../system/config.js';
import { example } from '../helpers.js';

/**
 * The memory abstraction (one cell per class of interchangeable pages, no label where one
 * partition alone reaches a page) must not change any verdict: compare with one labelled cell per page.
 */
function verdicts(config: SystemConfig, precise: boolean) {
  const r = explore(config, { layout: { precise }, maxStates: 200_000 });
  return {
    complete: r.complete,
    distinct: r.distinctStates,
    verdicts: [...r.verdicts].map(([k, v]) => [k, v.status]),
  };
}

describe('memory abstraction', () => {
  // dma-passthrough and three-level-guard are left out: page by page they have millions of states.
  it.each([
    'mils-two-domain',
    'multicore-devices',
    'dma-window-overlap',
    'overlapping-memory',
    'shared-irq',
    'shared-write-down',
    'write-down-channel',
    'leaky-audit-reader',
  ])('%s: the same verdicts as page-by-page labels, in fewer states', (name) => {
    const abstract = verdicts(example(name), false);
    const precise = verdicts(example(name), true);
    expect(precise.complete).toBe(true);
    expect(abstract.verdicts).toEqual(precise.verdicts);
    expect(abstract.distinct).toBeLessThan(precise.distinct);
  });

  test.prop([systemArb({ maxPartitions: 2, maxPages: 5, maxDevices: 1, maxChannels: 1 })], { numRuns: 150 })(
    'gives the same verdicts as page-by-page labels on generated systems',
    (config) => {
      const abstract = verdicts(config, false);
      const precise = verdicts(config, true);
      fc.pre(abstract.complete && precise.complete);
      expect(abstract.verdicts).toEqual(precise.verdicts);
    },
  );
});
