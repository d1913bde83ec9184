/**
 * Extended Page Tables as the processor sees them: four levels of 512 eight-byte entries in host
 * memory (PML4, PDPT, PD, PT), indexed by guest-physical address bits 47..39, 38..30, 29..21 and
 * 20..12. Entry bits 0/1/2 are read/write/execute, bits 12..51 the physical address of the next
 * table or of the page; leaf entries carry memory type WB (6) in bits 3..5.
 *
 * The walker ANDs the rights of every level, as the hardware does. A non-present entry, or a right
 * missing on the way, is an EPT violation (exit 48); a malformed entry is an EPT misconfiguration
 * (exit 49): write without read, execute-only (not supported here), reserved bits 3..7 set in a
 * non-leaf entry, a reserved memory type (2, 3, 7) in a leaf, or an address past host memory.
 */
import { bits64, entryAddress, type HostMemory, PAGE_SIZE } from './memory.js';

export const EPT_READ = 1;
export const EPT_WRITE = 2;
export const EPT_EXEC = 4;
const MEMTYPE_WB = 6;
const LEVELS = 4;
const ENTRIES = 512;

export type EptAccess = 'read' | 'write' | 'execute';
const NEEDED: Record<EptAccess, number> = { read: EPT_READ, write: EPT_WRITE, execute: EPT_EXEC };

export type EptWalk =
  | { readonly kind: 'ok'; readonly hpa: number; readonly rights: number }
  | { readonly kind: 'violation'; readonly gpa: number; readonly access: EptAccess; readonly level: number }
  | { readonly kind: 'misconfig'; readonly gpa: number; readonly level: number; readonly entry: number };

export interface EptWalkerOptions {
  /** Mutant: the walker lets a write through any readable page. */
  readonly ignoreWriteBit?: boolean;
}

function index(gpa: number, level: number): number {
  return Math.floor(gpa / 2 ** (12 + 9 * (level - 1))) % ENTRIES;
}

function misconfigured(mem: HostMemory, entry: number, leaf: boolean): boolean {
  const rwx = entry % 8;
  if (rwx & EPT_WRITE && !(rwx & EPT_READ)) return true;
  if (rwx === EPT_EXEC) return true;
  const attrs = bits64(entry, 3, 7);
  if (!leaf && attrs !== 0) return true;
  if (leaf) {
    const memtype = bits64(entry, 3, 5);
    if (memtype === 2 || memtype === 3 || memtype === 7) return true;
  }
  return !mem.contains(entryAddress(entry), PAGE_SIZE);
}

/** Translates a guest-physical address for one access, walking the tables at `root`. */
export function walkEpt(
  mem: HostMemory,
  root: number,
  gpa: number,
  access: EptAccess,
  options: EptWalkerOptions = {},
): EptWalk {
  if (!Number.isInteger(gpa) || gpa < 0 || gpa >= 2 ** 48)
    return { kind: 'violation', gpa, access, level: LEVELS };
  let table = root;
  let rights = EPT_READ | EPT_WRITE | EPT_EXEC;
  for (let level = LEVELS; level >= 1; level--) {
    const entry = mem.read64(table + index(gpa, level) * 8);
    if (entry % 8 === 0) return { kind: 'violation', gpa, access, level };
    if (misconfigured(mem, entry, level === 1)) return { kind: 'misconfig', gpa, level, entry };
    rights &= entry % 8;
    table = entryAddress(entry);
  }
  let needed = NEEDED[access];
  if (options.ignoreWriteBit && access === 'write') needed = EPT_READ;
  if ((rights & needed) !== needed) return { kind: 'violation', gpa, access, level: 1 };
  return { kind: 'ok', hpa: table + (gpa % PAGE_SIZE), rights };
}

/**
 * Builds a partition's EPT: `mappings` are (guest page, host page, rights). Table pages come from
 * `alloc` the first time and are reused (zeroed) on a rebuild, so a repair keeps the same root.
 */
export class EptBuilder {
  readonly tablePages: number[] = [];
  private cursor = 0;

  constructor(
    private readonly mem: HostMemory,
    private readonly alloc: () => number,
  ) {}

  private table(): number {
    if (this.cursor < this.tablePages.length) {
      const addr = this.tablePages[this.cursor++]! * PAGE_SIZE;
      this.mem.fill(addr, PAGE_SIZE, 0);
      return addr;
    }
    const addr = this.alloc();
    this.tablePages.push(addr / PAGE_SIZE);
    this.cursor++;
    return addr;
  }

  /** (Re)builds the tables; returns the PML4 address. */
  build(mappings: readonly { gpaPage: number; hostPage: number; rights: number }[]): number {
    this.cursor = 0;
    const root = this.table();
    for (const m of mappings) {
      let table = root;
      const gpa = m.gpaPage * PAGE_SIZE;
      for (let level = LEVELS; level > 1; level--) {
        const slot = table + index(gpa, level) * 8;
        let entry = this.mem.read64(slot);
        if (entry % 8 === 0) {
          const next = this.table();
          entry = next + (EPT_READ | EPT_WRITE | EPT_EXEC);
          this.mem.write64(slot, entry);
        }
        table = entryAddress(entry);
      }
      this.mem.write64(table + index(gpa, 1) * 8, m.hostPage * PAGE_SIZE + MEMTYPE_WB * 8 + m.rights);
    }
    return root;
  }
}

/** Every leaf mapping reachable from `root`, in guest-physical order: what the tables really say. */
export function enumerateEpt(
  mem: HostMemory,
  root: number,
): { gpaPage: number; hostPage: number; rights: number }[] | { misconfig: number } {
  const out: { gpaPage: number; hostPage: number; rights: number }[] = [];
  const visit = (table: number, level: number, base: number, rights: number): number | null => {
    for (let i = 0; i < ENTRIES; i++) {
      const entry = mem.read64(table + i * 8);
      if (entry % 8 === 0) continue;
      if (misconfigured(mem, entry, level === 1)) return table + i * 8;
      const gpaPage = base + i * 2 ** (9 * (level - 1));
      const r = rights & (entry % 8);
      if (level === 1) out.push({ gpaPage, hostPage: entryAddress(entry) / PAGE_SIZE, rights: r });
      else {
        const bad = visit(entryAddress(entry), level - 1, gpaPage, r);
        if (bad !== null) return bad;
      }
    }
    return null;
  };
  const bad = visit(root, LEVELS, 0, 7);
  return bad === null ? out : { misconfig: bad };
}
