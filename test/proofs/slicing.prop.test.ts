/**
 * Label slicing (proofs/slicing.ts) is exact. The lemma first, on states of random walks (whose
 * labels carry every bit the walk put there, dropped ones included): a state and its slice enable
 * the same events, are judged alike by every invariant, and step to successors with the same
 * outcome and effects whose slices are equal. Then the consequence, end to end: the sliced search
 * gives the full search's verdicts, baits and counterexample lengths on every example, the smaller
 * bench systems and generated systems, and each of its counterexamples replays in the model.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout } from '../../model/layout.js';
import type { State } from '../../model/state.js';
import { step } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { type ExploreResult, explore } from '../../proofs/explorer.js';
import { INVARIANTS } from '../../proofs/properties.js';
import { informationFlowMasks, type LabelMasks, sliceState } from '../../proofs/slicing.js';
import type { SystemConfig } from '../../system/config.js';
import { loadSystemFile } from '../../system/load.js';
import { EXAMPLES } from '../cli/cli.js';
import { example } from '../helpers.js';
import { randomWalk } from '../tla/walks.js';

/** Effects with the labels they carry sliced too (audit records name their cause's label). */
function slicedEffects(masks: LabelMasks, effects: ReturnType<typeof step>['effects']): unknown[] {
  return effects.map((e) => (e.kind === 'audit' ? { ...e, label: e.label & masks.auditLabel } : e));
}

function checkLemma(config: SystemConfig, seed: number): number {
  const layout = buildLayout(config);
  const masks = informationFlowMasks(layout);
  if (!masks) return 0;
  const catalog = buildCatalog(layout);
  let dropped = 0;
  for (const s of randomWalk(layout, seed, 300)) {
    const t: State = sliceState(masks, s);
    if (t !== s) dropped++;
    const events = enabledEvents(layout, catalog, s);
    expect(enabledEvents(layout, catalog, t)).toEqual(events);
    for (const inv of INVARIANTS)
      expect([inv.name, inv.holds(layout, t)]).toEqual([inv.name, inv.holds(layout, s)]);
    for (const e of events) {
      const full = step(layout, s, e);
      const sliced = step(layout, t, e);
      expect(sliced.outcome).toBe(full.outcome);
      expect(slicedEffects(masks, sliced.effects)).toEqual(slicedEffects(masks, full.effects));
      expect(sliceState(masks, sliced.state)).toEqual(sliceState(masks, full.state));
    }
  }
  return dropped;
}

/** What must not change under the reduction: verdicts, trace lengths (and loops), baits. */
function outcome(result: ExploreResult): unknown {
  return {
    verdicts: [...result.verdicts].map(([name, v]) => [
      name,
      v.status,
      v.status === 'violated' ? [v.trace.steps.length, v.trace.loop ?? null] : null,
    ]),
    baits: [...result.baits],
  };
}

/** The full search's and the reduced search's state counts, or null when the full one is cut. */
function checkAgainstFull(
  config: SystemConfig,
  maxStates = Number.POSITIVE_INFINITY,
): { full: number; reduced: number } | null {
  const full = explore(config, { maxStates });
  if (!full.complete) return null;
  const reduced = explore(config, { reduction: true });
  expect(reduced.complete).toBe(true);
  expect(outcome(reduced)).toEqual(outcome(full));
  expect(reduced.distinctStates).toBeLessThanOrEqual(full.distinctStates);
  // Each counterexample is a run of the model that ends breaking its property.
  const layout = buildLayout(config);
  for (const inv of INVARIANTS) {
    const v = reduced.verdicts.get(inv.name)!;
    if (v.status !== 'violated') continue;
    const states = v.trace.steps;
    for (let i = 1; i < states.length; i++)
      expect(step(layout, states[i - 1]!.state, states[i]!.event!).state).toEqual(states[i]!.state);
    expect(inv.holds(layout, states.at(-1)!.state)).toBe(false);
  }
  return { full: full.distinctStates, reduced: reduced.distinctStates };
}

describe('label slicing: the lemma', () => {
  test.each(EXAMPLES)('%s: a state and its slice behave alike', (name) => {
    let dropped = 0;
    for (const seed of [1, 2, 3]) dropped += checkLemma(example(name), seed);
    // The walks do meet states with dropped bits where the slice drops anything.
    if (informationFlowMasks(buildLayout(example(name)))) expect(dropped).toBeGreaterThan(0);
  });

  test.prop([systemArb(), fc.integer({ min: 1, max: 1 << 30 })], { numRuns: 80 })(
    'generated systems: a state and its slice behave alike',
    (config, seed) => {
      checkLemma(config, seed);
    },
  );
});

describe('label slicing: the reduced search', () => {
  test.each(EXAMPLES)('%s: the same verdicts, traces and baits as the full search', (name) => {
    expect(checkAgainstFull(example(name))).not.toBeNull();
  });

  test('bench ladder-4p2c-a2-c1: the same outcome from a hundredth of the states', () => {
    const loaded = loadSystemFile('bench/systems/ladder-4p2c-a2-c1.yaml');
    if (!loaded.ok) throw new Error('bench/systems/ladder-4p2c-a2-c1.yaml does not load');
    const counts = checkAgainstFull(loaded.config)!;
    expect(counts.reduced * 100).toBeLessThan(counts.full);
  });

  test('generated systems: the same verdicts, traces and baits as the full search', () => {
    let compared = 0;
    fc.assert(
      fc.property(systemArb(), (config) => {
        if (checkAgainstFull(config, 5_000)) compared++;
      }),
      { numRuns: 320, seed: 2026 },
    );
    expect(compared).toBeGreaterThanOrEqual(200);
  });

  test('a seeded bug turns the slicing off: the monitor may compare labels', () => {
    const result = explore(example('three-level-guard'), {
      reduction: true,
      model: { bugs: new Set(['dma-after-halt']) },
    });
    expect(result.reduction).toBeUndefined();
    expect(explore(example('three-level-guard'), { reduction: true }).reduction).toBe('label-slicing');
  });
});
