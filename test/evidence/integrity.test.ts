/**
 * Integrity and authorship of a package: an in-toto statement over every file, signed with Ed25519
 * when a key is given, and `evidence verify`, which pins any changed byte on the file holding it;
 * the document-control block and print footer; folders made as the user's umask asks.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEnvelope, PREDICATE_TYPE, SIGNER_KEY, STATEMENT } from '../../evidence/attest.js';
import { collectEvidence } from '../../evidence/collect.js';
import { packageDate } from '../../evidence/document.js';
import { notRun, runExplorerEngine } from '../../evidence/engines.js';
import { cssString } from '../../evidence/html.js';
import { verifyPackage } from '../../evidence/verify.js';
import { writePackage } from '../../evidence/write.js';
import { typezero } from '../cli/cli.js';
import { example, exampleText, ROOT } from '../helpers.js';

const OUT = mkdtempSync(join(tmpdir(), 'typezero-integrity-'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KEY = join(OUT, 'key.pem');
const PUB = join(OUT, 'pub.pem');
writeFileSync(KEY, privateKey.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(PUB, publicKey.export({ type: 'spki', format: 'pem' }));
const other = generateKeyPairSync('ed25519').publicKey;
const OTHER = join(OUT, 'other.pem');
writeFileSync(OTHER, other.export({ type: 'spki', format: 'pem' }));
/** An integrator's requirements file: the package keeps it, digested like every other file. */
const OURS = 'requirements:\n  - id: SSR-1\n    properties: [MemoryIsolation, DmaContainment]\n';
const OURS_FILE = join(OUT, 'ours.yaml');
writeFileSync(OURS_FILE, OURS);

async function build(name: string, dir: string, signed: boolean): Promise<void> {
  const collected = await collectEvidence(
    { config: example(name), fileName: `${name}.yaml`, bytes: Buffer.from(exampleText(name)) },
    {
      maxStates: 100_000,
      seeds: 1,
      steps: 100,
      toolCopy: false,
      producer: 'Evaluation lab <lab@example.org>',
      requirements: {
        fileName: 'ours.yaml',
        bytes: Buffer.from(OURS),
        requirements: [{ id: 'SSR-1', title: null, properties: ['MemoryIsolation', 'DmaContainment'] }],
      },
      engines: (config, options) => [
        runExplorerEngine(config, options),
        notRun('tla-checker', 'not needed here'),
        notRun('tlc', 'not needed here'),
      ],
    },
  );
  writePackage(dir, collected, signed ? { key: privateKey } : {});
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Byte positions to flip in a file: all of the two manifests, a spread of the others. */
function positions(path: string, length: number): number[] {
  const every = path === STATEMENT || path === 'SHA256SUMS' ? 5 : Math.max(1, Math.floor(length / 24));
  const out: number[] = [];
  for (let i = 0; i < length; i += every) out.push(i);
  return [...out, length - 1];
}

describe('evidence verify pins a changed byte on its file', () => {
  it.each([
    ['signed, checked with the key', true, true],
    ['signed, no key given', true, false],
    ['not signed', false, false],
  ])('%s', async (_label, signed, withKey) => {
    const dir = join(OUT, `flip-${signed}-${withKey}`);
    await build('dma-window-overlap', dir, signed);
    const key = withKey ? publicKey : undefined;
    const clean = verifyPackage(dir, key);
    expect(clean).toMatchObject({
      ok: true,
      problems: [],
      signature: withKey ? 'verified' : signed ? 'not-checked' : 'unsigned',
    });
    const files = filesOf(dir);
    expect(files).toContain(STATEMENT);
    expect(files.includes(SIGNER_KEY)).toBe(signed);
    expect(files).toContain('requirements/ours.yaml');
    let flips = 0;
    for (const file of files) {
      const path = join(dir, file);
      const original = readFileSync(path);
      for (const i of positions(file, original.length))
        for (const mask of [0x01, 0x20]) {
          const changed = Buffer.from(original);
          changed[i]! ^= mask;
          writeFileSync(path, changed);
          const r = verifyPackage(dir, key);
          expect([r.ok, r.problems.map((p) => p.path)], `${file} byte ${i} ^ ${mask}`).toEqual([
            false,
            [file],
          ]);
          flips++;
        }
      writeFileSync(path, original);
    }
    expect(flips).toBeGreaterThan(800);
    expect(verifyPackage(dir, key).ok).toBe(true);
  });

  it('names a missing file, an added file, a wrong key and an unsigned package', async () => {
    const dir = join(OUT, 'edits');
    await build('mils-two-domain', dir, true);
    const trace = filesOf(dir).find((f) => f.startsWith('system/'))!;
    const saved = readFileSync(join(dir, trace));
    unlinkSync(join(dir, trace));
    writeFileSync(join(dir, 'notes.txt'), 'added later');
    expect(verifyPackage(dir, publicKey).problems).toEqual([
      { path: 'notes.txt', what: 'not listed in the package: added after it was written' },
      { path: trace, what: 'missing' },
    ]);
    writeFileSync(join(dir, trace), saved);
    rmSync(join(dir, 'notes.txt'));
    const wrong = verifyPackage(dir, other);
    expect(wrong.signature).toBe('failed');
    expect(wrong.problems.map((p) => p.path)).toEqual([STATEMENT]);

    const unsigned = join(OUT, 'unsigned');
    await build('mils-two-domain', unsigned, false);
    expect(verifyPackage(unsigned, publicKey).problems).toEqual([
      { path: STATEMENT, what: 'the package is not signed' },
    ]);
  });
});

describe('typezero evidence --sign and evidence verify', () => {
  const dir = join(OUT, 'cli');

  it('signs the statement, and verify exits 0, then 1 naming the changed file', () => {
    const made = typezero(
      'evidence',
      'examples/mils-two-domain.yaml',
      '--out',
      dir,
      '--no-prove',
      '--seeds',
      '1',
      '--steps',
      '50',
      '--sign',
      KEY,
      '--producer',
      'Lab',
      '--config-item',
      'CI-0042',
      '--requirements',
      OURS_FILE,
      '--no-tool-copy',
    );
    expect(made.status).toBe(0);
    const opened = openEnvelope(readFileSync(join(dir, STATEMENT), 'utf8'));
    if (!opened.ok) throw new Error(opened.reason);
    expect(opened.statement.predicateType).toBe(PREDICATE_TYPE);
    // Subjects: every file but SHA256SUMS and the statement, the system file among them.
    expect(opened.statement.subject.map((s) => s.name)).toEqual(
      filesOf(dir).filter((f) => f !== STATEMENT && f !== 'SHA256SUMS'),
    );
    expect(opened.statement.subject.map((s) => s.name)).toContain('system/mils-two-domain.yaml');
    expect(opened.statement.subject.map((s) => s.name)).toContain('schema/evidence.schema.json');
    expect(opened.statement.subject.map((s) => s.name)).toContain('requirements/ours.yaml');
    expect(readFileSync(join(dir, 'requirements/ours.yaml'), 'utf8')).toBe(OURS);
    const evidence = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8'));
    expect(evidence.integratorRequirements).toMatchObject({
      file: 'ours.yaml',
      path: 'requirements/ours.yaml',
      requirements: [{ id: 'SSR-1', status: 'met' }],
    });
    // The rerun takes every input the package was made with: bounds, configuration item, requirements.
    expect(evidence.reproduce[1].command).toBe(
      'typezero evidence system/mils-two-domain.yaml --out "$PWD.rerun" --max-states 200000 --seeds 1 --steps 50 --config-item CI-0042 --no-tool-copy --no-prove --requirements requirements/ours.yaml',
    );
    expect(evidence.tool.copy).toMatchObject({ status: 'not-carried', tarball: null, dependencies: [] });
    expect(evidence.document).toMatchObject({ producer: 'Lab', configurationItem: 'CI-0042' });
    expect(opened.statement.predicate).toMatchObject({ packageId: evidence.document.id, verdict: 'pass' });

    const ok = typezero('evidence', 'verify', dir, '--key', PUB);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toMatch(/^OK: 12 files match SHA256SUMS and the package statement; signature verified/);
    const report = join(dir, 'report.html');
    const bytes = readFileSync(report);
    bytes[100]! ^= 1;
    writeFileSync(report, bytes);
    const bad = typezero('evidence', 'verify', dir, '--key', PUB);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^report\.html: changed\nFAILED: 1 of the package's files/);
  });

  it('exits 2 on a folder that is not a package, and on a key file that is not a key', () => {
    const r = typezero('evidence', 'verify', OUT);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not an evidence package: it has no SHA256SUMS/);
    const notKey = join(OUT, 'not-a-key.pem');
    writeFileSync(notKey, 'hello');
    const k = typezero('evidence', 'verify', dir, '--key', notKey);
    expect(k.status).toBe(2);
    expect(k.stderr).toContain('not-a-key.pem: not a PEM public key');
    const s = typezero(
      'evidence',
      'examples/mils-two-domain.yaml',
      '--out',
      join(OUT, 'never'),
      '--sign',
      PUB,
    );
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('pub.pem: not a PEM private key');
    expect(() => statSync(join(OUT, 'never'))).toThrow();
  });

  it("makes the package's folders and files as the user's umask asks", () => {
    const out = join(OUT, 'umask');
    const made = spawnSync(
      'sh',
      [
        '-c',
        'umask 027 && exec "$@"',
        'sh',
        process.execPath,
        `${ROOT}dist/cli/main.js`,
        'evidence',
        'examples/mils-two-domain.yaml',
        '--out',
        out,
        '--no-prove',
        '--seeds',
        '1',
        '--steps',
        '20',
        '--no-tool-copy',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect([made.status, made.stderr]).toEqual([0, '']);
    const mode = (p: string) => statSync(join(out, p)).mode & 0o777;
    expect(mode('.')).toBe(0o750);
    expect(mode('system')).toBe(0o750);
    expect(mode('evidence.json')).toBe(0o640);
  });
});

describe('document control', () => {
  it('dates a package from SOURCE_DATE_EPOCH when set, and escapes footer text for CSS', () => {
    expect(packageDate({ SOURCE_DATE_EPOCH: '1700000000' }, new Date(0))).toBe('2023-11-14T22:13:20Z');
    expect(packageDate({}, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)))).toBe('2026-01-02T03:04:05Z');
    expect(cssString('a"b</style>\\c')).toBe('"a\\22 b\\3c \\2f style\\3e \\5c c"');
  });
});
