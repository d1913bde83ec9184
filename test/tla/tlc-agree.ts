/** What "TLC agrees with the explorer" means, for the agreement tests. */
import { expect } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { init } from '../../model/state.js';
import { type SeededBug, step } from '../../model/step.js';
import { explore } from '../../proofs/explorer.js';
import { itfEvents, stateToItf } from '../../proofs/itf.js';
import type { SystemConfig } from '../../system/config.js';
import type { EngineRun } from '../../tla/engine.js';
import { vacuousLiveness } from '../../tla/generate.js';

/**
 * The same verdict for every property, the same distinct-state count and depth, counterexamples of
 * the explorer's length (a lasso at least as long as its shortest one) that replay state by state
 * through model.step.
 */
export function expectAgreement(config: SystemConfig, run: EngineRun, bugs: readonly SeededBug[] = []) {
  const model = explore(config, { model: { bugs: new Set(bugs) } });
  const layout = buildLayout(config);
  expect(run.disagreements).toEqual([]);
  expect(run.complete).toBe(true);
  expect(run.report.properties.map((p) => [p.name, p.status])).toEqual(
    [...model.verdicts].map(([name, v]) => [name, v.status]),
  );
  expect(run.report.stats.distinctStates).toBe(model.distinctStates);
  expect(run.report.stats.depth).toBe(model.depth);
  const options = { bugs: new Set(bugs) };
  for (const p of run.report.properties) {
    const expected = model.verdicts.get(p.name)!;
    if (expected.status !== 'violated') continue;
    const length = run.traces.get(p.name)?.steps.length;
    // TLC's lasso for a liveness property is a bad cycle found depth-first, not always the shortest.
    if (expected.trace.loop === undefined)
      expect(length, `${p.name}: counterexample length`).toBe(expected.trace.steps.length);
    else expect(length, `${p.name}: lasso length`).toBeGreaterThanOrEqual(expected.trace.steps.length);
    let state = init(layout);
    const states = [
      state,
      ...itfEvents(layout, p.trace!).map((e) => (state = step(layout, state, e, options).state)),
    ];
    expect(states.map((s) => stateToItf(layout, s))).toEqual(
      p.trace!.states.map(({ '#meta': _, ...vars }) => vars),
    );
  }
  return { model, vacuous: vacuousLiveness(layout) !== null };
}
