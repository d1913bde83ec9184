/**
 * Intel VT-d DMA remapping as the hardware sees it. The root table (one 4 KiB page, 256 entries of
 * 16 bytes, one per bus) points to context tables (256 entries, one per device/function); a context
 * entry holds the present bit, the translation type (00b: through second-level tables, 10b:
 * pass-through), the address width, the domain id and the second-level page-table pointer.
 * Second-level tables are four levels like EPT, with bit 0 read and bit 1 write.
 *
 * A request that fails is recorded in the fault recording registers with its source id, address,
 * access and fault reason: 1 root entry not present, 2 context entry not present, 4 address beyond
 * the address width, 5 write denied, 6 read denied. Pass-through requests are not translated, so
 * they meet none of the translation faults (4 to 6): past platform memory, at any address, they
 * meet the hypervisor's own pages, a protected memory region the platform blocks without a fault
 * record, or no memory at all.
 */
import { entryAddress, type HostMemory, PAGE_SIZE } from './memory.js';

export const VTD_READ = 1;
export const VTD_WRITE = 2;
export const TT_TRANSLATED = 0;
export const TT_PASSTHROUGH = 2;
/** Address width 2: 48-bit, 4-level second-level tables. */
export const AW_48 = 2;
export const FAULT_RECORDS = 8;

export type VtdFaultReason = 1 | 2 | 4 | 5 | 6;

export const VTD_REASON_TEXT: Record<VtdFaultReason, string> = {
  1: 'root entry not present',
  2: 'context entry not present',
  4: 'address beyond the address width',
  5: 'write denied',
  6: 'read denied',
};

/** The address width the context entries program (AW_48): 2^48 bytes. */
export const ADDRESS_LIMIT = 2 ** 48;

export interface SourceId {
  readonly bus: number;
  readonly devfn: number;
}

export interface FaultRecord {
  readonly source: SourceId;
  readonly reason: VtdFaultReason;
  readonly address: number;
  readonly write: boolean;
}

export type DmaTranslation =
  | { readonly kind: 'ok'; readonly hpa: number; readonly domain: number; readonly passthrough: boolean }
  | { readonly kind: 'fault'; readonly reason: VtdFaultReason }
  /** Blocked by the platform with no fault record (a pass-through request past platform memory). */
  | { readonly kind: 'blocked' };

export interface IommuOptions {
  /** Mutant: a context entry that is not present is used anyway, as pass-through. */
  readonly skipContextCheck?: boolean;
  /** Mutant: the second-level walk ignores the read and write bits of present entries' leaves. */
  readonly ignoreLeafRights?: boolean;
}

export interface ContextEntry {
  readonly present: boolean;
  readonly translationType: number;
  readonly addressWidth: number;
  readonly domain: number;
  readonly slptptr: number;
}

/** The remapping hardware: a root-table pointer register, fault recording registers. */
export class Iommu {
  rootTable = 0;
  /** Fault recording registers (FRCD), oldest first; overflow sets `overflow` (PFO). */
  readonly faults: FaultRecord[] = [];
  overflow = false;
  /** Every fault ever recorded, by reason (the registers are cleared by software; this is not). */
  readonly faultCounts = new Map<VtdFaultReason, number>();

  constructor(
    private readonly mem: HostMemory,
    private readonly limit: number,
    private readonly options: IommuOptions = {},
  ) {}

  readContext(source: SourceId): ContextEntry | null {
    if (!this.rootTable) return null;
    const root = this.mem.read64(this.rootTable + source.bus * 16);
    if (root % 2 === 0) return null;
    const ctx = entryAddress(root) + source.devfn * 16;
    const lo = this.mem.read64(ctx);
    const hi = this.mem.read64(ctx + 8);
    return {
      present: lo % 2 === 1,
      translationType: Math.floor(lo / 4) % 4,
      addressWidth: hi % 8,
      domain: Math.floor(hi / 256) % 65536,
      slptptr: entryAddress(lo),
    };
  }

  /** Translates one DMA request; a failure is recorded in the fault registers. */
  translate(source: SourceId, iova: number, write: boolean): DmaTranslation {
    const result = this.walk(source, iova, write);
    if (result.kind === 'fault') this.record({ source, reason: result.reason, address: iova, write });
    return result;
  }

  private walk(source: SourceId, iova: number, write: boolean): DmaTranslation {
    const denied: DmaTranslation = { kind: 'fault', reason: write ? 5 : 6 };
    if (!this.rootTable) return { kind: 'fault', reason: 1 };
    const root = this.mem.read64(this.rootTable + source.bus * 16);
    if (root % 2 === 0) return { kind: 'fault', reason: 1 };
    const ctxAddr = entryAddress(root) + source.devfn * 16;
    const lo = this.mem.read64(ctxAddr);
    const hi = this.mem.read64(ctxAddr + 8);
    const present = lo % 2 === 1;
    if (!present && !this.options.skipContextCheck) return { kind: 'fault', reason: 2 };
    const domain = Math.floor(hi / 256) % 65536;
    const tt = Math.floor(lo / 4) % 4;
    // Pass-through bypasses translation, and with it every translation fault (reasons 4 to 6).
    if (tt === TT_PASSTHROUGH || !present) {
      if (!Number.isInteger(iova) || iova < 0 || iova >= this.limit) return { kind: 'blocked' };
      return { kind: 'ok', hpa: iova, domain, passthrough: true };
    }
    if (!Number.isInteger(iova) || iova < 0 || iova >= ADDRESS_LIMIT) return { kind: 'fault', reason: 4 };
    let table = entryAddress(lo);
    const need = write ? VTD_WRITE : VTD_READ;
    for (let level = 4; level >= 1; level--) {
      const idx = Math.floor(iova / 2 ** (12 + 9 * (level - 1))) % 512;
      const entry = this.mem.read64(table + idx * 8);
      const rights = entry % 4;
      const leafBypass = level === 1 && this.options.ignoreLeafRights;
      if (!leafBypass && (rights & need) === 0) return denied;
      table = leafBypass && rights === 0 ? Math.floor(iova / PAGE_SIZE) * PAGE_SIZE : entryAddress(entry);
    }
    const hpa = table + (iova % PAGE_SIZE);
    if (hpa >= this.limit) return denied;
    return { kind: 'ok', hpa, domain, passthrough: false };
  }

  private record(f: FaultRecord): void {
    this.faultCounts.set(f.reason, (this.faultCounts.get(f.reason) ?? 0) + 1);
    if (this.faults.length >= FAULT_RECORDS) {
      this.overflow = true;
      return;
    }
    this.faults.push(f);
  }

  /** Software reads and clears the fault recording registers. */
  drainFaults(): FaultRecord[] {
    const out = this.faults.splice(0);
    this.overflow = false;
    return out;
  }
}

/** Writes second-level tables identity-mapping `pages` read/write; returns the top table. */
export function buildSecondLevel(
  mem: HostMemory,
  alloc: () => number,
  pages: readonly number[],
): {
  root: number;
  tablePages: number[];
} {
  const tablePages: number[] = [];
  const table = () => {
    const a = alloc();
    tablePages.push(a / PAGE_SIZE);
    return a;
  };
  const root = table();
  for (const page of pages) {
    const iova = page * PAGE_SIZE;
    let t = root;
    for (let level = 4; level > 1; level--) {
      const slot = t + (Math.floor(iova / 2 ** (12 + 9 * (level - 1))) % 512) * 8;
      let entry = mem.read64(slot);
      if (entry % 4 === 0) {
        entry = table() + VTD_READ + VTD_WRITE;
        mem.write64(slot, entry);
      }
      t = entryAddress(entry);
    }
    mem.write64(t + (page % 512) * 8, iova + VTD_READ + VTD_WRITE);
  }
  return { root, tablePages };
}

/** Host pages a second-level table tree maps (identity or not), with their rights. */
export function enumerateSecondLevel(
  mem: HostMemory,
  root: number,
): { iovaPage: number; hostPage: number }[] {
  const out: { iovaPage: number; hostPage: number }[] = [];
  const visit = (table: number, level: number, base: number) => {
    for (let i = 0; i < 512; i++) {
      const entry = mem.read64(table + i * 8);
      if (entry % 4 === 0) continue;
      const page = base + i * 2 ** (9 * (level - 1));
      if (level === 1) out.push({ iovaPage: page, hostPage: entryAddress(entry) / PAGE_SIZE });
      else visit(entryAddress(entry), level - 1, page);
    }
  };
  visit(root, 4, 0);
  return out;
}

export function writeRootEntry(
  mem: HostMemory,
  rootTable: number,
  bus: number,
  contextTable: number | null,
): void {
  mem.write64(rootTable + bus * 16, contextTable === null ? 0 : contextTable + 1);
  mem.write64(rootTable + bus * 16 + 8, 0);
}

export function writeContextEntry(
  mem: HostMemory,
  contextTable: number,
  devfn: number,
  entry: { translationType: number; domain: number; slptptr: number } | null,
): void {
  const at = contextTable + devfn * 16;
  if (entry === null) {
    mem.write64(at, 0);
    mem.write64(at + 8, 0);
    return;
  }
  mem.write64(at, entry.slptptr + entry.translationType * 4 + 1);
  mem.write64(at + 8, AW_48 + entry.domain * 256);
}
