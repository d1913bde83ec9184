/**
 * An evidence package reproduces from its own folder with no network and no checkout of typezero:
 * it carries the tool (tool/: typezero's npm tarball, the lockfile, every runtime package as a
 * tarball), its first reproduce command installs that offline into a new folder with an empty npm
 * cache, and its whole-package command, run with that install, writes the same evidence.json apart
 * from the fields the schema marks "x-timing" or "x-environment", and the same tool/ byte for byte.
 *
 * The commands run exactly as the package states them, in `sh` from the package's folder, with the
 * registry pointed at a closed port and, where the machine allows it, in a namespace with no
 * network at all (`unshare -rn`). The steps build on one another, in order.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope, STATEMENT } from '../../evidence/attest.js';
import { lockedDependencies } from '../../evidence/environment.js';
import { packageRoot, sha256 } from '../../evidence/tool.js';
import type { Evidence } from '../../evidence/types.js';
import { typezero } from '../cli/cli.js';
import { withoutTimingOrEnvironment } from './timing.js';

const OUT = mkdtempSync(join(tmpdir(), 'typezero-reproduce-'));
const PKG = join(OUT, 'mils.evidence');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KEY = join(OUT, 'key.pem');
const PUB = join(OUT, 'pub.pem');
writeFileSync(KEY, privateKey.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(PUB, publicKey.export({ type: 'spki', format: 'pem' }));
const NO_NPM_CONFIG = join(OUT, 'npmrc');
writeFileSync(NO_NPM_CONFIG, '');

/** Whether this machine lets an unprivileged process make a namespace with no network. */
const UNSHARE = spawnSync('unshare', ['-rn', 'true']).status === 0;

/** One of the package's commands, from its folder, with no registry to reach. */
function run(command: string): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync(UNSHARE ? 'unshare' : 'sh', [...(UNSHARE ? ['-rn', 'sh'] : []), '-c', command], {
    cwd: PKG,
    encoding: 'utf8',
    env: {
      ...env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_userconfig: NO_NPM_CONFIG,
      https_proxy: 'http://127.0.0.1:9/',
      http_proxy: 'http://127.0.0.1:9/',
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const evidenceOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence;
const sumsOf = (dir: string) =>
  new Map(
    readFileSync(join(dir, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(66), l.slice(0, 64)] as const),
  );

/** Small campaigns: the package is about the tool it carries, not the figures. */
// The proof has its own reproducibility test (package.test.ts); this one is about the tool copy.
const BOUNDS = ['--seeds', '1', '--steps', '50', '--no-prove'];
let evidence: Evidence;

beforeAll(() => {
  const made = typezero('evidence', 'examples/mils-two-domain.yaml', '--out', PKG, ...BOUNDS, '--sign', KEY);
  expect([made.status, made.stderr]).toEqual([0, '']);
  evidence = evidenceOf(PKG);
}, 600_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('a package with the tool in it', () => {
  it('carries typezero, its lockfile and every runtime package, each digested and signed', () => {
    const copy = evidence.tool.copy!;
    expect(copy.status).toBe('carried');
    expect(copy.tarball).toMatchObject({ path: 'tool/typezero-0.1.0.tgz', name: 'typezero' });
    const root = packageRoot();
    const runtime = lockedDependencies(root, readFileSync(join(root, 'package-lock.json'), 'utf8'));
    expect(copy.dependencies.map((d) => `${d.name}@${d.version}`)).toEqual(
      [...new Set(runtime.map((d) => `${d.name}@${d.installed}`))].sort(),
    );
    expect(copy.lockfile?.path).toBe('tool/package-lock.json');
    expect(readFileSync(join(PKG, 'tool/package-lock.json'))).toEqual(
      readFileSync(join(root, 'package-lock.json')),
    );
    const sums = sumsOf(PKG);
    const opened = openEnvelope(readFileSync(join(PKG, STATEMENT), 'utf8'));
    if (!opened.ok) throw new Error(opened.reason);
    const subjects = new Map(opened.statement.subject.map((s) => [s.name, s.digest.sha256]));
    for (const t of [copy.tarball!, copy.lockfile!, ...copy.dependencies]) {
      const digest = sha256(readFileSync(join(PKG, t.path)));
      expect([t.path, t.sha256, sums.get(t.path), subjects.get(t.path)]).toEqual([
        t.path,
        digest,
        digest,
        digest,
      ]);
      expect(evidence.files).toContainEqual({ path: t.path, sha256: digest });
    }
    // The report lists each tarball with its digest, and the install command first.
    const report = readFileSync(join(PKG, 'report.html'), 'utf8');
    for (const t of [copy.tarball!, ...copy.dependencies]) expect(report).toContain(t.sha256);
    const install = report.indexOf('npm install --offline');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(report.indexOf(' evidence system/'));
    const verified = typezero('evidence', 'verify', PKG, '--key', PUB);
    expect([verified.status, verified.stderr]).toEqual([0, '']);
    // The rerun runs the carried tool, never one fetched by name.
    expect(evidence.reproduce.map((r) => r.command).join('\n')).not.toMatch(
      /npx|npm (exec|install typezero)/,
    );
  });

  it('installs offline by its own command, and the installed tool checks an example', () => {
    const install = evidence.reproduce[0]!.command;
    expect(install).toMatch(
      /^npm install --offline .* --cache "\$PWD\.tool\/npm-cache" .*tool\/typezero-0\.1\.0\.tgz/,
    );
    const r = run(install);
    expect(r.status, r.stderr).toBe(0);
    const tool = `${PKG}.tool/node_modules/typezero`;
    expect(existsSync(join(tool, '.git'))).toBe(false);
    expect(JSON.parse(readFileSync(join(tool, 'dist/source.json'), 'utf8'))).toMatchObject({
      commit: evidence.tool.gitCommit,
    });
    const check = run(
      '"$PWD.tool/node_modules/.bin/typezero" check "$PWD.tool/node_modules/typezero/examples/mils-two-domain.yaml"',
    );
    expect([check.status, check.stderr]).toEqual([0, '']);
    expect(check.stdout).toMatch(/10 of 11 properties hold/);
  }, 600_000);

  it('reproduces the whole package with that install: the same evidence and the same tool', () => {
    const whole = evidence.reproduce[1]!;
    expect(whole.what).toMatch(/^the whole package/);
    expect(whole.command).toBe(
      `"$PWD.tool/node_modules/.bin/typezero" evidence system/mils-two-domain.yaml --out "$PWD.rerun" --max-states 200000 ${BOUNDS.join(' ')}`,
    );
    const r = run(whole.command);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const rerun = `${PKG}.rerun`;
    const again = evidenceOf(rerun);
    // The tool that ran knew where it came from, though installed from a tarball.
    expect(again.tool.gitCommit).toBe(evidence.tool.gitCommit);
    expect(again.document.id).toBe(evidence.document.id);
    const before = withoutTimingOrEnvironment(readFileSync(join(PKG, 'evidence.json'), 'utf8'));
    const after = withoutTimingOrEnvironment(readFileSync(join(rerun, 'evidence.json'), 'utf8'));
    expect(before).toContain('"copy"');
    expect(before).not.toContain('"durationMs"');
    expect(before).not.toContain('"gitCommit"');
    // Compared as data first, so a difference is shown by its path, then as text.
    expect(JSON.parse(after)).toEqual(JSON.parse(before));
    expect(after).toBe(before);
    // Every file but the ones that record the run itself is the same, tool/ included.
    const changes = new Set(['evidence.json', 'report.html', STATEMENT, 'signer.pub.pem']);
    const [a, b] = [sumsOf(PKG), sumsOf(rerun)];
    for (const name of changes) {
      a.delete(name);
      b.delete(name);
    }
    expect([...b]).toEqual([...a]);
    expect([...a.keys()].filter((f) => f.startsWith('tool/')).length).toBe(
      2 + evidence.tool.copy!.dependencies.length,
    );
  }, 600_000);
});
