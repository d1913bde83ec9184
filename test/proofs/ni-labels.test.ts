/**
 * InformationFlow's labels held against the values the self-composition compares: wherever a value
 * differs between two runs that differ only in hidden partitions, the labels must name a hidden
 * partition. A label that under-approximates a flow fails here even when another flow hides it
 * from InformationFlow's verdict, as the seeded label bugs show.
 */
import { describe, expect, it } from 'vitest';
import type { SeededBug } from '../../model/step.js';
import { explore } from '../../proofs/explorer.js';
import type { SystemConfig } from '../../system/config.js';
import { example } from '../helpers.js';
import { labelDefects, system } from './ni-oracle.js';

/**
 * boss (HIGH) holds partition-control; feed (LOW, a downgrader) writes a ring that viewer (LOW)
 * reads, so boss resetting feed clears what viewer reads.
 */
function clearedRing(): SystemConfig {
  return system(
    [
      { name: 'boss', level: 'HIGH', extra: '    privileges: [partition-control]' },
      { name: 'feed', level: 'LOW', extra: '    downgrader: true' },
      { name: 'viewer', level: 'LOW' },
    ],
    'shared:\n  - { name: ring, memory: { start: 3, pages: 1 }, writer: feed, readers: [viewer] }',
  );
}

/** viewer (LOW) reads the audit log and reports to sink (HIGH), which may or may not receive. */
function fullChannel(): SystemConfig {
  return system(
    [
      { name: 'viewer', level: 'LOW', extra: '    privileges: [audit-read]' },
      { name: 'sink', level: 'HIGH' },
    ],
    'channels:\n  - { name: report, from: viewer, to: sink, capacity: 1 }',
  );
}

describe('labels held against values, place by place', () => {
  it.each([
    'mils-two-domain',
    'write-down-channel',
    'shared-irq',
    'msi-spoofing',
    'peer-dma',
    'leaky-audit-reader',
  ])('%s: every value that differs between the runs carries a hidden label in one of them', (name) => {
    expect(labelDefects(example(name))).toEqual([]);
  });

  it('a reset clearing memory, a full channel: the correct labels cover every difference', () => {
    expect(labelDefects(clearedRing())).toEqual([]);
    expect(labelDefects(fullChannel())).toEqual([]);
  });

  it.each<[SeededBug, () => SystemConfig, RegExp]>([
    // With the cleared ring labelled feed's alone, viewer's differing reads hold no HIGH label.
    ['reset-forgets-resetter', clearedRing, /host page 3 differs, its labels hold no hidden partition/],
    // Whether viewer's message is dropped, and audited, depends on sink receiving.
    ['channel-full-sender-only', fullChannel, /observer viewer: viewer's view differs/],
  ])('catches the label bug %s, which InformationFlow does not', (bug, config, defect) => {
    const bugs = new Set([bug]);
    // Other flows (boss resetting viewer itself, sink's own audit records) keep the one-run
    // verdict the same with the bug as without it.
    const verdict = (model: { bugs?: Set<SeededBug> }) =>
      explore(config(), { model }).verdicts.get('InformationFlow')!.status;
    expect(verdict({ bugs })).toBe('violated');
    expect(verdict({})).toBe('violated');
    expect(labelDefects(config(), { bugs }).join('\n')).toMatch(defect);
  });
});
