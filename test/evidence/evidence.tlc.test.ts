/**
 * An evidence package made with real TLC (the first jar of test/tla/tlc-jars.ts): TLC's verdicts
 * beside the other engines', its version line, jar digest and exact command recorded, and the
 * package as reproducible as one made without TLC.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectEvidence } from '../../evidence/collect.js';
import { validateEvidence } from '../../evidence/schema.js';
import { canonicalJson } from '../../evidence/write.js';
import { example, exampleText } from '../helpers.js';
import { TLC } from '../tla/tlc-jars.js';
import { withoutTiming } from './timing.js';

const jar = TLC.jars[0];

describe.skipIf(!jar)('evidence with TLC', () => {
  const collect = () =>
    collectEvidence(
      {
        config: example('write-down-channel'),
        fileName: 'write-down-channel.yaml',
        bytes: Buffer.from(exampleText('write-down-channel')),
      },
      { maxStates: 100_000, seeds: 2, steps: 200, toolCopy: false, env: jar!.env },
    );

  it("write-down-channel: TLC's verdicts next to the others', what ran recorded, reproducible", async () => {
    const a = await collect();
    const e = a.evidence;
    expect(validateEvidence(e)).toEqual([]);
    const tlc = e.engines.find((x) => x.engine === 'tlc')!;
    expect(tlc.status).toBe('completed');
    expect(tlc.reason).toBeNull();
    // An insecure system's package FAILs: the engines agree, none errs.
    expect(e.verdict).toMatchObject({ status: 'fail', exitCode: 1 });
    const explorer = e.engines.find((x) => x.engine === 'explorer')!;
    expect(tlc.verdicts.map((v) => [v.property, v.status])).toEqual(
      explorer.verdicts.map((v) => [v.property, v.status]),
    );
    // The explorer decides label-sliced; its whole-state count, searched again, equals TLC's.
    expect(explorer.reduction).toBe('label-slicing');
    const counts = e.conformance.modelVsSpec.checks.find(
      (c) => c.name === 'distinct states: tlc = explorer',
    )!;
    expect(counts.status).toBe('passed');
    expect(counts.detail).toMatch(
      new RegExp(`^${tlc.distinctStates} distinct states each \\(\\d+ after label slicing\\)$`),
    );
    // No health monitor: FaultRecovery holds for TLC as for the explorer, its bait unreached.
    expect(tlc.verdicts.find((v) => v.property === 'FaultRecovery')).toMatchObject({
      status: 'holds',
      bait: false,
    });
    expect(e.tool.tlc).toEqual({
      jar: jar!.name,
      sha256: createHash('sha256').update(readFileSync(jar!.path)).digest('hex'),
      version: expect.stringMatching(/\(rev: [0-9a-f]{7,}\)$/),
      command: expect.arrayContaining(['java', '-cp', jar!.name, 'tlc2.TLC', '-tool', '-workers', '1']),
    });
    expect(e.tool.tlc!.command!.join(' ')).not.toMatch(/\//);
    // Tool qualification names the Java and the TLC that ran.
    expect(e.qualification?.environment.tlc).toBe(e.tool.tlc!.version);
    expect(e.qualification?.environment.java).toMatch(/version "\d+/);

    const b = await collect();
    expect(withoutTiming(canonicalJson(b.evidence))).toBe(withoutTiming(canonicalJson(e)));
  }, 600_000);
});

if (!jar)
  describe('evidence with TLC', () => {
    it.skip(`skipped: ${TLC.skip}`, () => {});
  });
