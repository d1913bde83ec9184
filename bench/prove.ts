/**
 * `prove`'s benchmark: one system in a fresh process (so that one Z3 heap does not carry over to the
 * next system), every property with the given solver budget each (as `--timeout` counts it). A property left `unknown` is
 * counted, so the table never shows the time of a run that did not decide as if it had.
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import type { PropertyStatus } from '../proofs/check.js';
import { prove } from '../proofs/prove.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';

export interface ProveRow {
  readonly system: string;
  readonly ms: number;
  /** Time inside Z3, summed over the properties. */
  readonly solverMs: number;
  /** Z3's resource units, summed over the properties: the same on any machine. */
  readonly rlimit: number;
  readonly statuses: Readonly<Record<PropertyStatus, number>>;
  /** The properties found violated (each with a trace `step` replays), and those left undecided. */
  readonly violated: readonly string[];
  readonly unknown: readonly string[];
}

/** Runs in the child: prove one system and print its row as JSON. */
export async function measureProve(file: string, timeoutMs: number): Promise<void> {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  const run = await prove(loaded.config, file, { timeoutMs });
  const statuses = { holds: 0, violated: 0, unknown: 0 };
  for (const v of run.verdicts) statuses[v.status]++;
  const row: ProveRow = {
    system: basename(file, '.yaml'),
    ms: run.report.stats.durationMs,
    solverMs: run.report.stats.solverMs,
    rlimit: run.verdicts.reduce((sum, v) => sum + v.rlimit, 0),
    statuses,
    violated: run.verdicts.filter((v) => v.status === 'violated').map((v) => v.name),
    unknown: run.verdicts.filter((v) => v.status === 'unknown').map((v) => v.name),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

/** One measurement in a child process of the benchmark's entry point (`--prove FILE`). */
export function proveInChild(entry: string, file: string, timeoutMs: number): ProveRow {
  const child = spawnSync(process.execPath, [entry, '--prove', file, '--prove-timeout', String(timeoutMs)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`prove benchmark of ${file} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as ProveRow;
}

/**
 * Where prove and a complete enumeration of the same system disagree: a property prove decided
 * (holds or violated) the other way. `unknown` contradicts nothing.
 */
export function disagreements(
  prove: ProveRow,
  enumerated: { readonly violated: readonly string[] },
): string[] {
  const out: string[] = [];
  for (const name of prove.violated) if (!enumerated.violated.includes(name)) out.push(`${name} holds`);
  for (const name of enumerated.violated)
    if (!prove.violated.includes(name) && !prove.unknown.includes(name)) out.push(`${name} violated`);
  return out;
}
