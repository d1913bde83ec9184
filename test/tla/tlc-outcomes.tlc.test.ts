/**
 * Every outcome of a TLC run, typed, each from a real run of every jar (test/tla/tlc-jars.ts):
 * the generated models for verdicts, and small specs for the failures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { runExplorer } from '../../proofs/check.js';
import { INVARIANTS } from '../../proofs/properties.js';
import { mcModuleName } from '../../tla/generate.js';
import { labelStates } from '../../tla/label.js';
import { SPEC_DIR } from '../../tla/paths.js';
import { fromJson } from '../../tla/state-codec.js';
import { describeFailure, tlcFiles } from '../../tla/tlc/engine.js';
import type { TlcOutcome } from '../../tla/tlc/outcome.js';
import { runTlc } from '../../tla/tlc/run.js';
import { example } from '../helpers.js';
import { QUICK_JVM, TLC, type TlcJar } from './tlc-jars.js';

function spec(name: string, body: string, cfg = 'INIT Init\nNEXT Next\n') {
  return {
    files: { [`${name}.tla`]: `---- MODULE ${name} ----\n${body}\n====\n`, [`${name}.cfg`]: cfg },
    module: `${name}.tla`,
    config: `${name}.cfg`,
  };
}

const COUNTER = 'EXTENDS Naturals\nVARIABLE x\nInit == x = 0\n';

function model(system: string, liveness: boolean, invariants = INVARIANTS.map((p) => p.tla)) {
  const layout = buildLayout(example(system));
  const name = mcModuleName(system);
  return {
    layout,
    files: tlcFiles(layout, { invariants, liveness, bugs: [] }, `examples/${system}.yaml`),
    module: `${name}.tla`,
    config: `${name}.cfg`,
  };
}

/** No outcome carries the wall clock: no date, no time of day. */
function expectNoClock(outcome: TlcOutcome) {
  expect(JSON.stringify(outcome)).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}|\d+ms\b/);
}

describe.skipIf(TLC.jars.length === 0)('TLC outcomes, from real runs', () => {
  describe.each(TLC.jars.map((j) => [j.name, j] as [string, TlcJar]))('%s', (_name, jar) => {
    const run = (o: { files: Record<string, string>; module: string; config: string }, extra = {}) =>
      runTlc({ java: jar.java, jar: jar.path, jvm: [QUICK_JVM], ...o, ...extra });

    it('all invariants hold: the counts and depth of the explorer (TLC counts states, not steps)', async () => {
      const leftovers = () => readdirSync(tmpdir()).filter((f) => /^tlc-\d+$/.test(f));
      const before = new Set(leftovers());
      const r = await run(model('mils-two-domain', false));
      // Whatever TLC puts in the JVM's temporary directory goes with the run directory.
      expect(leftovers().filter((f) => !before.has(f))).toEqual([]);
      const explorer = runExplorer(example('mils-two-domain'), 'x', {}).report.stats;
      expect(r.outcome).toEqual({
        kind: 'ok',
        stats: {
          generatedStates: expect.any(Number),
          distinctStates: explorer.distinctStates,
          statesLeft: 0,
          depth: explorer.depth + 1,
        },
      });
      expect(r.version).toMatch(/^\S+ .*\(rev: [0-9a-f]+\)$/);
      expect(r.command).toEqual(expect.arrayContaining(['java', '-tool', jar.name, 'tlc2.TLC']));
      expectNoClock(r.outcome);
    });

    it('an invariant violated: its name and a shortest counterexample the model replays', async () => {
      const m = model('write-down-channel', false);
      const r = await run(m);
      if (r.outcome.kind !== 'invariant') throw new Error(`expected a violation, got ${r.outcome.kind}`);
      expect(r.outcome.name).toBe('InformationFlowInv');
      const states = r.outcome.states.map((s) => fromJson(m.layout, s.values));
      const labelled = labelStates(m.layout, states, undefined, {});
      expect(labelled.ok).toBe(true);
      const explorer = runExplorer(example('write-down-channel'), 'x', {});
      const v = explorer.result.verdicts.get('InformationFlow');
      expect(v?.status === 'violated' && v.trace.steps.length).toBe(states.length);
      expectNoClock(r.outcome);
    });

    it('an invariant violated by the initial state', async () => {
      const r = await run(
        spec('Init0', `${COUNTER}Next == x' = x\nInv == x > 0`, 'INIT Init\nNEXT Next\nINVARIANT Inv\n'),
      );
      expect(r.outcome).toMatchObject({ kind: 'invariant', name: 'Inv', states: [{ values: { x: 0 } }] });
    });

    it('the liveness property violated: a lasso the model replays, loop included', async () => {
      const m = model('orphan-monitor', true, []);
      const r = await run(m);
      if (r.outcome.kind !== 'property') throw new Error(`expected a violation, got ${r.outcome.kind}`);
      const states = r.outcome.states.map((s) => fromJson(m.layout, s.values));
      expect(r.outcome.loop).toBeGreaterThanOrEqual(0);
      expect(r.outcome.loop).toBeLessThan(states.length);
      const labelled = labelStates(m.layout, [...states, states[r.outcome.loop]!], r.outcome.loop, {});
      expect(labelled.ok).toBe(true);
      expect(r.outcome.stats.distinctStates).toBe(
        runExplorer(example('orphan-monitor'), 'x', {}).report.stats.distinctStates,
      );
      expectNoClock(r.outcome);
    });

    it('a property that stutters forever: the loop is the last state', async () => {
      const r = await run(
        spec(
          'Stutter',
          `${COUNTER}Next == x < 2 /\\ x' = x + 1\nSpec == Init /\\ [][Next]_x\nLive == <>(x = 2)`,
          'SPECIFICATION Spec\nPROPERTY Live\nCHECK_DEADLOCK FALSE\n',
        ),
      );
      if (r.outcome.kind !== 'property') throw new Error(`expected a violation, got ${r.outcome.kind}`);
      expect(r.outcome.stuttering).toBe(true);
      expect(r.outcome.loop).toBe(r.outcome.states.length - 1);
      expect(r.outcome.states.map((s) => s.values.x)).toEqual([...Array(r.outcome.states.length).keys()]);
    });

    it('a deadlock, with the behaviour that reaches it', async () => {
      const r = await run(spec('Dead', `${COUNTER}Next == x < 2 /\\ x' = x + 1`));
      expect(r.outcome).toMatchObject({
        kind: 'deadlock',
        states: [{ values: { x: 0 } }, { values: { x: 1 } }, { values: { x: 2 } }],
      });
    });

    it('FaultRecovery without a health monitor is a tautology TLC refuses (so no engine gives it to TLC)', async () => {
      const r = await run(model('mils-two-domain', true, []));
      expect(r.outcome).toEqual({
        kind: 'tautology',
        message: 'Temporal formula is a tautology (its negation is unsatisfiable).',
      });
    });

    it('the committed model of a system without a monitor, as TLC by hand runs it, is accepted', async () => {
      const read = (f: string) => readFileSync(join(SPEC_DIR, f), 'utf8');
      const files = Object.fromEntries(
        ['Hypervisor.tla', 'MCmils_two_domain.tla', 'MCmils_two_domain.cfg'].map((f) => [f, read(f)]),
      );
      expect(files['MCmils_two_domain.cfg']).not.toContain('FaultRecoveryProp');
      const r = await run({ files, module: 'MCmils_two_domain.tla', config: 'MCmils_two_domain.cfg' });
      expect(r.outcome.kind).toBe('ok');
    });

    it('a parse error, in SANY words with its position', async () => {
      const r = await run(spec('Broken', `${COUNTER}Next == x' =`));
      expect(r.outcome.kind).toBe('parse-error');
      if (r.outcome.kind === 'parse-error') expect(r.outcome.message).toMatch(/line \d+, column \d+/);
    });

    it('a semantic error names the unknown operator and where it is', async () => {
      const r = await run(spec('Unknown', `${COUNTER}Next == x' = y`));
      expect(r.outcome).toEqual({
        kind: 'semantic-error',
        message: "line 5, col 14 to line 5, col 14 of module Unknown Unknown operator: `y'.",
      });
    });

    it('a failed assumption', async () => {
      const r = await run(spec('Assume', `${COUNTER}ASSUME 1 > 2\nNext == x' = x`));
      expect(r.outcome).toEqual({
        kind: 'assumption',
        message: 'Assumption line 5, col 8 to line 5, col 12 of module Assume is false.',
      });
    });

    it('an expression TLC cannot evaluate', async () => {
      const r = await run(
        spec(
          'Div',
          `${COUNTER}Next == x' = (x + 1) % 3\nInv == 10 \\div (1 - x) >= 0`,
          'INIT Init\nNEXT Next\nINVARIANT Inv\n',
        ),
      );
      expect(r.outcome.kind).toBe('evaluation-error');
      expectNoClock(r.outcome);
    });

    it('out of memory, with a small heap', async () => {
      const r = await run(
        spec(
          'Huge',
          `${COUNTER.replace('Init == x = 0', 'Init == x = [i \\in 1..5000000 |-> i]')}Next == UNCHANGED x`,
        ),
        {
          jvm: ['-Xmx32m'],
        },
      );
      expect(r.outcome).toEqual({
        kind: 'out-of-memory',
        message: 'TLC ran out of memory (Java heap space)',
      });
      expect(describeFailure(r.outcome as Extract<TlcOutcome, { kind: 'out-of-memory' }>)).toMatch(/-Xmx/);
    });

    it('an exception TLC does not catch: its working directory cannot be made', async () => {
      const s = spec('NoMeta', `${COUNTER}Next == x' = x`);
      const r = await run({ ...s, files: { ...s.files, states: 'a file where TLC wants its directory' } });
      expect(r.outcome.kind).toBe('exception');
      if (r.outcome.kind === 'exception')
        expect(r.outcome.message).toMatch(/TLCRuntimeException.*could not make a directory/);
    });

    it('killed by its time limit', async () => {
      const r = await run(spec('Forever', `${COUNTER}Next == x' = x + 1`), { timeoutMs: 2_500 });
      expect(r.outcome).toEqual({ kind: 'timeout', limitMs: 2_500 });
    });
  });
});

if (TLC.skip)
  describe('TLC outcomes', () => {
    it.skip(`skipped: ${TLC.skip}`, () => {});
  });
