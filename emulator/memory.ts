/**
 * Host-physical memory as bytes, in 4 KiB pages. The first `platform.pages` pages are the platform
 * memory the system file assigns; the hypervisor's own structures (images, page tables, rings,
 * control blocks) live in the pages after them, outside every partition's and device's reach.
 *
 * Every write bumps a per-page generation counter, so the refinement checker can tell cheaply
 * whether a paging structure changed since it last walked it.
 */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class HostMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly pages: number;
  /** Per page: number of writes so far (wraps; only equality matters). */
  readonly generation: Uint32Array;
  private next: number;

  constructor(
    readonly platformPages: number,
    hypervisorPages: number,
  ) {
    this.pages = platformPages + hypervisorPages;
    this.bytes = new Uint8Array(this.pages * PAGE_SIZE);
    this.view = new DataView(this.bytes.buffer);
    this.generation = new Uint32Array(this.pages);
    this.next = platformPages;
  }

  /** Byte address of the first hypervisor page. */
  get hypervisorBase(): number {
    return this.platformPages * PAGE_SIZE;
  }

  /** Allocates `n` zeroed, page-aligned hypervisor pages; returns the byte address of the first. */
  allocPages(n: number): number {
    if (this.next + n > this.pages) throw new Error(`hypervisor memory exhausted (${this.pages} pages)`);
    const addr = this.next * PAGE_SIZE;
    this.next += n;
    return addr;
  }

  /** Allocates enough whole pages for `bytes` bytes. */
  allocBytes(bytes: number): number {
    return this.allocPages(Math.max(1, Math.ceil(bytes / PAGE_SIZE)));
  }

  get allocatedPages(): number {
    return this.next - this.platformPages;
  }

  contains(addr: number, length = 1): boolean {
    return Number.isInteger(addr) && addr >= 0 && addr + length <= this.bytes.length;
  }

  private touch(addr: number, length: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + length - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) this.generation[p] = (this.generation[p]! + 1) >>> 0;
  }

  read8(addr: number): number {
    return this.view.getUint8(addr);
  }
  write8(addr: number, v: number): void {
    this.view.setUint8(addr, v);
    this.touch(addr, 1);
  }
  read16(addr: number): number {
    return this.view.getUint16(addr, true);
  }
  write16(addr: number, v: number): void {
    this.view.setUint16(addr, v, true);
    this.touch(addr, 2);
  }
  read32(addr: number): number {
    return this.view.getUint32(addr, true);
  }
  write32(addr: number, v: number): void {
    this.view.setUint32(addr, v >>> 0, true);
    this.touch(addr, 4);
  }
  /** A 64-bit little-endian value as a JS number; exact for values below 2^53 (all addresses here). */
  read64(addr: number): number {
    return this.view.getUint32(addr, true) + this.view.getUint32(addr + 4, true) * 2 ** 32;
  }
  write64(addr: number, v: number): void {
    this.view.setUint32(addr, v % 2 ** 32, true);
    this.view.setUint32(addr + 4, Math.floor(v / 2 ** 32), true);
    this.touch(addr, 8);
  }
  readBytes(addr: number, length: number): Uint8Array {
    return this.bytes.slice(addr, addr + length);
  }
  writeBytes(addr: number, data: Uint8Array): void {
    this.bytes.set(data, addr);
    if (data.length) this.touch(addr, data.length);
  }
  fill(addr: number, length: number, value: number): void {
    this.bytes.fill(value, addr, addr + length);
    if (length) this.touch(addr, length);
  }

  /** Sum of the generations of `pages`: changes whenever any of them is written. */
  generationOf(pages: Iterable<number>): number {
    let sum = 0;
    for (const p of pages) sum = (sum + this.generation[p]! * 2654435761 + p) >>> 0;
    return sum;
  }
}

/** Bits `lo..hi` (inclusive) of a 64-bit value held in a JS number. */
export function bits64(v: number, lo: number, hi: number): number {
  return Math.floor(v / 2 ** lo) % 2 ** (hi - lo + 1);
}

/** Physical address field, bits 12..51 of a paging-structure entry. */
export function entryAddress(entry: number): number {
  return bits64(entry, 12, 51) * PAGE_SIZE;
}
