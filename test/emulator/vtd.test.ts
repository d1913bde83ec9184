import { describe, expect, it } from 'vitest';
import { HostMemory, PAGE_SIZE } from '../../emulator/memory.js';
import {
  buildSecondLevel,
  enumerateSecondLevel,
  FAULT_RECORDS,
  Iommu,
  TT_PASSTHROUGH,
  TT_TRANSLATED,
  writeContextEntry,
  writeRootEntry,
} from '../../emulator/vtd.js';

const SRC = { bus: 1, devfn: 3 << 3 };

function setup(options = {}) {
  const mem = new HostMemory(8, 16);
  const alloc = () => mem.allocPages(1);
  const iommu = new Iommu(mem, 8 * PAGE_SIZE, options);
  iommu.rootTable = alloc();
  const ctx = alloc();
  return { mem, alloc, iommu, ctx };
}

describe('VT-d remapping', () => {
  it('faults with reason 1 while the bus has no root entry and 2 while the device has no context', () => {
    const { mem, iommu, ctx } = setup();
    expect(iommu.translate(SRC, 0x1000, false)).toEqual({ kind: 'fault', reason: 1 });
    writeRootEntry(mem, iommu.rootTable, SRC.bus, ctx);
    expect(iommu.translate(SRC, 0x1000, true)).toEqual({ kind: 'fault', reason: 2 });
    expect(iommu.faults.map((f) => f.reason)).toEqual([1, 2]);
    expect(iommu.faults[1]).toEqual({ source: SRC, reason: 2, address: 0x1000, write: true });
  });

  it('translates through second-level tables and refuses the rest as write (5) or read (6) denied', () => {
    const { mem, iommu, ctx, alloc } = setup();
    writeRootEntry(mem, iommu.rootTable, SRC.bus, ctx);
    const sl = buildSecondLevel(mem, alloc, [2, 3]);
    writeContextEntry(mem, ctx, SRC.devfn, { translationType: TT_TRANSLATED, domain: 7, slptptr: sl.root });
    expect(iommu.readContext(SRC)).toMatchObject({
      present: true,
      translationType: 0,
      addressWidth: 2,
      domain: 7,
    });
    expect(iommu.translate(SRC, 2 * PAGE_SIZE + 16, true)).toEqual({
      kind: 'ok',
      hpa: 2 * PAGE_SIZE + 16,
      domain: 7,
      passthrough: false,
    });
    expect(iommu.translate(SRC, 4 * PAGE_SIZE, true)).toEqual({ kind: 'fault', reason: 5 });
    expect(iommu.translate(SRC, 4 * PAGE_SIZE, false)).toEqual({ kind: 'fault', reason: 6 });
    expect(iommu.translate(SRC, 2 ** 50, false)).toEqual({ kind: 'fault', reason: 4 });
    expect(iommu.translate(SRC, 2 ** 48, true)).toEqual({ kind: 'fault', reason: 4 });
    expect(enumerateSecondLevel(mem, sl.root)).toEqual([
      { iovaPage: 2, hostPage: 2 },
      { iovaPage: 3, hostPage: 3 },
    ]);
  });

  it('in pass-through reaches every platform page and nothing past it, with no fault record', () => {
    const { mem, iommu, ctx } = setup();
    writeRootEntry(mem, iommu.rootTable, SRC.bus, ctx);
    writeContextEntry(mem, ctx, SRC.devfn, { translationType: TT_PASSTHROUGH, domain: 1, slptptr: 0 });
    expect(iommu.translate(SRC, 7 * PAGE_SIZE + 8, true)).toMatchObject({
      kind: 'ok',
      hpa: 7 * PAGE_SIZE + 8,
      passthrough: true,
    });
    expect(iommu.translate(SRC, 8 * PAGE_SIZE, true)).toEqual({ kind: 'blocked' });
    // Not translated, so not beyond any translation's address width either.
    expect(iommu.translate(SRC, 2 ** 48, true)).toEqual({ kind: 'blocked' });
    expect(iommu.translate(SRC, 2 ** 50, false)).toEqual({ kind: 'blocked' });
    expect(iommu.faults).toEqual([]);
  });

  it('keeps at most the hardware number of fault records and sets overflow', () => {
    const { iommu } = setup();
    for (let i = 0; i < FAULT_RECORDS + 3; i++) iommu.translate(SRC, 0, false);
    expect(iommu.faults).toHaveLength(FAULT_RECORDS);
    expect(iommu.overflow).toBe(true);
    expect(iommu.drainFaults()).toHaveLength(FAULT_RECORDS);
    expect(iommu.overflow).toBe(false);
    expect(iommu.faultCounts.get(1)).toBe(FAULT_RECORDS + 3);
  });

  it('mutant: skipping the context check lets a device without a context through', () => {
    const { mem, iommu, ctx } = setup({ skipContextCheck: true });
    writeRootEntry(mem, iommu.rootTable, SRC.bus, ctx);
    expect(iommu.translate(SRC, 0x1000, true)).toMatchObject({ kind: 'ok', passthrough: true });
  });
});
