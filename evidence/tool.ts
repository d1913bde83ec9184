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
import type { FileDigest } from './types.js';

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

/** The commit and whether tracked files differ from it, when typezero runs from a git checkout. */
export function gitState(root = packageRoot()): { commit: string | null; dirty: boolean | null } {
  if (!existsSync(join(root, '.git'))) return { commit: null, dirty: null };
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
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
