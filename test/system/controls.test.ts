import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseSystemText } from '../../system/load.js';
import { summarize } from '../../system/summary.js';
import { typezero } from '../cli/cli.js';
import { at, atValue, errorsOf, loaded, onlyError, patch, S } from './fixtures.js';

const MONITOR = `  - { name: monitor, kind: bare-metal, level: SECRET, cpus: [0], memory: [{ start: 16, pages: 2 }], image: "sha256:${S}", privileges: [partition-control]CONTROLS }\ndevices:`;

/** BASE with a third partition, a partition-control holder, whose entry ends in `controls`. */
function withMonitor(controls: string): string {
  return patch(['devices:', MONITOR.replace('CONTROLS', controls)]);
}

describe('partitions[].controls', () => {
  test('loads as the indices it names; absent, the partition controls every partition', () => {
    const config = loaded(parseSystemText(withMonitor(', controls: [unclass]'), 'sys.yaml'));
    expect(config.partitions[2]!.controls).toEqual([1]);
    expect(summarize(config)).toContain('partition-control(unclass)');
    const all = loaded(parseSystemText(withMonitor(''), 'sys.yaml'));
    expect(all.partitions[2]!.controls).toBeUndefined();
    expect(summarize(all)).not.toContain('partition-control(');
  });

  test('an empty list controls no other partition', () => {
    expect(
      loaded(parseSystemText(withMonitor(', controls: []'), 'sys.yaml')).partitions[2]!.controls,
    ).toEqual([]);
  });

  test('without partition-control it is refused (TZ120), at the list', () => {
    const text = patch(['image: "sha256:3333', 'controls: [secret], image: "sha256:3333']);
    const e = onlyError(text);
    expect([e.code, e.path, e.line, e.column]).toEqual([
      'TZ120',
      'partitions[1].controls',
      ...Object.values(atValue(text, 'controls: [secret]')),
    ]);
    expect(e.message).toContain('partition "unclass" does not hold partition-control');
  });

  test('an unknown name lists the partitions (TZ104)', () => {
    const e = onlyError(withMonitor(', controls: [unclas]'));
    expect([e.code, e.path, e.message]).toEqual([
      'TZ104',
      'partitions[2].controls[0]',
      'unknown partition "unclas"; expected one of: secret, unclass, monitor',
    ]);
  });

  test('a partition listed twice says where it was first (TZ112)', () => {
    const text = withMonitor(', controls: [unclass, secret, unclass]');
    const e = onlyError(text);
    expect([e.code, e.path, e.line, e.column]).toEqual([
      'TZ112',
      'partitions[2].controls[2]',
      ...Object.values(at(text, 'unclass]')),
    ]);
    expect(e.message).toContain('listed twice');
    expect(e.message).toContain(`partitions[2].controls[0] (line ${at(text, '[unclass,').line}`);
  });

  test('naming itself is refused (TZ121)', () => {
    const e = onlyError(withMonitor(', controls: [monitor]'));
    expect([e.code, e.path]).toEqual(['TZ121', 'partitions[2].controls[0]']);
  });

  test('more names than partitions the model supports is too long (TZ118)', () => {
    const names = Array.from({ length: 31 }, () => 'unclass').join(', ');
    const errors = errorsOf(withMonitor(`, controls: [${names}]`));
    expect(errors.map((e) => [e.code, e.path])).toContainEqual(['TZ118', 'partitions[2].controls']);
  });

  test('typezero validate names the file, field, line and column, and exits 2 with no output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tz-controls-'));
    const file = join(dir, 'sys.yaml');
    const text = withMonitor(', controls: [monitor]');
    writeFileSync(file, text);
    const r = typezero('validate', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const { line, column } = at(text, 'monitor]');
    expect(r.stderr).toContain(`${file}:${line}:${column}: partitions[2].controls[0]: `);
    expect(r.stderr).toContain('[TZ121]');
  });
});
