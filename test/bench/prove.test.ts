import { describe, expect, it } from 'vitest';
import { BENCH_ENTRY } from '../../bench/explorer.js';
import { disagreements, type ProveRow, proveInChild } from '../../bench/prove.js';
import { explore } from '../../proofs/explorer.js';
import { example, ROOT } from '../helpers.js';

describe('prove benchmark', () => {
  it('proves one system in a child process and counts its verdicts', { timeout: 300_000 }, () => {
    const entry = BENCH_ENTRY.replace(`${ROOT}bench/`, `${ROOT}dist/bench/`);
    const row = proveInChild(entry, `${ROOT}examples/dma-window-overlap.yaml`, 60_000);
    const explored = [...explore(example('dma-window-overlap')).verdicts];
    const verdicts = explored.map(([, v]) => v);
    expect(row.system).toBe('dma-window-overlap');
    expect(row.statuses).toEqual({
      holds: verdicts.filter((v) => v.status === 'holds').length,
      violated: verdicts.filter((v) => v.status === 'violated').length,
      unknown: 0,
    });
    expect(row.statuses.violated).toBeGreaterThan(0);
    expect(row.violated).toEqual(explored.filter(([, v]) => v.status === 'violated').map(([name]) => name));
    expect(row.unknown).toEqual([]);
    expect(row.solverMs).toBeGreaterThan(0);
    expect(row.rlimit).toBeGreaterThan(0);
  });

  it('names each property prove decided the other way from a complete enumeration; unknown contradicts nothing', () => {
    const row = (violated: string[], unknown: string[]): ProveRow => ({
      system: 's',
      ms: 1,
      solverMs: 1,
      rlimit: 1,
      statuses: {
        holds: 11 - violated.length - unknown.length,
        violated: violated.length,
        unknown: unknown.length,
      },
      violated,
      unknown,
    });
    const enumerated = { violated: ['DmaContainment', 'InformationFlow'] };
    expect(disagreements(row(['DmaContainment', 'InformationFlow'], ['FaultRecovery']), enumerated)).toEqual(
      [],
    );
    expect(disagreements(row(['DmaContainment'], ['InformationFlow']), enumerated)).toEqual([]);
    expect(disagreements(row(['DmaContainment'], []), enumerated)).toEqual(['InformationFlow violated']);
    expect(disagreements(row(['DmaContainment', 'InformationFlow', 'FailSecure'], []), enumerated)).toEqual([
      'FailSecure holds',
    ]);
  });
});
