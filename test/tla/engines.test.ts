import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../proofs/check.js';
import { CATALOG } from '../../proofs/properties.js';
import { compareReports } from '../../tla/engines.js';

function report(engine: string, distinctStates: number, statuses: Record<string, string> = {}): CheckReport {
  return {
    system: 's',
    engine,
    properties: CATALOG.map((p) => ({ name: p.name, status: (statuses[p.name] ?? 'holds') as 'holds' })),
    stats: { distinctStates, depth: 3, durationMs: 1 },
  };
}

describe('engines agree or say why not', () => {
  it('agree on the same verdicts and, when everything holds, the same state count', () => {
    expect(compareReports(report('explorer', 10), report('tla-checker', 10))).toBeNull();
  });

  it('a different verdict names the property and both answers', () => {
    expect(compareReports(report('explorer', 10), report('tlc', 10, { FailSecure: 'violated' }))).toBe(
      'FailSecure: explorer says holds, tlc says violated',
    );
  });

  it('a different state count matters only when every property holds', () => {
    expect(compareReports(report('explorer', 10), report('tla-checker', 11))).toMatch(
      /every property holds, but explorer finds 10 distinct states and tla-checker 11/,
    );
    const v = { InformationFlow: 'violated' };
    expect(compareReports(report('explorer', 10, v), report('tla-checker', 11, v))).toBeNull();
  });

  it('a property left unknown by a bound contradicts nothing', () => {
    expect(
      compareReports(
        report('explorer', 10, { MemoryIsolation: 'unknown' }),
        report('tlc', 12, { MemoryIsolation: 'violated' }),
      ),
    ).toBeNull();
  });

  it("prove's holds agrees with an exhaustive holds, though it counts no states; its verdicts still must match", () => {
    expect(compareReports(report('explorer', 335), report('prove', 0))).toBeNull();
    expect(compareReports(report('prove', 0), report('tla-checker', 335))).toBeNull();
    expect(
      compareReports(report('explorer', 335), report('prove', 0, { FaultRecovery: 'unknown' })),
    ).toBeNull();
    expect(
      compareReports(report('explorer', 335), report('prove', 0, { AuditCompleteness: 'violated' })),
    ).toBe('AuditCompleteness: explorer says holds, prove says violated');
  });
});
