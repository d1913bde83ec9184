/**
 * The TLC engine beyond the examples: every seeded-bug model of spec/manifest.json and generated
 * systems (proofs/arbitraries.ts, insecure ones included), each checked by one jar, the jars in
 * turn, agree with the explorer (test/tla/tlc-agree.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadExamples, readManifest } from '../../conformance/examples.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { explore } from '../../proofs/explorer.js';
import type { SystemConfig } from '../../system/config.js';
import { tlcEngine } from '../../tla/tlc/engine.js';
import { expectAgreement } from './tlc-agree.js';
import { TLC } from './tlc-jars.js';

const examples = loadExamples();
const bugModels = readManifest().models.filter((m) => m.bugs.length > 0);

/** Generated systems small enough for a quick TLC run; insecure ones are kept. */
const SYSTEMS = 30;
const MAX_STATES = 1_500;

function generated(): SystemConfig[] {
  const out: SystemConfig[] = [];
  const samples = fc.sample(systemArb({ maxPartitions: 3, maxDevices: 2, maxChannels: 2, maxPages: 8 }), {
    numRuns: 200,
    seed: 1010,
  });
  for (const config of samples) {
    if (out.length === SYSTEMS) break;
    if (explore(config, { maxStates: MAX_STATES }).complete) out.push(config);
  }
  return out;
}

describe.skipIf(TLC.jars.length === 0)('the TLC engine agrees with the explorer beyond the examples', () => {
  // Each bug model with one jar, the jars in turn: the examples already hold every jar to every model.
  it.each(bugModels.map((m, i) => [m.config, TLC.jars[i % TLC.jars.length]?.name, m, i] as const))(
    '%s (%s)',
    async (_c, _j, m, i) => {
      const jar = TLC.jars[i % TLC.jars.length]!;
      const config = examples.find((e) => e.source === m.system)!.config;
      const run = await tlcEngine(jar.env).check(config, m.system, { bugs: m.bugs });
      expectAgreement(config, run, m.bugs);
      expect(run.report.properties.filter((p) => p.status === 'violated').map((p) => p.name)).toEqual(
        m.violated,
      );
    },
  );

  const systems = generated();
  it(`${SYSTEMS} generated systems, taken in turn by each jar`, async () => {
    expect(systems).toHaveLength(SYSTEMS);
    const verdicts = { secure: 0, insecure: 0, monitored: 0 };
    for (const [i, config] of systems.entries()) {
      const jar = TLC.jars[i % TLC.jars.length]!;
      const run = await tlcEngine(jar.env).check(config, 'generated.json');
      const { vacuous } = expectAgreement(config, run);
      if (run.report.properties.some((p) => p.status === 'violated')) verdicts.insecure++;
      else verdicts.secure++;
      if (!vacuous) verdicts.monitored++;
    }
    // The sample exercises both verdicts and the liveness property.
    expect(verdicts.secure).toBeGreaterThan(0);
    expect(verdicts.insecure).toBeGreaterThan(0);
    expect(verdicts.monitored).toBeGreaterThan(0);
  }, 900_000);
});

if (TLC.skip)
  describe('the TLC engine beyond the examples', () => {
    it.skip(`skipped: ${TLC.skip}`, () => {});
  });
