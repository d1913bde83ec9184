import { describe, expect, it } from 'vitest';
import { HostMemory, PAGE_SIZE } from '../../emulator/memory.js';
import { InterruptRemapper, VECTOR_BASE } from '../../emulator/remapping.js';

const DISK = { bus: 1, devfn: 0 };
const NIC = { bus: 1, devfn: 8 };

function setup(mode: 'enforced' | 'off') {
  const mem = new HostMemory(2, 2);
  const remapper = new InterruptRemapper(mem, PAGE_SIZE, 2, mode);
  remapper.write(0, { vector: VECTOR_BASE, line: 10, targets: 0b01, source: DISK });
  remapper.write(1, { vector: VECTOR_BASE + 1, line: 11, targets: 0b10, source: NIC });
  return remapper;
}

describe('interrupt remapping', () => {
  it('delivers a device its own vector and refuses another device its entry (source-id validation)', () => {
    const r = setup('enforced');
    expect(r.deliver(NIC, VECTOR_BASE + 1)).toMatchObject({
      kind: 'ok',
      entry: 1,
      fields: { targets: 0b10 },
    });
    expect(r.deliver(DISK, VECTOR_BASE + 1)).toEqual({ kind: 'blocked', why: 'source-id' });
  });

  it('when off, delivers whatever vector a device writes, routed by its entry', () => {
    const r = setup('off');
    expect(r.deliver(DISK, VECTOR_BASE + 1)).toMatchObject({ kind: 'ok', entry: 1, fields: { line: 11 } });
  });

  it('blocks a vector with no entry, and every vector after the halt clears the table', () => {
    const r = setup('off');
    expect(r.deliver(DISK, VECTOR_BASE + 5)).toEqual({ kind: 'blocked', why: 'not-present' });
    expect(r.deliver(DISK, 3)).toEqual({ kind: 'blocked', why: 'not-present' });
    r.clear();
    expect(r.deliver(DISK, VECTOR_BASE)).toEqual({ kind: 'blocked', why: 'not-present' });
  });
});
