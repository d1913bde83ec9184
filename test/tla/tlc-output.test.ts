import { describe, expect, it } from 'vitest';
import { parseProgress, parseTlcOutput } from '../../tla/tlc/output.js';
import { tlcFixture } from './fixtures.js';

describe("TLC's output, read into a typed result", () => {
  it('a completed run: no error, the counts and the depth', () => {
    const out = parseTlcOutput(tlcFixture('mils-two-domain.ok.out'));
    expect(out.version).toBe('2.19');
    expect(out.verdict).toEqual({ kind: 'ok' });
    expect(out.generatedStates).toBe(2811);
    expect(out.distinctStates).toBe(335);
    expect(out.statesLeft).toBe(0);
    expect(out.depth).toBe(14);
  });

  it('an invariant violation names the definition and where the trace was written', () => {
    const out = parseTlcOutput(tlcFixture('write-down-channel.invariant.out'));
    expect(out.verdict).toEqual({ kind: 'invariant', name: 'InformationFlowInv' });
    expect(out.traceFile).toBe('counterexample.json');
    expect(out.distinctStates).toBe(104);
  });

  it('a liveness violation and the state its lasso returns to', () => {
    const out = parseTlcOutput(tlcFixture('orphan-monitor.liveness.out'));
    expect(out.verdict).toEqual({ kind: 'liveness' });
    expect(out.backToState).toBe(5);
    expect(out.stuttering).toBe(false);
    expect(out.distinctStates).toBe(30);
  });

  it('a deadlock', () => {
    expect(parseTlcOutput(tlcFixture('deadlock.out')).verdict).toEqual({ kind: 'deadlock' });
  });

  it("a semantic error is a failure with SANY's message, not a verdict", () => {
    const v = parseTlcOutput(tlcFixture('semantic-error.out')).verdict;
    expect(v.kind).toBe('error');
    if (v.kind === 'error') expect(v.message).toContain("Unknown operator: `LabelOff'");
  });

  it('an evaluation error is a failure with its first line and the next', () => {
    const v = parseTlcOutput(tlcFixture('evaluation-error.out')).verdict;
    expect(v).toEqual({ kind: 'error', message: 'Attempted to apply function: <<>>' });
  });

  it('output that never reaches a result is a failure', () => {
    expect(parseTlcOutput('TLC2 Version 2.19 of 08 August 2024\nStarting...\n').verdict).toEqual({
      kind: 'error',
      message: 'TLC ended without a result',
    });
  });

  it('a stuttering lasso', () => {
    const out = parseTlcOutput('Error: Temporal properties were violated.\nState 4: Stuttering\n');
    expect(out.verdict).toEqual({ kind: 'liveness' });
    expect(out.stuttering).toBe(true);
  });

  it('progress lines, with thousands separators', () => {
    expect(
      parseProgress(
        'Progress(8) at 2026-11-26 10:00:03: 2,114 states generated (63,420 s/min), 1,300 distinct states found (9,000 ds/min), 12 states left on queue.',
      ),
    ).toEqual({ depth: 8, distinct: 1300, queue: 12 });
    expect(parseProgress('Finished computing initial states: 1 distinct state generated')).toBeNull();
  });
});
