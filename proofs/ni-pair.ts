/**
 * One step of the self-composition (docs/DESIGN.md section 7): two runs of the model side by side,
 * with the data values the labels abstract kept as relations between the runs. The model's `step`
 * decides all control (who runs, what is refused, queue lengths, the audit log); this file adds
 * what the labels stand for: whether each memory class, each queued message and each partition's
 * history holds the same value in both runs. It reads no label: the labels are cleared from both
 * runs' states, so the comparison is independent of InformationFlow's bookkeeping.
 */
import { type Bits, bit, EMPTY, has } from '../model/bits.js';
import { describeEvent } from '../model/describe.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { type State, withChanges } from '../model/state.js';
import { AUDIT_CODES, type Effect, type ModelOptions, type StepResult } from '../model/step.js';

/** Which runs a move of the product steps: both (a low or environment event), or one of them. */
export type Side = 'both' | 'first' | 'second';

/** Per memory class: its contents differ between the runs; the first run's is empty; the second's. */
const DIFFER = 1;
const EMPTY_FIRST = 2;
const EMPTY_SECOND = 4;

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
}

export function pairContext(
  layout: Layout,
  observer: number,
  model: ModelOptions = {},
  labels = false,
): PairContext {
  const low = layout.mayFlowTo[observer]!;
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
    case 'DeviceIrq':
    case 'MsiWrite':
      return layout.config.devices[e.device]?.owner ?? null;
    default:
      return null;
  }
}

const IGNORED = (s: State): StepResult => ({ state: s, outcome: 'ignored', effects: [] });

/** The result of one move: the next product state, and why the observer's view diverged, if it did. */
export interface PairStep {
  readonly next: PairState;
  readonly divergence: string | null;
}

/**
 * Applies `e` to the runs `side` names (the other stutters), given each run's step result. The
 * actor's observation is compared first, then what arrives at low partitions asynchronously
 * (interrupts, resets), then memory, queues and the audit log are updated.
 */
export function pairStep(
  ctx: PairContext,
  p: PairState,
  e: Event,
  side: Side,
  resultFirst: StepResult,
  resultSecond: StepResult,
): PairStep {
  const { layout } = ctx;
  const rA = side === 'second' ? IGNORED(p.first) : resultFirst;
  const rB = side === 'first' ? IGNORED(p.second) : resultSecond;
  let differ = p.differ;
  let divergence: string | null = null;
  const diverge = (q: number, why: () => string) => {
    if (q === ctx.observer && !has(differ, q)) divergence = why();
    differ |= bit(q);
  };

  const actor = actorOf(layout, e);
  if (actor !== null && has(ctx.readers, actor)) {
    const a = observation(layout, e, p.first, rA, p.logFirst);
    const b = observation(layout, e, p.second, rB, p.logSecond);
    if (a !== b) diverge(actor, () => `${describeEvent(layout, e)}: ${contrast(a, b)}`);
    else if (rA.outcome === 'ok' && readDiffers(ctx, p, e))
      diverge(actor, () => `${describeEvent(layout, e)}: in the two runs it reads different values`);
  }
  for (let q = 0; q < layout.nPartitions; q++) {
    if (!has(ctx.readers, q)) continue;
    const a = arrivals(layout, rA.effects, q);
    const b = arrivals(layout, rB.effects, q);
    if (a !== b) diverge(q, () => `${layout.config.partitions[q]!.name} ${contrast(a, b)}`);
  }

  const memory = memoryAfter(ctx, p, e, actor, rA, rB);
  const queues = queuesAfter(ctx, p, actor, rA.state, rB.state);
  const next: PairState = {
    first: ctx.labels ? rA.state : unlabelled(rA.state),
    second: ctx.labels ? rB.state : unlabelled(rB.state),
    differ,
    memory,
    queues,
    logFirst: ctx.audit ? logAfter(layout, p.logFirst, rA.effects) : p.logFirst,
    logSecond: ctx.audit ? logAfter(layout, p.logSecond, rB.effects) : p.logSecond,
  };
  return { next, divergence };
}

/** "in the first run: X; in the second: Y", with "nothing" for an empty side. */
function contrast(a: string, b: string): string {
  return `in the first run ${a || 'nothing'}, in the second ${b || 'nothing'}`;
}

/**
 * What the acting partition learns from its own event in one run, but for the data it reads:
 * whether it acted at all, the outcome, a hypercall's answer, the target's status for
 * `partition-status`, the records for `audit-read`.
 */
function observation(layout: Layout, e: Event, before: State, r: StepResult, log: readonly number[]): string {
  if (r.outcome === 'ignored') return 'it does not act';
  const call = r.effects.find((ef): ef is Extract<Effect, { kind: 'hypercall' }> => ef.kind === 'hypercall');
  if (!call) return `the outcome is ${r.outcome}`;
  let seen = `it is answered ${call.status}`;
  if (e.type === 'Hypercall' && call.status === 'OK') {
    if (e.op === 'partition-status') seen += ` (${before.status[e.arg]})`;
    if (e.op === 'audit-read')
      seen += ` with the records [${log.map((x) => recordName(layout, x)).join(', ')}]`;
  }
  return seen;
}

/**
 * Whether the value a completed read, instruction fetch or receive (done alike in both runs)
 * returns differs between the runs: the memory class's contents, or the queues' head messages.
 */
function readDiffers(ctx: PairContext, p: PairState, e: Event): boolean {
  if (e.type === 'Hypercall' && e.op === 'receive') {
    const tokens = p.queues[ctx.tracked.indexOf(e.arg)]!;
    return tokens[0] !== tokens[p.first.channels[e.arg]!.length];
  }
  const cls = readClass(ctx.layout, e);
  return cls !== null && (p.memory[cls]! & DIFFER) !== 0;
}

/** The memory class a completed read (or instruction fetch) reads, or null. */
function readClass(layout: Layout, e: Event): number | null {
  if (e.type === 'GuestAccess' && e.access !== 'write') {
    const entry = layout.ept[e.partition]?.[e.gpa];
    return entry ? layout.classOf[entry.page]! : null;
  }
  if (e.type === 'Dma' && e.access === 'read') return layout.classOf[e.page] ?? null;
  return null;
}

/** The memory class a completed write writes, or null. */
function writtenClass(layout: Layout, e: Event, r: StepResult): number | null {
  if (r.outcome !== 'ok') return null;
  if (e.type === 'GuestAccess' && e.access === 'write') {
    const entry = layout.ept[e.partition]?.[e.gpa];
    return entry ? layout.classOf[entry.page]! : null;
  }
  if (e.type === 'Dma' && e.access === 'write') return layout.classOf[e.page] ?? null;
  return null;
}

/** What reaches `q` without its asking: interrupts injected and resets, as one comparable string. */
function arrivals(layout: Layout, effects: readonly Effect[], q: number): string {
  let out = '';
  for (const ef of effects) {
    if (ef.kind === 'inject' && ef.partition === q)
      out += `${out ? ', ' : ''}takes the interrupt of ${deviceNames(layout, ef.devices)}`;
    if (ef.kind === 'reset' && ef.target === q) out += `${out ? ', ' : ''}is reset`;
  }
  return out;
}

function deviceNames(layout: Layout, devices: Bits): string {
  return layout.config.devices
    .filter((d) => has(devices, d.index))
    .map((d) => d.name)
    .join(', ');
}

/**
 * Memory after the move. A write appends the writer's output to the class: the same value in both
 * runs only when both runs write it and the writer's history is the same in both (a low downgrader
 * outputs its own data only, the same in both); a high writer's output carries its secret, which
 * differs between the runs, so a class it wrote in either run differs until it is cleared. A reset
 * clears the target's classes: cleared in both runs, or cleared in one and empty in the other, they
 * agree again.
 */
function memoryAfter(
  ctx: PairContext,
  p: PairState,
  e: Event,
  actor: number | null,
  rA: StepResult,
  rB: StepResult,
): readonly number[] {
  const { layout } = ctx;
  const readable = (cls: number | null) => (cls !== null && ctx.readable[cls] ? cls : null);
  const wroteA = readable(writtenClass(layout, e, rA));
  const wroteB = readable(writtenClass(layout, e, rB));
  const clearedA = clearedBy(rA.effects);
  const clearedB = clearedBy(rB.effects);
  if (wroteA === null && wroteB === null && clearedA === EMPTY && clearedB === EMPTY) return p.memory;
  const memory = [...p.memory];
  if (wroteA !== null && wroteA === wroteB) {
    const same = sameOutput(ctx, p, actor);
    memory[wroteA] = (memory[wroteA]! & DIFFER) | (same ? 0 : DIFFER);
  } else {
    if (wroteA !== null) memory[wroteA] = (memory[wroteA]! & ~EMPTY_FIRST) | DIFFER;
    if (wroteB !== null) memory[wroteB] = (memory[wroteB]! & ~EMPTY_SECOND) | DIFFER;
  }
  if (clearedA !== EMPTY || clearedB !== EMPTY)
    layout.classes.forEach((cls, i) => {
      const a = (cls.listers & clearedA) !== EMPTY;
      const b = (cls.listers & clearedB) !== EMPTY;
      if ((!a && !b) || !ctx.readable[i]) return;
      let m = memory[i]! | (a ? EMPTY_FIRST : 0) | (b ? EMPTY_SECOND : 0);
      m = m & EMPTY_FIRST && m & EMPTY_SECOND ? m & ~DIFFER : m | DIFFER;
      memory[i] = m;
    });
  return memory;
}

/**
 * Whether what `actor` writes or sends is the same in both runs, when both runs do it: a low
 * partition's output is its history (a low downgrader's, its own data only); a hidden partition's
 * carries its secret.
 */
function sameOutput(ctx: PairContext, p: PairState, actor: number | null): boolean {
  if (actor === null || !has(ctx.low, actor)) return false;
  return has(ctx.lowDowngraders, actor) || !has(p.differ, actor);
}

/** The partitions a step reset (and so cleared the memory of). */
function clearedBy(effects: readonly Effect[]): Bits {
  let targets = EMPTY;
  for (const ef of effects) if (ef.kind === 'reset') targets |= bit(ef.target);
  return targets;
}

/**
 * Tracked queues after the move, as tokens: each queued message is a number, equal in the two runs
 * exactly when the messages are. A message both runs send in the same move is one value when the
 * sender's history is the same in both (a low downgrader's always is); any other message is a value
 * of its own (a hidden sender's carries its secret).
 */
function queuesAfter(
  ctx: PairContext,
  p: PairState,
  actor: number | null,
  a: State,
  b: State,
): readonly (readonly number[])[] {
  let queues: (readonly number[])[] | null = null;
  ctx.tracked.forEach((c, t) => {
    const lengthA = p.first.channels[c]!.length;
    const lengthB = p.second.channels[c]!.length;
    const afterA = a.channels[c]!.length;
    const afterB = b.channels[c]!.length;
    if (afterA === lengthA && afterB === lengthB) return;
    const tokens = p.queues[t]!;
    let fresh = tokens.length;
    const next = () => fresh++;
    const both = afterA === lengthA + 1 && afterB === lengthB + 1 && sameOutput(ctx, p, actor) ? next() : -1;
    const runA = changed(tokens.slice(0, lengthA), afterA, both, next);
    const runB = changed(tokens.slice(lengthA), afterB, both, next);
    queues ??= [...p.queues];
    queues[t] = canonical([...runA, ...runB]);
  });
  return queues ?? p.queues;
}

/** One run's tokens after its queue reached `length`: a message appended (`shared`, or a fresh
 * value), the head taken, or else (a queue flushed) fresh values throughout. */
function changed(tokens: readonly number[], length: number, shared: number, next: () => number): number[] {
  if (length === tokens.length) return [...tokens];
  if (length === tokens.length + 1) return [...tokens, shared >= 0 ? shared : next()];
  if (length === tokens.length - 1) return tokens.slice(1);
  return Array.from({ length }, next);
}

/** Tokens renumbered in order of first appearance, so equal relations have equal tokens. */
function canonical(tokens: readonly number[]): number[] {
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

/** The log after the step's records: appended, the oldest dropped under `overwrite` when full. */
function logAfter(layout: Layout, log: readonly number[], effects: readonly Effect[]): readonly number[] {
  let out: number[] | null = null;
  const { capacity, onFull } = layout.config.audit;
  for (const ef of effects) {
    if (ef.kind !== 'audit') continue;
    out ??= [...log];
    const record =
      AUDIT_CODES.indexOf(ef.code) * (layout.nPartitions + 1) + (ef.cause === null ? 0 : ef.cause + 1);
    if (out.length < capacity) out.push(record);
    else if (onFull === 'overwrite') {
      out.shift();
      out.push(record);
    }
  }
  return out ?? log;
}

function recordName(layout: Layout, record: number): string {
  const n = layout.nPartitions + 1;
  const code = AUDIT_CODES[Math.floor(record / n)]!;
  const cause = record % n;
  return cause === 0 ? code : `${code} by ${layout.config.partitions[cause - 1]!.name}`;
}

/**
 * A string equal for equal product states (control, relations, and the labels where they are kept),
 * and whether the state is stored with its runs swapped. The runs are symmetric (each holds the
 * other's secrets), so a state and its mirror image are one: the key is the smaller of the two.
 */
export function pairKey(ctx: PairContext, p: PairState): { key: string; swapped: boolean } {
  const a = stateKey(p.first);
  const b = stateKey(p.second);
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

const KEYS = new WeakMap<State, string>();

function stateKey(s: State): string {
  const known = KEYS.get(s);
  if (known !== undefined) return known;
  let k = `${s.hv[0]}${s.hvTampered ? 1 : 0}${s.halted ? 1 : 0}${s.tampered},${s.frame},${s.auditCount},`;
  for (const st of s.status) k += st[0];
  for (const x of s.pendingIrq) k += `,${x}`;
  for (const q of s.channels) k += `;${q.join(':')}`;
  k += `,${s.observed.join(':')},${s.cells.join(':')},${s.auditLabel}`;
  KEYS.set(s, k);
  return k;
}
