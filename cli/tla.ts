/**
 * The TLA+ side of the command line: `check --engine tla-checker|tlc|prove|all`, `tools install|path`,
 * and the `tlc` / `sany` pass-throughs to tla2tools.jar. A missing Java or jar is a tool failure:
 * exit 2 with one line saying what to do.
 */
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { checkOutDir, MANIFEST, OutDirError, writeOutDir } from '../evidence/out-dir.js';
import { type CheckReport, type CheckRun, exitCodeOf } from '../proofs/check.js';
import type { Verdict } from '../proofs/explorer.js';
import type { PropertyName } from '../proofs/properties.js';
import { z3Version } from '../proofs/symbolic/z3.js';
import type { SystemConfig } from '../system/config.js';
import type { SourcePositions } from '../system/load.js';
import type { EngineName, EngineRun } from '../tla/engine.js';
import { EngineError } from '../tla/engine.js';
import { engineNamed, runAll } from '../tla/engines.js';
import { standaloneModel } from '../tla/models.js';
import { proveEngine } from '../tla/prove-engine.js';
import { DEFAULT_PORT, parseServerAddress, workerArgs } from '../tla/tlc/distributed.js';
import { type DistributedSettings, tlcEngine } from '../tla/tlc/engine.js';
import { findJar, InstallError, installJar, PINNED_TLA2TOOLS } from '../tla/tlc/jar.js';
import { findTools, sanyArgs, tlcPassThroughArgs } from '../tla/tlc/java.js';
import { diagnosed, formatHuman } from './check.js';
import { refuseBeyondModel, refuseBeyondSpec } from './engine-limits.js';
import { type ReportFormat, renderReport } from './formats.js';
import type { Io } from './io.js';
import { withManifest } from './manifest.js';
import { wholeNumber } from './options.js';
import { formatProve, proveCauses } from './prove.js';
import { InputError } from './usage.js';

/** A tool failure with a one-line reason (exit 2). */
export class ToolError extends Error {}

export type TlaEngineChoice = Exclude<EngineName, 'explorer'> | 'all';

/** An engine's run in the shape the human report reads. */
export function asCheckRun(run: EngineRun): CheckRun {
  const verdicts = new Map<PropertyName, Verdict>();
  for (const p of run.report.properties) {
    const trace = run.traces.get(p.name);
    verdicts.set(
      p.name,
      p.status === 'violated' && trace
        ? { status: 'violated', trace }
        : { status: p.status === 'violated' ? 'unknown' : p.status },
    );
  }
  return {
    report: run.report,
    layout: run.layout,
    result: {
      verdicts,
      baits: run.baits ?? new Map(),
      witnesses: new Map(),
      distinctStates: run.report.stats.distinctStates,
      depth: run.report.stats.depth,
      complete: run.complete,
      durationMs: run.report.stats.durationMs,
    },
  };
}

function replayFailure(run: EngineRun): string | null {
  const d = run.disagreements[0];
  return d
    ? `${run.report.engine}: its counterexample to ${d.property} does not replay in the model (${d.disagreement.message})`
    : null;
}

export interface CheckCliOptions {
  readonly format: ReportFormat;
  /** Where the system file's fields are: violations then carry their root causes. */
  readonly positions: SourcePositions;
  readonly maxStates?: number;
  readonly workers?: number;
  readonly maxMemory?: number;
  readonly onProgress?: (line: string) => void;
  /** `--tlc-server`: TLC in its distributed mode, on `port`, with `localWorkers` beside it. */
  readonly distributed?: DistributedSettings;
}

export interface CheckCliResult {
  readonly stdout: string;
  readonly notes: readonly string[];
  readonly exitCode: 0 | 1 | 2;
}

/** `check` with a TLA+ engine or prove, or with every available engine. */
export async function checkWith(
  choice: TlaEngineChoice,
  config: SystemConfig,
  file: string,
  options: CheckCliOptions,
): Promise<CheckCliResult> {
  const { format, positions } = options;
  const common = {
    ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const render = (run: CheckRun, human?: () => string): string =>
    renderReport(format, diagnosed(run, positions), file, positions, human);
  if (choice === 'prove') {
    const run = await proveEngine().check(config, file, common);
    const solver = await z3Version();
    const stdout = render(asCheckRun(run), () =>
      formatProve({ ...run.proof, report: proveCauses(run.proof, positions) }, file, solver),
    );
    return { stdout, notes: [], exitCode: exitCodeOf(run.report) };
  }
  if (choice !== 'all') {
    const engine =
      choice === 'tlc' && options.distributed
        ? tlcEngine(process.env, options.distributed)
        : engineNamed(choice);
    const availability = await engine.available(config);
    if (!availability.ok) throw new ToolError(availability.reason);
    // Settling baits costs a search each; only the reports that say what was exercised need them.
    const baits = format === 'human' || format === 'junit';
    const run = await engine.check(config, file, { ...common, baits });
    const failure = replayFailure(run);
    if (failure)
      return {
        stdout: JSON.stringify(run.report, null, format === 'human' ? 2 : undefined),
        notes: [failure],
        exitCode: 2,
      };
    return {
      stdout: render(asCheckRun(run)),
      notes: [...(run.notes ?? [])],
      exitCode: exitCodeOf(run.report),
    };
  }

  const all = await runAll(config, file, common);
  const first = all.runs[0]!;
  const notes = all.skipped.map((s) => `${s.engine} not run: ${s.reason}`);
  const skippedLines = all.skipped.map((s) => `Not run: ${s.engine} (${s.reason}).`);
  if (all.disagreement)
    return { stdout: '', notes: [...notes, `engines disagree: ${all.disagreement}`], exitCode: 2 };
  const report: CheckReport = {
    ...first.report,
    engine: 'all',
    stats: {
      ...first.report.stats,
      durationMs: all.runs.reduce((t, r) => t + r.report.stats.durationMs, 0),
    },
  };
  const agreeing = all.runs
    .map((r) =>
      r.report.engine === 'prove'
        ? `prove (no states enumerated, ${r.report.stats.durationMs} ms)`
        : `${r.report.engine} (${r.report.stats.distinctStates.toLocaleString('en-US')} distinct states, ${r.report.stats.durationMs} ms)`,
    )
    .join(', ');
  const summary = [`Engines agree: ${agreeing}.`, ...skippedLines];
  const firstRun = asCheckRun(first);
  const stdout = render(
    { ...firstRun, report },
    () => `${formatHuman(diagnosed(firstRun, positions), file)}\n\n${summary.join('\n')}`,
  );
  return { stdout, notes: format === 'human' ? [] : notes, exitCode: exitCodeOf(report) };
}

/** `typezero tlc-worker HOST[:PORT]`: this machine joins a distributed TLC run as a worker. */
function tlcWorker(address: string, threads: number | undefined): number {
  const server = parseServerAddress(address);
  if (!server)
    throw new InputError(`tlc-worker: "${address}" is not HOST or HOST:PORT (a port from 1 to 65535)`);
  return passThrough((jar) => workerArgs(jar, server.host, server.port, threads));
}

function passThrough(args: (jar: string) => string[]): number {
  const tools = findTools();
  if (!tools.ok) throw new ToolError(tools.reason);
  const child = spawnSync(tools.java, args(tools.jar), { stdio: 'inherit' });
  if (child.error) throw new ToolError(`cannot run ${tools.java}: ${child.error.message}`);
  return child.status ?? 2;
}

export function registerTla(
  program: Command,
  io: Io,
  exit: { code: number },
  load: (file: string) => SystemConfig,
): void {
  program
    .command('spec')
    .description(
      'write the TLA+ model of a system file for TLC: Hypervisor.tla, MC<system>.tla and .cfg, and SHA256SUMS',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .requiredOption(
      '--out <dir>',
      'folder to write the files to: new, empty, or an earlier model with --force',
    )
    .option('--force', 'replace the TLA+ model written earlier to the --out folder')
    .action((file: string, opts: { out: string; force?: boolean }) => {
      const config = refuseBeyondSpec(refuseBeyondModel(load(file), file), file);
      try {
        checkOutDir(opts.out, { what: 'TLA+ model', force: opts.force === true });
        const model = standaloneModel(config, file);
        const files = new Map(Object.entries(model.files));
        writeOutDir(opts.out, withManifest(files));
        io.out(
          `wrote ${[...files.keys(), MANIFEST].join(', ')} to ${opts.out}\n` +
            `check with: typezero tlc -config ${model.config} ${model.module} (in ${opts.out})\n`,
        );
      } catch (e) {
        if (e instanceof OutDirError) throw new ToolError(`typezero spec: ${e.message}`);
        throw e;
      }
    });

  const tools = program.command('tools').description('the pinned tla2tools.jar (TLC and SANY)');
  tools
    .command('install')
    .description(`download tla2tools.jar ${PINNED_TLA2TOOLS.version} and verify its pinned SHA-256`)
    .action(async () => {
      try {
        const installed = await installJar();
        io.out(
          `installed tla2tools.jar ${PINNED_TLA2TOOLS.version} at ${installed.path} (SHA-256 ${installed.sha256})\n`,
        );
      } catch (e) {
        if (e instanceof InstallError) throw new ToolError(e.message);
        throw e;
      }
    });
  tools
    .command('path')
    .description('show where tla2tools.jar is (TLA2TOOLS_JAR, then the user cache)')
    .action(() => {
      const jar = findJar();
      if (!jar.ok) throw new ToolError(jar.reason);
      io.out(`${jar.path}\n`);
    });

  program
    .command('tlc-worker')
    .description(
      `join a distributed TLC run (check --engine tlc --tlc-server) as a worker; PORT defaults to ${DEFAULT_PORT}`,
    )
    .argument('<host[:port]>', 'the machine running check --tlc-server, as that command prints it')
    .option('--threads <n>', "worker threads (default: this machine's cores)", wholeNumber(1))
    .action((address: string, opts: { threads?: number }) => {
      exit.code = tlcWorker(address, opts.threads);
    });

  for (const [name, what, build] of [
    ['tlc', 'run TLC from tla2tools.jar with these arguments', tlcPassThroughArgs],
    ['sany', 'run SANY (the TLA+ parser) from tla2tools.jar with these arguments', sanyArgs],
  ] as const)
    program
      .command(name)
      .description(what)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action((_args: string[], _opts: unknown, cmd: Command) => {
        exit.code = passThrough((jar) => build(jar, cmd.args));
      });
}

export { EngineError };
