/**
 * Every counterexample the explorer produces, on every model of spec/manifest.json (the examples
 * and the bug models), replays step by step in the spec: each state satisfies Init or Next from the
 * one before it, loop-back step of a lasso included.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../model/layout.js';
import { explore } from '../proofs/explorer.js';
import { loadExamples, readManifest } from './examples.js';
import { replayInSpec } from './spec-replay.js';

const examples = loadExamples();
const manifest = readManifest();

describe('explorer counterexamples replay in the spec', () => {
  for (const m of manifest.models.filter((x) => x.violated.length > 0))
    it(`${m.config}: ${m.violated.join(', ')}`, () => {
      const config = examples.find((e) => e.source === m.system)!.config;
      const result = explore(config, { model: { bugs: new Set(m.bugs) } });
      const behaviours = [...result.verdicts.values()].flatMap((v) =>
        v.status === 'violated' ? [{ states: v.trace.steps.map((s) => s.state) }] : [],
      );
      expect(behaviours).toHaveLength(m.violated.length);
      const replay = replayInSpec(buildLayout(config), behaviours, m.bugs);
      expect(replay).toEqual({ ok: true, statesChecked: expect.any(Number) });
    });

  it('and a forged step is caught at its step and variable', () => {
    const config = examples.find((e) => e.name === 'write-down-channel')!.config;
    const layout = buildLayout(config);
    const verdict = explore(config).verdicts.get('InformationFlow');
    if (verdict?.status !== 'violated') throw new Error('expected a counterexample');
    const states = verdict.trace.steps.map((s) => s.state);
    states[3] = { ...states[3]!, frame: 1 - states[3]!.frame };
    const replay = replayInSpec(layout, [{ states }]);
    expect(replay.ok).toBe(false);
    if (!replay.ok) {
      expect(replay.step).toBe(3);
      expect(replay.variables).toEqual(['frame']);
      expect(replay.message).toMatch(/^behaviour 0, step 3: the spec has no step from state 2 to state 3/);
    }
  });
});
