/**
 * Random walks of the model replayed in the spec: fast-check draws each walk as the choices made at
 * every step among the enabled events (self-loops included), on every example and on the bug
 * models; every step must be a step of the spec's Next. A failing batch shrinks to a smallest walk
 * and names its first differing step and variable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import { buildLayout, type Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type SeededBug, step } from '../model/step.js';
import { loadExamples, readManifest } from './examples.js';
import { replayInSpec } from './spec-replay.js';

const WALKS_PER_BATCH = 50;
const BATCHES = 6;
const MAX_STEPS = 40;

function walk(layout: Layout, choices: readonly number[], bugs: readonly SeededBug[]): State[] {
  const catalog = buildCatalog(layout);
  const options = { bugs: new Set(bugs) };
  let s = init(layout);
  const states = [s];
  for (const c of choices) {
    const events = enabledEvents(layout, catalog, s, options);
    if (!events.length) break;
    s = step(layout, s, events[c % events.length]!, options).state;
    states.push(s);
  }
  return states;
}

const choicesArb = fc.array(fc.nat({ max: 1 << 16 }), { minLength: 1, maxLength: MAX_STEPS });
const examples = loadExamples();
const bugModels = readManifest().models.filter((m) => m.bugs.length > 0);

const targets = [
  ...examples.map((e) => ({ label: e.name, config: e.config, bugs: [] as SeededBug[] })),
  ...bugModels.map((m) => ({
    label: m.config,
    config: examples.find((e) => e.source === m.system)!.config,
    bugs: [...m.bugs],
  })),
];

describe('random walks of the model are behaviours of the spec', () => {
  it.each(targets.map((t) => [t.label, t] as const))('%s', (_label, t) => {
    const layout = buildLayout(t.config);
    fc.assert(
      fc.property(
        fc.array(choicesArb, { minLength: WALKS_PER_BATCH, maxLength: WALKS_PER_BATCH }),
        (batch) => {
          const behaviours = batch.map((choices) => ({ states: walk(layout, choices, t.bugs) }));
          const replay = replayInSpec(layout, behaviours, t.bugs);
          if (!replay.ok) throw new Error(replay.message);
          expect(replay.statesChecked).toBeGreaterThan(0);
        },
      ),
      { numRuns: BATCHES, seed: 20261126 },
    );
  });
});
