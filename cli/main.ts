#!/usr/bin/env node
/**
 * The `typezero` command line (docs/DESIGN.md section 5). Exit codes: 0 every property holds, 1 a property
 * is violated or unknown, 2 bad input or a tool failure, always with a reason on stderr.
 *
 * `run(argv, io)` is the whole command line with its input and output injected, so tests run it in
 * the test's own process; the bin at the bottom runs it on the process's arguments and streams.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { exitCodeOf, runExplorerParallel } from '../proofs/check.js';
import { noninterferenceExitCode, noninterferenceReport } from '../proofs/ni-report.js';
import { checkNoninterference, DEFAULT_NI_MAX_STATES } from '../proofs/noninterference.js';
import { defaultMaxMemory, defaultWorkers } from '../proofs/parallel.js';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile, type SourcePositions } from '../system/load.js';
import { summarize } from '../system/summary.js';
import { DEFAULT_PORT } from '../tla/tlc/distributed.js';
import { diagnosed, formatHuman, formatNoninterference, formatProgress, stopNote } from './check.js';
import { refuseBeyondModel } from './engine-limits.js';
import { registerEvidence } from './evidence.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from './formats.js';
import { registerImport } from './import.js';
import { type Io, OutputError, processIo } from './io.js';
import { byteSize, formatBytes, wholeNumber } from './options.js';
import { registerProve } from './prove.js';
import { registerRepair } from './repair.js';
import { registerSimulate } from './simulate.js';
import { checkWith, EngineError, registerTla, type TlaEngineChoice, ToolError } from './tla.js';
import { configureUsage, InputError, missingSubcommand } from './usage.js';
import { version } from './version.js';

const EXIT_INPUT = 2;

interface CheckOptions {
  engine: string;
  format?: ReportFormat;
  json?: boolean;
  maxStates?: number;
  workers?: number;
  maxMemory?: number;
  reduction: boolean;
  tlcServer?: boolean;
  port?: number;
  localWorkers?: number;
  noninterference?: boolean;
}

/** A system file, loaded, with where each of its fields is; bad input is an InputError. */
function loadWithPositions(file: string): { config: SystemConfig; positions: SourcePositions } {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new InputError(loaded.errors.map(formatSystemFileError).join('\n'));
  return loaded;
}

function load(file: string): SystemConfig {
  return loadWithPositions(file).config;
}

/** The exit code a command sets when it does not fail with an error. */
export interface ExitCode {
  code: number;
}

export function buildProgram(io: Io, exit: ExitCode): Command {
  const program = new Command('typezero')
    .description('Verification toolkit for Type Zero separation hypervisors')
    .version(version());

  program
    .command('check')
    .description(
      'check every catalog property of a system file; show the shortest attack trace for each violation',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .addOption(
      new Option('--engine <engine>', 'which engine checks the system')
        .choices(['explorer', 'tla-checker', 'tlc', 'prove', 'all'])
        .default('explorer'),
    )
    .addOption(
      new Option(
        '--format <format>',
        'how to print the report: human, json (one object, traces in ITF), sarif (SARIF 2.1.0), junit (JUnit XML)',
      ).choices(REPORT_FORMATS),
    )
    .option('--json', 'the same as --format json')
    .option(
      '--max-states <n>',
      'stop after this many distinct states (unsettled properties are "unknown")',
      wholeNumber(1),
    )
    .option(
      '--workers <n>',
      `threads the explorer expands states on (default: ${defaultWorkers()}, the machine's cores)`,
      wholeNumber(1),
    )
    .option(
      '--max-memory <size>',
      `stop the explorer cleanly at this much memory, e.g. 4g (default: ${formatBytes(defaultMaxMemory())}, half the machine's)`,
      byteSize,
    )
    .option(
      '--no-reduction',
      'store whole states: no label slicing and no symmetry reduction, so counts and depth are the full state graph (the explorer engine)',
    )
    .option(
      '--noninterference',
      `also search pairs of runs, per observer partition, for a difference in what it observes caused by partitions it may not learn from (small systems: --max-states bounds each observer's search, default ${DEFAULT_NI_MAX_STATES.toLocaleString('en-US')}; exit 3 when a bound leaves it unsettled)`,
    )
    .option(
      '--tlc-server',
      'with --engine tlc: run TLC distributed, as a server that workers join (typezero tlc-worker); invariants only',
    )
    .option(
      '--port <port>',
      `with --tlc-server: the port workers connect to (default ${DEFAULT_PORT})`,
      wholeNumber(1),
    )
    .option(
      '--local-workers <n>',
      'with --tlc-server: also start N workers on this machine (default 0)',
      wholeNumber(0),
    )
    .action(async (file: string, opts: CheckOptions) => {
      if ((opts.port !== undefined || opts.localWorkers !== undefined) && !opts.tlcServer)
        throw new InputError('--port and --local-workers go with --tlc-server');
      if (opts.tlcServer && opts.engine !== 'tlc')
        throw new InputError('--tlc-server goes with --engine tlc');
      if (opts.port !== undefined && opts.port > 65535)
        throw new InputError('--port: expected a port from 1 to 65535');
      if (opts.json && opts.format !== undefined && opts.format !== 'json')
        throw new InputError(`--json is --format json, which contradicts --format ${opts.format}: give one`);
      const format: ReportFormat = opts.format ?? (opts.json ? 'json' : 'human');
      if (opts.noninterference && opts.engine !== 'explorer')
        throw new InputError('--noninterference goes with --engine explorer');
      if (opts.noninterference && format !== 'human' && format !== 'json')
        throw new InputError(`--noninterference goes with --format human or json, not ${format}`);
      const loaded = loadWithPositions(file);
      const config = refuseBeyondModel(loaded.config, file);
      if (opts.engine === 'prove' && opts.maxStates !== undefined)
        throw new InputError(
          '--max-states bounds an enumeration, and --engine prove enumerates nothing: leave it out',
        );
      if (opts.engine !== 'explorer') {
        const result = await checkWith(opts.engine as TlaEngineChoice, config, file, {
          ...opts,
          format,
          positions: loaded.positions,
          maxMemory: opts.maxMemory ?? defaultMaxMemory(),
          onProgress: (line) => io.status(line),
          ...(opts.tlcServer
            ? {
                distributed: {
                  port: opts.port ?? DEFAULT_PORT,
                  localWorkers: opts.localWorkers ?? 0,
                  onServerReady: (command: string) =>
                    io.err(`TLC server ready; on each worker machine run: ${command}\n`),
                },
              }
            : {}),
        });
        io.status('');
        for (const note of result.notes) io.err(`${note}\n`);
        if (result.stdout) io.out(`${result.stdout}\n`);
        exit.code = result.exitCode;
        return;
      }
      const interrupt = new AbortController();
      const onInterrupt = () => interrupt.abort();
      process.once('SIGINT', onInterrupt);
      const maxMemory = opts.maxMemory ?? defaultMaxMemory();
      const explored = await runExplorerParallel(config, file, {
        maxStates: opts.maxStates,
        maxMemory,
        workers: opts.workers ?? defaultWorkers(),
        reduction: opts.reduction,
        symmetry: opts.reduction,
        signal: interrupt.signal,
        onProgress: (p) => io.status(formatProgress(p)),
      }).finally(() => process.off('SIGINT', onInterrupt));
      const run = diagnosed(explored, loaded.positions);
      io.status('');
      const stopped = stopNote(run.result, maxMemory);
      if (stopped)
        io.err(`${stopped}
`);
      const ni = opts.noninterference
        ? checkNoninterference(config, {
            ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
            onProgress: (observer, n) =>
              io.status(
                `noninterference: observer ${config.partitions[observer]!.name}, ${n.toLocaleString('en-US')} pairs of states`,
              ),
          })
        : null;
      io.status('');
      const niReport = ni ? noninterferenceReport(run.layout, ni, file) : null;
      const withNi = niReport ? { ...run, report: { ...run.report, noninterference: niReport } } : run;
      io.out(
        `${renderReport(format, withNi, file, loaded.positions, () =>
          ni && niReport
            ? `${formatHuman(run, file)}${formatNoninterference(run.layout, ni, niReport)}`
            : formatHuman(run, file),
        )}
`,
      );
      const code = exitCodeOf(run.report);
      exit.code = code === 0 && niReport ? noninterferenceExitCode(niReport) : code;
    });

  program
    .command('validate')
    .description('check that a system file is well formed and print a summary of it')
    .argument('<system-file>', 'system description (YAML or JSON)')
    .action((file: string) => {
      io.out(`${summarize(load(file))}\n`);
    });

  registerSimulate(program, io, exit, load);
  registerProve(program, io, exit, loadWithPositions);
  registerRepair(program, io, exit, loadWithPositions);
  registerEvidence(program, io, exit);
  registerTla(program, io, exit, load);
  registerImport(program, io, exit);
  configureUsage(program, io);
  return program;
}

/** Runs the command line on `argv` (the arguments after the command's name); returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const exit: ExitCode = { code: 0 };
  try {
    const program = buildProgram(io, exit);
    const missing = missingSubcommand(program, argv);
    if (missing !== null) {
      io.err(missing);
      return flushed(io, EXIT_INPUT);
    }
    await program.parseAsync(argv as string[], { from: 'user' });
    io.flush();
    return exit.code;
  } catch (e) {
    return failed(e, io);
  }
}

function failed(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Help and version are requests, not failures; the usage error's line is already written.
    return e.exitCode === 0 ? flushed(io, 0) : flushed(io, EXIT_INPUT);
  }
  if (e instanceof OutputError) {
    // A reader that went away wants no more; any other output failure is said on stderr.
    if (!e.closed && e.stream === 'standard output') tryWrite(io, `typezero: ${e.message}\n`);
    return EXIT_INPUT;
  }
  const known = e instanceof InputError || e instanceof ToolError || e instanceof EngineError;
  const reason = e instanceof Error ? e.message : String(e);
  tryWrite(io, known ? `${reason}\n` : `typezero: internal error: ${reason}\n`);
  return EXIT_INPUT;
}

function flushed(io: Io, code: number): number {
  try {
    io.flush();
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    return EXIT_INPUT;
  }
  return code;
}

/** Writes a last line on stderr; when even that fails there is nowhere left to say anything. */
function tryWrite(io: Io, text: string): void {
  try {
    io.err(text);
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
  }
}

/** True when this module is the program Node started (the bin), not a module a test imported. */
function isEntryPoint(): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  try {
    return realpathSync(started) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const io = processIo();
  run(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = failed(e, io);
    },
  );
}
