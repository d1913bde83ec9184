/**
 * Folders the tool writes (`evidence --out`, `spec --out`): checked before any work, written all at
 * once. The target may be missing, an empty folder, or, with `force`, a folder this tool wrote
 * earlier: one whose files are exactly those its own SHA256SUMS manifest lists. Anything else (a
 * file, a path under a file, a folder holding other files, a place that cannot be written) is
 * refused with one plain sentence, so no user file is ever replaced.
 *
 * Writing goes into a temporary folder next to the target, renamed into place when complete; on
 * any failure the temporary folder, and any parent folder this write created, are removed.
 */

import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** The target cannot be used; the message is one sentence for the user. */
export class OutDirError extends Error {}

export const MANIFEST = 'SHA256SUMS';
/** Room left in a file name for the temporary sibling's suffix. */
const MAX_NAME_BYTES = 200;

export interface OutDirOptions {
  /** What is written, for messages: "evidence package", "TLA+ model". */
  readonly what: string;
  /** Replace a folder this tool wrote earlier. */
  readonly force: boolean;
}

function statOf(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    // Missing, or under something that is not a folder: the caller looks further up.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new OutDirError(`${path} cannot be examined: ${errnoText(e)}`);
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'the name is too long',
    ENOENT: 'it cannot be created there',
    ENOTDIR: 'a part of the path is not a folder',
    EEXIST: 'something else appeared there',
  };
  return code && texts[code] ? texts[code]! : (e as Error).message;
}

/** The package-relative paths of every file under `dir`, or null when something is not a plain file. */
function filesUnder(dir: string): string[] | null {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) continue;
    if (!entry.isFile()) return null;
    out.push(
      full
        .slice(dir.length + 1)
        .split(sep)
        .join('/'),
    );
  }
  return out.sort();
}

/** True when every file in `dir` is listed by its manifest and the manifest lists nothing else. */
export function isOwnOutput(dir: string): boolean {
  let manifest: string;
  try {
    manifest = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch {
    return false;
  }
  const listed = manifest
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => /^[0-9a-f]{64} {2}(.+)$/.exec(line)?.[1]);
  if (listed.some((p) => p === undefined)) return false;
  const present = filesUnder(dir);
  if (present === null) return false;
  const expected = [...(listed as string[]), MANIFEST].sort();
  return present.length === expected.length && present.every((p, i) => p === expected[i]);
}

/**
 * Checks that `out` can take the output, before any work: throws `OutDirError` with one sentence
 * when it cannot. Probes the parent folder by creating (and removing) a temporary folder there.
 */
export function checkOutDir(out: string, options: OutDirOptions): void {
  const target = resolve(out);
  const name = basename(target);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    throw new OutDirError(
      `${out} cannot be used: its name is ${Buffer.byteLength(name)} bytes long, at most ${MAX_NAME_BYTES} are allowed`,
    );
  const stat = statOf(target);
  if (stat?.isSymbolicLink())
    throw new OutDirError(`${out} is a symbolic link; give the folder it points to, or a new folder`);
  if (stat && !stat.isDirectory())
    throw new OutDirError(`${out} is a file, not a folder; choose a folder for the ${options.what}`);
  if (stat) {
    const entries = readdirSync(target);
    if (entries.length > 0) {
      if (!isOwnOutput(target))
        throw new OutDirError(
          `${out} is not empty and holds files typezero did not write; choose a new or empty folder for the ${options.what}`,
        );
      if (!options.force)
        throw new OutDirError(`${out} holds an earlier ${options.what}; add --force to replace it`);
    }
  }
  // The nearest folder that exists must be a folder, and writable.
  let existing = dirname(target);
  for (let s = statOf(existing); s === null; s = statOf(existing)) existing = dirname(existing);
  const parentStat = statOf(existing)!;
  if (!parentStat.isDirectory())
    throw new OutDirError(`${out} cannot be created: ${existing} is a file, not a folder`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
    rmdirSync(mkdtempSync(join(existing, '.typezero-probe-')));
  } catch (e) {
    throw new OutDirError(`${out} cannot be written: ${existing}: ${errnoText(e)}`);
  }
}

/** Creates the missing folders above `target`, one at a time; returns the topmost one created. */
function makeParents(target: string): string | null {
  const missing: string[] = [];
  for (let dir = dirname(target); statOf(dir) === null; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
  return missing[0] ?? null;
}

/**
 * Writes `files` (relative path to content) as the folder `out`, replacing what `checkOutDir`
 * allowed there. Nothing partial is left behind on failure.
 */
export function writeOutDir(out: string, files: ReadonlyMap<string, string | Uint8Array>): void {
  const target = resolve(out);
  let created: string | null = null;
  let staging: string | null = null;
  try {
    created = makeParents(target);
    // mkdirSync, unlike mkdtempSync (always 0700), gives the folder the mode the user's umask
    // asks for, so the package can be read as the user's other files can.
    const fresh = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(fresh);
    staging = fresh;
    for (const [path, content] of files) {
      const full = join(staging, path);
      if (!full.startsWith(staging + sep))
        throw new OutDirError(`refusing to write outside the folder: ${path}`);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    if (statOf(target)) {
      // Checked again: the folder may have changed since checkOutDir looked at it.
      if (readdirSync(target).length > 0 && !isOwnOutput(target))
        throw new OutDirError(
          `${out} is a folder that is not empty and not written by typezero; refusing to replace it`,
        );
      const old = `${staging}-old`;
      renameSync(target, old);
      try {
        renameSync(staging, target);
      } catch (e) {
        renameSync(old, target);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else renameSync(staging, target);
    staging = null;
  } catch (e) {
    if (staging) rmSync(staging, { recursive: true, force: true });
    if (created) rmSync(created, { recursive: true, force: true });
    if (e instanceof OutDirError) throw e;
    throw new OutDirError(`${out} could not be written: ${errnoText(e)}`);
  }
}
