/**
 * Emulator throughput: VM exits and guest instructions per second on a benign workload (careful
 * guests, no attacker), once bare and once with refinement of the model checked at every step, and
 * the overhead ratio between the two. Same system, programs and seed in both runs, so both perform
 * exactly the same steps.
 *
 * `runEmulatorBench()` returns the rows for the project's `npm run bench`; `node dist/bench/emulator.js
 * [--steps N]` prints them as a table.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RefinementChecker } from '../conformance/refinement.js';
import { DEFAULT_WEIGHTS, runMachine } from '../emulator/driver.js';
import { randomPrograms } from '../emulator/programs.js';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';

/** The repository root, from the source file (bench/) or the built one (dist/bench/). */
const ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/dist/bench/') ? '../..' : '..', import.meta.url),
);

export interface EmulatorBenchRow {
  readonly system: string;
  /** `emulator` bare, or `emulator+refinement` with the online check. */
  readonly mode: 'emulator' | 'emulator+refinement';
  readonly steps: number;
  readonly vmExits: number;
  readonly instructions: number;
  readonly ms: number;
  readonly vmExitsPerSecond: number;
  readonly instructionsPerSecond: number;
  /** For the refinement row: its wall time over the bare run's. */
  readonly overhead?: number;
}

export interface EmulatorBenchOptions {
  readonly steps?: number;
  readonly seed?: number;
  /** System files, relative to the repository root. */
  readonly systems?: readonly string[];
}

const DEFAULT_SYSTEMS = ['examples/multicore-devices.yaml', 'bench/emulator-soak.yaml'];

function load(file: string): SystemConfig {
  const loaded = loadSystemFile(file.startsWith('/') ? file : `${ROOT}${file}`);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  return loaded.config;
}

function measure(config: SystemConfig, steps: number, seed: number, check: boolean) {
  let vmExits = 0;
  let instructions = 0;
  let done = 0;
  let checker: RefinementChecker | null = null;
  const started = performance.now();
  runMachine(config, {
    seed,
    steps,
    programs: randomPrograms(config, seed, { faultRate: 0 }),
    weights: { ...DEFAULT_WEIGHTS, attacker: 0, faultRate: 0, stray: 0 },
    onStart: (m) => {
      if (check) checker = new RefinementChecker(m);
    },
    onStep: (record) => {
      done++;
      instructions += record.instructions;
      for (const note of record.hw) if (note.kind === 'exit') vmExits++;
      if (checker) {
        const mismatch = checker.check(record);
        if (mismatch)
          throw new Error(`refinement fails at step ${mismatch.step}: ${mismatch.problems.join('; ')}`);
      }
      return true;
    },
  });
  return { steps: done, vmExits, instructions, ms: performance.now() - started };
}

export async function runEmulatorBench(options: EmulatorBenchOptions = {}): Promise<EmulatorBenchRow[]> {
  const steps = options.steps ?? 100_000;
  const seed = options.seed ?? 1;
  const rows: EmulatorBenchRow[] = [];
  for (const file of options.systems ?? DEFAULT_SYSTEMS) {
    const config = load(file);
    measure(config, Math.min(steps, 5_000), seed, true); // warm the JIT up
    const bare = measure(config, steps, seed, false);
    const checked = measure(config, steps, seed, true);
    const system = basename(file, '.yaml');
    const row = (mode: EmulatorBenchRow['mode'], r: typeof bare, overhead?: number): EmulatorBenchRow => ({
      system,
      mode,
      ...r,
      vmExitsPerSecond: (r.vmExits * 1000) / r.ms,
      instructionsPerSecond: (r.instructions * 1000) / r.ms,
      ...(overhead === undefined ? {} : { overhead }),
    });
    rows.push(row('emulator', bare), row('emulator+refinement', checked, checked.ms / bare.ms));
  }
  return rows;
}

export function formatEmulatorBench(rows: readonly EmulatorBenchRow[]): string {
  const header = [
    'system',
    'mode',
    'steps',
    'VM exits',
    'guest instr',
    'wall ms',
    'exits/s',
    'instr/s',
    'overhead',
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const cells = rows.map((r) => [
    r.system,
    r.mode,
    n(r.steps),
    n(r.vmExits),
    n(r.instructions),
    n(r.ms),
    n(r.vmExitsPerSecond),
    n(r.instructionsPerSecond),
    r.overhead === undefined ? '' : `${r.overhead.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--steps');
  const steps = at >= 0 ? Number(process.argv[at + 1]) : undefined;
  const rows = await runEmulatorBench(steps ? { steps } : {});
  process.stdout.write(`emulator (node ${process.version}, one core)\n${formatEmulatorBench(rows)}\n`);
}
