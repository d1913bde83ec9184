/**
 * `npm run bench`: the explorer on every example and benchmark system, each in a fresh process so
 * that its peak memory is its own (one row per system: distinct states, depth, wall time, distinct
 * states per second, peak resident memory); then the emulator's VM exits and guest instructions per
 * second, bare and with online refinement checking (bench/emulator.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore } from '../proofs/explorer.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { formatEmulatorBench, runEmulatorBench } from './emulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Row {
  system: string;
  distinctStates: number;
  depth: number;
  ms: number;
  peakMiB: number;
}

/** Runs in the child: explore one system and print its row as JSON. */
function measureOne(file: string): void {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  const result = explore(loaded.config);
  const row: Row = {
    system: basename(file, '.yaml'),
    distinctStates: result.distinctStates,
    depth: result.depth,
    ms: result.durationMs,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

function systems(): string[] {
  const dir = (d: string) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(ROOT, d, f));
  return [...dir('examples'), ...dir('bench/systems')];
}

function table(rows: Row[]): string {
  const header = ['system', 'distinct states', 'depth', 'wall ms', 'states/s', 'peak MiB'];
  const cells = rows.map((r) => [
    r.system,
    r.distinctStates.toLocaleString('en-US'),
    String(r.depth),
    r.ms.toFixed(0),
    Math.round((r.distinctStates * 1000) / r.ms).toLocaleString('en-US'),
    r.peakMiB.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    measureOne(process.argv[one + 1]!);
    return;
  }
  const rows: Row[] = [];
  for (const file of systems()) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', file], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`benchmark of ${file} failed:\n${child.stderr}`);
    rows.push(JSON.parse(child.stdout) as Row);
    process.stderr.write(`measured ${basename(file)}\n`);
  }
  process.stdout.write(`explorer (node ${process.version}, one core)\n${table(rows)}\n\n`);
  process.stdout.write(`emulator\n${formatEmulatorBench(await runEmulatorBench())}\n`);
}

await main();
