/**
 * The unbounded proof in the evidence package: prove runs as one more engine, its holds and its
 * replayed traces settle properties on their own, a disagreement with a finished explorer is an
 * ERROR package, the invariants travel as TLA+ and in the system's terms, and they are evaluated in
 * every reachable state the explorer enumerates (a wrong one makes the package an error too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Collected, type CollectOptions, collectEvidence } from '../../evidence/collect.js';
import { type EngineOptions, type EngineRun, notRun, runExplorerEngine } from '../../evidence/engines.js';
import { renderReport } from '../../evidence/html.js';
import { enumerationCheck, fromProveRun, runProveEngine } from '../../evidence/prove-engine.js';
import { validateEvidence } from '../../evidence/schema.js';
import { settle } from '../../evidence/verdict.js';
import { buildLayout } from '../../model/layout.js';
import { explore } from '../../proofs/explorer.js';
import { type ProofVerdict, type ProveRun, prove } from '../../proofs/prove.js';
import { buildRelation } from '../../proofs/symbolic/relation.js';
import { z3Version } from '../../proofs/symbolic/z3.js';
import type { SystemConfig } from '../../system/config.js';
import { example, exampleText, ROOT } from '../helpers.js';

const NAME = 'mils-two-domain';
const QUICK = { maxStates: 100_000, seeds: 2, steps: 100 };

function collect(name: string, options: Partial<CollectOptions>): Promise<Collected> {
  return collectEvidence(
    { config: example(name), fileName: `${name}.yaml`, bytes: Buffer.from(exampleText(name)) },
    { ...QUICK, env: {}, toolCopy: false, ...options },
  );
}

/** A run whose verdict on InformationFlow is `verdict`; prove decides each property on its own. */
function fake(engine: 'explorer' | 'prove', status: EngineRun['status'], verdict: string): EngineRun {
  return {
    engine,
    status,
    reason: status === 'completed' ? null : 'a test run',
    distinctStates: engine === 'prove' ? null : 1,
    depth: null,
    durationMs: 0,
    verdicts: new Map([['InformationFlow', { status: verdict as 'holds' }]]),
    ...(engine === 'prove' ? { decidesEach: true as const } : {}),
  };
}

describe('how prove settles a property beside the explorer', () => {
  it.each([
    [
      'its holds settles what a bounded explorer left unknown',
      'bounded',
      'unknown',
      'bounded',
      'holds',
      'holds',
    ],
    ['its unknown contradicts nothing', 'completed', 'holds', 'bounded', 'unknown', 'holds'],
    ['nobody settled it', 'bounded', 'unknown', 'bounded', 'unknown', 'unknown'],
    ['a trace against a finished search', 'completed', 'holds', 'completed', 'violated', 'disagreement'],
    ['a proof against a bounded search’s trace', 'bounded', 'violated', 'bounded', 'holds', 'disagreement'],
  ] as const)('%s', (_what, explorerStatus, explorerVerdict, proveStatus, proveVerdict, expected) => {
    const runs = [
      fake('explorer', explorerStatus, explorerVerdict),
      fake('prove', proveStatus, proveVerdict),
    ];
    expect(settle(runs, 'InformationFlow')).toBe(expected);
  });
});

describe('the proof in a package', () => {
  let collected: Collected;
  beforeAll(async () => {
    // TLC is not what this is about: the environment names no jar.
    collected = await collect(NAME, { prove: { timeoutMs: 60_000 } });
  }, 300_000);

  it('is the fourth engine, decided every property, and agrees with the enumerating engines', () => {
    const { evidence } = collected;
    expect(validateEvidence(JSON.parse(JSON.stringify(evidence)))).toEqual([]);
    expect(evidence.engines.map((e) => e.engine)).toEqual(['explorer', 'tla-checker', 'tlc', 'prove']);
    const proveEngine = evidence.engines[3]!;
    expect(proveEngine).toMatchObject({ status: 'completed', distinctStates: null, reason: null });
    expect(proveEngine.verdicts.map((v) => v.status)).toEqual(evidence.properties.map((p) => p.status));
    expect(evidence.verdict.status).toBe('pass');
    expect(evidence.verdict.headline).toMatch(/explorer, tla-checker and prove/);
  });

  it('records per property the method, the time, the SMT invariant, its reading and its TLA+ name', () => {
    const proof = collected.evidence.proof!;
    expect(proof.status).toBe('ran');
    expect(proof.solver).toMatch(/^Z3 \d+\.\d+/);
    expect(proof.timeoutMs).toBe(60_000);
    const flow = proof.properties.find((p) => p.property === 'InformationFlow')!;
    expect(flow.status).toBe('holds');
    expect(['induction', 'inductive-invariant']).toContain(flow.method);
    expect(flow.durationMs).toEqual(expect.any(Number));
    expect(flow.invariant!.tla).toBe('IndInv_InformationFlow');
    expect(flow.invariant!.smt).toMatch(/^\(define-fun Inv /);
    expect(flow.invariant!.variables).toContain('observed[unclass][secret]');
    expect(flow.invariant!.text).toContain("unclass's observed set stays within {unclass}");
    const recovery = proof.properties.find((p) => p.property === 'FaultRecovery')!;
    expect(recovery).toMatchObject({ status: 'holds', method: 'vacuous', invariant: null });
    expect(collected.evidence.assumptions.find((a) => a.id === 'B-PROOF')!.statement).toMatch(
      /^prove had 60 s of Z3 .* decided 11 of 11/,
    );
  });

  it('carries the TLA+ model with IndInv, and meets the enumeration in every reachable state', () => {
    const { evidence, files } = collected;
    const proof = evidence.proof!;
    expect(proof.model).toEqual({
      module: 'proof/MCmils_two_domain.tla',
      config: 'proof/MCmils_two_domain_IndInv.cfg',
    });
    const module = files.get(proof.model!.module) as string;
    for (const p of proof.properties) if (p.invariant) expect(module).toContain(`${p.invariant.tla} ==`);
    expect(files.get('proof/Hypervisor.tla')).toBe(
      readFileSync(join(ROOT, 'spec', 'Hypervisor.tla'), 'utf8'),
    );
    expect(evidence.files.map((f) => f.path)).toContain(proof.model!.config);
    // The whole states are the ones tla-checker counted.
    const checker = evidence.engines.find((e) => e.engine === 'tla-checker')!;
    expect(proof.enumeration).toEqual({
      status: 'passed',
      reason: null,
      states: checker.distinctStates,
      failures: [],
    });
    for (const p of proof.properties) if (p.invariant) expect(p.invariant.enumeration).toBe('passed');
    expect(evidence.reproduce.map((r) => r.command)).toContainEqual(
      'cd proof && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -config MCmils_two_domain_IndInv.cfg MCmils_two_domain.tla',
    );
    expect(evidence.reproduce[1]!.command).toMatch(/ --prove-timeout 60$/);
  });

  it('shows the proof in the report, in the system’s terms', () => {
    const report = renderReport(collected.evidence);
    expect(report).toContain('<section id="proof">');
    expect(report).toContain('<h2>Unbounded proof</h2>');
    expect(report).toContain('unclass&#39;s observed set stays within {unclass}');
    expect(report).toContain('<code>IndInv_InformationFlow</code>');
    expect(report).toMatch(/Every invariant below holds in each of the \d+ reachable states/);
  });

  it('records and shows a FaultRecovery proof by k-liveness and a trace shared from another property', () => {
    const { evidence } = collected;
    const proof = evidence.proof!;
    const properties = proof.properties.map((p) =>
      p.property === 'FaultRecovery'
        ? { ...p, method: 'k-liveness' as const, k: 3, reason: null }
        : p.property === 'InformationFlow'
          ? {
              ...p,
              status: 'violated' as const,
              method: 'shared-trace' as const,
              trace: 'traces/proof/InformationFlow.itf.json',
              from: 'DmaContainment' as const,
              shortestWithin: 3,
              invariant: null,
            }
          : p,
    );
    const changed = { ...evidence, proof: { ...proof, properties } };
    expect(validateEvidence(JSON.parse(JSON.stringify(changed)))).toEqual([]);
    const report = renderReport(changed);
    const row = (name: string) => report.slice(report.indexOf(`data-proof="${name}"`)).split('</tr>')[0]!;
    expect(row('FaultRecovery')).toContain(
      'no run takes more than 3 Ticks with a controlled partition faulted',
    );
    expect(row('InformationFlow')).toContain(
      'the trace found for DmaContainment, no shorter one within 3 steps',
    );
    // The schema holds the new fields to their meaning.
    const wrong = {
      ...changed,
      proof: { ...proof, properties: properties.map((p) => ({ ...p, shortestWithin: -1 })) },
    };
    expect(validateEvidence(JSON.parse(JSON.stringify(wrong)))).not.toEqual([]);
  });
});

describe('prove beside the other engines', () => {
  let proof: ProveRun;
  let solver: string;
  beforeAll(async () => {
    proof = await prove(example(NAME), `${NAME}.yaml`, { timeoutMs: 60_000 });
    solver = await z3Version();
  }, 300_000);

  /** The explorer, the given prove run, and the TLA+ engines not run. */
  const engines =
    (run: (config: SystemConfig) => EngineRun, maxStates?: number) =>
    (config: SystemConfig, options: EngineOptions) => [
      runExplorerEngine(config, maxStates ? { ...options, maxStates } : options),
      notRun('tla-checker', 'not needed here'),
      notRun('tlc', 'not needed here'),
      run(config),
    ];

  it('a proof that a finished explorer contradicts makes an ERROR package', async () => {
    const broken = fromProveRun(proof, solver, 60_000);
    const verdicts = new Map(broken.verdicts);
    verdicts.set('InformationFlow', { status: 'violated' });
    const { evidence } = await collect(NAME, { engines: engines(() => ({ ...broken, verdicts })) });
    expect(evidence.properties.find((p) => p.name === 'InformationFlow')!.status).toBe('disagreement');
    expect(evidence.verdict).toMatchObject({ status: 'error', exitCode: 2 });
    expect(evidence.verdict.findings[0]).toMatch(
      /^engines disagree on InformationFlow: explorer holds, .*prove violated/,
    );
  });

  it('settles what an explorer stopped at its bound left unknown', async () => {
    const { evidence } = await collect(NAME, {
      engines: engines(() => fromProveRun(proof, solver, 60_000), 20),
    });
    expect(evidence.engines[0]!.status).toBe('bounded');
    expect(evidence.properties.every((p) => p.status === 'holds')).toBe(true);
    expect(validateEvidence(JSON.parse(JSON.stringify(evidence)))).toEqual([]);
    // Nothing was enumerated to the end, so the proof did not meet the enumeration.
    expect(evidence.proof!.enumeration).toMatchObject({ status: 'not-run', states: null });
  });

  it('skipped, is recorded as not run with the reason, and the package stands on the other engines', async () => {
    const { evidence, files } = await collect(NAME, {
      prove: { skipped: 'skipped with --no-prove' },
      engines: async (config, options) => [
        runExplorerEngine(config, options),
        notRun('tla-checker', 'not needed here'),
        notRun('tlc', 'not needed here'),
        await runProveEngine(config, options),
      ],
    });
    expect(evidence.engines[3]).toMatchObject({
      engine: 'prove',
      status: 'not-run',
      reason: 'skipped with --no-prove',
    });
    expect(evidence.proof).toMatchObject({
      status: 'not-run',
      reason: 'skipped with --no-prove',
      properties: [],
    });
    expect([...files.keys()].some((f) => f.startsWith('proof/'))).toBe(false);
    expect(evidence.verdict.status).toBe('pass');
    expect(evidence.reproduce[1]!.command).toMatch(/ --no-prove$/);
    expect(renderReport(evidence)).toMatch(
      /Unbounded proof <span class="tag not-run">not run<\/span><\/h2><p>prove did not run: skipped with --no-prove/,
    );
  });

  it('an invariant false in a reachable state fails the enumeration check, and the package is an error', async () => {
    const layout = buildLayout(example(NAME));
    const flow = proof.verdicts.find((v) => v.name === 'InformationFlow')!;
    // secret never observes its own data: false from the initial state on.
    const own = buildRelation(layout).vars.findIndex((v) => v.meaning === 'observed[secret][secret]');
    const wrong: ProofVerdict = {
      ...flow,
      invariant: {
        ...flow.invariant!,
        definitions: '(define-fun Inv ((x!0 Bool)) Bool (not x!0))',
        args: ['observed[secret][secret]'],
        variables: [own],
      },
    };
    const check = enumerationCheck(layout, [wrong]);
    const failed = check.finish(explore(example(NAME), { visit: check.visit }));
    expect(failed.enumeration.status).toBe('failed');
    expect(failed.enumerated.get('InformationFlow')).toBe('failed');
    expect(failed.enumeration.failures[0]).toMatch(/^IndInv_InformationFlow is false in a reachable state: /);
    const right = enumerationCheck(layout, [flow]);
    expect(right.finish(explore(example(NAME), { visit: right.visit })).enumeration.status).toBe('passed');

    const run = fromProveRun(proof, solver, 60_000);
    const { evidence } = await collect(NAME, {
      engines: engines(() => ({ ...run, proof: { ...run.proof!, ...failed } })),
    });
    expect(evidence.proof!.enumeration.status).toBe('failed');
    expect(
      evidence.proof!.properties.find((p) => p.property === 'InformationFlow')!.invariant!.enumeration,
    ).toBe('failed');
    expect(evidence.verdict).toMatchObject({ status: 'error', exitCode: 2 });
    expect(evidence.verdict.headline).toMatch(/the proof's invariants do not hold in every reachable state/);
  });
});
