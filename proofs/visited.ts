/**
 * The explorer's visited set, with no JavaScript object per state: packed states (proofs/packed.ts)
 * live in fixed-size chunks of shared memory, indexed by state id, and an open-addressing table of
 * ids (with an 8-bit hash tag per slot, so most probes never touch the store) finds them.
 *
 * Only the main thread writes. Workers look states up while it inserts: an id is published with
 * `Atomics.store` after its words are written, so a reader that sees the id sees the whole state.
 * A reader may miss a state inserted meanwhile, or hold a table the writer has since outgrown (the
 * old table is never written again); either way it only reports as new a state the writer then
 * finds already present, so what is stored never depends on timing.
 */
import { hashWords } from './packed.js';

/** States per chunk of the store. */
export const CHUNK_SHIFT = 16;
const CHUNK_STATES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_STATES - 1;
/**
 * The table starts to grow once this share of its slots is used: a table of twice the size is
 * filled alongside, a few old states with every insertion, so that no insertion stops the writer
 * (and the workers waiting for it) to rehash every state at once.
 */
const GROW_LOAD = 0.62;
/**
 * Old states placed in the growing table per insertion: it is complete before the old table is
 * two-thirds full (0.62 * 17/16), about where a table used to double at once.
 */
const MOVES_PER_INSERT = 16;

/** What a reader needs: shareable with workers through `postMessage`. */
export interface TableParts {
  readonly words: number;
  readonly slots: SharedArrayBuffer;
  readonly tags: SharedArrayBuffer;
}

/** Read access to the table and the store, as a worker holds it. */
export class VisitedReader {
  protected slots: Uint32Array;
  protected tags: Uint8Array;
  protected mask: number;
  protected readonly chunks: Uint32Array[] = [];

  constructor(
    readonly words: number,
    parts?: TableParts,
  ) {
    this.slots = new Uint32Array(parts ? parts.slots : new SharedArrayBuffer(4 * 1024));
    this.tags = new Uint8Array(parts ? parts.tags : new SharedArrayBuffer(1024));
    this.mask = this.slots.length - 1;
  }

  /** Adopts a table the writer grew into. */
  adoptTable(parts: TableParts): void {
    this.slots = new Uint32Array(parts.slots);
    this.tags = new Uint8Array(parts.tags);
    this.mask = this.slots.length - 1;
  }

  /** Adopts store chunks the writer added, in order. */
  adoptChunks(chunks: readonly SharedArrayBuffer[]): void {
    for (const c of chunks) this.chunks.push(new Uint32Array(c));
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** The chunk holding state `id` and the offset of its first word there. */
  locate(id: number): { chunk: Uint32Array; at: number } {
    return { chunk: this.chunks[id >>> CHUNK_SHIFT]!, at: (id & CHUNK_MASK) * this.words };
  }

  /** The id of the state packed at `words[at ..]` (with hash `hash`), or -1. */
  find(words: Uint32Array, at: number, hash: number): number {
    const n = this.words;
    const tag = hash >>> 24;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const slot = Atomics.load(this.slots, i);
      if (slot === 0) return -1;
      if (this.tags[i] !== tag) continue;
      const id = slot - 1;
      const chunk = this.chunks[id >>> CHUNK_SHIFT];
      if (!chunk) continue; // a chunk this reader has not adopted yet: the state is new to it
      const base = (id & CHUNK_MASK) * n;
      let k = 0;
      while (k < n && chunk[base + k] === words[at + k]) k++;
      if (k === n) return id;
    }
  }
}

/** The writer's view: inserts states, grows the table and the store. */
export class VisitedSet extends VisitedReader {
  private count = 0;
  private tableParts: TableParts;
  private readonly chunkBuffers: SharedArrayBuffer[] = [];
  /** The table being filled while it grows, and how many of the states before it began are in it. */
  private growing: { slots: Uint32Array; tags: Uint8Array; mask: number; moved: number; end: number } | null =
    null;

  constructor(words: number) {
    super(words);
    this.tableParts = {
      words,
      slots: this.slots.buffer as SharedArrayBuffer,
      tags: this.tags.buffer as SharedArrayBuffer,
    };
  }

  get size(): number {
    return this.count;
  }

  /** The current table, for readers to adopt. */
  get table(): TableParts {
    return this.tableParts;
  }

  /** The store's chunks from index `from` on, for readers to adopt. */
  chunksFrom(from: number): SharedArrayBuffer[] {
    return this.chunkBuffers.slice(from);
  }

  /** Bytes held: store, table and tags (both tables while one grows). */
  get bytes(): number {
    const slots = this.slots.length + (this.growing?.slots.length ?? 0);
    return this.chunkBuffers.length * CHUNK_STATES * this.words * 4 + slots * 5;
  }

  /** Adds the state at `words[at ..]`, known not to be present; returns its id. */
  insert(words: Uint32Array, at: number, hash = hashWords(words, at, this.words)): number {
    if (!this.growing && this.count + 1 > this.slots.length * GROW_LOAD) this.startGrowing();
    const id = this.count++;
    if ((id & CHUNK_MASK) === 0) {
      const buffer = new SharedArrayBuffer(CHUNK_STATES * this.words * 4);
      this.chunkBuffers.push(buffer);
      this.chunks.push(new Uint32Array(buffer));
    }
    const chunk = this.chunks[id >>> CHUNK_SHIFT]!;
    const base = (id & CHUNK_MASK) * this.words;
    for (let k = 0; k < this.words; k++) chunk[base + k] = words[at + k]!;
    this.place(this.slots, this.tags, this.mask, id, hash);
    if (this.growing) this.keepGrowing(id, hash);
    return id;
  }

  /** The hash of stored state `id`. */
  hashOf(id: number): number {
    const { chunk, at } = this.locate(id);
    return hashWords(chunk, at, this.words);
  }

  private place(slots: Uint32Array, tags: Uint8Array, mask: number, id: number, hash: number): void {
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    tags[i] = hash >>> 24;
    Atomics.store(slots, i, id + 1);
  }

  private startGrowing(): void {
    const size = this.slots.length * 2;
    this.growing = {
      slots: new Uint32Array(new SharedArrayBuffer(size * 4)),
      tags: new Uint8Array(new SharedArrayBuffer(size)),
      mask: size - 1,
      moved: 0,
      end: this.count,
    };
  }

  /**
   * Places the new state `id` in the growing table, with a few of the states stored before it
   * began; once they are all there, that table replaces the old one. Until then every lookup, the
   * readers' too, goes to the old one, which holds every state; readers adopt the new one with
   * their next task, and the old one is never written again.
   */
  private keepGrowing(id: number, hash: number): void {
    const g = this.growing!;
    this.place(g.slots, g.tags, g.mask, id, hash);
    const until = Math.min(g.end, g.moved + MOVES_PER_INSERT);
    for (let old = g.moved; old < until; old++) this.place(g.slots, g.tags, g.mask, old, this.hashOf(old));
    g.moved = until;
    if (g.moved < g.end) return;
    this.slots = g.slots;
    this.tags = g.tags;
    this.mask = g.mask;
    this.growing = null;
    this.tableParts = {
      words: this.words,
      slots: g.slots.buffer as SharedArrayBuffer,
      tags: g.tags.buffer as SharedArrayBuffer,
    };
  }
}

/**
 * A growable column of integers, in chunks (no copy of the whole column when it grows): 32-bit
 * signed, or with `narrow` 16-bit unsigned (for small indices such as events).
 */
export class IntColumn {
  private readonly chunks: (Int32Array | Uint16Array)[] = [];
  private count = 0;

  constructor(private readonly narrow = false) {}

  get length(): number {
    return this.count;
  }

  push(v: number): void {
    if ((this.count & CHUNK_MASK) === 0)
      this.chunks.push(this.narrow ? new Uint16Array(CHUNK_STATES) : new Int32Array(CHUNK_STATES));
    this.chunks[this.count >>> CHUNK_SHIFT]![this.count & CHUNK_MASK] = v;
    this.count++;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_SHIFT]![i & CHUNK_MASK]!;
  }

  get bytes(): number {
    return this.chunks.length * CHUNK_STATES * (this.narrow ? 2 : 4);
  }
}
