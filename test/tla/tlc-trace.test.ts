import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { explore } from '../../proofs/explorer.js';
import { EngineError } from '../../tla/engine.js';
import { stateKey } from '../../tla/state-codec.js';
import { tlcResult } from '../../tla/tlc/engine.js';
import { parseTlcOutput } from '../../tla/tlc/output.js';
import { parseDumpedTrace, TraceFormatError } from '../../tla/tlc/trace.js';
import { example } from '../helpers.js';
import { tlcFixture } from './fixtures.js';

const keys = (states: readonly Parameters<typeof stateKey>[0][]) => states.map(stateKey);

describe("TLC's -dumpTrace json, read into model states", () => {
  it('the counterexample graph of an invariant violation: states in index order, no loop', () => {
    const dumped = parseDumpedTrace(tlcFixture('write-down-channel.counterexample.json'));
    expect(dumped.states).toHaveLength(7);
    expect(dumped.loopTo).toBeNull();
  });

  it('the plain sequence form gives the same states', () => {
    const graph = parseDumpedTrace(tlcFixture('write-down-channel.counterexample.json'));
    const sequence = parseDumpedTrace(tlcFixture('write-down-channel.sequence.json'));
    expect(sequence.states).toEqual(graph.states);
  });

  it('a lasso: the back edge gives the state the cycle returns to', () => {
    const dumped = parseDumpedTrace(tlcFixture('orphan-monitor.counterexample.json'));
    expect(dumped.states).toHaveLength(6);
    expect(dumped.loopTo).toBe(4);
  });

  it('rejects what is not a counterexample', () => {
    expect(() => parseDumpedTrace('{')).toThrow(TraceFormatError);
    expect(() => parseDumpedTrace('{"state": [[2, {}]]}')).toThrow(/indices must run 1..n/);
    expect(() => parseDumpedTrace('42')).toThrow(TraceFormatError);
  });
});

describe('one TLC run as the engines see it', () => {
  it('an invariant violation becomes the model states of the counterexample', () => {
    const config = example('write-down-channel');
    const layout = buildLayout(config);
    const r = tlcResult(
      layout,
      parseTlcOutput(tlcFixture('write-down-channel.invariant.out')),
      tlcFixture('write-down-channel.counterexample.json'),
    );
    expect(r.kind).toBe('invariant');
    if (r.kind !== 'invariant') return;
    expect(r.name).toBe('InformationFlowInv');
    const verdict = explore(config).verdicts.get('InformationFlow');
    if (verdict?.status !== 'violated') throw new Error('the explorer finds InformationFlow violated');
    expect(keys(r.states)).toEqual(keys(verdict.trace.steps.map((s) => s.state)));
  });

  it('a liveness violation becomes a lasso ending in the state it loops to', () => {
    const config = example('orphan-monitor');
    const layout = buildLayout(config);
    const r = tlcResult(
      layout,
      parseTlcOutput(tlcFixture('orphan-monitor.liveness.out')),
      tlcFixture('orphan-monitor.counterexample.json'),
    );
    expect(r.kind).toBe('liveness');
    if (r.kind !== 'liveness') return;
    expect(r.loop).toBe(4);
    expect(r.states).toHaveLength(7);
    expect(stateKey(r.states[6]!)).toBe(stateKey(r.states[4]!));
    expect(r.distinctStates).toBe(30);
    expect(r.depth).toBe(6);
  });

  it('a completed run: TLC counts states on the longest path, the explorer steps', () => {
    const layout = buildLayout(example('mils-two-domain'));
    expect(tlcResult(layout, parseTlcOutput(tlcFixture('mils-two-domain.ok.out')), null)).toEqual({
      kind: 'ok',
      distinctStates: 335,
      depth: 13,
    });
  });

  it('a run cut short by the --max-states constraint is a bound, not a pass', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const r = tlcResult(layout, parseTlcOutput(tlcFixture('mils-two-domain.ok.out')), null, 300);
    expect(r.kind).toBe('bound');
  });

  it('failures are engine errors with a one-line reason', () => {
    const layout = buildLayout(example('mils-two-domain'));
    expect(() => tlcResult(layout, parseTlcOutput(tlcFixture('deadlock.out')), null)).toThrow(EngineError);
    expect(() => tlcResult(layout, parseTlcOutput(tlcFixture('semantic-error.out')), null)).toThrow(
      /LabelOff/,
    );
    expect(() =>
      tlcResult(layout, parseTlcOutput(tlcFixture('write-down-channel.invariant.out')), null),
    ).toThrow(/no counterexample file/);
  });
});

describe('wrapped forms', () => {
  it('accepts a counterexample wrapped in a one-element array', () => {
    const graph = tlcFixture('write-down-channel.counterexample.json');
    const sequence = tlcFixture('write-down-channel.sequence.json');
    expect(parseDumpedTrace(`[${graph}]`).states).toEqual(parseDumpedTrace(graph).states);
    expect(parseDumpedTrace(`[${sequence}]`).states).toEqual(parseDumpedTrace(sequence).states);
  });
});
