/**
 * Noninterference by self-composition (docs/DESIGN.md section 7): for each observer partition L, a
 * breadth-first search of the product of the model with itself, in which both runs take the same
 * environment events and the same events of the partitions L may learn from (and their devices),
 * while the other partitions and their devices act in either run alone, and each of them holds a
 * different secret in each run. A reachable product state in which what L has observed differs
 * between the runs (and neither run has halted, or both have) is a violation; breadth-first order
 * makes the first one found a shortest pair of runs.
 *
 * Unlike InformationFlow, which follows labels through one run, this compares values: it reads no
 * label, so it checks independently that the labels over-approximate what one partition's
 * behaviour can change in another's view. It is meant for small systems: the product can hold the
 * square of the model's states, and the search stops at a budget (`unknown`).
 */
import { type Bits, EMPTY, has } from '../model/bits.js';
import { buildCatalog, catalogEvents, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { buildLayout, type Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type ModelOptions, type StepResult, step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import type { Trace, TraceStep } from './explorer.js';
import {
  actorOf,
  initialPair,
  type PairContext,
  type PairState,
  pairContext,
  pairKey,
  type Side,
  swapped,
} from './ni-pair.js';
import { pairStep } from './ni-step.js';

export type { Side } from './ni-pair.js';

/** Product states searched per observer when the caller sets no bound. */
export const DEFAULT_NI_MAX_STATES = 200_000;

export type NiStatus = 'holds' | 'violated' | 'unknown';

/** A pair of runs in which the observer's view diverges. */
export interface NiWitness {
  /** Per move of the product: which runs took it (a shared event one run ignores counts as the other's alone). */
  readonly sides: readonly Side[];
  readonly first: Trace;
  readonly second: Trace;
  /** What the observer sees differently at the last move. */
  readonly divergence: string;
}

export interface ObserverVerdict {
  readonly observer: number;
  /** The partitions the observer may not learn from: their events and secrets differ between the runs. */
  readonly hidden: Bits;
  readonly status: NiStatus;
  /** Product states stored (pairs of states with their relations). */
  readonly productStates: number;
  /** Moves of the longest stored path, or of the witness. */
  readonly depth: number;
  readonly witness?: NiWitness;
}

export interface NiResult {
  readonly observers: readonly ObserverVerdict[];
  readonly durationMs: number;
}

export interface NiOptions {
  /** Product states per observer before the search stops with `unknown`. */
  readonly maxStates?: number;
  readonly model?: ModelOptions;
  /** Only these observers (default: every partition). */
  readonly observers?: readonly number[];
  /**
   * Keep the runs' labels, and call `visit` on every product state stored: then the search does
   * not stop at the first divergence but covers every product state within the bound (for checking
   * labels against values).
   */
  readonly labels?: boolean;
  readonly visit?: (ctx: PairContext, p: PairState) => void;
  /** Called now and then during a search with the observer and the product states stored so far. */
  readonly onProgress?: (observer: number, productStates: number) => void;
}

/** Self-composition for every observer (or those asked for). */
export function checkNoninterference(config: SystemConfig, options: NiOptions = {}): NiResult {
  const started = performance.now();
  const layout = buildLayout(config);
  const all = options.observers ?? config.partitions.map((p) => p.index);
  const observers = all.map((l) => searchObserver(layout, l, options));
  return { observers, durationMs: performance.now() - started };
}

const SIDES: readonly Side[] = ['both', 'first', 'second'];
const IGNORED = (s: State): StepResult => ({ state: s, outcome: 'ignored', effects: [] });

/** The product search for one observer. */
export function searchObserver(layout: Layout, observer: number, options: NiOptions = {}): ObserverVerdict {
  const model = options.model ?? {};
  const ctx = pairContext(layout, observer, model, options.labels ?? false);
  const all = (1 << layout.nPartitions) - 1;
  const hidden = ~ctx.low & all;
  if (hidden === EMPTY && !options.visit)
    return { observer, hidden, status: 'holds', productStates: 0, depth: 0 };
  const maxStates = options.maxStates ?? DEFAULT_NI_MAX_STATES;
  const catalog = buildCatalog(layout);
  const events = catalogEvents(catalog);
  const eventIndex = new Map<Event, number>(events.map((e, i) => [e, i]));

  const states: PairState[] = [initialPair(ctx, init(layout))];
  const parent: number[] = [-1];
  /** Per state: the move that reached it, as event index * 3 + side, and whether it is stored mirrored. */
  const via: number[] = [-1];
  const mirrored: boolean[] = [false];
  const depthOf: number[] = [0];
  const seen = new Set<string>([pairKey(ctx, states[0]!).key]);
  let witness: NiWitness | undefined;

  for (let id = 0; id < states.length; id++) {
    const p = states[id]!;
    options.visit?.(ctx, p);
    if (options.onProgress && id % 1000 === 0) options.onProgress(observer, states.length);
    if (p.first.halted || p.second.halted) continue;
    const enabledFirst = new Set(enabledEvents(layout, catalog, p.first, model));
    const enabledSecond = new Set(enabledEvents(layout, catalog, p.second, model));
    for (const e of events) {
      const inFirst = enabledFirst.has(e);
      const inSecond = enabledSecond.has(e);
      if (!inFirst && !inSecond) continue;
      for (const move of moves(ctx, p, e, inFirst, inSecond)) {
        const { next, divergence } = pairStep(ctx, p, e, move.side, move.first, move.second);
        // Termination-insensitive: a run that halted alone is compared with nothing.
        if (next.first.halted !== next.second.halted) continue;
        const code = eventIndex.get(e)! * 3 + SIDES.indexOf(move.side);
        if (divergence !== null && witness === undefined) {
          const path = pathTo(parent, via, mirrored, id, code);
          witness = replay(ctx, events, path);
          if (!options.visit)
            return {
              observer,
              hidden,
              status: 'violated',
              productStates: states.length,
              depth: path.length,
              witness,
            };
        }
        if (unchanged(p, next)) continue;
        const { key, swapped: mirror } = pairKey(ctx, next);
        if (seen.has(key)) continue;
        if (states.length >= maxStates)
          return witness
            ? {
                observer,
                hidden,
                status: 'violated',
                productStates: states.length,
                depth: depthOf[id]!,
                witness,
              }
            : { observer, hidden, status: 'unknown', productStates: states.length, depth: depthOf[id]! };
        seen.add(key);
        states.push(mirror ? swapped(ctx, next) : next);
        parent.push(id);
        via.push(code);
        mirrored.push(mirror);
        depthOf.push(depthOf[id]! + 1);
      }
    }
  }
  const depth = depthOf[depthOf.length - 1]!;
  return witness
    ? { observer, hidden, status: 'violated', productStates: states.length, depth, witness }
    : { observer, hidden, status: 'holds', productStates: states.length, depth };
}

/** The move changed nothing (a guest touching its own memory, an emulated exit, ...). */
function unchanged(p: PairState, q: PairState): boolean {
  return (
    p.first === q.first &&
    p.second === q.second &&
    p.differ === q.differ &&
    p.memory === q.memory &&
    p.queues === q.queues &&
    p.logFirst === q.logFirst &&
    p.logSecond === q.logSecond
  );
}

interface Move {
  readonly side: Side;
  readonly first: StepResult;
  readonly second: StepResult;
}

/**
 * The moves `e` offers: a low or environment event is taken by both runs (one that a run cannot
 * take leaves it as it is), except that a low downgrader acts in both runs or in neither, since
 * whether it can act is what it is trusted to release; a hidden partition's event is taken by
 * either run alone.
 */
function moves(ctx: PairContext, p: PairState, e: Event, inFirst: boolean, inSecond: boolean): Move[] {
  const { layout, model } = ctx;
  const actor = actorOf(layout, e);
  if (actor === null || has(ctx.low, actor)) {
    const first = inFirst ? step(layout, p.first, e, model) : IGNORED(p.first);
    const second = inSecond ? step(layout, p.second, e, model) : IGNORED(p.second);
    const ignoredFirst = first.outcome === 'ignored';
    const ignoredSecond = second.outcome === 'ignored';
    if (ignoredFirst && ignoredSecond) return [];
    if (actor !== null && has(ctx.lowDowngraders, actor) && ignoredFirst !== ignoredSecond) return [];
    return [{ side: 'both', first, second }];
  }
  const out: Move[] = [];
  if (inFirst) out.push({ side: 'first', first: step(layout, p.first, e, model), second: IGNORED(p.second) });
  if (inSecond)
    out.push({ side: 'second', first: IGNORED(p.first), second: step(layout, p.second, e, model) });
  return out;
}

/**
 * The moves from the initial state to state `id`, then `last`, with each side named as in the
 * runs of the initial state (a state stored mirrored exchanges the runs of the moves after it).
 */
function pathTo(
  parent: readonly number[],
  via: readonly number[],
  mirrored: readonly boolean[],
  id: number,
  last: number,
): { event: number; side: Side }[] {
  const stored: number[] = [last];
  for (let at = id; at > 0; at = parent[at]!) stored.push(via[at]!);
  stored.reverse();
  const chain: number[] = [];
  for (let at = id; at > 0; at = parent[at]!) chain.push(at);
  chain.reverse();
  let flip = false;
  return stored.map((code, i) => {
    const side = SIDES[code % 3]!;
    const move = { event: Math.floor(code / 3), side: flip ? FLIPPED[side] : side };
    if (i < chain.length) flip = flip !== mirrored[chain[i]!]!;
    return move;
  });
}

const FLIPPED: Record<Side, Side> = { both: 'both', first: 'second', second: 'first' };

/**
 * Both runs of a witness, replayed from the initial state with labels (for the traces' states), and
 * the product along them again, which must diverge at the last move and not before. A shared move
 * that one run ignored is that of the other run alone.
 */
function replay(
  ctx: PairContext,
  events: readonly Event[],
  path: readonly { event: number; side: Side }[],
): NiWitness {
  const { layout, model } = ctx;
  const start = init(layout);
  const first: TraceStep[] = [{ event: null, state: start, result: null }];
  const second: TraceStep[] = [{ event: null, state: start, result: null }];
  const sides: Side[] = [];
  let pair = initialPair(ctx, start);
  let divergence: string | null = null;
  for (const [i, move] of path.entries()) {
    const e = events[move.event]!;
    const side = move.side;
    const stepped = pairStep(
      ctx,
      pair,
      e,
      side,
      side === 'second' ? IGNORED(pair.first) : step(layout, pair.first, e, model),
      side === 'first' ? IGNORED(pair.second) : step(layout, pair.second, e, model),
    );
    pair = stepped.next;
    if ((stepped.divergence !== null) !== (i === path.length - 1))
      throw new Error(
        `self-composition: the witness's product replay diverges at move ${i + 1} of ${path.length}`,
      );
    divergence = stepped.divergence;
    const took: Side[] = [];
    for (const [run, steps] of [
      ['first', first],
      ['second', second],
    ] as const) {
      if (side !== 'both' && side !== run) continue;
      const result = step(layout, steps[steps.length - 1]!.state, e, model);
      if (result.outcome === 'ignored') continue;
      steps.push({ event: e, state: result.state, result });
      took.push(run);
    }
    sides.push(took.length === 2 ? 'both' : took[0]!);
  }
  return { sides, first: { steps: first }, second: { steps: second }, divergence: divergence! };
}
