import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { explore } from '../../proofs/explorer.js';
import { labelStates } from '../../tla/label.js';
import { example } from '../helpers.js';
import { randomWalk } from './walks.js';

describe('labelling a behaviour with model events', () => {
  it('recovers a step for every pair of consecutive states of the explorer counterexamples', () => {
    for (const name of ['shared-irq', 'orphan-monitor', 'write-down-channel']) {
      const config = example(name);
      const layout = buildLayout(config);
      for (const [, verdict] of explore(config).verdicts) {
        if (verdict.status !== 'violated') continue;
        const t = verdict.trace;
        const labelled = labelStates(
          layout,
          t.steps.map((s) => s.state),
          t.loop,
        );
        expect(labelled.ok).toBe(true);
        if (labelled.ok)
          expect(labelled.trace.steps.map((s) => s.state)).toEqual(t.steps.map((s) => s.state));
      }
    }
  });

  it('names the first step and the variables no model event explains', () => {
    const layout = buildLayout(example('mils-two-domain'));
    // Its audit log holds two records and halts when full, so most walks end within six states.
    const walk = Array.from({ length: 400 }, (_, seed) => randomWalk(layout, seed + 1, 40)).find(
      (w) => w.length > 6,
    )!;
    expect(walk).toBeDefined();
    const forged = [...walk];
    forged[4] = { ...forged[4]!, auditLabel: forged[4]!.auditLabel | 0b11 };
    const r = labelStates(layout, forged, undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.disagreement.step).toBe(4);
      expect(r.disagreement.variables).toEqual(['auditLabel']);
      expect(r.disagreement.message).toMatch(/^step 4: no model event leads from state 3 to state 4/);
    }
  });

  it('rejects a first state that is not the initial state', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const walk = Array.from({ length: 50 }, (_, seed) => randomWalk(layout, seed + 1, 4)).find(
      (w) => w.length > 2,
    )!;
    const r = labelStates(layout, walk.slice(1), undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.disagreement.step).toBe(0);
  });
});
