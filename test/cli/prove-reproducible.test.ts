/**
 * `typezero prove` is byte-reproducible: runs competing for the processor (started together, on a
 * machine with fewer cores than runs) give the same report, the same invariants and the same TLA+
 * model, apart from the time each took; and a property decided alone is decided as in the full run.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typezeroStarted as started } from './cli.js';

/** JSON text with every timing field (`durationMs`, `solverMs`) set to 0. */
function untimed(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === 'durationMs' || key === 'solverMs' ? 0 : value));
}

describe('typezero prove, run twice', () => {
  it('gives the same JSON, invariants and proof files apart from timing, whatever else runs', {
    timeout: 600_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'typezero-prove-twice-'));
    const file = 'examples/dma-window-overlap.yaml';
    const [a, b, alone] = await Promise.all([
      started('prove', file, '--json', '--out', join(out, 'a')),
      started('prove', file, '--json', '--out', join(out, 'b')),
      started('prove', file, '--json', '--property', 'AuditCompleteness'),
    ]);
    expect([a.status, b.status, alone.status]).toEqual([1, 1, 0]);
    const report = untimed(a.stdout) as {
      stats: { methods: Record<string, string> };
      properties: { name: string; invariant?: { text: string[] } }[];
    };
    // Spacer's invariant, not the property itself: the answer that varied with the load before.
    expect(report.stats.methods.AuditCompleteness).toBe('inductive-invariant');
    const audit = report.properties.find((p) => p.name === 'AuditCompleteness')!;
    expect(audit.invariant!.text.length).toBeGreaterThan(2);
    expect(untimed(b.stdout)).toEqual(report);
    expect((untimed(alone.stdout) as typeof report).properties).toEqual([audit]);
    const files = readdirSync(join(out, 'a')).sort();
    expect(readdirSync(join(out, 'b')).sort()).toEqual(files);
    for (const f of files) {
      const [x, y] = ['a', 'b'].map((d) => readFileSync(join(out, d, f), 'utf8'));
      if (f === 'proof.json') expect(untimed(y!), f).toEqual(untimed(x!));
      else if (f !== 'SHA256SUMS') expect(y, f).toBe(x);
    }
  });
});
