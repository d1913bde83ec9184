/**
 * `typezero evidence SYSTEM --out DIR`: every available engine and the conformance checks on one
 * system, written as a certification evidence package (evidence.json, report.html, traces/, spec/,
 * system/, SHA256SUMS). Exit codes as for check: 0 every property holds, 1 a property is violated or
 * unknown, 2 bad input or a tool failure. The package is written whatever the verdict, but never
 * half: on a crash nothing replaces the target.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { collectEvidence, DEFAULT_MAX_STATES, DEFAULT_SEEDS, DEFAULT_STEPS } from '../evidence/collect.js';
import { PackageTargetError, writePackage } from '../evidence/write.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { wholeNumber } from './options.js';

const EXIT_INPUT = 2;

export interface EvidenceOptions {
  readonly out: string;
  readonly maxStates: number;
  readonly seeds: number;
  readonly steps: number;
}

/** Runs the command; returns the exit code. Reasons for exit 2 go to stderr in one line. */
export async function runEvidence(file: string, opts: EvidenceOptions): Promise<number> {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.errors.map(formatSystemFileError).join('\n')}\n`);
    return EXIT_INPUT;
  }
  const tty = process.stderr.isTTY === true;
  try {
    const collected = await collectEvidence(
      { config: loaded.config, fileName: basename(file), bytes: readFileSync(file) },
      {
        maxStates: opts.maxStates,
        seeds: opts.seeds,
        steps: opts.steps,
        onProgress: (line) => {
          if (tty) process.stderr.write(`\r\x1b[2Kevidence: ${line}`);
        },
      },
    );
    if (tty) process.stderr.write('\r\x1b[2K');
    writePackage(opts.out, collected);
    const v = collected.evidence.verdict;
    process.stdout.write(
      `${v.status.toUpperCase()}: ${v.headline}\nevidence package written to ${opts.out}\n`,
    );
    if (v.exitCode === EXIT_INPUT)
      process.stderr.write(`typezero evidence: ${v.findings[0] ?? v.headline}\n`);
    return v.exitCode;
  } catch (e) {
    if (tty) process.stderr.write('\r\x1b[2K');
    const reason = e instanceof Error ? e.message : String(e);
    process.stderr.write(
      e instanceof PackageTargetError
        ? `typezero evidence: ${reason}\n`
        : `typezero evidence: tool failure: ${reason}\n`,
    );
    return EXIT_INPUT;
  }
}

export function registerEvidence(program: Command): void {
  program
    .command('evidence')
    .description(
      'run every available engine and the conformance checks, and write a certification evidence package',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .requiredOption(
      '--out <dir>',
      'directory to write the package to (replaced if it holds an earlier package)',
    )
    .option(
      '--max-states <n>',
      'distinct-state bound for every engine (recorded in the package)',
      wholeNumber(1),
      DEFAULT_MAX_STATES,
    )
    .option('--seeds <n>', 'seeded emulator runs checked against the model', wholeNumber(0), DEFAULT_SEEDS)
    .option('--steps <n>', 'steps per seeded emulator run', wholeNumber(1), DEFAULT_STEPS)
    .action(async (file: string, opts: EvidenceOptions) => {
      process.exitCode = await runEvidence(file, opts);
    });
}
