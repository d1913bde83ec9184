import { describe, expect, it } from 'vitest';
import { BAR_BASE, barAddress } from '../../emulator/fabric.js';
import { assemble } from '../../emulator/isa.js';
import { type Action, Machine } from '../../emulator/machine.js';
import { PAGE_SIZE } from '../../emulator/memory.js';
import type { DeviceIdx } from '../../system/config.js';
import { exampleText, fromYaml } from '../helpers.js';

const IDLE = assemble('hlt');
const DISK = 0 as DeviceIdx;
const NIC = 1 as DeviceIdx;
const write: Action = { kind: 'peer', device: DISK, peer: NIC, access: 'write' };

function machine(acs: 'enforced' | 'off'): Machine {
  const config = fromYaml(exampleText('peer-dma').replace('acs: off', `acs: ${acs}`));
  return new Machine(config, { programs: [[IDLE], [IDLE]] });
}

function boot(m: Machine): void {
  m.perform({ kind: 'measure' });
  for (const p of m.config.partitions) m.perform({ kind: 'launch', partition: p.index });
}

describe('the PCIe fabric', () => {
  it('without ACS routes a request for a peer BAR on the same root port to the peer, once released', () => {
    const m = machine('off');
    expect(m.perform(write)).toMatchObject({ event: { type: 'PeerDma' }, outcome: 'ignored' });
    boot(m);
    const r = m.perform(write)!;
    expect(r).toMatchObject({ event: { type: 'PeerDma', device: DISK, peer: NIC, access: 'write' } });
    expect(r.outcome).toBe('ok');
    expect(r.effects).toEqual([]);
    expect(r.hw).toEqual([]);
    expect(m.devices[NIC]!.buffer).toEqual(new Uint8Array(8).fill(0xd0 + DISK));
    expect(m.ghost.observed[m.config.devices[NIC]!.owner]).toBe(0b11);
    // Two audited faults fill the log (capacity 2, onFull: halt): the halt holds the devices again.
    for (let i = 0; i < 2; i++)
      m.perform({ kind: 'dma', device: DISK, address: 9 * PAGE_SIZE, access: 'read' });
    expect(m.halted).toBe(true);
    expect(m.perform(write)!.outcome).toBe('ignored');
  });

  it('with ACS sends it up to the IOMMU, which faults and the hypervisor audits', () => {
    const m = machine('enforced');
    boot(m);
    const r = m.perform(write)!;
    expect(r.event).toEqual({
      type: 'Dma',
      device: DISK,
      page: barAddress(NIC) / PAGE_SIZE,
      access: 'write',
    });
    expect(r.outcome).toBe('refused');
    expect(r.hw).toContainEqual(expect.objectContaining({ kind: 'vtd-fault', reason: 5 }));
    expect(m.auditRecords().map((x) => x.code)).toEqual(['iommu-fault']);
    expect(m.devices[NIC]!.buffer).toEqual(new Uint8Array(8).fill(0xd0 + NIC));
  });

  it('puts every BAR above memory and below the interrupt address range, in the 32-bit DMA register', () => {
    const m = machine('off');
    expect(BAR_BASE).toBeGreaterThanOrEqual(m.mem.pages * PAGE_SIZE);
    expect(barAddress(29) + PAGE_SIZE).toBeLessThanOrEqual(0xfee0_0000);
  });
});
