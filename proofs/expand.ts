/**
 * One unit of the explorer's work: expand a contiguous range of stored states (a slice of the
 * breadth-first frontier) into a batch of transitions, the same way in the main thread and in a
 * worker. A batch lists, in the order a sequential search meets them, every step to a state the
 * reader did not find and no earlier step of the range reached (with the packed successor, its hash
 * and the invariants it breaks), and the
 * states of the range the liveness check tracks. Which successors are new is decided when the
 * main thread merges batches in range order (proofs/explorer.ts), so the result never depends on
 * how the ranges were shared out.
 */
import { buildCatalog, catalogEvents, type EventCatalog, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { buildLayout, type Layout, type LayoutOptions } from '../model/layout.js';
import type { State } from '../model/state.js';
import { type ModelOptions, type StepResult, step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import { isTracked, positionIn } from './liveness.js';
import { codecFor, hashWords, type StateCodec } from './packed.js';
import { CATALOG, INVARIANTS } from './properties.js';
import { informationFlowMasks, type LabelMasks, sliceState } from './slicing.js';
import { canonicalize, findSymmetry, type Symmetry } from './symmetry.js';
import type { VisitedReader } from './visited.js';

/** Everything a search derives once from the system: the same in every thread. */
export interface SearchContext {
  readonly layout: Layout;
  readonly catalog: EventCatalog;
  readonly model: ModelOptions;
  readonly codec: StateCodec;
  /** Every event of the catalog, by index. */
  readonly events: readonly Event[];
  readonly eventIndex: ReadonlyMap<Event, number>;
  /** The label bits stored states keep (proofs/slicing.ts); null when states are stored whole. */
  readonly slice: LabelMasks | null;
  /** The renamings states are stored up to (proofs/symmetry.ts); null when none. */
  readonly symmetry: Symmetry | null;
  /** One packed state of room, for `canonicalize`. */
  readonly scratch: Uint32Array;
}

/**
 * With `reduction`, states are stored label-sliced, unless a seeded bug is on (the slicing is exact
 * for the reference model only) or no bit can be dropped; with `symmetry`, up to the system's
 * symmetries, again for the reference model only (a seeded bug may tell partitions apart).
 */
export function searchContext(
  config: SystemConfig,
  model: ModelOptions = {},
  layoutOptions: LayoutOptions = {},
  reduction = false,
  symmetry = false,
): SearchContext {
  const layout = buildLayout(config, layoutOptions);
  const catalog = buildCatalog(layout);
  const events = catalogEvents(catalog);
  const reference = !model.bugs?.size;
  const slice = reduction && reference ? informationFlowMasks(layout) : null;
  const codec = codecFor(layout, model);
  return {
    layout,
    catalog,
    model,
    codec,
    events,
    eventIndex: new Map(events.map((e, i) => [e, i])),
    slice,
    symmetry: symmetry && reference ? findSymmetry(layout, slice) : null,
    scratch: new Uint32Array(codec.words),
  };
}

/** The state the search stores for `s`: `s` itself, or its slice. */
export function stored(ctx: SearchContext, s: State): State {
  return ctx.slice ? sliceState(ctx.slice, s) : s;
}

/**
 * Packs `next`, the stored form of a successor of `s` (packed at `at` of `chunk`), into `out` as the
 * search stores it: its least renaming under the system's symmetries. Returns the index of the
 * renaming among `ctx.symmetry.elements`, or -1 for `next` itself.
 */
export function packStored(
  ctx: SearchContext,
  next: State,
  s: State,
  chunk: Uint32Array,
  at: number,
  out: Uint32Array,
): number {
  ctx.codec.encodeFrom(next, s, chunk, at, out);
  return ctx.symmetry ? canonicalize(ctx.symmetry, ctx.codec, next, out, ctx.scratch) : -1;
}

/** Transitions out of one range of states. Typed arrays only, so a worker can transfer it. */
export interface Batch {
  /** Number of candidates: steps to states the reader did not find, each the first to its state in the range, in search order. */
  readonly count: number;
  /** Per candidate: the state it was reached from, and the event index. */
  readonly parent: Int32Array;
  readonly event: Int32Array;
  /** Packed successors, `words` each. */
  readonly candidates: Uint32Array;
  readonly hashes: Uint32Array;
  /** Per candidate: the pending invariants it breaks, as bits over INVARIANTS. */
  readonly breaks: Uint32Array;
  /** States of the range in some FaultRecovery pair's P (proofs/liveness.ts), ascending. */
  readonly tracked: Int32Array;
  /** Baits reached by some step of the range, as bits over CATALOG. */
  readonly baits: number;
}

/** The pending work of a search, as bit sets: what a batch still has to report. */
export interface Pending {
  /** Bits over INVARIANTS. */
  readonly invariants: number;
  /** Bits over CATALOG. */
  readonly baits: number;
}

/** Names the kinds of a step, for witnesses (main thread only). */
export type WitnessFn = (before: State, event: Event, result: StepResult) => readonly string[];

class Grow32 {
  data: Int32Array | Uint32Array;
  length = 0;
  constructor(private readonly signed: boolean) {
    this.data = signed ? new Int32Array(256) : new Uint32Array(256);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.resize(this.length * 2);
    this.data[this.length++] = v;
  }
  /** Room for `n` more entries; returns the index of the first. */
  reserve(n: number): number {
    while (this.length + n > this.data.length) this.resize(this.data.length * 2);
    const at = this.length;
    this.length += n;
    return at;
  }
  private resize(size: number): void {
    const next = this.signed ? new Int32Array(size) : new Uint32Array(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  take(): Int32Array | Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * The candidates of one batch so far, by hash: a successor met again within the range is dropped
 * where it is met, not sent to be merged. The merge would drop it anyway (the first candidate, met
 * earlier in search order, is inserted before it), so the result is the same, for less work: within
 * a range of the frontier most successors are reached along several paths.
 */
class BatchSet {
  private slots = new Int32Array(1024).fill(-1);
  private hashes = new Uint32Array(1024);
  private count = 0;

  constructor(private readonly words: number) {}

  /** Whether the state in `scratch` (with `hash`) is among the candidates stored in `store`. */
  has(scratch: Uint32Array, hash: number, store: Uint32Array | Int32Array): boolean {
    const mask = this.slots.length - 1;
    const n = this.words;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = this.slots[i]!;
      if (k < 0) return false;
      if (this.hashes[i] !== hash) continue;
      let j = 0;
      while (j < n && store[k * n + j] === scratch[j]) j++;
      if (j === n) return true;
    }
  }

  /** Records candidate number `k`, whose hash is `hash`. */
  add(hash: number, k: number): void {
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    this.place(hash, k);
    this.count++;
  }

  private place(hash: number, k: number): void {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i]! >= 0) i = (i + 1) & mask;
    this.slots[i] = k;
    this.hashes[i] = hash;
  }

  private grow(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    this.hashes = new Uint32Array(slots.length * 2);
    for (let i = 0; i < slots.length; i++) if (slots[i]! >= 0) this.place(hashes[i]!, slots[i]!);
  }
}

/**
 * Expands states `lo .. hi - 1` of `reader`. With `witness`, calls `onWitness` for each kind of
 * step met (in order), so the caller can keep the first of each.
 */
export function expandRange(
  ctx: SearchContext,
  reader: VisitedReader,
  lo: number,
  hi: number,
  pending: Pending,
  witness?: { fn: WitnessFn; on: (kind: string, from: number, event: number) => void },
): Batch {
  const { layout, catalog, model, codec, eventIndex } = ctx;
  const words = codec.words;
  const parent = new Grow32(true);
  const event = new Grow32(true);
  const tracked: number[] = [];
  const candidates = new Grow32(false);
  const hashes = new Grow32(false);
  const breaks = new Grow32(false);
  let baits = 0;
  let baitsLeft = pending.baits;
  const scratch = new Uint32Array(words);
  const seen = new BatchSet(words);

  for (let id = lo; id < hi; id++) {
    const { chunk, at } = reader.locate(id);
    const s = codec.decode(chunk, at);
    if (isTracked(layout, s)) tracked.push(id);
    for (const e of enabledEvents(layout, catalog, s, model)) {
      const result = step(layout, s, e, model);
      const ei = eventIndex.get(e)!;
      if (witness) for (const kind of witness.fn(s, e, result)) witness.on(kind, id, ei);
      if (baitsLeft)
        for (let b = 0; b < CATALOG.length; b++)
          if (baitsLeft & (1 << b) && CATALOG[b]!.bait.reached(layout, s, e, result)) {
            baits |= 1 << b;
            baitsLeft &= ~(1 << b);
          }
      if (result.state === s) continue;
      const next = stored(ctx, result.state);
      packStored(ctx, next, s, chunk, at, scratch);
      const hash = hashWords(scratch, 0, words);
      if (seen.has(scratch, hash, candidates.data) || reader.find(scratch, 0, hash) >= 0) continue;
      const w = candidates.reserve(words);
      candidates.data.set(scratch, w);
      seen.add(hash, hashes.length);
      hashes.push(hash);
      let broken = 0;
      for (let i = 0; i < INVARIANTS.length; i++)
        if (pending.invariants & (1 << i) && !INVARIANTS[i]!.holds(layout, next)) broken |= 1 << i;
      breaks.push(broken);
      parent.push(id);
      event.push(ei);
    }
  }
  return {
    count: parent.length,
    parent: parent.take() as Int32Array,
    event: event.take() as Int32Array,
    tracked: Int32Array.from(tracked),
    candidates: candidates.take() as Uint32Array,
    hashes: hashes.take() as Uint32Array,
    breaks: breaks.take() as Uint32Array,
    baits,
  };
}

/** The buffers of a batch, to transfer rather than copy. */
export function batchBuffers(b: Batch): ArrayBuffer[] {
  return [b.parent, b.event, b.tracked, b.candidates, b.hashes, b.breaks].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The steps out of some tracked states that end in a tracked state (FaultRecovery's graph: every
 * pair's P lies inside the tracked states, proofs/liveness.ts), as the liveness check reads them:
 * for `ids[k]`, the steps `offsets[k] .. offsets[k + 1] - 1` of `to` (a stored id, the state itself
 * for a step that changes nothing) and `event`. Typed arrays only, so a worker can transfer it.
 */
export interface TrackedEdges {
  readonly offsets: Int32Array;
  readonly to: Int32Array;
  readonly event: Int32Array;
  /** Per step: the renaming that made the state reached the stored one (-1: none). */
  readonly renaming: Int16Array;
}

/** A step between stored states: where it leads, the event, and the renaming (-1: none) that made the state reached the stored one. */
export interface StoredStep {
  readonly to: number;
  readonly event: number;
  readonly renaming: number;
}

/**
 * Every step out of stored state `id`: the stored id it reaches (`id` itself for a step that
 * changes nothing), the event's index, and the renaming. The search must have covered every state.
 */
export function stepsOut(
  ctx: SearchContext,
  reader: VisitedReader,
  id: number,
  scratch: Uint32Array,
): StoredStep[] {
  const { layout, catalog, model, codec, eventIndex } = ctx;
  const { chunk, at } = reader.locate(id);
  const s = codec.decode(chunk, at);
  return enabledEvents(layout, catalog, s, model).map((e) => {
    const result = step(layout, s, e, model).state;
    if (result === s) return { to: id, event: eventIndex.get(e)!, renaming: -1 };
    const renaming = packStored(ctx, stored(ctx, result), s, chunk, at, scratch);
    const to = reader.find(scratch, 0, hashWords(scratch, 0, codec.words));
    return { to, event: eventIndex.get(e)!, renaming };
  });
}

/** The tracked edges out of `ids`, a slice of `tracked` (every tracked id, ascending). */
export function trackedEdges(
  ctx: SearchContext,
  reader: VisitedReader,
  ids: Int32Array,
  tracked: Int32Array,
): TrackedEdges {
  const scratch = new Uint32Array(ctx.codec.words);
  const offsets = new Int32Array(ids.length + 1);
  const to = new Grow32(true);
  const event = new Grow32(true);
  const renaming = new Grow32(true);
  for (let k = 0; k < ids.length; k++) {
    for (const step of stepsOut(ctx, reader, ids[k]!, scratch)) {
      if (positionIn(tracked, step.to) < 0) continue;
      to.push(step.to);
      event.push(step.event);
      renaming.push(step.renaming);
    }
    offsets[k + 1] = to.length;
  }
  return {
    offsets,
    to: to.take() as Int32Array,
    event: event.take() as Int32Array,
    renaming: Int16Array.from(renaming.take()),
  };
}
