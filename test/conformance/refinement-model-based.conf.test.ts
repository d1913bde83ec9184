/**
 * Model-based testing with fast-check commands: random systems, random guest programs, and random
 * command sequences (attacker, launch sequence, timer, devices, vCPUs) applied to the emulator and
 * to the model side by side. Every failure is replayable from the seed and path fast-check prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RefinementChecker, stateDiff } from '../../conformance/refinement.js';
import { type Action, type EmulatorMutant, Machine } from '../../emulator/machine.js';
import { PAGE_SIZE } from '../../emulator/memory.js';
import { randomPrograms } from '../../emulator/programs.js';
import type { Layout } from '../../model/layout.js';
import { init, type State, sameState } from '../../model/state.js';
import { step } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import type { DeviceIdx, PartitionIdx } from '../../system/config.js';

interface Model {
  readonly layout: Layout;
  state: State;
}
interface Real {
  readonly machine: Machine;
  readonly checker: RefinementChecker;
}

/** Driver actions, performed and checked one by one; indices are reduced modulo what the system has. */
class Perform implements fc.Command<Model, Real> {
  constructor(
    private readonly label: string,
    private readonly make: (m: Machine) => Action | null | Action[],
  ) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const made = this.make(real.machine);
    for (const action of Array.isArray(made) ? made : made ? [made] : []) this.one(model, real, action);
  }
  private one(model: Model, real: Real, action: Action): void {
    const record = real.machine.perform(action);
    if (!record) return;
    model.state = step(model.layout, model.state, record.event).state;
    const mismatch = real.checker.check(record);
    if (mismatch)
      throw new Error(`${this.label}: ${JSON.stringify(record.event)}\n${mismatch.problems.join('\n')}`);
    if (!sameState(model.state, real.checker.state))
      throw new Error(`${this.label}: ${stateDiff(model.state, real.checker.state).join('; ')}`);
  }
  toString(): string {
    return this.label;
  }
}

const partitionOf = (m: Machine, k: number) => (k % m.config.partitions.length) as PartitionIdx;
const deviceOf = (m: Machine, k: number) =>
  m.config.devices.length ? ((k % m.config.devices.length) as DeviceIdx) : null;

const run = fc.nat().map(
  (k) =>
    new Perform(`run vcpu ${k}`, (m) => {
      const runnable = m.runnableVcpus();
      return runnable.length ? { kind: 'run', vcpu: runnable[k % runnable.length]!.id } : null;
    }),
);

const commands = [
  fc.constant(
    new Perform('boot', (m) => [
      { kind: 'measure' },
      ...m.config.partitions.map((p): Action => ({ kind: 'launch', partition: p.index })),
    ]),
  ),
  fc.constant(new Perform('measure', () => ({ kind: 'measure' }))),
  fc.constant(new Perform('tamper hypervisor', () => ({ kind: 'tamper', partition: null }))),
  fc.nat().map((k) => new Perform(`tamper ${k}`, (m) => ({ kind: 'tamper', partition: partitionOf(m, k) }))),
  fc.nat().map((k) => new Perform(`launch ${k}`, (m) => ({ kind: 'launch', partition: partitionOf(m, k) }))),
  fc.constant(
    new Perform('launch next', (m) => ({
      kind: 'launch',
      partition: partitionOf(
        m,
        m.config.partitions.findIndex((_, p) => m.status(p) === 'pending') + m.config.partitions.length,
      ),
    })),
  ),
  fc.constant(new Perform('tick', () => ({ kind: 'tick' }))),
  fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.boolean()).map(
    ([k, page, write]) =>
      new Perform(`dma ${k} page ${page} ${write ? 'write' : 'read'}`, (m) => {
        const d = deviceOf(m, k);
        return d === null
          ? null
          : { kind: 'dma', device: d, address: page * PAGE_SIZE, access: write ? 'write' : 'read' };
      }),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(
    ([k, j, write]) =>
      new Perform(`peer ${k} -> ${j} ${write ? 'write' : 'read'}`, (m) => {
        const [d, peer] = [deviceOf(m, k), deviceOf(m, j)];
        return d === null || peer === null
          ? null
          : { kind: 'peer', device: d, peer, access: write ? 'write' : 'read' };
      }),
  ),
  fc.nat().map(
    (k) =>
      new Perform(`irq ${k}`, (m) => {
        const d = deviceOf(m, k);
        return d === null ? null : { kind: 'irq', device: d };
      }),
  ),
  fc.constant(new Perform('tick', () => ({ kind: 'tick' }))),
  run,
  run,
  run,
  run,
  run,
  run,
];

function property(mutants?: ReadonlySet<EmulatorMutant>) {
  return fc.property(
    systemArb({ maxPartitions: 3, maxDevices: 2, maxPages: 10 }),
    fc.nat(),
    fc.double({ min: 0, max: 0.4, noNaN: true }),
    fc.commands(commands, { size: 'max', maxCommands: 120 }),
    (config, programSeed, faultRate, cmds) => {
      const machine = new Machine(config, {
        programs: randomPrograms(config, programSeed, { faultRate }),
        ...(mutants ? { mutants } : {}),
      });
      const checker = new RefinementChecker(machine);
      const setup = () => ({
        model: { layout: machine.layout, state: init(machine.layout) },
        real: { machine, checker },
      });
      fc.modelRun(setup, cmds);
    },
  );
}

describe('model-based refinement testing', () => {
  it('every command sequence keeps the emulator and the model in step', () => {
    fc.assert(property(), { seed: 4242, numRuns: 300 });
  });

  // The search stops at the first failure; the budget is for the rarest, the EPT mutant, which needs
  // a guest to write a page its EPT maps read-only (a shared region it reads): about one system in
  // a thousand.
  it.each<EmulatorMutant>([
    'ept-ignores-write-bit',
    'irq-drops-pending',
    'iommu-ignores-leaf-rights',
    'injection-skipped',
  ])('finds and shrinks a counterexample for the %s mutant', (mutant) => {
    const result = fc.check(property(new Set([mutant])), { seed: 4242, numRuns: 3000 });
    expect(result.failed).toBe(true);
    expect(result.counterexamplePath).toBeTruthy();
  });
});
