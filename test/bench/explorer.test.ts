import { describe, expect, it } from 'vitest';
import { BENCH_ENTRY, explorerInChild } from '../../bench/explorer.js';
import { ROOT } from '../helpers.js';

describe('explorer benchmark', () => {
  it('measures one system in a child process, at the worker count asked', () => {
    const entry = BENCH_ENTRY.replace(`${ROOT}bench/`, `${ROOT}dist/bench/`);
    const row = explorerInChild(entry, `${ROOT}examples/three-level-guard.yaml`, {
      workers: 2,
      reduction: false,
    });
    expect(row).toMatchObject({
      system: 'three-level-guard',
      workers: 2,
      reduction: false,
      distinctStates: 72032,
      depth: 21,
      complete: true,
      allHold: true,
    });
    expect(row.peakMiB).toBeGreaterThan(0);
    expect(row.bytesPerState).toBeGreaterThan(0);
    const insecure = explorerInChild(entry, `${ROOT}examples/dma-window-overlap.yaml`, {
      workers: 1,
      reduction: false,
    });
    expect(insecure).toMatchObject({ distinctStates: 278, allHold: false });
    const sliced = explorerInChild(entry, `${ROOT}examples/three-level-guard.yaml`, {
      workers: 1,
      reduction: true,
    });
    expect(sliced).toMatchObject({ reduction: true, distinctStates: 318, complete: true, allHold: true });
    const cut = explorerInChild(entry, `${ROOT}examples/three-level-guard.yaml`, {
      workers: 1,
      reduction: false,
      maxStates: 1000,
    });
    expect(cut).toMatchObject({ distinctStates: 1000, complete: false });
  });
});
