/**
 * The tool copy: the running typezero as an npm tarball (`tool/typezero-<version>.tgz`), the
 * lockfile it was built with beside it, and every runtime package it runs with as a tarball of its
 * own (`tool/deps/`), so that an evidence package reproduces with no network and no checkout of
 * typezero:
 *
 *   npm install --offline --ignore-scripts ... ./tool/deps/*.tgz ./tool/typezero-<version>.tgz
 *
 * in a new folder with an empty npm cache. npm places every tarball given on the command line at
 * the top of the new node_modules, and since each dependency range of typezero and of its packages
 * is met by one of them there, it fetches nothing. That holds while the lockfile has one version
 * of each package: two versions of one name cannot both sit at the top (npm would look for the
 * other one in the registry), so then the copy is refused with the reason, before any work, rather
 * than written into a package that fails at install time; `--no-tool-copy` makes the package
 * without it. The install runs no package scripts: typezero's own `prepare` builds from sources the
 * tarball does not hold, and a runtime package that needs an install script is refused the same way.
 *
 * Each runtime package is packed from the installed node_modules (`npm pack` of its folder takes
 * the files its own tarball brought), typezero from its root (`npm pack` takes dist/ as built and
 * what package.json's `files` names). Both are packed from a staging copy whose file modes are made
 * 0644, or 0755 where executable, so the tarballs do not depend on the umask of whoever installed
 * what is packed: packing the tool again from an install of these tarballs gives the same bytes,
 * and a reproduced package carries the same tool. The staged typezero also gains `dist/source.json`
 * (SOURCE_RECORD): the commit and repository it was built from, which an installed copy has no git
 * checkout to ask.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { installedDependencies, installedDir, type LockedPackage, lockedPackages } from './environment.js';
import { packageRoot, SOURCE_RECORD, type SourceState, sha256, sourceState } from './tool.js';
import type { CarriedTarball, ToolCopyEvidence } from './types.js';

/** Where the package keeps the tool. */
export const TOOL_DIR = 'tool';
export const TOOL_LOCKFILE = `${TOOL_DIR}/package-lock.json`;

export const NO_TOOL_COPY_REASON =
  'the package was made with --no-tool-copy; install the same typezero version and commit by other means to reproduce it';

/** The tool cannot be carried; the message says why and what to do instead. */
export class ToolCopyError extends Error {}

export interface ToolCopy {
  readonly evidence: ToolCopyEvidence;
  /** Package-relative path to content. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export function notCarried(reason: string): ToolCopyEvidence {
  return { status: 'not-carried', reason, tarball: null, lockfile: null, dependencies: [] };
}

function refuse(why: string): never {
  throw new ToolCopyError(`cannot carry the tool in the package: ${why}; --no-tool-copy leaves it out`);
}

/** `npm args...`, its stdout; a failure is refused with npm's last words. */
function npm(args: string[]): string {
  try {
    return execFileSync('npm', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') refuse('npm was not found on PATH');
    const last = String(err.stderr ?? '')
      .trim()
      .split('\n')
      .filter((l) => /\berror\b/.test(l))
      .slice(-2)
      .join(' ');
    refuse(`npm ${args[0]} failed${last ? `: ${last}` : ''}`);
  }
}

/** Gives every file under `dir` mode 0644, or 0755 where some execute bit is set. */
function normalizeModes(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    chmodSync(file, statSync(file).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** typezero staged as npm would pack it from `root`, with the source record in its dist/. */
function stageTool(root: string, stage: string, source: SourceState): void {
  const listed = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts', root])) as {
    files: { path: string }[];
  }[];
  for (const { path } of listed[0]?.files ?? []) {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    copyFileSync(join(root, path), join(stage, path));
  }
  const record = { commit: source.commit, dirty: source.dirty, repository: source.repository };
  mkdirSync(dirname(join(stage, SOURCE_RECORD)), { recursive: true });
  writeFileSync(join(stage, SOURCE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  normalizeModes(stage);
}

/** The runtime packages to carry: one folder per name, refused when npm could not place them flat. */
function runtimeFolders(root: string): { name: string; dir: string }[] {
  const lockFile = join(root, 'package-lock.json');
  const packages: readonly LockedPackage[] = existsSync(lockFile)
    ? lockedPackages(root, readFileSync(lockFile, 'utf8'))
    : installedDependencies(root).map((d) => ({ ...d, optional: false }));
  const byName = new Map<string, { name: string; dir: string; version: string }>();
  for (const p of packages) {
    const dir = installedDir(root, p.path);
    if (dir === null) {
      if (p.optional) continue; // not installed on this platform, so not run either
      refuse(`the runtime package ${p.name} (${p.path} in the lockfile) is not installed`);
    }
    const version = p.installed ?? 'unknown';
    const seen = byName.get(p.name);
    if (seen && seen.version !== version)
      refuse(
        `two versions of ${p.name} (${seen.version} and ${version}) are installed, and an offline install places one package per name beside typezero`,
      );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      scripts?: Record<string, string>;
      gypfile?: boolean;
    };
    if (manifest.name !== p.name)
      refuse(`${p.path} holds ${manifest.name ?? 'a package with no name'}, installed under another name`);
    const scripts = ['preinstall', 'install', 'postinstall'].filter((s) => manifest.scripts?.[s]);
    if (scripts.length || manifest.gypfile || existsSync(join(dir, 'binding.gyp')))
      refuse(
        `the runtime package ${p.name} needs an install script (${scripts.join(', ') || 'node-gyp'}), and the offline install runs none`,
      );
    byName.set(p.name, { name: p.name, dir: realpathSync(dir), version });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A runtime package staged from its installed folder, without the packages installed inside it. */
function stageDependency(dir: string, stage: string): void {
  cpSync(dir, stage, {
    recursive: true,
    filter: (src) => src === dir || relative(dir, src).split(sep)[0] !== 'node_modules',
  });
  normalizeModes(stage);
}

/** Packs typezero at `root` and its runtime packages; the files go under tool/ in the package. */
export function carryTool(root = packageRoot(), source: SourceState = sourceState(root)): ToolCopy {
  const runtime = runtimeFolders(root);
  const work = mkdtempSync(join(tmpdir(), 'typezero-tool-copy-'));
  try {
    const toolStage = join(work, 'stage', 'typezero');
    stageTool(root, toolStage, source);
    const depStages = runtime.map((d, i) => {
      const stage = join(work, 'stage', 'deps', String(i));
      stageDependency(d.dir, stage);
      return stage;
    });
    const out = join(work, 'out');
    mkdirSync(out);
    const packed = JSON.parse(
      npm(['pack', '--ignore-scripts', '--json', '--pack-destination', out, toolStage, ...depStages]),
    ) as { name: string; version: string; filename: string }[];
    if (packed.length !== 1 + runtime.length) refuse(`npm pack made ${packed.length} tarballs`);
    const files = new Map<string, Uint8Array>();
    const carry = (p: { name: string; version: string; filename: string }, dir: string): CarriedTarball => {
      const bytes = readFileSync(join(out, p.filename));
      const path = `${dir}/${p.filename}`;
      files.set(path, bytes);
      return { path, sha256: sha256(bytes), name: p.name, version: p.version };
    };
    const tarball = carry(packed[0]!, TOOL_DIR);
    const dependencies = packed
      .slice(1)
      .map((p) => carry(p, `${TOOL_DIR}/deps`))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const lockFile = join(root, 'package-lock.json');
    let lockfile: ToolCopyEvidence['lockfile'] = null;
    if (existsSync(lockFile)) {
      const bytes = readFileSync(lockFile);
      files.set(TOOL_LOCKFILE, bytes);
      lockfile = { path: TOOL_LOCKFILE, sha256: sha256(bytes) };
    }
    return {
      evidence: { status: 'carried', reason: null, tarball, lockfile, dependencies },
      files,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
