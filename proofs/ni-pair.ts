/**
 * The states of the self-composition (docs/DESIGN.md section 7): two runs of the model side by
 * side, with the data values the labels abstract kept as relations between the runs. The model's
 * `step` decides all control (who runs, what is refused, queue lengths, the audit log); a product
 * state adds what the labels stand for: whether each memory class, each queued message and each
 * partition's history holds the same value in both runs. It reads no label: the labels are cleared
 * from both runs' states, so the comparison is independent of InformationFlow's bookkeeping.
 * proofs/ni-step.ts moves it.
 */
import { type Bits, bit, EMPTY, has } from '../model/bits.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { type State, withChanges } from '../model/state.js';
import type { ModelOptions } from '../model/step.js';
import { codecFor, type StateCodec } from './packed.js';

/** Which runs a move of the product steps: both (a low or environment event), or one of them. */
export type Side = 'both' | 'first' | 'second';

/** Per memory class: its contents differ between the runs; the first run's is empty; the second's. */
export const DIFFER = 1;
export const EMPTY_FIRST = 2;
export const EMPTY_SECOND = 4;

/** What one self-composition is about: the observer, who acts in step, and what to track. */
export interface PairContext {
  readonly layout: Layout;
  readonly model: ModelOptions;
  readonly observer: number;
  /** Partitions whose events both runs share: the observer's sources under the policy. */
  readonly low: Bits;
  /** Low downgraders: what they output is their own data, the same in both runs. */
  readonly lowDowngraders: Bits;
  /**
   * Low partitions whose histories matter: the observer, and every other low partition that is not
   * a downgrader (a low downgrader's output does not depend on what it observed).
   */
  readonly readers: Bits;
  /** Per memory class (Layout.classes): whether one of the readers can read it. */
  readonly readable: readonly boolean[];
  /** Channels a reader receives from; no one else's messages are compared. */
  readonly tracked: readonly number[];
  /** Whether a reader may read the audit log, so its records are kept. */
  readonly audit: boolean;
  /** Keep the runs' labels (for checking them against the values); otherwise they are cleared. */
  readonly labels: boolean;
  /** Packs one run's state for its key (proofs/packed.ts), into a scratch buffer read as 16-bit characters. */
  readonly codec: StateCodec;
  readonly scratch: Uint32Array;
  readonly scratchChars: Uint16Array;
}

export function pairContext(
  layout: Layout,
  observer: number,
  model: ModelOptions = {},
  labels = false,
): PairContext {
  const low = layout.mayFlowTo[observer]!;
  const codec = codecFor(layout, model);
  const scratch = new Uint32Array(codec.words);
  const lowDowngraders = layout.downgraders & low;
  const readers = (low & ~lowDowngraders) | bit(observer);
  const readable = layout.classes.map((cls) => {
    const page = cls.pages[0]!;
    for (let q = 0; q < layout.nPartitions; q++)
      if (has(readers, q) && layout.ept[q]!.some((e) => e.page === page)) return true;
    return layout.config.devices.some((d) => has(readers, d.owner) && layout.dmaReach[d.index]![page] === 1);
  });
  return {
    layout,
    model,
    observer,
    low,
    lowDowngraders,
    readers,
    readable,
    tracked: layout.config.channels.filter((c) => has(readers, c.to)).map((c) => c.index),
    audit: (layout.auditReaders & readers) !== EMPTY,
    labels,
    codec,
    scratch,
    scratchChars: new Uint16Array(scratch.buffer),
  };
}

/** A state of the product: both runs, and how their values relate. */
export interface PairState {
  readonly first: State;
  readonly second: State;
  /** Low partitions whose histories (everything they observed) differ between the runs. */
  readonly differ: Bits;
  /** Per memory class (Layout.classes): DIFFER, EMPTY_FIRST, EMPTY_SECOND. */
  readonly memory: readonly number[];
  /**
   * Per tracked channel: a token per queued message, the first run's queue then the second's;
   * two messages hold the same value exactly when their tokens are equal.
   */
  readonly queues: readonly (readonly number[])[];
  /** The audit records of each run, oldest first (kept only when a low partition reads the log). */
  readonly logFirst: readonly number[];
  readonly logSecond: readonly number[];
}

/** The high partitions' data differs between the runs from the start: their images are their secrets. */
export function initialPair(ctx: PairContext, s: State): PairState {
  const start = ctx.labels ? s : unlabelled(s);
  return {
    first: start,
    second: start,
    differ: EMPTY,
    memory: ctx.layout.classes.map((cls, i) => {
      if (!ctx.readable[i]) return 0;
      const empty = cls.listers === EMPTY ? EMPTY_FIRST | EMPTY_SECOND : 0;
      return empty | (cls.listers & ~ctx.low ? DIFFER : 0);
    }),
    queues: ctx.tracked.map(() => []),
    logFirst: [],
    logSecond: [],
  };
}

/** Whether memory class `cls` holds different values in the two runs. */
export function contentsDiffer(p: PairState, cls: number): boolean {
  return (p.memory[cls]! & DIFFER) !== 0;
}

/** The state with every label and history flag cleared: what `step` decides without them. */
export function unlabelled(s: State): State {
  const clear = (xs: readonly Bits[]) => (xs.every((x) => x === EMPTY) ? xs : xs.map(() => EMPTY));
  const observed = clear(s.observed);
  const cells = clear(s.cells);
  const channels = s.channels.every((q) => q.every((x) => x === EMPTY)) ? s.channels : s.channels.map(clear);
  if (
    observed === s.observed &&
    cells === s.cells &&
    channels === s.channels &&
    s.auditLabel === EMPTY &&
    s.flags === EMPTY
  )
    return s;
  return withChanges(s, { observed, cells, channels, auditLabel: EMPTY, flags: EMPTY });
}

/** The partition an event belongs to (a device's belongs to its owner); null for the environment. */
export function actorOf(layout: Layout, e: Event): number | null {
  switch (e.type) {
    case 'GuestAccess':
    case 'Hypercall':
    case 'VmExit':
      return e.partition;
    case 'Dma':
    case 'PeerDma':
    case 'DeviceIrq':
    case 'MsiWrite':
      return layout.config.devices[e.device]?.owner ?? null;
    default:
      return null;
  }
}

/**
 * A string equal for equal product states (control, relations, and the labels where they are kept),
 * and whether the state is stored with its runs swapped. The runs are symmetric (each holds the
 * other's secrets), so a state and its mirror image are one: the key is the smaller of the two.
 */
export function pairKey(ctx: PairContext, p: PairState): { key: string; swapped: boolean } {
  const a = stateKey(ctx, p.first);
  const b = stateKey(ctx, p.second);
  const queues = (qs: readonly (readonly number[])[]) => qs.map((q) => q.join(':')).join('.');
  const key = `${a}/${b}/${p.differ}/${queues(p.queues)}/${p.memory.join('.')}/${p.logFirst.join('.')}/${p.logSecond.join('.')}`;
  const mirror = `${b}/${a}/${p.differ}/${queues(swapQueues(ctx, p))}/${p.memory.map(swapMemory).join('.')}/${p.logSecond.join('.')}/${p.logFirst.join('.')}`;
  return mirror < key ? { key: mirror, swapped: true } : { key, swapped: false };
}

function swapQueues(ctx: PairContext, p: PairState): (readonly number[])[] {
  return p.queues.map((tokens, t) => {
    const lengthA = p.first.channels[ctx.tracked[t]!]!.length;
    return canonical([...tokens.slice(lengthA), ...tokens.slice(0, lengthA)]);
  });
}

function swapMemory(m: number): number {
  return (m & DIFFER) | ((m & EMPTY_FIRST) << 1) | ((m & EMPTY_SECOND) >> 1);
}

/** The same product state with the runs' roles exchanged. */
export function swapped(ctx: PairContext, p: PairState): PairState {
  return {
    first: p.second,
    second: p.first,
    differ: p.differ,
    memory: p.memory.map(swapMemory),
    queues: swapQueues(ctx, p),
    logFirst: p.logSecond,
    logSecond: p.logFirst,
  };
}

/**
 * A string equal for equal states up to their history flags (which steer nothing): the packed
 * words, as 16-bit characters.
 */
function stateKey(ctx: PairContext, s: State): string {
  ctx.codec.encode(s, ctx.scratch);
  ctx.codec.clearFlags(ctx.scratch);
  return String.fromCharCode.apply(null, ctx.scratchChars as unknown as number[]);
}

/** Tokens renumbered in order of first appearance, so equal relations have equal tokens. */
export function canonical(tokens: readonly number[]): number[] {
  const names = new Map<number, number>();
  return tokens.map((x) => {
    let n = names.get(x);
    if (n === undefined) {
      n = names.size;
      names.set(x, n);
    }
    return n;
  });
}
