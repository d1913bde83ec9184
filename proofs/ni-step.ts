/**
 * One move of the self-composition (docs/DESIGN.md section 7): both runs' step results turned into
 * the next product state. The acting partition's observation is compared, then what reaches low
 * partitions unasked (interrupts, resets); then memory, queues and the audit log are updated as
 * relations between the runs.
 */
import { type Bits, bit, EMPTY, has } from '../model/bits.js';
import { describeEvent } from '../model/describe.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { bufferEntry } from '../model/operands.js';
import type { State } from '../model/state.js';
import { AUDIT_CODES, type Effect, type StepResult } from '../model/step.js';
import {
  actorOf,
  canonical,
  DIFFER,
  EMPTY_FIRST,
  EMPTY_SECOND,
  type PairContext,
  type PairState,
  type Side,
  unlabelled,
} from './ni-pair.js';

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
  // What the actor writes or sends in this move, if both runs do: the same value in both?
  const same = sameValue(ctx, p, e, actor, differ);
  // A peer-to-peer write reaches the peer's owner unasked: what arrives in its device's buffer, it holds.
  if (e.type === 'PeerDma' && e.access === 'write') {
    const { devices, partitions } = layout.config;
    const q = devices[e.peer]!.owner;
    const a = rA.outcome === 'ok';
    const b = rB.outcome === 'ok';
    if (has(ctx.readers, q) && (a !== b || (a && !same))) {
      const written = `is written to by ${devices[e.device]!.name}`;
      diverge(q, () =>
        a === b
          ? `${describeEvent(layout, e)}: in the two runs it writes different values`
          : `${devices[e.peer]!.name} of ${partitions[q]!.name} ${contrast(a ? written : '', b ? written : '')}`,
      );
    }
  }

  const memory = memoryAfter(ctx, p, e, same, rA, rB);
  const queues = queuesAfter(ctx, p, same, rA.state, rB.state);
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
  // A peer device's buffer holds what that device moved for its owner: its owner's output.
  if (e.type === 'PeerDma' && e.access === 'read') {
    const owner = ctx.layout.config.devices[e.peer]?.owner;
    return owner !== undefined && !sameOutput(ctx, p.differ, owner);
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
  // A message received into the caller's buffer.
  if (e.type === 'Hypercall' && e.op === 'receive' && delivered(r)) return bufferClass(layout, e);
  return null;
}

/** The hypercall answered OK: for a receive, a message was taken from the queue. */
function delivered(r: StepResult): boolean {
  return r.effects.some((ef) => ef.kind === 'hypercall' && ef.status === 'OK');
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
  same: boolean,
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
function sameOutput(ctx: PairContext, differ: Bits, actor: number | null): boolean {
  if (actor === null || !has(ctx.low, actor)) return false;
  return has(ctx.lowDowngraders, actor) || !has(differ, actor);
}

/**
 * Whether what `actor` writes or sends in this move is the same in both runs, given the histories
 * as the move leaves them (a receive may make the receiver's differ): its output, and for a send
 * the contents of the buffer it sends from (a downgrader's message is its own data whatever the
 * buffer holds).
 */
function sameValue(ctx: PairContext, p: PairState, e: Event, actor: number | null, differ: Bits): boolean {
  if (!sameOutput(ctx, differ, actor)) return false;
  if (e.type !== 'Hypercall' || e.op !== 'send' || has(ctx.lowDowngraders, e.partition)) return true;
  const cls = bufferClass(ctx.layout, e);
  return cls === null || (p.memory[cls]! & DIFFER) === 0;
}

/** The memory class of a hypercall's message buffer, or null. */
function bufferClass(layout: Layout, e: Event): number | null {
  if (e.type !== 'Hypercall') return null;
  const entry = bufferEntry(layout, e.partition, e.buffer);
  return entry ? layout.classOf[entry.page]! : null;
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
  same: boolean,
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
    const both = afterA === lengthA + 1 && afterB === lengthB + 1 && same ? next() : -1;
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
