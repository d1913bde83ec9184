/**
 * The emulator's partition control over named targets (`partitions[].controls`): the hypercall
 * handler and the health monitor reach only the partitions a holder controls, and random runs on
 * such a system refine the model step by step.
 */
import { describe, expect, it } from 'vitest';
import { checkedRun } from '../../conformance/refinement-campaign.js';
import { Coverage } from '../../conformance/refinement-coverage.js';
import { assemble } from '../../emulator/isa.js';
import { type Action, Machine, type StepRecord } from '../../emulator/machine.js';
import { fromYaml } from '../helpers.js';
import { TARGETED } from '../targeted-control.js';

const config = fromYaml(TARGETED());
const HIGH = assemble(`
  store [0x8000], r3      ; outside its memory: EPT violation, high faults
`);
const LOW = assemble(`
  store [0x8000], r3      ; low faults too
`);
const MON = assemble(`
  hypercall partition-status, 0   ; high: not controlled
  hypercall partition-reset, 0
  hypercall partition-status, 1   ; low: controlled
  hypercall partition-status, 2   ; itself
  hlt
`);

function run(m: Machine, partition: number): StepRecord {
  const v = m.vcpus.find((x) => x.partition === partition && m.canRun(x));
  if (!v) throw new Error(`partition ${partition} cannot run now`);
  return m.perform({ kind: 'run', vcpu: v.id })!;
}

function booted(): Machine {
  const m = new Machine(config, { programs: [[HIGH], [LOW], [MON]] });
  const act = (a: Action) => m.perform(a);
  act({ kind: 'measure' });
  for (const p of config.partitions) act({ kind: 'launch', partition: p.index });
  return m;
}

const status = (r: StepRecord) => r.effects.find((e) => e.kind === 'hypercall')?.status;

describe('partition control in the emulator', () => {
  it('the health monitor resets the faulted partition it controls, not the other', () => {
    const m = booted();
    expect(run(m, 0).outcome).toBe('faulted'); // tick 0: high's window
    m.perform({ kind: 'tick' });
    expect(run(m, 1).outcome).toBe('faulted'); // tick 1: low's
    const tick = m.perform({ kind: 'tick' })!; // back to tick 0, which starts mon's window
    expect(tick.effects).toContainEqual({ kind: 'reset', by: 2, target: 1 });
    expect(tick.effects.filter((e) => e.kind === 'reset')).toHaveLength(1);
    expect([m.status(0), m.status(1)]).toEqual(['faulted', 'running']);
  });

  it('refuses reset and status on a partition the caller does not control with EPERM, audited', () => {
    const m = booted();
    const before = m.auditRecords().length;
    expect([run(m, 2), run(m, 2), run(m, 2), run(m, 2)].map(status)).toEqual(['EPERM', 'EPERM', 'OK', 'OK']);
    expect(m.auditRecords().slice(before)).toMatchObject([
      { code: 'hypercall-refused', cause: 2 },
      { code: 'hypercall-refused', cause: 2 },
    ]);
  });

  it('random runs refine the model', () => {
    const coverage = new Coverage();
    for (let seed = 0; seed < 8; seed++) {
      const r = checkedRun(config, { seed, steps: 1500 });
      expect(r.failure).toBeNull();
      coverage.merge(r.coverage);
    }
    for (const call of ['partition-reset OK', 'partition-reset EPERM', 'partition-status OK'])
      expect(coverage.hypercalls.get(call), call).toBeGreaterThan(0);
  });
});
