/**
 * The command line under hostile system files (test/cli/mutations.ts): validate, check, simulate and
 * spec, run in this process through `run` with the output collected, and a sample as real processes.
 * Every run ends with exit code 0, 1 or 2, a reason on stderr for 2, no stack trace and no internal
 * error, and writes nothing outside its --out folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../cli/io.js';
import { run } from '../../cli/main.js';
import { ROOT } from '../helpers.js';
import { type HostileFile, hostileFileArb } from './mutations.js';

const root = mkdtempSync(join(tmpdir(), 'typezero-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COMMANDS = (file: string, out: string): string[][] => [
  ['validate', file],
  ['check', file, '--max-states', '2000'],
  ['simulate', file, '--steps', '200'],
  ['spec', file, '--out', out],
];

interface Outcome {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function judge(o: Outcome): void {
  const what = `typezero ${o.args.join(' ')}\n${o.stderr}`;
  expect([0, 1, 2], what).toContain(o.code);
  for (const text of [o.stdout, o.stderr]) {
    expect(text, what).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n|RangeError|TypeError|FATAL/);
  }
  if (o.code === 2) expect(o.stderr.trim(), what).not.toBe('');
}

/** Writes the file in a folder of its own; returns the file and the folder --out may fill. */
function place(file: HostileFile, n: number): { path: string; folder: string; out: string } {
  const folder = join(root, String(n));
  mkdirSync(folder);
  const path = join(folder, file.name);
  writeFileSync(path, file.text);
  return { path, folder, out: join(folder, 'out') };
}

/** Nothing but the system file and --out in the folder, and nothing new in the repository. */
function expectNothingOutside(folder: string, name: string, before: readonly string[]): void {
  expect(readdirSync(folder).filter((f) => f !== name && f !== 'out')).toEqual([]);
  expect(readdirSync(ROOT)).toEqual(before);
}

const RUNS = Number(process.env.TYPEZERO_FUZZ_RUNS ?? 2000);

describe('the command line on hostile system files', () => {
  it(`${RUNS} generated files through validate, check, simulate and spec, in process`, async () => {
    const before = readdirSync(ROOT);
    let n = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(hostileFileArb, async (file) => {
        const { path, folder, out } = place(file, n++);
        for (const args of COMMANDS(path, out)) {
          const io = memoryIo();
          const code = await run(args, io);
          judge({ args, code, stdout: io.stdout(), stderr: io.stderr() });
          if (args[0] === 'validate' && code === 0) valid++;
        }
        expectNothingOutside(folder, file.name, before);
        rmSync(folder, { recursive: true, force: true });
      }),
      { numRuns: RUNS, seed: 15, endOnFailure: true },
    );
    // Both kinds must be there in numbers: files the loader takes, and files it refuses.
    expect(valid).toBeGreaterThan(RUNS / 10);
    expect(valid).toBeLessThan(RUNS - RUNS / 10);
  }, 900_000);

  it('a sample as real processes, each within a time limit', () => {
    const samples = fc.sample(hostileFileArb, { numRuns: 5, seed: 1515 });
    samples.forEach((file, i) => {
      const { path, folder, out } = place(file, 100_000 + i);
      for (const args of COMMANDS(path, out)) {
        const r = spawnSync(process.execPath, [`${ROOT}dist/cli/main.js`, ...args], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(r.signal, `typezero ${args.join(' ')}`).toBeNull();
        judge({ args, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
      }
      expect(readdirSync(folder).filter((f) => f !== file.name && f !== 'out')).toEqual([]);
    });
  }, 900_000);
});
