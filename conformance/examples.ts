/** The example systems and spec/manifest.json, as the conformance suite reads them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import type { Manifest } from '../tla/models.js';
import { PACKAGE_ROOT, SPEC_DIR } from '../tla/paths.js';

export interface Example {
  /** Path from the package root, as the models and traces name it. */
  readonly source: string;
  readonly name: string;
  readonly config: SystemConfig;
}

export function loadExamples(): Example[] {
  return readdirSync(join(PACKAGE_ROOT, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const source = `examples/${f}`;
      const loaded = loadSystemFile(join(PACKAGE_ROOT, source));
      if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
      return { source, name: f.replace(/\.yaml$/, ''), config: loaded.config };
    });
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(SPEC_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Models tla-checker checks exhaustively in the suite. Above this many states (three-level-guard,
 * about seven minutes of CPU at tla-checker's pace) the suite replays traces instead; real TLC checks
 * those models exhaustively under both jars (test/tla/engine.tlc.test.ts), and tla-checker's
 * exhaustive run of them is left to `TYPEZERO_TLA_CHECKER_FULL=1` and to `typezero check --engine all`.
 */
export const EXHAUSTIVE_LIMIT = 5_000;

/** tla-checker also checks the models above EXHAUSTIVE_LIMIT exhaustively. */
export const TLA_CHECKER_FULL = process.env.TYPEZERO_TLA_CHECKER_FULL === '1';
