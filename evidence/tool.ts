/**
 * What a reviewer needs to know about the tool that produced a package: its version, the commit it
 * was built from, the runtime and the checkers it used, and digests of the specification it checked.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HYPERVISOR_TLA } from '../tla/paths.js';
import type { FileDigest, RepositoryEvidence } from './types.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The typezero package directory, whether running from dist/ or from the sources. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'typezero')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the typezero package directory');
    dir = up;
  }
}

export function toolVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Where an installed typezero came from, when it was installed from an evidence package's tool
 * tarball: the tool copy (evidence/tool-copy.ts) writes this file into the tarball's dist/, since an
 * installed package has no git checkout to ask.
 */
export const SOURCE_RECORD = 'dist/source.json';

export interface SourceState {
  /** The commit typezero was built from; null when not known. */
  readonly commit: string | null;
  /** Whether the checkout differed from it (changed, staged or untracked files); null when not known. */
  readonly dirty: boolean | null;
  readonly repository: RepositoryEvidence;
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** The URL package.json gives as `repository`, if any. */
function declaredRepository(root: string): string | null {
  const repository = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository?: unknown }
  ).repository;
  const url =
    typeof repository === 'string' ? repository : (repository as { url?: unknown } | undefined)?.url;
  return typeof url === 'string' && url !== '' ? url : null;
}

/** A remote URL without the user name and password an https remote may carry. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url; // scp-like (git@host:path) or a local path: nothing secret in it
  }
}

/** The source record at `file`, or null when it is missing or not in the form the tool copy writes. */
function readRecord(file: string): SourceState | null {
  let r: { commit?: unknown; dirty?: unknown; repository?: { url?: unknown; source?: unknown } };
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const url = r.repository?.url;
  const source = r.repository?.source;
  if (
    (r.commit !== null && !(typeof r.commit === 'string' && /^[0-9a-f]{40,64}$/.test(r.commit))) ||
    (r.dirty !== null && typeof r.dirty !== 'boolean') ||
    (url !== null && !(typeof url === 'string' && url !== '')) ||
    (source !== 'package.json' && source !== 'git-remote' && source !== 'none')
  )
    return null;
  return {
    commit: r.commit,
    dirty: r.dirty,
    repository: { url, source },
  } as SourceState;
}

/**
 * The commit and whether the checkout differs from it, untracked files included, when typezero runs
 * from a git checkout; the record in its dist/ when it was installed from a package's tool tarball.
 * The repository is package.json's, else the checkout's first git remote, else none.
 */
export function sourceState(root = packageRoot()): SourceState {
  const declared = declaredRepository(root);
  const repository = (url: string | null): RepositoryEvidence =>
    declared !== null
      ? { url: declared, source: 'package.json' }
      : url !== null
        ? { url, source: 'git-remote' }
        : { url: null, source: 'none' };
  if (!existsSync(join(root, '.git'))) {
    const recorded = readRecord(join(root, SOURCE_RECORD));
    return recorded ?? { commit: null, dirty: null, repository: repository(null) };
  }
  try {
    const commit = git(root, 'rev-parse', 'HEAD').trim();
    const dirty = git(root, 'status', '--porcelain', '--untracked-files=normal').trim() !== '';
    const remote = git(root, 'remote').split('\n')[0]?.trim();
    const url = remote ? withoutCredentials(git(root, 'remote', 'get-url', remote).trim()) : '';
    return { commit, dirty, repository: repository(url === '' ? null : url) };
  } catch {
    return { commit: null, dirty: null, repository: repository(null) };
  }
}

export function dependencyVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
      .version;
  } catch {
    return null;
  }
}

/** SHA-256 of the TLA+ specification the spec engines check (the MC modules are generated per system). */
export function specDigests(): FileDigest[] {
  if (!existsSync(HYPERVISOR_TLA)) return [];
  return [{ path: 'spec/Hypervisor.tla', sha256: sha256(readFileSync(HYPERVISOR_TLA)) }];
}
