/**
 * The configuration baseline of report.html flags, where it stands, what lets data cross the
 * policy: a DMA window over pages its device's owner may not write, a shared region or channel
 * carrying data down, a privilege that moves data between partitions the policy keeps apart.
 */
import { describe, expect, it } from 'vitest';
import { baselineOf } from '../../evidence/baseline.js';
import { baseline } from '../../evidence/html-baseline.js';
import type { Evidence } from '../../evidence/types.js';
import type { SystemConfig } from '../../system/config.js';
import { EXAMPLES } from '../cli/cli.js';
import { example, fromYaml } from '../helpers.js';
import { TARGETED } from '../targeted-control.js';

function rendered(name: string): string {
  const e = { system: { baseline: baselineOf(example(name)), summary: '' } } as unknown as Evidence;
  return String(baseline(e));
}

const foreignDma = (text: string) => [...text.matchAll(/data-foreign-dma="([^"]+)"/g)].map((m) => m[1]);
const flaggedPrivileges = (text: string) =>
  [...text.matchAll(/data-flags-privilege="([^"]+)"/g)].map((m) => m[1]);
const downwards = (text: string) =>
  (text.match(/<b style="color:var\(--fail\)">(down|not declared)<\/b>/g) ?? []).length;

describe('the baseline flags what crosses the policy', () => {
  it('a DMA window over another partition page, and only there', () => {
    expect(foreignDma(rendered('dma-window-overlap'))).toEqual(['nic0']);
    expect(rendered('dma-window-overlap')).toMatch(
      /<b style="color:var\(--fail\)">nic0<\/b> \(its owner may not write these pages\)/,
    );
    // A receive ring the driver writes is its owner's to write: a flow, but not a window out of bounds.
    expect(foreignDma(rendered('undeclared-dma-flow'))).toEqual([]);
    expect(foreignDma(rendered('shared-iommu-group'))).toEqual([]);
  });

  it('a shared region read below its writer, and a channel written down', () => {
    expect(downwards(rendered('shared-write-down'))).toBe(1);
    expect(downwards(rendered('write-down-channel'))).toBe(1);
    // The receive ring carries the driver's data to the application, a flow nothing declares; the
    // request channel runs the declared way.
    expect(downwards(rendered('undeclared-dma-flow'))).toBe(1);
  });

  it('a privilege that carries data against the policy', () => {
    expect(flaggedPrivileges(rendered('leaky-audit-reader'))).toEqual(['audit-read']);
    expect(flaggedPrivileges(rendered('orphan-monitor'))).toEqual(['partition-control']);
    // The guard is a TOPSECRET downgrader: what it reads and what it resets are both allowed.
    expect(flaggedPrivileges(rendered('three-level-guard'))).toEqual([]);
  });

  it('partition-control judged over the partitions it controls, and shown with them', () => {
    const of = (config: SystemConfig) =>
      String(baseline({ system: { baseline: baselineOf(config), summary: '' } } as unknown as Evidence));
    expect(flaggedPrivileges(of(fromYaml(TARGETED(''))))).toEqual(['partition-control']);
    const targeted = of(fromYaml(TARGETED()));
    expect(flaggedPrivileges(targeted)).toEqual([]);
    expect(targeted).toContain('partition-control over low');
    expect(baselineOf(fromYaml(TARGETED())).partitions[2]!.controls).toEqual(['low']);
  });

  it.each(['mils-two-domain', 'three-level-guard', 'multicore-devices', 'declared-flows'])(
    '%s: a secure example has nothing flagged',
    (name) => {
      expect(EXAMPLES).toContain(name);
      const text = rendered(name);
      expect([foreignDma(text), flaggedPrivileges(text), downwards(text)]).toEqual([[], [], 0]);
    },
  );
});
