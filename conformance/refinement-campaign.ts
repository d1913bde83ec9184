/**
 * Long random simulations with online refinement checking: each run builds a machine for a system,
 * gives every vCPU a random program, drives it from a seed and checks every step against the model.
 * A run is replayable from (system, seed); a failure names both and the step.
 */

import fc from 'fast-check';
import { DEFAULT_WEIGHTS, type DriverWeights, runMachine } from '../emulator/driver.js';
import { assemble } from '../emulator/isa.js';
import { type EmulatorMutant, Machine, type StepRecord } from '../emulator/machine.js';
import { randomPrograms } from '../emulator/programs.js';
import { describeEvent } from '../model/describe.js';
import { systemArb } from '../proofs/arbitraries.js';
import type { SystemConfig } from '../system/config.js';
import { formatMismatch, RefinementChecker } from './refinement.js';
import { Coverage } from './refinement-coverage.js';

export interface RunSpec {
  readonly seed: number;
  readonly steps: number;
  readonly mutants?: ReadonlySet<EmulatorMutant>;
  /** Defaults vary with the seed, so a set of seeds mixes careful and careless guests. */
  readonly faultRate?: number;
  readonly attacker?: number;
}

export interface RunResult {
  readonly system: string;
  readonly seed: number;
  readonly steps: number;
  readonly coverage: Coverage;
  /** The first refinement failure, in words (system, seed, step, what differs). */
  readonly failure: string | null;
}

const FAULT_RATES = [0.01, 0.04, 0.12, 0.3];
const ATTACKER = [0, 0.05, 0.3, 1.5];

export function faultRateFor(seed: number): number {
  return FAULT_RATES[seed % FAULT_RATES.length]!;
}

/** One seeded simulation of `config` with online refinement checking. */
export function checkedRun(config: SystemConfig, spec: RunSpec): RunResult {
  const faultRate = spec.faultRate ?? faultRateFor(spec.seed);
  const weights: DriverWeights = {
    ...DEFAULT_WEIGHTS,
    faultRate,
    attacker: spec.attacker ?? ATTACKER[Math.floor(spec.seed / FAULT_RATES.length) % ATTACKER.length]!,
  };
  const coverage = new Coverage();
  let checker: RefinementChecker | null = null;
  let failure: string | null = null;
  let steps = 0;
  runMachine(config, {
    seed: spec.seed,
    steps: spec.steps,
    weights,
    programs: randomPrograms(config, spec.seed, { faultRate }),
    ...(spec.mutants ? { mutants: spec.mutants } : {}),
    onStart: (m) => {
      checker = new RefinementChecker(m);
    },
    onStep: (record: StepRecord) => {
      steps++;
      coverage.add(record);
      const mismatch = checker!.check(record);
      if (!mismatch) return true;
      failure = `${config.system}, seed ${spec.seed}: ${formatMismatch(mismatch, (e) => describeEvent(checker!.layout, e))}`;
      return false;
    },
  });
  return { system: config.system, seed: spec.seed, steps, coverage, failure };
}

/**
 * Exit 49 needs a malformed EPT entry, which a correct hypervisor never writes: a test corrupts one
 * entry (as a memory fault would) and the guest's next access through it must be refused as an EPT
 * misconfiguration that faults the partition, after which the memory manager rebuilds the EPT.
 */
export function misconfigRun(config: SystemConfig, mutants?: ReadonlySet<EmulatorMutant>): RunResult {
  const program = assemble('again:\n  load r0, [0]\n  jmp again');
  const m = new Machine(config, {
    programs: config.partitions.map(() => [program]),
    ...(mutants ? { mutants } : {}),
  });
  const checker = new RefinementChecker(m);
  const coverage = new Coverage();
  const step = (record: StepRecord | null): string | null => {
    if (!record) return null;
    coverage.add(record);
    const mismatch = checker.check(record);
    return mismatch ? formatMismatch(mismatch, (e) => describeEvent(m.layout, e)) : null;
  };
  let failure = step(m.perform({ kind: 'measure' }));
  for (const p of config.partitions) failure ??= step(m.perform({ kind: 'launch', partition: p.index }));
  for (let i = 0; i < 4 * config.schedule.majorFrame && !failure; i++) {
    const v = m.runnableVcpus()[0];
    if (v && m.corruptEptEntry(v.partition, 0)) {
      const record = m.perform({ kind: 'run', vcpu: v.id });
      failure = step(record);
      if (!failure && !(record?.event.type === 'VmExit' && record.event.reason === 49))
        failure = `expected an EPT misconfiguration exit, got ${JSON.stringify(record?.event)}`;
      return { system: config.system, seed: 0, steps: coverage.steps, coverage, failure };
    }
    failure = step(m.perform({ kind: 'tick' }));
  }
  return {
    system: config.system,
    seed: 0,
    steps: coverage.steps,
    coverage,
    failure: failure ?? 'no vCPU ever ran',
  };
}

export interface CampaignOptions {
  /** System files, relative to the repository root or absolute. */
  readonly systems: readonly string[];
  readonly seeds: number;
  readonly steps: number;
  /** Generated systems (proofs/arbitraries.ts) run with `generatedSteps` each. */
  readonly generated?: number;
  readonly generatedSteps?: number;
}

export interface CampaignResult {
  readonly coverage: Coverage;
  readonly runs: number;
  readonly failures: readonly string[];
}

/** Every system over `seeds` seeds, one EPT-misconfiguration run each, then generated systems. */
export function runRefinementCampaign(
  options: CampaignOptions,
  load: (file: string) => SystemConfig,
): CampaignResult {
  const coverage = new Coverage();
  const failures: string[] = [];
  let runs = 0;
  const record = (r: RunResult) => {
    runs++;
    coverage.merge(r.coverage);
    if (r.failure) failures.push(r.failure);
  };
  for (const file of options.systems) {
    const config = load(file);
    for (let seed = 0; seed < options.seeds; seed++)
      record(checkedRun(config, { seed, steps: options.steps }));
    record(misconfigRun(config));
  }
  if (options.generated)
    for (const [i, config] of fc
      .sample(systemArb({ maxPartitions: 3, maxDevices: 3, maxPages: 12 }), {
        seed: 20261126,
        numRuns: options.generated,
      })
      .entries())
      record(checkedRun(config, { seed: i, steps: options.generatedSteps ?? 400 }));
  return { coverage, runs, failures };
}

/** `node dist/conformance/refinement-campaign.js [--seeds N] [--steps N] [--generated N]` */
async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const { readdirSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { formatSystemFileError, loadSystemFile } = await import('../system/load.js');
  const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));
  const systems = readdirSync(`${root}examples`)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${root}examples/${f}`);
  const started = performance.now();
  const result = runRefinementCampaign(
    { systems, seeds: arg('--seeds', 48), steps: arg('--steps', 2500), generated: arg('--generated', 250) },
    (file) => {
      const loaded = loadSystemFile(file);
      if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
      return loaded.config;
    },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `refinement campaign: ${result.runs} runs in ${seconds} s, ${result.failures.length} failures\n`,
  );
  for (const f of result.failures) process.stdout.write(`${f}\n`);
  process.stdout.write(`${result.coverage.report()}\n`);
  process.exitCode = result.failures.length ? 1 : 0;
}

if (process.argv[1]?.endsWith('refinement-campaign.js')) await main();
