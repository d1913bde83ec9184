/**
 * The TLC engine on every example, with every jar (test/tla/tlc-jars.ts): the same verdicts,
 * distinct states, depth and counterexample lengths as the explorer, counterexamples replayed in
 * the model; FaultRecovery given to TLC wherever a health monitor makes it mean something.
 */
import { describe, expect, it } from 'vitest';
import { loadExamples } from '../../conformance/examples.js';
import { buildLayout } from '../../model/layout.js';
import { vacuousLiveness } from '../../tla/generate.js';
import { tlcEngine } from '../../tla/tlc/engine.js';
import { expectAgreement } from './tlc-agree.js';
import { TLC, type TlcJar } from './tlc-jars.js';

const examples = loadExamples();
/** Above this many states the JVM's optimising compiler pays off. */
const LARGE = 20_000;

describe.skipIf(TLC.jars.length === 0)('the TLC engine agrees with the explorer on every example', () => {
  describe.each(TLC.jars.map((j) => [j.name, j] as [string, TlcJar]))('%s', (_name, jar) => {
    for (const e of examples) {
      it(e.name, async () => {
        const large = e.name === 'three-level-guard';
        const env = large ? { ...jar.env, TYPEZERO_TLC_JAVA_OPTS: '' } : jar.env;
        const run = await tlcEngine(env).check(e.config, e.source);
        const { model } = expectAgreement(e.config, run);
        expect(large).toBe(model.distinctStates > LARGE);
        const monitored = vacuousLiveness(buildLayout(e.config)) === null;
        if (e.name === 'orphan-monitor' || e.name === 'three-level-guard') expect(monitored).toBe(true);
      }, 900_000);
    }
  });
});

if (TLC.skip)
  describe('the TLC engine', () => {
    it.skip(`skipped: ${TLC.skip}`, () => {});
  });
