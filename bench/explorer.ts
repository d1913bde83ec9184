/**
 * The explorer's benchmark: one system, one worker count, in a fresh process so that its peak
 * memory is its own. Bytes per state are the peak resident size minus the process's resident size
 * just before the search (modules loaded, system read), over the distinct states: everything the
 * search holds, workers included.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLayout } from '../model/layout.js';
import { exploreParallel } from '../proofs/parallel.js';
import { INVARIANTS } from '../proofs/properties.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { mcModuleName } from '../tla/generate.js';
import { tlcFiles } from '../tla/tlc/engine.js';

export interface ExplorerRow {
  readonly system: string;
  readonly workers: number;
  /** States stored reduced as `check` stores them: label-sliced (proofs/slicing.ts) and up to symmetry (proofs/symmetry.ts). */
  readonly reduction: boolean;
  readonly distinctStates: number;
  readonly depth: number;
  readonly complete: boolean;
  /** Every property holds (so every engine explores the whole graph). */
  readonly allHold: boolean;
  /** The properties found violated. */
  readonly violated: readonly string[];
  readonly ms: number;
  readonly peakMiB: number;
  readonly bytesPerState: number;
}

export interface MeasureOptions {
  readonly workers: number;
  readonly reduction: boolean;
  readonly maxMemory?: number;
  readonly maxStates?: number;
}

/** Runs in the child: explore one system and print its row as JSON. */
export async function measureExplorer(file: string, options: MeasureOptions): Promise<void> {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  const { workers, reduction } = options;
  const baseline = process.memoryUsage.rss();
  const result = await exploreParallel(loaded.config, {
    workers,
    reduction,
    symmetry: reduction,
    ...(options.maxMemory ? { maxMemory: options.maxMemory } : {}),
    ...(options.maxStates ? { maxStates: options.maxStates } : {}),
  });
  const peak = process.resourceUsage().maxRSS * 1024;
  const row: ExplorerRow = {
    system: basename(file, '.yaml'),
    workers,
    reduction,
    distinctStates: result.distinctStates,
    depth: result.depth,
    complete: result.complete,
    allHold: [...result.verdicts.values()].every((v) => v.status === 'holds'),
    violated: [...result.verdicts].filter(([, v]) => v.status === 'violated').map(([name]) => name),
    ms: result.durationMs,
    peakMiB: peak / 2 ** 20,
    bytesPerState: (peak - baseline) / result.distinctStates,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

/** One measurement in a child process of this benchmark's entry point. */
export function explorerInChild(entry: string, file: string, options: MeasureOptions): ExplorerRow {
  const args = [entry, '--one', file, '--workers', String(options.workers)];
  if (options.reduction) args.push('--reduction');
  if (options.maxMemory) args.push('--max-memory', String(options.maxMemory));
  if (options.maxStates) args.push('--max-states', String(options.maxStates));
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`benchmark of ${file} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as ExplorerRow;
}

export interface TlcTiming {
  readonly workers: number;
  readonly ms: number;
  readonly distinctStates: number;
}

/**
 * TLC on the same model (the generated spec, every invariant and FaultRecovery), timed, on a
 * system where every property holds; a run that does not end with TLC's count of distinct states
 * is an error, not a time.
 */
export function timeTlc(jar: string, file: string, workers: number): TlcTiming {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'typezero-bench-'));
  try {
    const layout = buildLayout(loaded.config);
    const files = tlcFiles(
      layout,
      { invariants: INVARIANTS.map((p) => p.tla), liveness: true, bugs: [] },
      file,
    );
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const module = mcModuleName(loaded.config.system);
    const started = performance.now();
    const run = spawnSync(
      'java',
      [
        '-XX:+UseParallelGC',
        '-cp',
        jar,
        'tlc2.TLC',
        '-workers',
        String(workers),
        '-lncheck',
        'final',
        '-metadir',
        join(dir, 'states'),
        '-config',
        `${module}.cfg`,
        module,
      ],
      { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const ms = performance.now() - started;
    // The last count: TLC prints one in each progress report too.
    const m = [...run.stdout.matchAll(/([\d,]+) distinct states found/g)].at(-1);
    if (run.status !== 0 || !m) {
      const why = run.stdout.split('\n').find((l) => /^Error|error/.test(l)) ?? `exit ${run.status}`;
      throw new Error(`TLC failed on ${basename(file)}: ${why}\n${run.stdout.slice(-2000)}`);
    }
    return { workers, ms, distinctStates: Number(m[1]!.replace(/,/g, '')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const BENCH_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
