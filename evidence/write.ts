/**
 * An evidence package's files, and writing them to disk all at once: everything goes into a
 * temporary folder next to the target, which is renamed into place only when complete, so a crash
 * leaves either the previous package or none, never half of one.
 */
import type { KeyObject } from 'node:crypto';
import { envelopeOf, publicPem, SIGNER_KEY, STATEMENT, statementOf } from './attest.js';
import type { Collected } from './collect.js';
import { renderReport } from './html.js';
import { writeOutDir } from './out-dir.js';
import { validateEvidence } from './schema.js';
import { sha256 } from './tool.js';

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

export interface PackageOptions {
  /** An Ed25519 private key: the statement is signed with it (evidence/attest.ts). */
  readonly key?: KeyObject;
}

/**
 * Every file of the package, by package-relative path: the collected files, evidence.json,
 * report.html, the in-toto statement over all of those (signed when a key is given), and
 * SHA256SUMS over everything but itself.
 */
export function packageFiles(
  collected: Collected,
  options: PackageOptions = {},
): Map<string, string | Uint8Array> {
  const problems = validateEvidence(JSON.parse(JSON.stringify(collected.evidence)));
  if (problems.length)
    throw new Error(`evidence.json would not match its schema: ${problems.slice(0, 5).join('; ')}`);
  const files = new Map<string, string | Uint8Array>(collected.files);
  files.set('evidence.json', canonicalJson(collected.evidence));
  files.set('report.html', renderReport(collected.evidence));
  if (options.key) files.set(SIGNER_KEY, publicPem(options.key));
  files.set(STATEMENT, envelopeOf(statementOf(files, collected.evidence), options.key));
  const sums = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => `${sha256(content)}  ${path}\n`)
    .join('');
  files.set('SHA256SUMS', sums);
  return files;
}

/**
 * Writes the package to `out`, all at once (evidence/out-dir.ts): an empty or missing folder, or an
 * earlier package, is replaced; anything else is refused with `OutDirError`.
 */
export function writePackage(out: string, collected: Collected, options: PackageOptions = {}): void {
  writeOutDir(out, packageFiles(collected, options));
}
