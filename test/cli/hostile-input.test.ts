/**
 * Issue 15's findings about input, through the built command line: values beyond the limits,
 * systems an engine cannot hold, odd files and odd YAML each end in one clear line, exit code 2,
 * never a crash, a hang or a false verdict.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSystemFile } from '../../system/load.js';
import { tlaCheckerEngine } from '../../tla/checker-engine.js';
import { exampleText } from '../helpers.js';
import { typezero } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'typezero-hostile-'));
const BASE = exampleText('mils-two-domain');

/** A copy of mils-two-domain with each `[from, to]` replaced once, written to a file. */
function variant(name: string, ...edits: [string | RegExp, string][]): string {
  let text = BASE;
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${String(from)} not in the example`);
    text = next;
  }
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Exit 2 with exactly one line on stderr, nothing on stdout, and no sign of a crash. */
function expectOneLineRefusal(r: { status: number | null; stdout: string; stderr: string }): string {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |RangeError|TypeError/);
  return r.stderr;
}

describe('finding 2 and 3: numbers beyond the limits are TZ117 in validate, not an abort', () => {
  it.each([
    ['platform.cpus', 'cpus: 1\n', 'cpus: 1000000000\n', 'at most 8192'],
    ['platform.cpus', 'cpus: 1\n', 'cpus: 1e6\n', 'at most 8192'],
    ['channels[0].capacity', 'capacity: 1 }', 'capacity: 1000000 }', 'at most 65536'],
    ['schedule.majorFrame', 'majorFrame: 2', 'majorFrame: 1e9', 'at most 1000000'],
    ['audit.capacity', 'capacity: 2\n', 'capacity: 1e9\n', 'at most 65536'],
    ['platform.pages', 'pages: 12', 'pages: 2e12', 'at most 1099511627776'],
  ])('%s: %s -> %s', (path, from, to, limit) => {
    const file = variant('limit.yaml', [from, to]);
    const line = expectOneLineRefusal(typezero('validate', file));
    expect(line).toMatch(new RegExp(`^${file}:\\d+:\\d+: ${path.replace(/[[\]]/g, '\\$&')}: `));
    expect(line).toContain(limit);
    expect(line).toContain('[TZ117]');
  });

  it('a system with no partitions is an error, not a crash (TZ109)', () => {
    const file = join(dir, 'empty-partitions.json');
    writeFileSync(
      file,
      JSON.stringify({
        system: 'x',
        platform: { cpus: 1, pages: 1 },
        hypervisor: { image: `sha256:${'a'.repeat(64)}` },
        levels: ['L'],
        partitions: [],
        schedule: { majorFrame: 1, windows: [] },
        audit: { capacity: 1, onFull: 'halt' },
      }),
    );
    for (const command of ['validate', 'check', 'simulate']) {
      const line = expectOneLineRefusal(typezero(command, file));
      expect(line).toContain('partitions: a system needs at least one partition; the list is empty [TZ109]');
    }
  });

  it('a 5,000-character system name is refused in validate (TZ118)', () => {
    const file = variant('long-name.yaml', ['system: mils-two-domain', `system: ${'a'.repeat(5000)}`]);
    const line = expectOneLineRefusal(typezero('validate', file));
    expect(line).toContain('system: system is 5,000 characters long, at most 64 are allowed');
    expect(line).toContain('[TZ118]');
    expect(line.length).toBeLessThan(400);
  });
});

describe('finding 2 and 3: a real system too large for an engine is refused by that engine alone', () => {
  it.each(['1e12', '20000000', '100000000'])(
    'pages: %s validates, and check refuses it before any work',
    (pages) => {
      const file = variant('pages.yaml', ['pages: 12', `pages: ${pages}`]);
      expect(typezero('validate', file).status).toBe(0);
      const started = Date.now();
      const line = expectOneLineRefusal(typezero('check', file));
      expect(line).toMatch(
        /cannot check this system: the model keeps per-page tables of at most 4,194,304 entries/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    },
  );

  it('ranges that map more pages than the model holds are refused by check, simulate and spec', () => {
    const whole = '{ start: 0, pages: 1000000 }';
    const file = variant(
      'ranges.yaml',
      ['pages: 12', 'pages: 1000000'],
      [
        '- { start: 0, pages: 4 }',
        `- ${whole}\n      - ${whole}\n      - ${whole}\n      - ${whole}\n      - ${whole}`,
      ],
    );
    expect(typezero('validate', file).status).toBe(0);
    for (const command of ['check', 'simulate', 'spec', 'prove']) {
      const out = command === 'spec' ? ['--out', join(dir, 'never')] : [];
      const line = expectOneLineRefusal(typezero(command, file, ...out));
      expect(line).toContain(
        'the model maps at most 4,194,304 pages through the memory, dma and shared ranges',
      );
    }
  });

  it('the emulator refuses more pages than its byte memory holds; check still runs', () => {
    const file = variant('pages-1m.yaml', ['pages: 12', 'pages: 1000000']);
    const line = expectOneLineRefusal(typezero('simulate', file));
    expect(line).toContain('cannot simulate this system: the emulator holds at most 262,144 pages');
    const check = typezero('check', file, '--max-states', '50');
    expect(check.status).toBe(1);
    expect(check.stderr).toBe('');
  });
});

describe('a major frame too long to list tick by tick in TLA+', () => {
  it('is refused by spec and the TLA+ engines alone, and the explorer runs', async () => {
    const file = variant('frame.yaml', [/majorFrame: \d+/, 'majorFrame: 100000']);
    const why =
      'the TLA+ model lists the schedule tick by tick, for at most 65,536 ticks, and schedule.majorFrame is 100,000';
    expect(expectOneLineRefusal(typezero('spec', file, '--out', join(dir, 'frame-spec')))).toContain(
      `cannot write this system as TLA+: ${why}`,
    );
    expect(existsSync(join(dir, 'frame-spec'))).toBe(false);
    expect(expectOneLineRefusal(typezero('check', file, '--engine', 'tla-checker'))).toContain(
      `cannot check this system in TLA+: ${why}`,
    );
    // The explorer does not list the schedule; it runs (stopped here at its bound).
    expect(typezero('check', file, '--max-states', '50').status).toBe(1);
    // --engine all and evidence ask each engine the same question and record the answer.
    const loaded = loadSystemFile(file);
    if (!loaded.ok) throw new Error('the variant does not load');
    expect(await tlaCheckerEngine.available(loaded.config)).toEqual({
      ok: false,
      reason: `cannot check this system in TLA+: ${why}`,
    });
  });
});

describe('finding 4: the emulator runs every CPU count the schema allows', () => {
  it.each(['1025', '8192'])(
    'simulate with platform.cpus: %s refines the model (no false failure)',
    (cpus) => {
      const file = variant('cpus.yaml', ['cpus: 1\n', `cpus: ${cpus}\n`]);
      const r = typezero('simulate', file, '--steps', '200');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Refinement holds: every one of the \d+ steps matches the model\.\n$/);
    },
  );
});

describe('finding 8: only regular files are read, and text from the file cannot steer a terminal', () => {
  it.each(['/dev/zero', '/dev/urandom', '/tmp'])('%s is refused at once (TZ101)', (path) => {
    const line = expectOneLineRefusal(typezero('validate', path));
    expect(line).toMatch(
      /cannot read the file: it is a (character device|directory), not a regular file \[TZ101\]/,
    );
  });

  it('a guest program from /dev/zero is refused the same way', () => {
    const line = expectOneLineRefusal(
      typezero('simulate', 'examples/mils-two-domain.yaml', '--program', 'secret=/dev/zero'),
    );
    expect(line).toContain('--program: cannot read /dev/zero: it is a character device, not a regular file');
  });

  it('a file over 1 MiB is refused without being parsed', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `${BASE}\n${'#'.repeat(2 * 1024 * 1024)}\n`);
    expect(expectOneLineRefusal(typezero('validate', file))).toContain('a system file is at most 1 MiB');
  });

  it('control characters in a level name are refused and shown escaped', () => {
    const forged = '\u001b[31mRED\u001b[0m\rSECRET-FAKE\nx';
    const file = variant('forged.yaml', [
      'levels: [UNCLASSIFIED, SECRET]',
      `levels: [UNCLASSIFIED, SECRET, ${JSON.stringify(forged)}]`,
    ]);
    const r = typezero('validate', file);
    const line = expectOneLineRefusal(r);
    expect(line).toContain('[TZ107]');
    expect(line).toContain('\\u001b[31mRED\\u001b[0m\\rSECRET-FAKE\\nx');
    expect(r.stderr.trimEnd()).not.toMatch(/[^\P{Cc}\n]/u);
  });
});

describe('finding 9: messages', () => {
  it.each([
    [
      'kind',
      '    kind: guest-os\n',
      '',
      'partitions[0].kind: missing required key "kind" (one of: guest-os, rtos, bare-metal) [TZ103]',
    ],
    [
      'onFull',
      '  onFull: halt\n',
      '',
      'audit.onFull: missing required key "onFull" (one of: halt, overwrite) [TZ103]',
    ],
  ])('a missing %s is TZ103 "missing required key"', (_, from, to, expected) => {
    const line = expectOneLineRefusal(typezero('validate', variant('missing.yaml', [from, to])));
    expect(line).toContain(expected);
  });

  it('a UTF-16 file with a byte-order mark is read; without one, a short line says what to do', () => {
    const le = join(dir, 'utf16.yaml');
    writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BASE, 'utf16le')]));
    expect(typezero('validate', le).status).toBe(0);
    const bare = join(dir, 'utf16-bare.yaml');
    writeFileSync(bare, Buffer.from(BASE, 'utf16le'));
    const line = expectOneLineRefusal(typezero('validate', bare));
    expect(line).toContain('it looks like UTF-16 text without a byte-order mark; save it as UTF-8 [TZ101]');
    expect(line.length).toBeLessThan(200);
  });

  it.each([
    ['flow', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
    ['block', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}- `).join('\n')],
  ])('YAML nested 100 levels or more (%s) is TZ100 at the place it gets too deep', (_, text) => {
    const file = join(dir, 'deep.yaml');
    writeFileSync(file, text);
    const line = expectOneLineRefusal(typezero('validate', file));
    expect(line).toMatch(/nested more than 64 levels deep; a system file nests at most 4 \[TZ100\]/);
  });

  it('an alias bomb is reported at the alias where it multiplies, not at 1:1', () => {
    const file = join(dir, 'bomb.yaml');
    const row = (alias: string) => `[${Array(10).fill(alias).join(', ')}]`;
    writeFileSync(file, `a: &a ${row('x')}\nb: &b ${row('*a')}\nc: &c ${row('*b')}\nd: &d ${row('*c')}\n`);
    const line = expectOneLineRefusal(typezero('validate', file));
    expect(line).toMatch(/^\S+bomb\.yaml:3:8: YAML syntax error at line 3, column 8: aliases here expand/);
  });

  it('several documents: one line, no advice from the YAML library, no Node warning', () => {
    const file = join(dir, 'two-docs.yaml');
    writeFileSync(file, `${BASE}---\n${BASE}`);
    const r = typezero('validate', file);
    const line = expectOneLineRefusal(r);
    expect(line).toContain(
      'a second document starts here (the file holds 2); a system file is a single YAML document [TZ100]',
    );
    expect(r.stderr).not.toMatch(/parseAllDocuments|Warning:/);
  });

  it('a malformed partition name is not offered back as a valid choice', () => {
    const file = variant(
      'bad-name.yaml',
      ['- name: unclass', '- name: Unclass'],
      ['from: unclass', 'from: nobody'],
    );
    const r = typezero('validate', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown partition "nobody"; expected one of: secret [TZ104]');
    expect(r.stderr).not.toMatch(/expected one of: [^\n]*Unclass/);
  });

  it('an integer beyond a double keeps its digits in the message', () => {
    const file = variant('big-int.yaml', ['{ start: 4, pages: 4 }', '{ start: 9007199254740993, pages: 4 }']);
    const r = typezero('validate', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('start must be at most 1099511627775, got 9007199254740993');
    expect(r.stderr).not.toContain('9007199254740992');
  });

  it.each([
    [['check'], "error: missing required argument 'system-file'", 'see typezero check --help'],
    [
      ['check', 'x.yaml', '--engine', 'nope'],
      "error: option '--engine <engine>' argument 'nope' is invalid.",
      'see typezero check --help',
    ],
    [
      ['simulate', 'x.yaml', '--steps', 'many'],
      'expected a whole number >= 1, got "many"',
      'see typezero simulate --help',
    ],
    [
      ['evidence', 'x.yaml'],
      "error: required option '--out <dir>' not specified",
      'see typezero evidence --help',
    ],
    [['chek'], "error: unknown command 'chek' (Did you mean check?)", 'see typezero --help'],
    [[], 'error: typezero needs a command', 'see typezero --help'],
    [['tools'], 'error: typezero tools needs a command: one of install, path', 'see typezero tools --help'],
  ])('usage error %j: one line and a hint, exit 2', (args, first, hint) => {
    const r = typezero(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(first);
    expect(lines[1]).toBe(hint);
  });
});
