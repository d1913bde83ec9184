import { describe, expect, it } from 'vitest';
import { assemble } from '../../emulator/isa.js';
import { type Action, Machine, type StepRecord } from '../../emulator/machine.js';
import { PAGE_SIZE } from '../../emulator/memory.js';
import { isAllOnes, PCR_HYPERVISOR, PCR_LAUNCH, sha256 } from '../../emulator/tpm.js';
import { example } from '../helpers.js';

const mils = example('mils-two-domain');
// secret (partition 0): gpa pages 0-3 its memory, gpa 4 the ring (read-only); unclass: 0-3, ring at gpa 4 (rw).
const SECRET = assemble(`
  load r3, [0x4000]       ; read the shared ring
  hypercall receive, 0, 0x100  ; take the message unclass sent, into its own memory
  store [0x4000], r3      ; write the read-only ring: EPT violation
`);
const UNCLASS = assemble(`
  mov r3, 0x1234abcd
  store [0x4000], r3      ; publish into the ring
  mov r3, 0xfeedface
  store [0x0], r3         ; the message, in its own memory
  hypercall send, 0, 0x0  ; sent from there
  hlt
`);

function boot(m: Machine): StepRecord[] {
  const out: StepRecord[] = [];
  const act = (a: Action) => out.push(m.perform(a)!);
  act({ kind: 'measure' });
  for (const p of m.config.partitions) act({ kind: 'launch', partition: p.index });
  return out;
}

function run(m: Machine, partition: number): StepRecord {
  const v = m.vcpus.find((x) => x.partition === partition && m.canRun(x));
  if (!v) throw new Error(`partition ${partition} cannot run now`);
  return m.perform({ kind: 'run', vcpu: v.id })!;
}

describe('the Type Zero machine', () => {
  it('measures the hypervisor into the dynamic PCRs and boots in file order', () => {
    const m = new Machine(mils, { programs: [[SECRET], [UNCLASS]] });
    expect(isAllOnes(m.tpm.read(PCR_LAUNCH))).toBe(true);
    const records = boot(m);
    expect(records.map((r) => [r.event.type, r.outcome])).toEqual([
      ['MeasureHypervisor', 'ok'],
      ['LaunchPartition', 'ok'],
      ['LaunchPartition', 'ok'],
    ]);
    const expected18 = sha256(new Uint8Array(32), sha256(m.imageBytes(null)));
    expect(m.tpm.read(PCR_HYPERVISOR)).toEqual(expected18);
    expect(m.booted).toBe(true);
    // Every hypervisor structure lies past the platform's pages.
    for (const p of [0, 1]) expect(m.eptRoot(p)).toBeGreaterThanOrEqual(mils.platform.pages * PAGE_SIZE);
    expect(m.auditRing).toBeGreaterThanOrEqual(mils.platform.pages * PAGE_SIZE);
  });

  it('fails secure on a tampered hypervisor: refused, audited in the ring, halted, DMA blocked', () => {
    const m = new Machine(mils, { programs: [[SECRET], [UNCLASS]] });
    expect(m.perform({ kind: 'tamper', partition: null })!.outcome).toBe('ok');
    expect(m.perform({ kind: 'tamper', partition: null })!.outcome).toBe('ignored');
    const r = m.perform({ kind: 'measure' })!;
    expect(r.outcome).toBe('refused');
    expect(m.halted).toBe(true);
    expect(m.auditRecords()).toMatchObject([{ seq: 1, code: 'hv-measurement-failed', cause: null }]);
    expect(m.perform({ kind: 'launch', partition: 0 as never })!.outcome).toBe('ignored');
    const dma = m.perform({ kind: 'dma', device: 0 as never, address: 2 * PAGE_SIZE, access: 'read' })!;
    // The halt holds the devices: the request never reaches the IOMMU, which records nothing.
    expect(dma.outcome).toBe('ignored');
    expect(dma.hw).toEqual([]);
    expect(m.iommu.faultCounts.size).toBe(0);
  });

  it('runs guest code: data moves through the shared ring and the channel, and a bad write faults', () => {
    const m = new Machine(mils, { programs: [[SECRET], [UNCLASS]] });
    boot(m);
    // Tick 0 belongs to secret; tick 1 to unclass.
    m.perform({ kind: 'tick' });
    expect(run(m, 1).event).toEqual({ type: 'GuestAccess', partition: 1, gpa: 4, access: 'write' });
    expect(m.mem.read32(8 * PAGE_SIZE)).toBe(0x1234abcd);
    expect(run(m, 1).event).toEqual({ type: 'GuestAccess', partition: 1, gpa: 0, access: 'write' });
    expect(run(m, 1).event).toEqual({ type: 'Hypercall', partition: 1, op: 'send', arg: 0, buffer: 0 });
    expect(m.channelQueue(0)).toMatchObject([{ payload: 0xfeedface, sender: 1 }]);
    m.perform({ kind: 'tick' });
    run(m, 0);
    const secret = m.vcpus[0]!;
    expect(m.register(secret, 3)).toBe(0x1234abcd);
    const recv = run(m, 0);
    expect(recv.effects).toContainEqual({ kind: 'hypercall', partition: 0, op: 'receive', status: 'OK' });
    expect(m.register(secret, 1)).toBe(0xfeedface);
    // The hypervisor wrote it into secret's buffer, its host page 0.
    expect(m.mem.read32(0x100)).toBe(0xfeedface);
    const bad = run(m, 0);
    expect(bad.outcome).toBe('faulted');
    expect(bad.hw).toContainEqual({ kind: 'exit', cpu: 0, reason: 48, partition: 0 });
    expect(m.status(0)).toBe('faulted');
    expect(m.vcpuState(secret)).toBe('stopped');
    expect(m.auditRecords()).toMatchObject([{ code: 'ept-violation', cause: 0, detail: 4 }]);
    expect(m.mem.read32(8 * PAGE_SIZE)).toBe(0x1234abcd);
  });
});
