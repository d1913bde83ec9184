/**
 * The proof engine against the explorer: on every example, on generated systems and on the seeded
 * bugs the encoding mirrors, `prove` reaches the explorer's verdict on every invariant (and on
 * FaultRecovery, that verdict or `unknown`), its traces are as short as the explorer's, and solver
 * answers that do not stand up to checking are refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import type { SeededBug } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { runExplorer } from '../../proofs/check.js';
import { explore } from '../../proofs/explorer.js';
import { monitorPairs } from '../../proofs/liveness.js';
import type { PropertyName } from '../../proofs/properties.js';
import { ProofDefect, prove, replay, shareTraces } from '../../proofs/prove.js';
import { budgetUnits } from '../../proofs/prove-budget.js';
import { replayLasso, tickingLasso } from '../../proofs/prove-recovery.js';
import { bmc } from '../../proofs/symbolic/bmc.js';
import { chc, propertyAsInvariant, recheck } from '../../proofs/symbolic/chc.js';
import {
  insideTerm,
  policyInvariant,
  recoveryBound,
  withTickCounter,
} from '../../proofs/symbolic/recovery.js';
import { buildRelation } from '../../proofs/symbolic/relation.js';
import { or } from '../../proofs/symbolic/terms.js';
import { Budget } from '../../proofs/symbolic/z3.js';
import type { SystemConfig } from '../../system/config.js';
import { EXAMPLES } from '../cli/cli.js';
import { example } from '../helpers.js';

/** Disagreements between prove and the explorer on one system, as readable lines (none expected). */
async function disagreements(
  config: SystemConfig,
  timeoutMs: number,
): Promise<{ lines: string[]; violated: number; recovery: string }> {
  const checked = runExplorer(config, 'system.yaml', {});
  const proved = await prove(config, 'system.yaml', { timeoutMs });
  const lines: string[] = [];
  for (const v of proved.verdicts) {
    const expected = checked.result.verdicts.get(v.name)!;
    if (v.name === 'FaultRecovery' && v.status === 'unknown' && v.method === 'none' && v.reason) continue;
    if (v.status !== expected.status)
      lines.push(`${v.name}: prove ${v.status} (${v.reason ?? v.method}), check ${expected.status}`);
    else if (v.name === 'FaultRecovery') {
      // Lassos have no canonical length: the model's replay (replayLasso) already holds prove's to
      // the property; here it must end where its loop began.
      if (v.trace && v.trace.loop === undefined) lines.push('FaultRecovery: a trace with no loop');
    } else if (expected.status === 'violated' && v.trace!.steps.length !== expected.trace.steps.length)
      lines.push(
        `${v.name}: trace of ${v.trace!.steps.length - 1} steps, the explorer's has ${expected.trace.steps.length - 1}`,
      );
  }
  const violated = [...checked.result.verdicts.values()].filter((v) => v.status === 'violated').length;
  const recovery = proved.verdicts.find((v) => v.name === 'FaultRecovery')!;
  return { lines, violated, recovery: `${recovery.status} ${recovery.method}` };
}

/** CI (TYPEZERO_CONF_FULL=1) holds prove to check on a hundred generated systems, a local run on 30. */
const GENERATED = process.env.TYPEZERO_CONF_FULL === '1' ? 100 : 30;

describe('prove agrees with check', () => {
  it.each(EXAMPLES)('%s', { timeout: 600_000 }, async (name) => {
    expect((await disagreements(example(name), 120_000)).lines).toEqual([]);
  });

  it(`on ${GENERATED} generated systems, secure and insecure`, { timeout: 1_800_000 }, async () => {
    const systems = fc.sample(systemArb({ maxPartitions: 2, maxDevices: 1, maxChannels: 1 }), {
      seed: 90,
      numRuns: GENERATED,
    });
    const found: string[] = [];
    let secure = 0;
    let violations = 0;
    const recovery = new Map<string, number>();
    for (const [i, config] of systems.entries()) {
      const { lines, violated, recovery: how } = await disagreements(config, 60_000);
      for (const line of lines) found.push(`system ${i}: ${line}`);
      violations += violated;
      if (!violated) secure++;
      recovery.set(how, (recovery.get(how) ?? 0) + 1);
    }
    expect(found).toEqual([]);
    // FaultRecovery is decided on every system with a health monitor, both ways among them.
    expect(recovery.get('unknown none') ?? 0, JSON.stringify([...recovery])).toBe(0);
    expect(recovery.get('holds k-liveness'), JSON.stringify([...recovery])).toBeGreaterThan(0);
    // Both kinds, and many violations to agree on.
    expect(secure).toBeGreaterThan(GENERATED / 10);
    expect(GENERATED - secure).toBeGreaterThan(GENERATED / 3);
    expect(violations).toBeGreaterThan(GENERATED / 2);
  });

  it.each([
    ['status-without-privilege', 'HypercallAuthorization'],
    ['unaudited-refusal', 'AuditCompleteness'],
    ['fault-flushes-inbox', 'FaultContainment'],
    ['auto-restart', 'FaultContainment'],
    ['dma-after-halt', 'FailSecure'],
    ['tick-after-halt', 'FailSecure'],
    ['launch-ignores-mismatch', 'MeasuredLaunch'],
    ['unchecked-buffer', 'HypercallAuthorization'],
  ] as const)(
    'the seeded bug %s violates %s, as the explorer finds',
    async (bug: SeededBug, name: PropertyName) => {
      const config = example('mils-two-domain');
      const model = { bugs: new Set([bug]) };
      const expected = explore(config, { model }).verdicts.get(name)!;
      expect(expected.status).toBe('violated');
      const run = await prove(config, 'mils-two-domain.yaml', {
        model,
        properties: [name],
        timeoutMs: 120_000,
      });
      const v = run.verdicts[0]!;
      expect(v.status).toBe('violated');
      expect(v.trace!.steps.length).toBe(expected.status === 'violated' ? expected.trace.steps.length : -1);
      const correct = await prove(config, 'mils-two-domain.yaml', { properties: [name], timeoutMs: 120_000 });
      expect(correct.verdicts[0]!.status).toBe('holds');
    },
  );
});

describe('traces shared between properties', () => {
  it("takes another property's trace where the model, replaying it, breaks this one too, and says it is a shortest one", async () => {
    const config = example('dma-window-overlap');
    const expected = explore(config).verdicts;
    const run = await prove(config, 'dma-window-overlap.yaml', {
      properties: ['DmaContainment', 'InformationFlow'],
    });
    const [dma, flow] = run.verdicts;
    expect(dma).toMatchObject({ name: 'DmaContainment', status: 'violated', method: 'bmc-trace' });
    expect(flow).toMatchObject({
      name: 'InformationFlow',
      status: 'violated',
      method: 'shared-trace',
      from: 'DmaContainment',
    });
    const shortest = expected.get('InformationFlow')!;
    expect(shortest.status).toBe('violated');
    const steps = flow!.trace!.steps.length;
    expect(steps).toBe(shortest.status === 'violated' ? shortest.trace.steps.length : -1);
    // The short search ruled out every shorter trace.
    expect(flow!.shortestWithin).toBe(steps - 2);
    // The same trace, replayed by the model, up to the first state that breaks InformationFlow.
    expect(flow!.trace!.steps.map((s) => s.event)).toEqual(
      dma!.trace!.steps.slice(0, steps).map((s) => s.event),
    );
    const alone = await prove(config, 'dma-window-overlap.yaml', { properties: ['InformationFlow'] });
    expect(alone.verdicts[0]).toMatchObject({ status: 'violated', method: 'bmc-trace' });
    expect(alone.verdicts[0]!.trace!.steps.length).toBe(steps);
  });

  it('gives a property left unknown the trace of a property decided after it', async () => {
    const config = example('dma-window-overlap');
    const run = await prove(config, 'dma-window-overlap.yaml', {
      properties: ['DmaContainment', 'InformationFlow'],
    });
    const [dma, flow] = run.verdicts;
    // As if InformationFlow had come first and run out of budget.
    const unknown = {
      name: 'InformationFlow',
      status: 'unknown',
      method: 'none',
      reason: 'no proof',
      rlimit: 7,
      solverMs: 1,
    } as const;
    const [shared, same] = shareTraces(buildLayout(config), [unknown, dma!]);
    expect(same).toBe(dma);
    expect(shared).toEqual({
      name: 'InformationFlow',
      status: 'violated',
      method: 'shared-trace',
      from: 'DmaContainment',
      trace: flow!.trace,
      shortestWithin: 0,
      rlimit: 7,
      solverMs: 1,
    });
    // Nothing to share: an unknown property no trace breaks stays unknown.
    const audit = { ...unknown, name: 'AuditCompleteness' } as const;
    expect(shareTraces(buildLayout(config), [audit, dma!])[0]).toBe(audit);
  });
});

describe('FaultRecovery by proof', () => {
  it('continues a run into P by Ticks alone: a lasso where the monitor never runs, none where it resets', async () => {
    for (const [name, expected] of [
      ['orphan-monitor', true],
      ['three-level-guard', false],
    ] as const) {
      const rel = buildRelation(buildLayout(example(name)));
      const pairs = monitorPairs(rel.layout);
      const into = await bmc(rel, or(...pairs.map((p) => insideTerm(rel, p, (i) => `x${i}`))), plenty(), 30);
      expect(into.kind, name).toBe('trace');
      const trace = tickingLasso(rel, pairs, into.kind === 'trace' ? into.events : [], {});
      expect(trace !== null, name).toBe(expected);
      if (!trace) continue;
      expect(trace.steps.at(-1)!.state).toEqual(trace.steps[trace.loop!]!.state);
      expect(trace.steps.slice(trace.loop! + 1).every((s) => s.event!.type === 'Tick')).toBe(true);
    }
  });

  it('proves the bound by the invariant the monitor policy suggests, and has none where the monitor never runs', async () => {
    const guard = example('three-level-guard');
    const rel = buildRelation(buildLayout(guard));
    const pairs = monitorPairs(rel.layout);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      const counted = withTickCounter(rel, pair, recoveryBound(rel));
      const policy = policyInvariant(counted.rel, pair)!;
      expect(await recheck(counted.rel, counted.bad, policy, plenty())).toEqual({ ok: true });
      // Asked for a bound of no Tick at all, the same invariant does not exclude the bad states.
      const tight = withTickCounter(rel, pair, 0);
      expect((await recheck(tight.rel, tight.bad, policyInvariant(tight.rel, pair)!, plenty())).ok).toBe(
        false,
      );
    }
    const orphan = buildRelation(buildLayout(example('orphan-monitor')));
    const [pair] = monitorPairs(orphan.layout);
    expect(policyInvariant(withTickCounter(orphan, pair!, recoveryBound(orphan)).rel, pair!)).toBeNull();
  });

  it("replays the solver's lasso until the whole state repeats, and refuses one that is no fair loop", async () => {
    const config = example('orphan-monitor');
    const run = await prove(config, 'orphan-monitor.yaml', { properties: ['FaultRecovery'] });
    const [v] = run.verdicts;
    expect(v).toMatchObject({ status: 'violated', method: 'bmc-lasso' });
    const { steps, loop } = v!.trace!;
    expect(steps.at(-1)!.state).toEqual(steps[loop!]!.state);
    expect(steps.slice(loop! + 1).some((s) => s.event!.type === 'Tick')).toBe(true);
    // The same events given back as the solver's answer replay to the same trace...
    const rel = buildRelation(buildLayout(config));
    const index = (e: unknown) => rel.events.findIndex((x) => JSON.stringify(x) === JSON.stringify(e));
    const events = steps.slice(1).map((s) => index(s.event));
    const pair = [{ partition: 0, monitor: 1 }];
    expect(config.partitions.map((p) => p.name)).toEqual(['app', 'monitor']);
    expect(replayLasso(rel, pair, { events, loop: loop! }, {})).toEqual(v!.trace);
    // ...but a loop with no Tick in it, or one that begins before the partition faulted, is a defect.
    const launches = steps.findIndex((s) => s.state.status[0] === 'faulted');
    expect(() => replayLasso(rel, pair, { events: events.slice(0, launches), loop: 1 }, {})).toThrow(
      ProofDefect,
    );
    expect(() => replayLasso(rel, pair, { events, loop: 0 }, {})).toThrow(ProofDefect);
  });
});

describe('the budget per property', () => {
  const audit = { properties: ['AuditCompleteness' as const] };
  const untimed = (run: Awaited<ReturnType<typeof prove>>) => run.verdicts.map(({ solverMs, ...v }) => v);

  it('decides the same way each time, and a budget too small for a proof leaves it unknown', async () => {
    const config = example('dma-window-overlap');
    const first = await prove(config, 'dma-window-overlap.yaml', audit);
    expect(first.verdicts[0]).toMatchObject({ status: 'holds', method: 'inductive-invariant' });
    expect(untimed(await prove(config, 'dma-window-overlap.yaml', audit))).toEqual(untimed(first));
    const small = await prove(config, 'dma-window-overlap.yaml', { ...audit, timeoutMs: 100 });
    expect(small.verdicts[0]).toMatchObject({ status: 'unknown', method: 'none' });
    expect(small.verdicts[0]!.reason).toMatch(/^no proof within the solver's budget/);
    expect(small.verdicts[0]!.rlimit).toBeLessThanOrEqual(budgetUnits(100));
  });

  it('past the wall-clock limit a property is unknown, with that reason, however far its proof went', async () => {
    const run = await prove(example('dma-window-overlap'), 'dma-window-overlap.yaml', {
      properties: ['InformationFlow', 'AuditCompleteness'],
      wallClockMs: 1,
    });
    for (const v of run.verdicts)
      expect(v, v.name).toMatchObject({
        status: 'unknown',
        method: 'none',
        reason: expect.stringMatching(/^the wall-clock limit of 0.001 s was hit/),
      });
  });
});

/** A minute's worth of solver work. */
const plenty = () => new Budget(budgetUnits(60_000));

describe('solver answers are checked, not trusted', () => {
  const layout = buildLayout(example('mils-two-domain'));
  const rel = buildRelation(layout);

  it('an invariant that does not exclude the bad states fails the recheck', async () => {
    const bad = rel.bad.get('InformationFlow')!;
    const proof = await chc(rel, bad, plenty());
    expect(proof.kind).toBe('proved');
    if (proof.kind !== 'proved') return;
    expect(await recheck(rel, bad, proof, plenty())).toEqual({ ok: true });
    const sorts = proof.args.map((i, k) => `(a${k} ${rel.vars[i]!.sort})`).join(' ');
    const weak = { ...proof, definitions: `(define-fun Inv (${sorts}) Bool true)` };
    const checked = await recheck(rel, bad, weak, plenty());
    expect(checked).toEqual({ ok: false, failed: 'the invariant excludes the bad states', answer: 'sat' });
    const tooStrong = { ...proof, definitions: `(define-fun Inv (${sorts}) Bool false)` };
    expect(await recheck(rel, bad, tooStrong, plenty())).toMatchObject({
      ok: false,
      failed: 'the initial state satisfies the invariant',
    });
  });

  it('the property as its own invariant is taken only where every transition keeps it', async () => {
    const halt = rel.bad.get('FailSecure')!;
    expect(await recheck(rel, halt, propertyAsInvariant(rel, halt), plenty())).toEqual({
      ok: true,
    });
    // Audit completeness needs more than itself: a full log must not lose a record.
    const audit = rel.bad.get('AuditCompleteness')!;
    expect(await recheck(rel, audit, propertyAsInvariant(rel, audit), plenty())).toMatchObject({
      ok: false,
      answer: 'sat',
    });
  });

  it('a trace the model does not take, or that does not violate the property, is a defect', () => {
    const measure = rel.events.findIndex((e) => e.type === 'MeasureHypervisor');
    const tick = rel.events.findIndex((e) => e.type === 'Tick');
    expect(() => replay(rel, [tick], 'InformationFlow', {})).toThrow(ProofDefect);
    expect(() => replay(rel, [measure], 'InformationFlow', {})).toThrow(/without violating it/);
  });
});
