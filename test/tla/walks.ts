/** Random walks of the model, for tests that need many varied reachable states. */
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import type { Layout } from '../../model/layout.js';
import { init, type State } from '../../model/state.js';
import { type SeededBug, step } from '../../model/step.js';

/** A deterministic walk: at each state one enabled event chosen by the seed; self-loops skipped. */
export function randomWalk(
  layout: Layout,
  seed: number,
  steps: number,
  bugs: readonly SeededBug[] = [],
): State[] {
  const catalog = buildCatalog(layout);
  const options = { bugs: new Set(bugs) };
  let x = seed >>> 0 || 1;
  const next = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  let s = init(layout);
  const states = [s];
  for (let i = 0; i < steps; i++) {
    const events = enabledEvents(layout, catalog, s, options);
    if (!events.length) break;
    const t = step(layout, s, events[next(events.length)]!, options).state;
    if (t === s) continue;
    s = t;
    states.push(s);
  }
  return states;
}
