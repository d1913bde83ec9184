#!/usr/bin/env node
/**
 * The `typezero` command line (docs/DESIGN.md section 5). Exit codes: 0 every property holds, 1 a property
 * is violated or unknown, 2 bad input or a tool failure, always with a reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { exitCodeOf, runExplorerParallel } from '../proofs/check.js';
import { defaultMaxMemory, defaultWorkers } from '../proofs/parallel.js';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { summarize } from '../system/summary.js';
import { formatHuman, formatProgress, stopNote } from './check.js';
import { registerEvidence } from './evidence.js';
import { byteSize, formatBytes, wholeNumber } from './options.js';
import { registerProve } from './prove.js';
import { registerSimulate } from './simulate.js';
import { checkWith, EngineError, registerTla, ToolError } from './tla.js';

const EXIT_INPUT = 2;

class InputError extends Error {}

interface CheckOptions {
  engine: string;
  json?: boolean;
  maxStates?: number;
  workers?: number;
  maxMemory?: number;
}

function load(file: string): SystemConfig {
  const loaded = loadSystemFile(file);
  if (!loaded.ok) throw new InputError(loaded.errors.map(formatSystemFileError).join('\n'));
  return loaded.config;
}

/** One status line on stderr, redrawn in place, only when stderr is a terminal. */
function progressLine(): { update: (text: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    update: (text) => {
      if (!tty) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('typezero')
    .description('Verification toolkit for Type Zero separation hypervisors')
    .version(version())
    .showHelpAfterError()
    .exitOverride();

  program
    .command('check')
    .description(
      'check every catalog property of a system file; show the shortest attack trace for each violation',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .addOption(
      new Option('--engine <engine>', 'which engine checks the system')
        .choices(['explorer', 'tla-checker', 'tlc', 'all'])
        .default('explorer'),
    )
    .option('--json', 'print the report as one JSON object on stdout, traces in ITF')
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
    .action(async (file: string, opts: CheckOptions) => {
      const config = load(file);
      const progress = progressLine();
      if (opts.engine !== 'explorer') {
        const result = await checkWith(opts.engine as 'tla-checker' | 'tlc' | 'all', config, file, {
          ...opts,
          maxMemory: opts.maxMemory ?? defaultMaxMemory(),
          onProgress: (line) => progress.update(line),
        });
        progress.done();
        for (const note of result.notes) process.stderr.write(`${note}\n`);
        if (result.stdout) process.stdout.write(`${result.stdout}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      const interrupt = new AbortController();
      const onInterrupt = () => interrupt.abort();
      process.once('SIGINT', onInterrupt);
      const maxMemory = opts.maxMemory ?? defaultMaxMemory();
      const run = await runExplorerParallel(config, file, {
        maxStates: opts.maxStates,
        maxMemory,
        workers: opts.workers ?? defaultWorkers(),
        signal: interrupt.signal,
        onProgress: (p) => progress.update(formatProgress(p)),
      }).finally(() => process.off('SIGINT', onInterrupt));
      progress.done();
      const stopped = stopNote(run.result, maxMemory);
      if (stopped) process.stderr.write(`${stopped}\n`);
      process.stdout.write(opts.json ? `${JSON.stringify(run.report)}\n` : `${formatHuman(run, file)}\n`);
      process.exitCode = exitCodeOf(run.report);
    });

  program
    .command('validate')
    .description('check that a system file is well formed and print a summary of it')
    .argument('<system-file>', 'system description (YAML or JSON)')
    .action((file: string) => {
      process.stdout.write(`${summarize(load(file))}\n`);
    });

  registerSimulate(program, load, (message) => new InputError(message));
  registerProve(program, load);
  registerEvidence(program);
  registerTla(program, load, (code) => {
    process.exitCode = code;
  });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync(argv as string[], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are requests, not failures; commander already printed the text.
      return e.exitCode === 0 ? 0 : EXIT_INPUT;
    }
    if (e instanceof InputError || e instanceof ToolError || e instanceof EngineError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT_INPUT;
    }
    const reason = e instanceof Error ? e.message : String(e);
    process.stderr.write(`typezero: internal error: ${reason}\n`);
    return EXIT_INPUT;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
