import { describe, expect, it } from 'vitest';
import { EPT_EXEC, EPT_READ, EPT_WRITE, EptBuilder, enumerateEpt, walkEpt } from '../../emulator/ept.js';
import { HostMemory, PAGE_SIZE } from '../../emulator/memory.js';

function setup() {
  const mem = new HostMemory(8, 16);
  const builder = new EptBuilder(mem, () => mem.allocPages(1));
  const root = builder.build([
    { gpaPage: 0, hostPage: 5, rights: EPT_READ | EPT_WRITE | EPT_EXEC },
    { gpaPage: 1, hostPage: 2, rights: EPT_READ },
    { gpaPage: 600, hostPage: 3, rights: EPT_READ | EPT_WRITE },
  ]);
  return { mem, builder, root };
}

describe('EPT walker', () => {
  it('translates through four levels of tables kept in hypervisor memory', () => {
    const { mem, root, builder } = setup();
    expect(root).toBeGreaterThanOrEqual(mem.hypervisorBase);
    expect(builder.tablePages).toHaveLength(5); // PML4, PDPT, PD, and two PTs (gpa pages 0..1 and 600)
    expect(walkEpt(mem, root, 0x123, 'write')).toEqual({ kind: 'ok', hpa: 5 * PAGE_SIZE + 0x123, rights: 7 });
    expect(walkEpt(mem, root, 600 * PAGE_SIZE + 8, 'read')).toMatchObject({
      kind: 'ok',
      hpa: 3 * PAGE_SIZE + 8,
    });
  });

  it('keeps the Intel entry format: rights in bits 0..2, address in bits 12..51, WB memory type', () => {
    const { mem, root } = setup();
    const pml4e = mem.read64(root);
    expect(pml4e % 8).toBe(7);
    const pt =
      Math.floor(mem.read64(Math.floor(mem.read64(Math.floor(pml4e / 4096) * 4096) / 4096) * 4096) / 4096) *
      4096;
    const leaf = mem.read64(pt + 1 * 8);
    expect(leaf % 8).toBe(EPT_READ);
    expect(Math.floor(leaf / 8) % 8).toBe(6);
    expect(Math.floor(leaf / PAGE_SIZE)).toBe(2);
  });

  it('refuses an access whose right is missing at any level, naming the address and access', () => {
    const { mem, root } = setup();
    expect(walkEpt(mem, root, PAGE_SIZE + 4, 'write')).toEqual({
      kind: 'violation',
      gpa: PAGE_SIZE + 4,
      access: 'write',
      level: 1,
    });
    expect(walkEpt(mem, root, PAGE_SIZE, 'execute')).toMatchObject({ kind: 'violation', access: 'execute' });
    expect(walkEpt(mem, root, 2 * PAGE_SIZE, 'read')).toMatchObject({ kind: 'violation', level: 1 });
    expect(walkEpt(mem, root, 2 ** 40, 'read')).toMatchObject({ kind: 'violation', level: 4 });
    expect(walkEpt(mem, root, 2 ** 48, 'read')).toMatchObject({ kind: 'violation' });
  });

  it('reports malformed entries as misconfigurations, not violations', () => {
    const { mem, root } = setup();
    const leafOf = (gpaPage: number) => {
      let table = root;
      for (let level = 4; level > 1; level--)
        table =
          Math.floor(mem.read64(table + (Math.floor(gpaPage / 2 ** (9 * (level - 1))) % 512) * 8) / 4096) *
          4096;
      return table + (gpaPage % 512) * 8;
    };
    const slot = leafOf(0);
    const good = mem.read64(slot);
    const cases: [string, number][] = [
      ['write without read', good - (good % 8) + EPT_WRITE],
      ['execute-only', good - (good % 8) + EPT_EXEC],
      ['reserved memory type 2', good - (good % 64) + 2 * 8 + 7],
      ['address past host memory', 2 ** 40 + 7 + 6 * 8],
    ];
    for (const [why, entry] of cases) {
      mem.write64(slot, entry);
      expect(walkEpt(mem, root, 0, 'read'), why).toMatchObject({ kind: 'misconfig', level: 1 });
    }
    mem.write64(slot, good);
    mem.write64(root, mem.read64(root) + 8); // reserved bit 3 in a PML4 entry
    expect(walkEpt(mem, root, 0, 'read')).toMatchObject({ kind: 'misconfig', level: 4 });
  });

  it('enumerates exactly the mappings it was built with, and rebuilds in place', () => {
    const { mem, root, builder } = setup();
    expect(enumerateEpt(mem, root)).toEqual([
      { gpaPage: 0, hostPage: 5, rights: 7 },
      { gpaPage: 1, hostPage: 2, rights: 1 },
      { gpaPage: 600, hostPage: 3, rights: 3 },
    ]);
    const again = builder.build([{ gpaPage: 0, hostPage: 1, rights: EPT_READ }]);
    expect(again).toBe(root);
    expect(enumerateEpt(mem, root)).toEqual([{ gpaPage: 0, hostPage: 1, rights: 1 }]);
  });

  it('mutant: a walker ignoring the write bit lets a write through a read-only page', () => {
    const { mem, root } = setup();
    expect(walkEpt(mem, root, PAGE_SIZE, 'write', { ignoreWriteBit: true })).toMatchObject({ kind: 'ok' });
  });
});
