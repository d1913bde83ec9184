/**
 * What ran, for tool qualification: the packages typezero ran with (as its lockfile pins them,
 * beside the versions found installed), and the machine (operating system, CPU, Node, Java). An
 * installed typezero carries no lockfile (npm does not publish one); then the installed packages are
 * read instead, and the package says which source it used. A typezero installed from an evidence
 * package's tool/ folder has the package's lockfile put beside it, and its packages installed flat
 * next to it: each is found as Node finds it, from the place the lockfile names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, platform, release, type } from 'node:os';
import { dirname, join } from 'node:path';
import type { Env } from '../tla/tlc/jar.js';
import { findJava } from '../tla/tlc/java.js';
import { sha256 } from './tool.js';
import type { DependencyEvidence, DependencyRecord, EnvironmentEvidence } from './types.js';

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly link?: boolean;
  readonly optional?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
}

interface Manifest {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The package name a lockfile path ends in: `node_modules/a/node_modules/@s/b` is `@s/b`. */
export function nameOfPath(path: string): string {
  return path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/**
 * The folder of the package the lockfile places at `path` under `root`: that place when something
 * is installed there, else where Node resolves the name from the folder that needs it.
 */
export function installedDir(root: string, path: string): string | null {
  if (existsSync(join(root, path, 'package.json'))) return join(root, path);
  const name = nameOfPath(path);
  const from = join(root, path.slice(0, path.length - name.length - 'node_modules/'.length));
  return packageDir(from, name);
}

/** A runtime package the lockfile pins, and whether it may be missing (an optional dependency). */
export interface LockedPackage extends DependencyRecord {
  readonly optional: boolean;
}

/** Every runtime package the lockfile pins, with whether each is optional; see lockedDependencies. */
export function lockedPackages(root: string, lockText: string): LockedPackage[] {
  const lock = JSON.parse(lockText) as { packages?: Readonly<Record<string, LockEntry>> };
  const direct = new Set(Object.keys(lock.packages?.['']?.dependencies ?? {}));
  return Object.entries(lock.packages ?? {})
    .filter(([path, e]) => path.startsWith('node_modules/') && !e.dev && !e.devOptional && !e.link)
    .map(([path, e]) => {
      const dir = installedDir(root, path);
      return {
        name: nameOfPath(path),
        path,
        locked: e.version ?? null,
        installed: dir === null ? null : (readJson<Manifest>(join(dir, 'package.json'))?.version ?? null),
        integrity: e.integrity ?? null,
        direct: path === `node_modules/${nameOfPath(path)}` && direct.has(nameOfPath(path)),
        optional: e.optional === true,
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Every runtime package the lockfile pins (not the development-only ones), sorted by path, with
 * the version installed where Node finds it from that place.
 */
export function lockedDependencies(root: string, lockText: string): DependencyRecord[] {
  return lockedPackages(root, lockText).map(({ optional: _, ...record }) => record);
}

/** Where Node finds package `name` from `dir`: the nearest node_modules/name above it. */
function packageDir(dir: string, name: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(at) === at) return null;
  }
}

/** The runtime packages installed for typezero at `root`, found as Node resolves them. */
export function installedDependencies(root: string): DependencyRecord[] {
  const seen = new Map<string, DependencyRecord>();
  const direct = Object.keys(readJson<Manifest>(join(root, 'package.json'))?.dependencies ?? {});
  const visit = (from: string, name: string, isDirect: boolean): void => {
    const dir = packageDir(from, name);
    if (dir === null || seen.has(dir)) return;
    const manifest = readJson<Manifest>(join(dir, 'package.json'));
    const path = dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : `node_modules/${name}`;
    seen.set(dir, {
      name,
      path,
      locked: null,
      installed: manifest?.version ?? null,
      integrity: null,
      direct: isDirect,
    });
    for (const dep of Object.keys(manifest?.dependencies ?? {})) visit(dir, dep, false);
  };
  for (const name of direct) visit(root, name, true);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function dependencyEvidence(root: string): DependencyEvidence {
  const lockFile = join(root, 'package-lock.json');
  if (existsSync(lockFile)) {
    const text = readFileSync(lockFile, 'utf8');
    return {
      source: 'package-lock.json',
      lockfileSha256: sha256(text),
      packages: lockedDependencies(root, text),
    };
  }
  return { source: 'installed', lockfileSha256: null, packages: installedDependencies(root) };
}

/** The machine and runtimes the package was made with; Java and TLC when present. */
export function environmentEvidence(env: Env, tlcVersion: string | null): EnvironmentEvidence {
  const cpu = cpus();
  const java = findJava(env);
  return {
    os: `${type()} ${release()}`,
    platform: `${platform()}-${arch()}`,
    cpu: { model: cpu[0]?.model.trim() || 'unknown', count: cpu.length },
    node: process.version,
    java: java.ok ? java.version : null,
    tlc: tlcVersion,
  };
}
