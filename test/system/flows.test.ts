import { describe, expect, test } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { flowClosure } from '../../model/policy.js';
import { parseSystemText } from '../../system/load.js';
import { summarize } from '../../system/summary.js';
import { atValue, errorsOf, loaded, onlyError, patch } from './fixtures.js';

/** BASE with its level order replaced by declared flows, and the partitions' levels removed. */
function withFlows(flows: string): string {
  return patch(
    ['levels: [UNCLASSIFIED, SECRET]', `flows: ${flows}`],
    ['level: SECRET, ', ''],
    ['level: UNCLASSIFIED, ', ''],
  );
}

describe('a flow policy in the system file', () => {
  test('declared flows load as pairs of partitions, groups expanded, repeats dropped', () => {
    const config = loaded(
      parseSystemText(
        withFlows('[{ from: unclass, to: secret }, { from: [unclass], to: [secret, unclass] }]'),
        'sys.yaml',
      ),
    );
    expect(config.levels).toEqual([]);
    expect(config.flows).toEqual([
      { from: 1, to: 0 },
      { from: 1, to: 1 },
    ]);
    expect(config.partitions.map((p) => p.level)).toEqual([undefined, undefined]);
    expect(summarize(config)).toContain('declared flows: unclass -> secret, unclass -> unclass');
  });

  test('a level order loads without flows', () => {
    expect(loaded(parseSystemText(patch(), 'sys.yaml')).flows).toBeUndefined();
  });

  test('an empty flows list declares that nothing flows between partitions', () => {
    const layout = buildLayout(loaded(parseSystemText(withFlows('[]'), 'sys.yaml')));
    expect(layout.mayFlowTo).toEqual([0b01, 0b10]);
  });

  test('both levels and flows are refused (TZ119)', () => {
    const text = patch(['levels: [UNCLASSIFIED, SECRET]', 'levels: [UNCLASSIFIED, SECRET]\nflows: []']);
    const e = onlyError(text);
    expect([e.code, e.path]).toEqual(['TZ119', 'flows']);
    expect(e.message).toContain('exactly one of them');
  });

  test('neither levels nor flows is a missing key (TZ103)', () => {
    const errors = errorsOf(withFlows('[]').replace('flows: []\n', ''));
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['TZ103', expect.stringContaining('missing required key "levels" or "flows"')],
    ]);
  });

  test('a partition level under flows is refused, at the level', () => {
    const text = patch(['levels: [UNCLASSIFIED, SECRET]', 'flows: []'], ['level: UNCLASSIFIED, ', '']);
    const e = onlyError(text);
    expect([e.code, e.path, e.line, e.column]).toEqual([
      'TZ104',
      'partitions[0].level',
      ...Object.values(atValue(text, 'level: SECRET')),
    ]);
  });

  test('a partition without a level under levels is a missing key', () => {
    const e = onlyError(patch(['level: SECRET, ', '']));
    expect([e.code, e.path]).toEqual(['TZ103', 'partitions[0].level']);
  });

  test('an unknown partition in a flow, alone or in a group, lists the valid names', () => {
    const errors = errorsOf(withFlows('[{ from: unclas, to: [secret, sekret] }]'));
    expect(errors.map((e) => [e.code, e.path, e.message])).toEqual([
      ['TZ104', 'flows[0].from', 'unknown partition "unclas"; expected one of: secret, unclass'],
      ['TZ104', 'flows[0].to[1]', 'unknown partition "sekret"; expected one of: secret, unclass'],
    ]);
  });

  test('an endpoint of the wrong shape says what it should be', () => {
    const e = onlyError(withFlows('[{ from: 3, to: secret }]'));
    expect([e.code, e.path, e.message]).toEqual([
      'TZ105',
      'flows[0].from',
      'expected a partition name or a non-empty list of partition names, got 3',
    ]);
    expect(onlyError(withFlows('[{ from: [], to: secret }]')).path).toBe('flows[0].from');
    expect(onlyError(withFlows('[{ from: secret, to: unclass, via: x }]')).code).toBe('TZ102');
  });
});

describe('the allowed relation is the reflexive-transitive closure of the declared flows', () => {
  test('paths, not only edges; never backwards', () => {
    // 0 -> 1 -> 2, 3 -> 0; 4 alone.
    const closure = flowClosure(5, [
      { from: 1, to: 2 },
      { from: 0, to: 1 },
      { from: 3, to: 0 },
    ]);
    expect(closure).toEqual([0b01001, 0b01011, 0b01111, 0b01000, 0b10000]);
  });

  test('a cycle lets every member reach every other', () => {
    expect(
      flowClosure(3, [
        { from: 0, to: 1 },
        { from: 1, to: 2 },
        { from: 2, to: 0 },
      ]),
    ).toEqual([0b111, 0b111, 0b111]);
  });

  test('the levels form is unchanged: up, same level, or out of a downgrader', () => {
    const config = loaded(parseSystemText(patch(), 'sys.yaml'));
    // secret (0) is SECRET, unclass (1) UNCLASSIFIED.
    expect(buildLayout(config).mayFlowTo).toEqual([0b11, 0b10]);
    const guard = loaded(
      parseSystemText(patch(['level: SECRET, ', 'level: SECRET, downgrader: true, ']), 'sys.yaml'),
    );
    expect(buildLayout(guard).mayFlowTo).toEqual([0b11, 0b11]);
  });

  test('under flows a downgrader widens nothing', () => {
    const text = withFlows('[{ from: unclass, to: secret }]').replace(
      'kind: guest-os, ',
      'kind: guest-os, downgrader: true, ',
    );
    expect(buildLayout(loaded(parseSystemText(text, 'sys.yaml'))).mayFlowTo).toEqual([0b11, 0b10]);
  });
});
