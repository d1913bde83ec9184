/**
 * `npm run bench`: the explorer on every example and benchmark system, at 1 and 2 workers, each run
 * in a fresh process (bench/explorer.ts); TLC on the same model at 1 and 2 workers where a jar is
 * found (TLA2TOOLS_JAR, or ../shared/tools/tla2tools/) and the system is small enough for it;
 * `prove` on every system, in a fresh process too (bench/prove.ts), with `--prove-timeout` seconds
 * of solver budget per property, its verdicts held to the explorer's where its sliced search is
 * complete (a disagreement is printed in the prove column and on stderr); then the emulator's VM exits and guest instructions per second
 * (bench/emulator.ts). The explorer's runs at 1 and 2 workers store whole states, up to
 * --full-max-states each (TLC explores whole states too); one more run per system stores them
 * reduced, as `check` does: label-sliced (proofs/slicing.ts) and up to symmetry (proofs/symmetry.ts).
 *
 * Then `prove` alone on each insecure twin in `bench/insecure/` (a ladder system with one fault, too
 * big to enumerate quickly): the properties its header expects violated against those prove finds.
 *
 *   npm run bench [-- --only PATTERN] [--full-max-states N] [--tlc-max-states N] [--no-tlc]
 *                 [--no-prove] [--prove-timeout SECONDS] [--no-emulator]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { budgetUnits } from '../proofs/prove-budget.js';
import { formatEmulatorBench, runEmulatorBench } from './emulator.js';
import {
  BENCH_ENTRY,
  type ExplorerRow,
  explorerInChild,
  measureExplorer,
  type TlcTiming,
  timeTlc,
} from './explorer.js';
import { disagreements, measureProve, type ProveRow, proveInChild } from './prove.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Below this many states a per-state memory figure is mostly the process's fixed cost. */
const MIN_STATES_FOR_BYTES = 100_000;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function systems(...dirs: string[]): string[] {
  const only = option('--only');
  return dirs
    .flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => join(ROOT, d, f)),
    )
    .filter((f) => !only || basename(f).includes(only));
}

/** The properties a system file's header says it violates (`# expect-violated: A B`). */
function expectedViolations(file: string): string[] {
  const line = readFileSync(file, 'utf8').match(/^# expect-violated: (.*)$/m);
  return line && line[1] !== 'none' ? line[1]!.trim().split(/\s+/) : [];
}

/** prove on the insecure twins: what each header expects violated, what prove found. */
function twinsTable(files: readonly string[], timeoutMs: number): string {
  const header = ['system', 'expected violated', 'prove: violated', 'unknown', 'wall'];
  const cells = files.map((file) => {
    const row = proveInChild(BENCH_ENTRY, file, timeoutMs);
    return [
      row.system,
      expectedViolations(file).join(' '),
      row.violated.join(' ') || '-',
      row.unknown.join(' ') || '-',
      seconds(row.ms),
    ];
  });
  return columns(header, cells, () => false);
}

/** A plain-text table: a header, a rule, the rows; `right` columns aligned to the right. */
function columns(
  header: readonly string[],
  cells: readonly string[][],
  right: (i: number) => boolean,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c.map((x, i) => (right(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function tlcJar(): string | null {
  const fromEnv = process.env.TLA2TOOLS_JAR;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const shared = join(ROOT, '../shared/tools/tla2tools');
  if (!existsSync(shared)) return null;
  const jar = readdirSync(shared)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .at(-1);
  return jar ? join(shared, jar) : null;
}

interface Line {
  readonly sliced: ExplorerRow;
  readonly one: ExplorerRow;
  readonly two: ExplorerRow;
  readonly tlc: readonly TlcTiming[];
  readonly prove: ProveRow | null;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/**
 * prove's time, the Z3 resource units it spent (the same on any machine, so they tell a slower or
 * busier machine from more work), and how many properties it left undecided when any.
 */
function proveCell(row: ProveRow, sliced: ExplorerRow): string {
  const units = `${(row.rlimit / 1e6).toFixed(1)} M units`;
  const against = sliced.complete ? disagreements(row, sliced) : [];
  return `${seconds(row.ms)}, ${units}${row.statuses.unknown ? `, ${row.statuses.unknown} unknown` : ''}${against.length ? `, DISAGREES: the explorer finds ${against.join(', ')}` : ''}`;
}

function table(lines: readonly Line[]): string {
  const header = [
    'system',
    'reduced states',
    'reduced wall',
    'distinct states',
    'depth',
    'wall 1w',
    'wall 2w',
    'speed-up',
    'states/s 2w',
    'bytes/state',
    'peak MiB',
    'TLC 1w',
    'TLC 2w',
    'TLC 2w / 2w',
    'prove',
  ];
  const cells = lines.map(({ sliced, one, two, tlc, prove }) => {
    const t1 = tlc.find((t) => t.workers === 1);
    const t2 = tlc.find((t) => t.workers === 2);
    return [
      one.system,
      n(sliced.distinctStates),
      seconds(sliced.ms),
      (two.complete ? '' : '> ') + n(two.distinctStates),
      String(two.depth),
      seconds(one.ms),
      seconds(two.ms),
      `${(one.ms / two.ms).toFixed(2)}x`,
      n((two.distinctStates * 1000) / two.ms),
      two.distinctStates >= MIN_STATES_FOR_BYTES ? two.bytesPerState.toFixed(0) : '-',
      n(two.peakMiB),
      t1 ? seconds(t1.ms) : '-',
      t2 ? seconds(t2.ms) : '-',
      t2 ? `${(t2.ms / two.ms).toFixed(1)}x` : '-',
      prove ? proveCell(prove, sliced) : '-',
    ];
  });
  return columns(header, cells, (i) => i > 0);
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) {
    const mem = option('--max-memory');
    const max = option('--max-states');
    await measureExplorer(option('--one')!, {
      workers: Number(option('--workers') ?? 1),
      reduction: process.argv.includes('--reduction'),
      ...(mem ? { maxMemory: Number(mem) } : {}),
      ...(max ? { maxStates: Number(max) } : {}),
    });
    return;
  }
  const fullMax = Number(option('--full-max-states') ?? 10_000_000);
  if (process.argv.includes('--prove')) {
    await measureProve(option('--prove')!, Number(option('--prove-timeout')));
    return;
  }
  const proveTimeoutMs = Number(option('--prove-timeout') ?? 60) * 1000;
  const proving = !process.argv.includes('--no-prove');
  const jar = process.argv.includes('--no-tlc') ? null : tlcJar();
  const tlcMax = Number(option('--tlc-max-states') ?? 1_000_000);
  const lines: Line[] = [];
  for (const file of systems('examples', 'bench/systems')) {
    const sliced = explorerInChild(BENCH_ENTRY, file, { workers: 1, reduction: true });
    const one = explorerInChild(BENCH_ENTRY, file, { workers: 1, reduction: false, maxStates: fullMax });
    const two = explorerInChild(BENCH_ENTRY, file, { workers: 2, reduction: false, maxStates: fullMax });
    const tlc =
      jar && one.complete && one.distinctStates <= tlcMax ? [1, 2].map((w) => timeTlc(jar, file, w)) : [];
    for (const t of tlc)
      if (t.distinctStates !== null && t.distinctStates !== one.distinctStates)
        process.stderr.write(
          `${basename(file)}: TLC found ${t.distinctStates} distinct states, the explorer ${one.distinctStates}\n`,
        );
    const prove = proving ? proveInChild(BENCH_ENTRY, file, proveTimeoutMs) : null;
    const against = prove && sliced.complete ? disagreements(prove, sliced) : [];
    if (against.length)
      process.stderr.write(
        `${basename(file)}: prove disagrees with the explorer, which finds ${against.join(', ')}\n`,
      );
    lines.push({ sliced, one, two, tlc, prove });
    process.stderr.write(`measured ${basename(file)}: ${n(one.distinctStates)} states\n`);
  }
  process.stdout.write(
    `explorer (node ${process.version}; reduced: label-sliced states up to symmetry, one thread, as \`check\` runs; ` +
      `then whole states up to ${n(fullMax)}, "> N" where that bound stopped the search; ` +
      '1w and 2w: one and two worker threads)' +
      `${jar ? `; TLC: ${basename(jar)}, systems up to ${n(tlcMax)} states` : process.argv.includes('--no-tlc') ? '; TLC: not run (--no-tlc)' : '; TLC: no jar found'}` +
      `${proving ? `; prove: one process, a budget of ${proveTimeoutMs / 1000} s (${n(budgetUnits(proveTimeoutMs))} Z3 resource units) per property, its wall time and the units it spent` : ''}\n${table(lines)}\n\n`,
  );
  const twins = systems('bench/insecure');
  if (proving && twins.length)
    process.stdout.write(`prove on insecure twins (same budget)\n${twinsTable(twins, proveTimeoutMs)}\n\n`);
  if (!process.argv.includes('--no-emulator'))
    process.stdout.write(`emulator\n${formatEmulatorBench(await runEmulatorBench())}\n`);
}

await main();
