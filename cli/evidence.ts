/**
 * `typezero evidence SYSTEM --out DIR`: every available engine and the conformance checks on one
 * system, written as a certification evidence package (evidence.json, report.html, traces/, spec/,
 * system/, schema/, tool/, SHA256SUMS; requirements/ with --requirements FILE, which is validated like
 * the system file before any work; no tool/ with --no-tool-copy; the noninterference check left out
 * with --no-noninterference). Exit codes as for check: 0 every property holds, 1 a property is violated or
 * unknown, 2 bad input or a tool failure. The output folder is checked before any work, and the
 * package is written whatever the verdict, but never half: on a failure nothing replaces the target.
 */
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { KeyError, privateKeyFile, publicKeyFile } from '../evidence/attest.js';
import {
  collectEvidence,
  DEFAULT_MAX_STATES,
  DEFAULT_PROVE_TIMEOUT_S,
  DEFAULT_SEEDS,
  DEFAULT_STEPS,
} from '../evidence/collect.js';
import { loadRequirementsFile } from '../evidence/integrator.js';
import { checkOutDir, OutDirError } from '../evidence/out-dir.js';
import { ToolCopyError } from '../evidence/tool-copy.js';
import type { RequirementsInput } from '../evidence/traceability.js';
import { NotAPackageError, verifyPackage } from '../evidence/verify.js';
import { writePackage } from '../evidence/write.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { refuseBeyondModel } from './engine-limits.js';
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
  /** PEM file of the Ed25519 private key to sign the package's statement with. */
  readonly sign?: string;
  readonly producer?: string;
  readonly configItem?: string;
  /** The integrator's requirements file, mapping their IDs to catalog properties. */
  readonly requirements?: string;
  /** Carry the tool in the package (commander's `--no-tool-copy` sets it false); default true. */
  readonly toolCopy?: boolean;
  /** false with --no-prove. */
  readonly prove?: boolean;
  /** Solver seconds per property for prove. */
  readonly proveTimeout?: number;
  /** false with --no-noninterference. */
  readonly noninterference?: boolean;
}

/** Runs the command; returns the exit code. Reasons for exit 2 go to stderr in one line. */
export async function runEvidence(file: string, opts: EvidenceOptions, io: Io): Promise<number> {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) {
    io.err(`${loaded.errors.map(formatSystemFileError).join('\n')}\n`);
    return EXIT_INPUT;
  }
  let requirements: RequirementsInput | undefined;
  if (opts.requirements !== undefined) {
    const read = loadRequirementsFile(opts.requirements);
    if (!read.ok) {
      io.err(`${read.errors.map(formatSystemFileError).join('\n')}\n`);
      return EXIT_INPUT;
    }
    requirements = {
      fileName: basename(opts.requirements),
      bytes: read.bytes,
      requirements: read.requirements,
    };
  }
  try {
    const config = refuseBeyondModel(loaded.config, file);
    const key = opts.sign === undefined ? undefined : privateKeyFile(opts.sign);
    checkOutDir(opts.out, { what: 'evidence package', force: opts.force === true });
    const collected = await collectEvidence(
      {
        config,
        fileName: basename(file),
        bytes: loaded.bytes ?? new Uint8Array(),
        positions: loaded.positions,
      },
      {
        maxStates: opts.maxStates,
        seeds: opts.seeds,
        steps: opts.steps,
        toolCopy: opts.toolCopy !== false,
        ...(opts.producer !== undefined ? { producer: opts.producer } : {}),
        ...(opts.configItem !== undefined ? { configurationItem: opts.configItem } : {}),
        ...(requirements ? { requirements } : {}),
        prove:
          opts.prove === false
            ? { skipped: 'skipped with --no-prove' }
            : { timeoutMs: (opts.proveTimeout ?? DEFAULT_PROVE_TIMEOUT_S) * 1000 },
        ...(opts.noninterference === false
          ? { noninterference: { skipped: 'skipped with --no-noninterference' } }
          : {}),
        onProgress: (line) => io.status(`evidence: ${line}`),
      },
    );
    io.status('');
    writePackage(opts.out, collected, key ? { key } : {});
    const v = collected.evidence.verdict;
    io.out(`${v.status.toUpperCase()}: ${v.headline}\nevidence package written to ${opts.out}\n`);
    if (v.exitCode === EXIT_INPUT) io.err(`typezero evidence: ${v.findings[0] ?? v.headline}\n`);
    return v.exitCode;
  } catch (e) {
    if (e instanceof OutputError) throw e;
    io.status('');
    const reason = e instanceof Error ? e.message : String(e);
    if (e instanceof InputError || e instanceof KeyError) io.err(`${reason}\n`);
    else if (e instanceof OutDirError || e instanceof ToolCopyError) io.err(`typezero evidence: ${reason}\n`);
    else io.err(`typezero evidence: tool failure: ${reason}\n`);
    return EXIT_INPUT;
  }
}

/** `typezero evidence verify DIR [--key PUBFILE]`: 0 when every file checks out, 1 naming each that does not. */
export function runVerify(dir: string, opts: { readonly key?: string }, io: Io): number {
  try {
    const key = opts.key === undefined ? undefined : publicKeyFile(opts.key);
    const result = verifyPackage(dir, key);
    for (const p of result.problems) io.out(`${p.path}: ${p.what}\n`);
    const signature = {
      verified: `signature verified with ${opts.key} (key ${result.keyIds[0] ?? ''})`,
      'not-checked': `signed by key ${result.keyIds.join(', ')}; the signature was not checked: give --key PUBFILE`,
      unsigned: 'not signed',
      failed: `signature not verified with ${opts.key}`,
    }[result.signature];
    io.out(
      result.ok
        ? `OK: ${result.files} files match SHA256SUMS and the package statement; ${signature}\n`
        : `FAILED: ${result.problems.length} of the package's files changed, missing or added; ${signature}\n`,
    );
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof OutputError) throw e;
    if (e instanceof KeyError || e instanceof NotAPackageError) {
      io.err(`typezero evidence verify: ${e.message}\n`);
      return EXIT_INPUT;
    }
    throw e;
  }
}

export function registerEvidence(program: Command, io: Io, exit: { code: number }): void {
  const evidence = program
    .command('evidence')
    .description(
      'run every available engine and the conformance checks, and write a certification evidence package',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    // Required, but checked in the action: commander would demand it of `evidence verify` too.
    .option('--out <dir>', 'folder to write the package to: new, empty, or an earlier package with --force')
    .option('--force', 'replace the earlier evidence package in the --out folder')
    .option(
      '--max-states <n>',
      'distinct-state bound for every engine (recorded in the package)',
      wholeNumber(1),
      DEFAULT_MAX_STATES,
    )
    .option('--seeds <n>', 'seeded emulator runs checked against the model', wholeNumber(0), DEFAULT_SEEDS)
    .option('--steps <n>', 'steps per seeded emulator run', wholeNumber(1), DEFAULT_STEPS)
    .option('--sign <keyfile>', "sign the package's in-toto statement with this Ed25519 private key (PEM)")
    .option(
      '--producer <name>',
      'who produces the package, for its document control (default: your login name)',
    )
    .option(
      '--config-item <id>',
      'the configuration item the package is evidence for (default: system@digest)',
    )
    .option(
      '--requirements <file>',
      'your own requirement IDs mapped to catalog properties (YAML), traced in the package',
    )
    .option(
      '--no-tool-copy',
      'leave the tool out of the package (tool/: its npm tarball, lockfile and runtime packages, to reproduce offline)',
    )
    .addOption(
      new Option(
        '--prove-timeout <seconds>',
        'Z3 budget per property for the unbounded proof, as prove --timeout counts it',
      )
        .argParser(wholeNumber(1))
        .default(DEFAULT_PROVE_TIMEOUT_S)
        .conflicts('prove'),
    )
    .option('--no-prove', 'leave the unbounded proof out (recorded in the package as not run)')
    .option(
      '--no-noninterference',
      'leave the two-run noninterference check out (recorded in the package as not run)',
    )
    .action(async (file: string, opts: Partial<EvidenceOptions>, command: Command) => {
      if (opts.out === undefined) command.error("error: required option '--out <dir>' not specified");
      exit.code = await runEvidence(file, opts as EvidenceOptions, io);
    });
  evidence
    .command('verify')
    .description(
      "check every file of an evidence package against its SHA256SUMS and statement, and the statement's signature",
    )
    .argument('<dir>', 'the evidence package folder')
    .option('--key <pubfile>', "the producer's Ed25519 public key (PEM) to check the signature with")
    .action((dir: string, opts: { key?: string }) => {
      exit.code = runVerify(dir, opts, io);
    });
}
