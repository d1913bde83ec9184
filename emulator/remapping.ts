/**
 * VT-d interrupt remapping as the hardware sees it. A device raises an interrupt by writing to the
 * interrupt address range (0xFEEx_xxxx); that write is an interrupt request, never DMA. The
 * hypervisor keeps one interrupt remapping table entry (IRTE) per device: present bit, vector,
 * interrupt line, the partitions the vector is routed to, and the source id of the device allowed
 * to use the entry.
 *
 * With remapping enforced, a device's MSI names an entry (remappable format) and source-id
 * validation refuses an entry that belongs to another requester: a device raises only its own
 * vector. With remapping off the MSI is in compatibility format and arrives with whatever vector
 * the device wrote; the hypervisor can only take the vector for the device it assigned it to.
 */
import type { InterruptRemapping } from '../system/config.js';
import type { HostMemory } from './memory.js';
import type { SourceId } from './vtd.js';

export const IRTE_SIZE = 16;
/** Vectors 0x20 + d are assigned to device d (below 0x20 are the CPU's exceptions). */
export const VECTOR_BASE = 0x20;

export interface IrteFields {
  readonly vector: number;
  readonly line: number;
  /** Partitions (a bitmask) the vector is routed to. */
  readonly targets: number;
  readonly source: SourceId;
}

export type Delivery =
  | { readonly kind: 'ok'; readonly entry: number; readonly fields: IrteFields }
  /** No entry for the vector, or (remapping enforced) the entry belongs to another requester. */
  | { readonly kind: 'blocked'; readonly why: 'not-present' | 'source-id' };

const sid = (s: SourceId) => s.bus * 256 + s.devfn;

/** The remapping table in host memory, and the hardware that reads it. */
export class InterruptRemapper {
  constructor(
    private readonly mem: HostMemory,
    private readonly table: number,
    private readonly entries: number,
    readonly mode: InterruptRemapping,
  ) {}

  write(entry: number, f: IrteFields): void {
    const at = this.table + entry * IRTE_SIZE;
    this.mem.write8(at, 1);
    this.mem.write8(at + 1, f.vector);
    this.mem.write16(at + 2, sid(f.source));
    this.mem.write32(at + 4, f.line);
    this.mem.write32(at + 8, f.targets);
  }

  /** Clears every entry (the fail-secure halt). */
  clear(): void {
    for (let e = 0; e < this.entries; e++) this.mem.write8(this.table + e * IRTE_SIZE, 0);
  }

  read(entry: number): IrteFields | null {
    if (!Number.isInteger(entry) || entry < 0 || entry >= this.entries) return null;
    const at = this.table + entry * IRTE_SIZE;
    if (this.mem.read8(at) !== 1) return null;
    const s = this.mem.read16(at + 2);
    return {
      vector: this.mem.read8(at + 1),
      line: this.mem.read32(at + 4),
      targets: this.mem.read32(at + 8),
      source: { bus: s >> 8, devfn: s & 0xff },
    };
  }

  /**
   * `source` writes an MSI for `vector`. Enforced: the entry for that vector must exist and belong
   * to `source`. Off: the vector arrives as written, and the entry only tells the hypervisor where
   * it routes it.
   */
  deliver(source: SourceId, vector: number): Delivery {
    const entry = vector - VECTOR_BASE;
    const fields = this.read(entry);
    if (!fields) return { kind: 'blocked', why: 'not-present' };
    if (this.mode === 'enforced' && sid(fields.source) !== sid(source))
      return { kind: 'blocked', why: 'source-id' };
    return { kind: 'ok', entry, fields };
  }
}
