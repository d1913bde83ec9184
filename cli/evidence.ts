/**
 * `typezero evidence SYSTEM --out DIR`: every available engine and the conformance checks on one
 * system, written as a certification evidence package (evidence.json, report.html, traces/, spec/,
 * system/, SHA256SUMS). Exit codes as for check: 0 every property holds, 1 a property is violated or
 * unknown, 2 bad input or a tool failure. The output folder is checked before any work, and the
 * package is written whatever the verdict, but never half: on a failure nothing replaces the target.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { collectEvidence, DEFAULT_MAX_STATES, DEFAULT_SEEDS, DEFAULT_STEPS } from '../evidence/collect.js';
import { checkOutDir, OutDirError } from '../evidence/out-dir.js';
import { writePackage } from '../evidence/write.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { refuseBeyondEmulator, refuseBeyondModel } from './engine-limits.js';
import { type Io, OutputError } from './io.js';
import { wholeNumber } from './options.js';
import { InputError } from './usage.js';

const EXIT_INPUT = 2;

export interface EvidenceOptions {
  readonly out: string;
  readonly force?: boolean;
  readonly maxStates: number;
  readonly seeds: number;
  readonly steps: number;
}

/** Runs the command; returns the exit code. Reasons for exit 2 go to stderr in one line. */
export async function runEvidence(file: string, opts: EvidenceOptions, io: Io): Promise<number> {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) {
    io.err(`${loaded.errors.map(formatSystemFileError).join('\n')}\n`);
    return EXIT_INPUT;
  }
  try {
    const config = refuseBeyondEmulator(refuseBeyondModel(loaded.config, file), file);
    checkOutDir(opts.out, { what: 'evidence package', force: opts.force === true });
    const collected = await collectEvidence(
      { config, fileName: basename(file), bytes: loaded.bytes ?? new Uint8Array() },
      {
        maxStates: opts.maxStates,
        seeds: opts.seeds,
        steps: opts.steps,
        onProgress: (line) => io.status(`evidence: ${line}`),
      },
    );
    io.status('');
    writePackage(opts.out, collected);
    const v = collected.evidence.verdict;
    io.out(`${v.status.toUpperCase()}: ${v.headline}\nevidence package written to ${opts.out}\n`);
    if (v.exitCode === EXIT_INPUT) io.err(`typezero evidence: ${v.findings[0] ?? v.headline}\n`);
    return v.exitCode;
  } catch (e) {
    if (e instanceof OutputError) throw e;
    io.status('');
    const reason = e instanceof Error ? e.message : String(e);
    if (e instanceof InputError) io.err(`${reason}\n`);
    else if (e instanceof OutDirError) io.err(`typezero evidence: ${reason}\n`);
    else io.err(`typezero evidence: tool failure: ${reason}\n`);
    return EXIT_INPUT;
  }
}

export function registerEvidence(program: Command, io: Io, exit: { code: number }): void {
  program
    .command('evidence')
    .description(
      'run every available engine and the conformance checks, and write a certification evidence package',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .requiredOption(
      '--out <dir>',
      'folder to write the package to: new, empty, or an earlier package with --force',
    )
    .option('--force', 'replace the earlier evidence package in the --out folder')
    .option(
      '--max-states <n>',
      'distinct-state bound for every engine (recorded in the package)',
      wholeNumber(1),
      DEFAULT_MAX_STATES,
    )
    .option('--seeds <n>', 'seeded emulator runs checked against the model', wholeNumber(0), DEFAULT_SEEDS)
    .option('--steps <n>', 'steps per seeded emulator run', wholeNumber(1), DEFAULT_STEPS)
    .action(async (file: string, opts: EvidenceOptions) => {
      exit.code = await runEvidence(file, opts, io);
    });
}
