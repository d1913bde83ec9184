/**
 * `typezero simulate FILE [--steps N] [--seed S] [--program PARTITION=FILE]...`: runs the system on
 * the emulator with generated (or given) guest programs, prints a readable log of what happens (VM
 * exits, hypercalls, DMA, interrupts, audit records), and checks refinement of the model online.
 * Exit 0 when every step refines the model, 1 on the first step that does not (named on stderr),
 * 2 for bad input.
 */
import type { Command } from 'commander';
import { formatMismatch, type Mismatch, RefinementChecker } from '../conformance/refinement.js';
import { Coverage } from '../conformance/refinement-coverage.js';
import { EmulatorCapacityError } from '../emulator/capacity.js';
import { DEFAULT_WEIGHTS, runMachine } from '../emulator/driver.js';
import { AsmError, assemble, type Instruction } from '../emulator/isa.js';
import type { EmulatorMutant, Machine, StepRecord } from '../emulator/machine.js';
import { randomPrograms } from '../emulator/programs.js';
import { describeEvent, exitName } from '../model/describe.js';
import type { SystemConfig } from '../system/config.js';
import { readSystemFile } from '../system/read.js';
import { refuseBeyondEmulator, refuseBeyondModel } from './engine-limits.js';
import type { Io } from './io.js';
import { wholeNumber } from './options.js';
import { InputError } from './usage.js';

const DEFAULT_STEPS = 200;
const DEFAULT_SEED = 1;

export interface SimulateOptions {
  readonly steps: number;
  readonly seed: number;
  /** `partition=file` or `partition:vcpu=file`, assembly source. */
  readonly programs: readonly string[];
  /** Test-only: a deliberately broken emulator, never set from the command line. */
  readonly mutants?: ReadonlySet<EmulatorMutant>;
}

export interface SimulateResult {
  /** The first step that does not refine the model, in words; null when every step does. */
  readonly mismatch: string | null;
}

/** Generated programs, with the given files in place of the named partitions' (or vCPUs'). */
function programsFor(
  config: SystemConfig,
  seed: number,
  given: readonly string[],
  fail: (message: string) => Error,
): { programs: Instruction[][][]; note: string } {
  const programs = randomPrograms(config, seed, { faultRate: 0.04 });
  const notes: string[] = [];
  for (const spec of given) {
    const m = /^([a-z0-9-]+)(?::(\d+))?=(.+)$/.exec(spec);
    if (!m) throw fail(`--program: expected PARTITION=FILE or PARTITION:VCPU=FILE, got "${spec}"`);
    const [, name, vcpu, file] = m;
    const p = config.partitions.find((x) => x.name === name);
    if (!p)
      throw fail(
        `--program: no partition "${name}" (partitions: ${config.partitions.map((x) => x.name).join(', ')})`,
      );
    // Read as a system file is: only a regular file, of bounded size, so /dev/zero cannot hang it.
    const read = readSystemFile(file!);
    if (!read.ok) throw fail(`--program: cannot read ${file}: ${read.reason}`);
    const source = read.text;
    let code: Instruction[];
    try {
      code = assemble(source);
    } catch (e) {
      if (e instanceof AsmError) throw fail(`${file}: ${e.message}`);
      throw e;
    }
    const mine = programs[p.index]!;
    if (vcpu === undefined) mine.fill(code);
    else if (Number(vcpu) < mine.length) mine[Number(vcpu)] = code;
    else throw fail(`--program: ${name} has ${mine.length} vCPU(s), no vCPU ${vcpu}`);
    notes.push(`${name}${vcpu === undefined ? '' : ` vCPU ${vcpu}`} from ${file}`);
  }
  return {
    programs,
    note: notes.length
      ? `generated from seed ${seed}, except ${notes.join(', ')}`
      : `generated from seed ${seed}`,
  };
}

function formatStep(m: Machine, r: StepRecord): string[] {
  const head = `${String(r.index).padStart(5)}  ${describeEvent(m.layout, r.event)}`;
  const tail = r.outcome === 'ok' ? '' : `  [${r.outcome}]`;
  const lines = [head + tail];
  for (const line of r.log) lines.push(`         ${line}`);
  return lines;
}

/**
 * Runs the simulation, handing each line of the log to `emit` as it happens (a long run never holds
 * its log in memory); the caller exits 1 when `mismatch` is set.
 */
export function simulate(
  config: SystemConfig,
  file: string,
  options: SimulateOptions,
  fail: (m: string) => Error,
  emit: (line: string) => void,
): SimulateResult {
  const { programs, note } = programsFor(config, options.seed, options.programs, fail);
  const coverage = new Coverage();
  let checker: RefinementChecker | null = null;
  let machine: Machine | null = null;
  let mismatch: Mismatch | null = null;
  runMachine(config, {
    seed: options.seed,
    steps: options.steps,
    programs,
    ...(options.mutants ? { mutants: options.mutants } : {}),
    weights: { ...DEFAULT_WEIGHTS, attacker: 0.05, faultRate: 0.04 },
    afterHalt: 3,
    onStart: (m) => {
      // Said once the machine exists, so a system it cannot hold prints nothing.
      emit(
        `system ${config.system} (${file}): ${options.steps} steps from seed ${options.seed}, refinement of the model checked at every step`,
      );
      emit(`guest programs: ${note}`);
      emit('');
      machine = m;
      checker = new RefinementChecker(m);
    },
    onStep: (record, m) => {
      coverage.add(record);
      for (const line of formatStep(m, record)) emit(line);
      mismatch = checker!.check(record);
      return mismatch === null;
    },
  });
  const m = machine as Machine | null;
  if (!m) throw new Error('the simulation did not start');
  const exits = [...coverage.exits].sort((a, b) => a[0] - b[0]).map(([r, n]) => `${n} ${exitName(r)}`);
  const hypercalls = [...coverage.hypercalls].map(([k, n]) => `${n} ${k}`);
  const dma = [...coverage.events]
    .filter(([k]) => k.startsWith('Dma '))
    .map(([k, n]) => `${n} ${k.slice(4)}`);
  for (const line of [
    '',
    `${coverage.steps} steps, ${coverage.instructions} guest instructions${m.halted ? ', system halted fail-secure' : ''}`,
    `VM exits: ${exits.join(', ') || 'none'}`,
    `hypercalls: ${hypercalls.join(', ') || 'none'}`,
    `DMA: ${dma.join(', ') || 'none'}`,
    `audit log: ${m.auditCount()} record(s) in the ring${m.auditLost() ? `, ${m.auditLost()} overwritten` : ''}`,
  ])
    emit(line);
  for (const rec of m.auditRecords())
    emit(
      `  #${rec.seq} ${rec.code}${rec.cause === null ? '' : ` (${m.partitionName(rec.cause)})`} at tick ${rec.frame}`,
    );
  const failed = mismatch as Mismatch | null;
  if (failed) return { mismatch: formatMismatch(failed, (e) => describeEvent(m.layout, e)) };
  emit('');
  emit(`Refinement holds: every one of the ${coverage.steps} steps matches the model.`);
  return { mismatch: null };
}

/** Adds `simulate` to the command line; `load` gives bad input exit code 2. */
export function registerSimulate(
  program: Command,
  io: Io,
  exit: { code: number },
  load: (file: string) => SystemConfig,
): void {
  program
    .command('simulate')
    .description(
      'run the system on the emulator with guest programs, checking refinement of the model online',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .option('--steps <n>', 'emulator steps to run', wholeNumber(1), DEFAULT_STEPS)
    .option('--seed <s>', 'seed for the run and the generated programs', wholeNumber(0), DEFAULT_SEED)
    .option(
      '--program <partition=file>',
      'guest assembly for a partition (or PARTITION:VCPU=FILE); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action((file: string, opts: { steps: number; seed: number; program: string[] }) => {
      const config = refuseBeyondEmulator(refuseBeyondModel(load(file), file), file);
      let result: SimulateResult;
      try {
        result = simulate(
          config,
          file,
          { steps: opts.steps, seed: opts.seed, programs: opts.program },
          (message) => new InputError(message),
          (line) => io.out(`${line}\n`),
        );
      } catch (e) {
        if (e instanceof EmulatorCapacityError)
          throw new InputError(`${file}: cannot simulate this system: ${e.message}`);
        throw e;
      }
      if (result.mismatch) {
        io.err(`${result.mismatch}\n`);
        exit.code = 1;
      }
    });
}
