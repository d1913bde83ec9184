/**
 * The FaultRecovery search on graphs far larger than the examples': its stacks are typed arrays, so
 * a cycle of hundreds of thousands of states is found (a recursive or object-per-state search would
 * exhaust the stack or the heap), and it gives up when told it is over its budget.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { init, type State } from '../../model/state.js';
import { type ExploredGraph, findFaultRecoveryViolation } from '../../proofs/liveness.js';
import { example } from '../helpers.js';

const TICK = 7;
const OTHER = 9;

/** A ring of `n` states, all with the app faulted and the monitor up, joined by Ticks, plus a
 * chord from every state to the next but one by another event. */
function ring(n: number): ExploredGraph {
  const layout = buildLayout(example('orphan-monitor'));
  const inP: State = { ...init(layout), hv: 'ok', status: ['faulted', 'running'] };
  return {
    layout,
    tracked: Int32Array.from({ length: n }, (_, i) => i + 1),
    stateOf: () => inP,
    tick: TICK,
    successors: (id) => [
      { to: (id % n) + 1, event: TICK, renaming: -1 },
      { to: ((id + 1) % n) + 1, event: OTHER, renaming: -1 },
    ],
    renamed: (_, p) => p,
  };
}

describe('FaultRecovery on large graphs', () => {
  it('finds the cycle through a ring of 300,000 states, entered at its smallest id', () => {
    const lasso = findFaultRecoveryViolation(ring(300_000));
    expect(lasso).not.toBe('over-budget');
    expect(lasso).toMatchObject({ partition: 0, monitor: 1, entry: 1 });
    const cycle = (lasso as { cycle: readonly number[] }).cycle;
    expect(cycle).toContain(TICK);
    // Back to the entry: the Tick steps and the chords advance 1 and 2 around the ring.
    const advance = cycle.reduce((sum, e) => sum + (e === TICK ? 1 : 2), 0);
    expect(advance % 300_000).toBe(0);
  });

  it('gives up when over its budget', () => {
    expect(findFaultRecoveryViolation(ring(50_000), () => true)).toBe('over-budget');
  });

  it('finds nothing when no cycle takes a Tick', () => {
    const graph = ring(1000);
    const noTick: ExploredGraph = {
      ...graph,
      successors: (id) => graph.successors(id).map((e) => ({ ...e, event: OTHER })),
    };
    expect(findFaultRecoveryViolation(noTick)).toBeNull();
  });
});
