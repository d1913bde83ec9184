/**
 * What a package records of the tool's source, and where the tool copy refuses: the commit, whether
 * the checkout is dirty (untracked files count), the repository; the same read back from an
 * installed tool's dist/source.json; runtime packages found where an offline install puts them; and
 * the layouts an offline install could not place, refused before any packing. The real tool copy,
 * installed and rerun, is reproduce.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockedDependencies } from '../../evidence/environment.js';
import { notRunProof } from '../../evidence/proof.js';
import { reproductions, shellWord } from '../../evidence/reproduce.js';
import { SOURCE_RECORD, sourceState } from '../../evidence/tool.js';
import { carryTool, NO_TOOL_COPY_REASON, notCarried, ToolCopyError } from '../../evidence/tool-copy.js';
import type { ToolEvidence } from '../../evidence/types.js';

/** A folder with these files (path to content; objects are written as JSON). */
function tree(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'typezero-tool-copy-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
    encoding: 'utf8',
  });

describe("the tool's source", () => {
  it('counts untracked files as dirty, and takes the repository from the git remote without credentials', () => {
    const root = tree({ 'package.json': { name: 'typezero', version: '1.0.0' } });
    git(root, 'init', '-q');
    git(root, 'add', '.');
    git(root, 'commit', '-qm', 'first');
    const commit = git(root, 'rev-parse', 'HEAD').trim();
    expect(sourceState(root)).toEqual({ commit, dirty: false, repository: { url: null, source: 'none' } });
    writeFileSync(join(root, 'new.txt'), 'not added');
    git(root, 'remote', 'add', 'origin', 'https://someone:secret@example.org/typezero.git');
    expect(sourceState(root)).toEqual({
      commit,
      dirty: true,
      repository: { url: 'https://example.org/typezero.git', source: 'git-remote' },
    });
  });

  it("prefers package.json's repository, and reads an installed tool's record when there is no checkout", () => {
    const declared = tree({
      'package.json': { name: 'typezero', repository: { type: 'git', url: 'https://example.org/tz.git' } },
    });
    expect(sourceState(declared)).toEqual({
      commit: null,
      dirty: null,
      repository: { url: 'https://example.org/tz.git', source: 'package.json' },
    });
    const record = { commit: 'a'.repeat(40), dirty: true, repository: { url: null, source: 'none' } };
    const installed = tree({ 'package.json': { name: 'typezero' }, [SOURCE_RECORD]: record });
    expect(sourceState(installed)).toEqual(record);
    const tampered = tree({
      'package.json': { name: 'typezero' },
      [SOURCE_RECORD]: { ...record, commit: '$(reboot)' },
    });
    expect(sourceState(tampered)).toEqual({
      commit: null,
      dirty: null,
      repository: { url: null, source: 'none' },
    });
  });
});

describe('runtime packages of an installed tool', () => {
  it('are found where Node finds them: beside typezero, as an offline install places them', () => {
    const top = tree({
      'node_modules/typezero/package.json': { name: 'typezero' },
      'node_modules/a/package.json': { name: 'a', version: '1.0.0' },
    });
    const lock = { packages: { '': { dependencies: { a: '^1' } }, 'node_modules/a': { version: '1.0.0' } } };
    expect(lockedDependencies(join(top, 'node_modules/typezero'), JSON.stringify(lock))).toMatchObject([
      { name: 'a', path: 'node_modules/a', locked: '1.0.0', installed: '1.0.0' },
    ]);
  });
});

describe('the tool copy refuses what an offline install could not place', () => {
  const lockOf = (packages: Record<string, object>) =>
    JSON.stringify({ packages: { '': { dependencies: { a: '^1' } }, ...packages } });

  it('two versions of one package', () => {
    const root = tree({
      'package.json': { name: 'typezero', dependencies: { a: '^1', b: '^1' } },
      'package-lock.json': lockOf({
        'node_modules/a': { version: '1.0.0' },
        'node_modules/b': { version: '1.0.0' },
        'node_modules/a/node_modules/b': { version: '2.0.0' },
      }),
      'node_modules/a/package.json': { name: 'a', version: '1.0.0' },
      'node_modules/b/package.json': { name: 'b', version: '1.0.0' },
      'node_modules/a/node_modules/b/package.json': { name: 'b', version: '2.0.0' },
    });
    expect(() => carryTool(root)).toThrow(ToolCopyError);
    expect(() => carryTool(root)).toThrow(/two versions of b \(2\.0\.0 and 1\.0\.0\).*--no-tool-copy/);
  });

  it('a package that needs an install script, one missing, and one under another name', () => {
    const withScript = tree({
      'package.json': { name: 'typezero' },
      'package-lock.json': lockOf({ 'node_modules/a': { version: '1.0.0' } }),
      'node_modules/a/package.json': { name: 'a', version: '1.0.0', scripts: { postinstall: 'node x.js' } },
    });
    expect(() => carryTool(withScript)).toThrow(/a needs an install script \(postinstall\)/);
    const missing = tree({
      'package.json': { name: 'typezero' },
      'package-lock.json': lockOf({ 'node_modules/a': { version: '1.0.0' } }),
    });
    expect(() => carryTool(missing)).toThrow(
      /runtime package a \(node_modules\/a in the lockfile\) is not installed/,
    );
    const aliased = tree({
      'package.json': { name: 'typezero' },
      'package-lock.json': lockOf({ 'node_modules/a': { version: '1.0.0' } }),
      'node_modules/a/package.json': { name: 'other', version: '1.0.0' },
    });
    expect(() => carryTool(aliased)).toThrow(/node_modules\/a holds other, installed under another name/);
  });
});

describe('reproduce commands', () => {
  const tool: ToolEvidence = {
    name: 'typezero',
    version: '1.2.3',
    gitCommit: 'b'.repeat(40),
    gitDirty: false,
    repository: { url: null, source: 'none' },
    copy: notCarried(NO_TOOL_COPY_REASON),
    node: 'v20.0.0',
    platform: 'linux-x64',
    tlaChecker: null,
    tlc: null,
    specFiles: [],
  };
  const inputs = {
    systemPath: 'system/s.yaml',
    bounds: { maxStates: 10, conformanceSeeds: 1, conformanceSteps: 2, specWalks: 0, specWalkSteps: 0 },
    engines: [],
    paths: [],
    requirementsPath: null,
    configurationItem: "Lab's item 7",
    proof: notRunProof('not-run', 'skipped with --no-prove'),
  };

  it('without the tool: name the typezero to install, and rerun without a copy as the package was made', () => {
    const [install, whole] = reproductions({ ...inputs, tool });
    expect(install!.what).toContain(`install typezero 1.2.3 built from commit ${'b'.repeat(40)}`);
    expect(install!.what).toContain(NO_TOOL_COPY_REASON);
    expect(whole!.command).toBe(
      `typezero evidence system/s.yaml --out "$PWD.rerun" --max-states 10 --seeds 1 --steps 2 --config-item 'Lab'\\''s item 7' --no-tool-copy --no-prove`,
    );
  });

  it('with the tool: install it offline beside the package, then run that install', () => {
    const digest = { sha256: 'c'.repeat(64) };
    const copy = {
      status: 'carried' as const,
      reason: null,
      tarball: { path: 'tool/typezero-1.2.3.tgz', name: 'typezero', version: '1.2.3', ...digest },
      lockfile: { path: 'tool/package-lock.json', ...digest },
      dependencies: [{ path: 'tool/deps/a-1.0.0.tgz', name: 'a', version: '1.0.0', ...digest }],
    };
    const [install, whole] = reproductions({ ...inputs, configurationItem: null, tool: { ...tool, copy } });
    expect(install!.command).toBe(
      'npm install --offline --ignore-scripts --no-audit --no-fund --prefix "$PWD.tool" --cache "$PWD.tool/npm-cache" ./tool/deps/*.tgz ./tool/typezero-1.2.3.tgz && cp tool/package-lock.json "$PWD.tool/node_modules/typezero/"',
    );
    expect(whole!.command).toMatch(/^"\$PWD\.tool\/node_modules\/\.bin\/typezero" evidence system\/s\.yaml /);
    expect(whole!.command).not.toContain('--no-tool-copy');
  });

  it('quotes a word for the shell only when it must', () => {
    expect(shellWord('CI-0042')).toBe('CI-0042');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(x)')).toBe("'$(x)'");
  });
});
