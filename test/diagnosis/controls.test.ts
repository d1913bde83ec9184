/**
 * Root causes and repairs around partition control over named targets: a violation that relied on
 * control of a partition names the `controls` entry when there is one, else the privilege; the
 * repair takes that partition out of the holder's reach, and never widens it.
 */
import { describe, expect, it } from 'vitest';
import { blame, locate } from '../../diagnosis/causes.js';
import { repair } from '../../diagnosis/repair/search.js';
import { applyOps } from '../../diagnosis/repair/text.js';
import { widening } from '../../diagnosis/repair/widening.js';
import { buildLayout } from '../../model/layout.js';
import { runExplorer } from '../../proofs/check.js';
import { parseSystemText } from '../../system/load.js';
import { fromYaml } from '../helpers.js';
import { TARGETED } from '../targeted-control.js';

function causes(text: string) {
  const loaded = parseSystemText(text, 'targeted.yaml');
  if (!loaded.ok) throw new Error('the fixture does not load');
  const run = runExplorer(loaded.config, 'targeted.yaml', { reduction: true });
  const verdict = run.result.verdicts.get('InformationFlow')!;
  expect(verdict.status).toBe('violated');
  if (verdict.status !== 'violated') return [];
  return locate(blame(run.layout, 'InformationFlow', verdict.trace), loaded.positions);
}

describe('causes', () => {
  it('without controls, the privilege is to blame for reading the partition', () => {
    expect(causes(TARGETED(''))).toContainEqual(
      expect.objectContaining({
        path: 'partitions[2].privileges',
        explanation: 'partition-control lets mon read what high (HIGH) observed',
      }),
    );
  });

  it('with controls, the entry that names the partition is', () => {
    const text = TARGETED(', controls: [low, high]');
    const found = causes(text);
    expect(found).toContainEqual(
      expect.objectContaining({
        path: 'partitions[2].controls[1]',
        explanation: "mon's controls name high, so its partition-control may read what high (HIGH) observed",
      }),
    );
    expect(found.map((c) => c.path)).not.toContain('partitions[2].privileges');
  });
});

describe('repairs', () => {
  it('restricts control of every partition to the others, adding controls', () => {
    const result = repair(TARGETED(''), 'targeted.yaml');
    if (result.status !== 'repaired') throw new Error(result.status);
    expect(result.edits.map((e) => e.description)).toEqual([
      "restrict mon's partition-control to low (controls), out of high's reach",
    ]);
    expect(result.repaired.text).toBe(TARGETED(', controls: [low]'));
    expect(result.loses).toBe(false);
  });

  it('takes the partition out of the controls that name it', () => {
    const result = repair(TARGETED(', controls: [low, high]'), 'targeted.yaml');
    if (result.status !== 'repaired') throw new Error(result.status);
    expect(result.edits.map((e) => e.description)).toEqual([
      "restrict mon's controls to low, out of high's reach",
    ]);
    expect(result.repaired.text).toBe(TARGETED(', controls: [low]'));
  });

  it('adds controls in block style and in JSON after the privileges', () => {
    const block =
      'partitions:\n  - name: mon\n    privileges: [partition-control] # monitor\n    downgrader: false\n';
    const op = {
      op: 'insert',
      path: ['partitions', 0],
      after: 'privileges',
      key: 'controls',
      values: ['a', 'b'],
    } as const;
    expect(applyOps(block, [op], false)).toBe(
      'partitions:\n  - name: mon\n    privileges: [partition-control] # monitor\n    controls: [a, b]\n    downgrader: false\n',
    );
    expect(
      applyOps('{"partitions": [{"name": "mon", "privileges": ["partition-control"]}]}', [op], true),
    ).toBe('{"partitions": [{"name": "mon", "privileges": ["partition-control"], "controls": ["a", "b"]}]}');
  });

  it('counts wider control as widening: dropping controls, or naming another partition', () => {
    const narrow = buildLayout(fromYaml(TARGETED(', controls: [low]')));
    expect(widening(narrow, buildLayout(fromYaml(TARGETED(''))))).toEqual(["widens mon's partition control"]);
    expect(widening(narrow, buildLayout(fromYaml(TARGETED(', controls: [high]'))))).toEqual([
      "widens mon's partition control",
    ]);
    expect(widening(buildLayout(fromYaml(TARGETED(''))), narrow)).toEqual([]);
  });
});
