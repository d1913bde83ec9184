/**
 * States met on seeded random walks of the model, for tests that hold the symbolic encoding to it:
 * every run of a test walks the same states.
 */
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import type { Layout } from '../../model/layout.js';
import { init, type State } from '../../model/state.js';
import { type ModelOptions, step } from '../../model/step.js';

/** A small deterministic generator, so that every run walks the same states. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct states met on `walks` random runs of up to `length` steps from `s0` (by default the initial state). */
export function walkStates(
  layout: Layout,
  options: ModelOptions,
  seed: number,
  walks: number,
  length: number,
  s0: State = init(layout),
): State[] {
  const catalog = buildCatalog(layout);
  const rand = random(seed);
  const seen = new Map<string, State>();
  seen.set(JSON.stringify(s0), s0);
  for (let w = 0; w < walks; w++) {
    let s = s0;
    for (let i = 0; i < length; i++) {
      const events = enabledEvents(layout, catalog, s, options);
      if (!events.length) break;
      s = step(layout, s, events[Math.floor(rand() * events.length)]!, options).state;
      seen.set(JSON.stringify(s), s);
    }
  }
  return [...seen.values()];
}
