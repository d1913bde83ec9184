/**
 * Model versus spec, exhaustively: on every model of spec/manifest.json small enough for
 * tla-checker's pace, the spec gives the same verdict for every property, the same distinct-state
 * count and depth (no symmetry reduction on either side), reaches the same baits, and every
 * counterexample it produces replays step by step through model.step.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../model/layout.js';
import { init } from '../model/state.js';
import { step } from '../model/step.js';
import { explore } from '../proofs/explorer.js';
import { itfEvents, stateToItf } from '../proofs/itf.js';
import { tlaCheckerEngine } from '../tla/checker-engine.js';
import { EXHAUSTIVE_LIMIT, loadExamples, readManifest, TLA_CHECKER_FULL } from './examples.js';

const examples = loadExamples();
const manifest = readManifest();
const large = manifest.models.filter((m) => m.distinctStates > EXHAUSTIVE_LIMIT);
if (!TLA_CHECKER_FULL && large.length)
  console.log(
    `exhaustive tla-checker runs skipped for ${large.map((m) => m.config).join(', ')} (over ${EXHAUSTIVE_LIMIT} states): set TYPEZERO_TLA_CHECKER_FULL=1 to run them; real TLC checks them exhaustively (test/tla/engine.tlc.test.ts) and their traces are replayed in traces and walks`,
  );

describe('tla-checker on the spec agrees with the explorer on the model', () => {
  for (const m of manifest.models) {
    const run = TLA_CHECKER_FULL || m.distinctStates <= EXHAUSTIVE_LIMIT ? it : it.skip;
    run(
      `${m.config}${m.bugs.length ? '' : ' (and baits)'}: ${m.distinctStates} states, violated: ${m.violated.join(', ') || 'none'}`,
      async () => {
        const config = examples.find((e) => e.source === m.system)!.config;
        const layout = buildLayout(config);
        const baits = m.bugs.length === 0;
        const spec = await tlaCheckerEngine.check(config, m.system, { bugs: m.bugs, baits });
        const model = explore(config, { model: { bugs: new Set(m.bugs) } });

        expect(spec.disagreements).toEqual([]);
        expect(spec.complete).toBe(true);
        const statuses = spec.report.properties.map((p) => [p.name, p.status]);
        expect(statuses).toEqual([...model.verdicts].map(([name, v]) => [name, v.status]));
        expect(spec.report.properties.filter((p) => p.status === 'violated').map((p) => p.name)).toEqual(
          m.violated,
        );
        expect(spec.report.stats.distinctStates).toBe(m.distinctStates);
        expect(spec.report.stats.depth).toBe(m.depth);
        if (baits) expect(new Map(spec.baits)).toEqual(new Map(model.baits));

        // Every counterexample of the spec, read back from its ITF form, replays through model.step.
        const options = { bugs: new Set(m.bugs) };
        for (const p of spec.report.properties) {
          if (!p.trace) continue;
          let state = init(layout);
          const events = itfEvents(layout, p.trace);
          const states = [state, ...events.map((e) => (state = step(layout, state, e, options).state))];
          expect(states.map((s) => stateToItf(layout, s))).toEqual(
            p.trace.states.map(({ '#meta': _, ...vars }) => vars),
          );
        }
      },
      // tla-checker takes about seven minutes of CPU on the largest model.
      m.distinctStates > EXHAUSTIVE_LIMIT ? 900_000 : undefined,
    );
  }
});
