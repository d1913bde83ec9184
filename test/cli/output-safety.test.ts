/**
 * Issue 15's findings about output, through the built command line: --out folders are checked
 * before any work and never lose a user's file, odd file names work, output failures end in exit 2
 * and at most one line, and tla-checker honours --max-states exactly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { typezero } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'typezero-out-'));
const EXAMPLE = 'examples/mils-two-domain.yaml';
/** Minutes of work for evidence (tla-checker on 72,032 states): a refusal must come long before. */
const SLOW = 'examples/three-level-guard.yaml';
/** Small bounds: these tests are about the folder, not the verdict. */
const QUICK = ['--seeds', '1', '--steps', '20', '--no-tool-copy', '--no-prove'];

function refusedBeforeWork(args: string[]): string {
  const started = Date.now();
  const r = typezero(...args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|EEXIST|ENOENT|\n\s+at /);
  expect(Date.now() - started).toBeLessThan(30_000);
  return r.stderr;
}

describe('finding 1: evidence --out never deletes a folder it did not write', () => {
  it('a folder with an evidence.json among the user files is refused and left as it was', () => {
    const out = join(dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'evidence.json'), '{"mine": true}');
    writeFileSync(join(out, 'thesis.tex'), 'years of work');
    for (const force of [[], ['--force']]) {
      const line = refusedBeforeWork(['evidence', SLOW, '--out', out, ...force]);
      expect(line).toContain('is not empty and holds files typezero did not write');
    }
    expect(readdirSync(out).sort()).toEqual(['evidence.json', 'thesis.tex']);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it('an earlier package is replaced only with --force, and not once a user file is added to it', () => {
    const out = join(dir, 'pkg');
    expect(typezero('evidence', EXAMPLE, '--out', out, ...QUICK).status).toBe(0);
    expect(refusedBeforeWork(['evidence', EXAMPLE, '--out', out, ...QUICK])).toContain(
      'holds an earlier evidence package; add --force to replace it',
    );
    expect(typezero('evidence', EXAMPLE, '--out', out, '--force', ...QUICK).status).toBe(0);
    writeFileSync(join(out, 'review-notes.txt'), 'mine');
    refusedBeforeWork(['evidence', EXAMPLE, '--out', out, '--force', ...QUICK]);
    expect(readFileSync(join(out, 'review-notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('finding 6: --out targets are checked before any work, in one plain sentence', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  it.each([
    ['an existing file', file, 'is a file, not a folder'],
    ['a path under a file', join(file, 'sub'), 'cannot be created: '],
    ['an unwritable place', '/proc/typezero-out', 'cannot be written: /proc'],
    [
      'a name too long for the file system',
      join(dir, 'n'.repeat(300)),
      'its name is 300 bytes long, at most 200',
    ],
  ])('evidence and spec refuse %s', (_, out, words) => {
    for (const command of ['evidence', 'spec']) {
      const line = refusedBeforeWork([
        command,
        EXAMPLE,
        '--out',
        out,
        ...(command === 'evidence' ? QUICK : []),
      ]);
      expect(line).toContain(words);
    }
  });

  it('spec refuses a non-empty folder and leaves its Hypervisor.tla alone', () => {
    const out = join(dir, 'spec-mine');
    mkdirSync(out);
    writeFileSync(join(out, 'Hypervisor.tla'), 'my own spec');
    refusedBeforeWork(['spec', EXAMPLE, '--out', out]);
    expect(readFileSync(join(out, 'Hypervisor.tla'), 'utf8')).toBe('my own spec');
  });

  it('spec replaces its own earlier output only with --force, and leaves no temporary folder', () => {
    const out = join(dir, 'spec-own');
    expect(typezero('spec', EXAMPLE, '--out', out).status).toBe(0);
    expect(refusedBeforeWork(['spec', EXAMPLE, '--out', out])).toContain('add --force');
    const again = typezero('spec', 'examples/shared-irq.yaml', '--out', out, '--force');
    expect(again.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'Hypervisor.tla',
      'MCshared_irq.cfg',
      'MCshared_irq.tla',
      'SHA256SUMS',
    ]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('probe'))).toEqual([]);
  });

  it('parent folders are created, and nothing is left when the target cannot be used', () => {
    const out = join(dir, 'new', 'deeper', 'model');
    expect(typezero('spec', EXAMPLE, '--out', out).status).toBe(0);
    expect(existsSync(join(out, 'SHA256SUMS'))).toBe(true);
    refusedBeforeWork(['spec', EXAMPLE, '--out', join(file, 'x', 'y')]);
    expect(existsSync(join(dir, 'a-file'))).toBe(true);
  });
});

describe('finding 5: evidence on system files with odd names', () => {
  it.each(['my system.yaml', 'système.yaml', 'a<b>&"c.yaml'])('%s', (name) => {
    const sys = join(dir, name);
    writeFileSync(sys, readFileSync(join(ROOT, EXAMPLE)));
    const out = join(dir, `pkg ${name}`);
    const r = typezero('evidence', sys, '--out', out, ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const evidence = JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8'));
    expect(evidence.system.file).toBe(name);
    const kept = readdirSync(join(out, 'system'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(readFileSync(join(out, 'system', kept[0]!))).toEqual(readFileSync(sys));
    const sums = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
  });
});

describe('finding 7: output failures', () => {
  const sh = (command: string) =>
    spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const cli = `${process.execPath} dist/cli/main.js`;

  it('validate > /dev/full: exit 2 and one line, no stack trace', () => {
    const r = sh(`${cli} validate ${EXAMPLE} > /dev/full`);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'typezero: cannot write to standard output: no space left on the device (ENOSPC)\n',
    );
  });

  it('simulate | head -1 on 30 million steps: the first line at once, then exit 2 in silence', () => {
    const started = Date.now();
    const r = sh(
      `${cli} simulate examples/audit-overwrite.yaml --steps 30000000 | head -1; echo "exit \${PIPESTATUS[0]}" >&2`,
    );
    expect(r.stdout).toMatch(/^system audit-overwrite \(examples\/audit-overwrite\.yaml\): 30000000 steps/);
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stderr).toBe('exit 2\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('check --json | head -c 10: exit 2 in silence', () => {
    const r = sh(`${cli} check ${EXAMPLE} --json | head -c 10 >/dev/null; echo "exit \${PIPESTATUS[0]}" >&2`);
    expect(r.stderr).toMatch(/^exit [02]\n$/);
  });
});

describe('finding 10: check --engine tla-checker --max-states N holds exactly N states', () => {
  it.each([1, 5, 348, 349])('--max-states %i', (n) => {
    const run = (engine: string) => {
      const r = typezero(
        'check',
        EXAMPLE,
        '--engine',
        engine,
        '--no-reduction',
        '--max-states',
        String(n),
        '--json',
      );
      return JSON.parse(r.stdout) as { stats: { distinctStates: number }; properties: { status: string }[] };
    };
    const checker = run('tla-checker');
    const explorer = run('explorer');
    expect(checker.stats.distinctStates).toBe(Math.min(n, 349));
    expect(checker.stats.distinctStates).toBe(explorer.stats.distinctStates);
    expect(checker.properties.map((p) => p.status)).toEqual(explorer.properties.map((p) => p.status));
  });
});
