/**
 * Writes an evidence package to disk all at once: everything goes into a temporary folder next to
 * the target, which is renamed into place only when complete, so a crash leaves either the previous
 * package or none, never half of one.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Collected } from './collect.js';
import { renderReport } from './html.js';
import { validateEvidence } from './schema.js';
import { sha256 } from './tool.js';

/** The target exists and is not a package this command may replace. */
export class PackageTargetError extends Error {}

/** JSON with object keys sorted at every level, two-space indented, ending in a newline. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Every file of the package, by package-relative path. */
export function packageFiles(collected: Collected): Map<string, string | Uint8Array> {
  const problems = validateEvidence(JSON.parse(JSON.stringify(collected.evidence)));
  if (problems.length)
    throw new Error(`evidence.json would not match its schema: ${problems.slice(0, 5).join('; ')}`);
  const files = new Map<string, string | Uint8Array>(collected.files);
  files.set('evidence.json', canonicalJson(collected.evidence));
  files.set('report.html', renderReport(collected.evidence));
  const sums = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => `${sha256(content)}  ${path}\n`)
    .join('');
  files.set('SHA256SUMS', sums);
  return files;
}

/** Writes the package to `out`, replacing an earlier package there but nothing else. */
export function writePackage(out: string, collected: Collected): void {
  const target = resolve(out);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new PackageTargetError(`${out} exists and is not a directory`);
    const entries = readdirSync(target);
    if (entries.length && !entries.includes('evidence.json'))
      throw new PackageTargetError(
        `${out} is a non-empty directory without evidence.json; refusing to replace it (choose a new or empty directory)`,
      );
  }
  const files = packageFiles(collected);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(target)}.tmp-`));
  try {
    for (const [path, content] of files) {
      const full = join(staging, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    if (existsSync(target)) {
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
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
