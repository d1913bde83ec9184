/**
 * The embedded engine: breadth-first, exhaustive, deterministic exploration of every state the
 * environment, the attacker, devices and guests can drive the model into. Breadth-first order makes
 * the first violation found for a property a shortest counterexample.
 *
 * States are stored packed (proofs/packed.ts) in a shared visited set (proofs/visited.ts); each
 * state's id is its insertion order, so a breadth-first level is a range of ids and the frontier
 * needs no queue. For each state only its parent's id and the index of the event that reached it
 * are kept; traces are rebuilt by replaying `step` from the initial state.
 *
 * A level is cut into fixed ranges of ids, each expanded into a batch (proofs/expand.ts), in this
 * thread or by workers (proofs/parallel.ts); batches are merged strictly in range order, which
 * assigns ids exactly as a sequential search would. Verdicts, counts, ids and counterexamples are
 * therefore the same for every number of workers.
 */

import { getHeapStatistics } from 'node:v8';
import { enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import type { LayoutOptions } from '../model/layout.js';
import { init, type State, sameState } from '../model/state.js';
import { type ModelOptions, type StepResult, step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import {
  type Batch,
  expandRange,
  type Pending,
  type SearchContext,
  searchContext,
  stepsOut,
  stored,
  type TrackedEdges,
  type WitnessFn,
} from './expand.js';
import {
  type ExploredGraph,
  findFaultRecoveryViolation,
  type LivenessOutcome,
  positionIn,
} from './liveness.js';
import { CATALOG, INVARIANTS, type PropertyName } from './properties.js';
import { flowBaitReached } from './slicing.js';
import { canonicalize, compose, identity, invert, type Renaming, rename, sameRenaming } from './symmetry.js';
import { IntColumn, VisitedSet } from './visited.js';

export interface TraceStep {
  /** The event that led here; null for the initial state. */
  readonly event: Event | null;
  readonly state: State;
  /** The step's outcome and effects; null for the initial state. */
  readonly result: StepResult | null;
}

export interface Trace {
  readonly steps: readonly TraceStep[];
  /** For a liveness counterexample: index of the state the last step loops back to. */
  readonly loop?: number;
}

export type Verdict =
  | { readonly status: 'holds' }
  | { readonly status: 'violated'; readonly trace: Trace }
  | { readonly status: 'unknown' };

export interface Progress {
  readonly distinctStates: number;
  readonly depth: number;
  readonly queued: number;
  readonly elapsedMs: number;
  /** Bytes the search holds: stored states, the visited table, parents and liveness edges. */
  readonly bytes: number;
}

/** Why a search ended before it covered every reachable state. */
export type StopReason = 'max-states' | 'max-memory' | 'interrupted';

export interface SearchOptions {
  /** Stop after this many distinct states; unfinished properties are then `unknown`. */
  readonly maxStates?: number;
  /** Stop once the process's resident memory exceeds this many bytes. */
  readonly maxMemory?: number;
  readonly model?: ModelOptions;
  readonly layout?: LayoutOptions;
  readonly onProgress?: (progress: Progress) => void;
  /** Milliseconds between progress reports. */
  readonly progressIntervalMs?: number;
  /**
   * States per unit of work (default RANGE). Only a --max-states cut can tell two sizes apart (the
   * baits of a level's last merged range); tests use small ones to share small levels out.
   */
  readonly rangeSize?: number;
  /**
   * Store states label-sliced (proofs/slicing.ts): the same verdicts and violation depths from far
   * fewer states. Counts and depths are then those of the sliced graph. Off unless asked for.
   */
  readonly reduction?: boolean;
  /**
   * Store states up to the system's symmetries (proofs/symmetry.ts), one per class of states equal
   * up to renaming interchangeable partitions: the same verdicts and violation depths again, and
   * counts of the quotient. Off unless asked for, and with `witness` or `visit`.
   */
  readonly symmetry?: boolean;
}

export interface ExploreOptions extends SearchOptions {
  /**
   * Names the kinds of step a transition is (e.g. `Hypercall refused`); the result then holds, for
   * each kind the search meets, a shortest trace ending with such a step.
   */
  readonly witness?: WitnessFn;
  /**
   * Called with every stored state once the search has covered every reachable state (never after
   * a search that stopped early): the reachable states themselves, unless stored reduced.
   */
  readonly visit?: (state: State) => void;
}

export interface ExploreResult {
  readonly verdicts: ReadonlyMap<PropertyName, Verdict>;
  /** Whether each property's bait step was reached. */
  readonly baits: ReadonlyMap<PropertyName, boolean>;
  /** With `witness`: a shortest trace to a step of each kind met, in the order first met. */
  readonly witnesses: ReadonlyMap<string, Trace>;
  readonly distinctStates: number;
  readonly depth: number;
  readonly complete: boolean;
  /** Set when the search stopped early. */
  readonly stopped?: StopReason;
  readonly durationMs: number;
  /** The explorer's own figures: bytes held at the end (see Progress.bytes), words per packed state. */
  readonly bytes?: number;
  readonly wordsPerState?: number;
  /** Set when states were stored reduced: the counts and depth are the reduced graph's. */
  readonly reduction?: 'label-slicing';
  /**
   * Set when states were stored up to symmetry: the group's order and the partitions it renames
   * onto one another (by index); the counts are then the quotient's.
   */
  readonly symmetry?: { readonly order: number; readonly orbits: readonly (readonly number[])[] };
}

/** The JavaScript heap may fill to this share of its limit before the search stops (no V8 abort). */
const HEAP_SHARE = 0.85;
const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** States per range of a level: fixed, so the ranges (and so every result) never depend on workers. */
export const RANGE = 512;

/** The state of one search: what is stored, what is settled, where the frontier is. */
export class Search {
  readonly visited: VisitedSet;
  readonly parent = new IntColumn();
  /** The event index that reached each state (16 bits wide where the catalog allows). */
  readonly via: IntColumn;
  /** States in some FaultRecovery pair's P, when the system has a health monitor. */
  readonly tracked: IntColumn | null;
  readonly started = performance.now();
  private readonly violatedAt = new Map<PropertyName, number>();
  private baitsReached = 0;
  /** Baits a search of its own decides (InformationFlow's, when states are sliced). */
  private readonly baitsElsewhere: number;
  private pendingInvariants = (1 << INVARIANTS.length) - 1;
  private readonly witnessed = new Map<string, { from: number; event: number }>();
  private readonly maxStates: number;
  private readonly maxMemory: number;
  private lastReport: number;
  depth = 0;
  /** The current level: ids `levelStart .. levelEnd - 1`. */
  levelStart = 0;
  levelEnd = 1;
  stopped: StopReason | undefined;
  readonly s0: State;

  constructor(
    readonly ctx: SearchContext,
    private readonly options: SearchOptions,
  ) {
    this.maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
    this.maxMemory = options.maxMemory ?? Number.POSITIVE_INFINITY;
    this.lastReport = this.started;
    this.visited = new VisitedSet(ctx.codec.words);
    this.via = new IntColumn(ctx.events.length < 0xffff);
    this.tracked = ctx.layout.healthMonitors ? new IntColumn() : null;
    this.s0 = init(ctx.layout);
    this.baitsElsewhere = ctx.slice ? 1 << CATALOG.findIndex((p) => p.name === 'InformationFlow') : 0;
    const words = new Uint32Array(ctx.codec.words);
    ctx.codec.encode(stored(ctx, this.s0), words);
    this.visited.insert(words, 0);
    this.parent.push(-1);
    this.via.push(0); // never read: the initial state has no parent
    for (let i = 0; i < INVARIANTS.length; i++)
      if (!INVARIANTS[i]!.holds(ctx.layout, this.s0)) this.violate(i, 0);
  }

  get pending(): Pending {
    const baits = ~(this.baitsReached | this.baitsElsewhere) & ((1 << CATALOG.length) - 1);
    return { invariants: this.pendingInvariants, baits };
  }

  /** The ranges of the current level, in order. */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    const size = this.options.rangeSize ?? RANGE;
    for (let lo = this.levelStart; lo < this.levelEnd; lo += size)
      out.push([lo, Math.min(lo + size, this.levelEnd)]);
    return out;
  }

  /** Moves to the next level; false when the search is over. */
  nextLevel(): boolean {
    if (this.stopped || this.visited.size === this.levelEnd) return false;
    this.levelStart = this.levelEnd;
    this.levelEnd = this.visited.size;
    this.depth++;
    return true;
  }

  stop(reason: StopReason): void {
    this.stopped ??= reason;
  }

  /** Merges the batch of the next range; false when the search must stop. */
  merge(batch: Batch): boolean {
    const { visited } = this;
    const words = this.ctx.codec.words;
    for (let k = 0; k < batch.count; k++) {
      const hash = batch.hashes[k]!;
      if (visited.find(batch.candidates, k * words, hash) >= 0) continue;
      if (visited.size >= this.maxStates) {
        this.stop('max-states');
        return false;
      }
      const id = visited.insert(batch.candidates, k * words, hash);
      this.parent.push(batch.parent[k]!);
      this.via.push(batch.event[k]!);
      const broken = batch.breaks[k]! & this.pendingInvariants;
      if (broken) for (let i = 0; i < INVARIANTS.length; i++) if (broken & (1 << i)) this.violate(i, id);
    }
    if (this.tracked) for (const id of batch.tracked) this.tracked.push(id);
    this.baitsReached |= batch.baits;
    if (this.overBudget()) {
      this.stop('max-memory');
      return false;
    }
    return true;
  }

  /** The process is past its memory budget, or its JavaScript heap nearly full. */
  overBudget(): boolean {
    const memory = process.memoryUsage();
    return memory.rss > this.maxMemory || memory.heapUsed > HEAP_SHARE * HEAP_LIMIT;
  }

  private violate(invariant: number, id: number): void {
    this.violatedAt.set(INVARIANTS[invariant]!.name, id);
    this.pendingInvariants &= ~(1 << invariant);
  }

  /** Records a witness of `kind` (the first one met is kept). */
  witness(kind: string, from: number, event: number): void {
    if (!this.witnessed.has(kind)) this.witnessed.set(kind, { from, event });
  }

  get bytes(): number {
    return this.visited.bytes + this.parent.bytes + this.via.bytes + (this.tracked?.bytes ?? 0);
  }

  /** Reports progress if the interval has passed since the last report. */
  progress(queued: number): void {
    const { onProgress } = this.options;
    if (!onProgress) return;
    const now = performance.now();
    if (now - this.lastReport < (this.options.progressIntervalMs ?? 1000)) return;
    this.lastReport = now;
    onProgress({
      distinctStates: this.visited.size,
      depth: this.depth,
      queued,
      elapsedMs: now - this.started,
      bytes: this.bytes,
    });
  }

  stateOf(id: number): State {
    const { chunk, at } = this.visited.locate(id);
    return this.ctx.codec.decode(chunk, at);
  }

  /**
   * Ids of the states the liveness check reads (proofs/liveness.ts), ascending, when it is to run:
   * the search covered every state, and the system has a health monitor.
   */
  livenessIds(): Int32Array | null {
    if (this.stopped !== undefined || !this.tracked) return null;
    const ids = new Int32Array(this.tracked.length);
    for (let i = 0; i < ids.length; i++) ids[i] = this.tracked.get(i);
    return ids;
  }

  /**
   * The explored graph for the liveness check: the steps out of a tracked state, from `edges` (the
   * tracked edges of every id in `ids`, in order) or, without them, computed again on each call.
   */
  private graph(ids: Int32Array, edges: TrackedEdges | null): ExploredGraph {
    const { layout, catalog, codec, eventIndex } = this.ctx;
    const tick = eventIndex.get(catalog.tick)!;
    const scratch = new Uint32Array(codec.words);
    const computed = (id: number) => stepsOut(this.ctx, this.visited, id, scratch);
    const fromEdges = (e: TrackedEdges) => (id: number) => {
      const k = positionIn(ids, id);
      const out: { to: number; event: number; renaming: number }[] = [];
      for (let j = e.offsets[k]!; j < e.offsets[k + 1]!; j++)
        out.push({ to: e.to[j]!, event: e.event[j]!, renaming: e.renaming[j]! });
      return out;
    };
    const elements = this.ctx.symmetry?.elements ?? [];
    return {
      layout,
      tracked: ids,
      stateOf: (id) => this.stateOf(id),
      tick,
      successors: edges ? fromEdges(edges) : computed,
      renamed: (renaming, p) => (renaming < 0 ? p : elements[renaming]!.partition[p]!),
    };
  }

  /**
   * The run of the model that follows `events`, a path of stored states from the initial one. Up
   * to symmetry, a stored state is the run's state renamed: the run carries that renaming `h`
   * (stored to run), steps to the renamed image of the stored step's result, and composes `h` with
   * the renaming that made that result the stored state. With `loop`, the events from `loop` on
   * are taken again until `h` is what it was at `loop`, so the run closes its loop.
   */
  private replay(events: readonly Event[], loop?: number): TraceStep[] {
    const { layout, model, symmetry } = this.ctx;
    let state = this.s0;
    const steps: TraceStep[] = [{ event: null, state, result: null }];
    if (!symmetry) {
      for (const event of events) {
        const result = step(layout, state, event, model);
        state = result.state;
        steps.push({ event, state, result });
      }
      return steps;
    }
    const { catalog, codec } = this.ctx;
    const words = new Uint32Array(codec.words);
    let h: Renaming = identity(layout);
    let rep = stored(this.ctx, this.s0);
    let atLoop: Renaming | null = null;
    const take = (event: Event) => {
      const reached = stored(this.ctx, step(layout, rep, event, model).state);
      const target = rename(h, reached);
      const taken = enabledEvents(layout, catalog, state, model).find((e) =>
        sameState(stored(this.ctx, step(layout, state, e, model).state), target),
      );
      if (!taken) throw new Error(`no step of the model follows stored step ${event.type} up to symmetry`);
      const result = step(layout, state, taken, model);
      state = result.state;
      steps.push({ event: taken, state, result });
      codec.encode(reached, words);
      const k = canonicalize(symmetry, codec, reached, words, this.ctx.scratch);
      rep = k < 0 ? reached : rename(symmetry.elements[k]!, reached);
      if (k >= 0) h = compose(h, invert(symmetry.elements[k]!));
    };
    events.forEach((event, i) => {
      if (i === loop) atLoop = h;
      take(event);
    });
    if (loop !== undefined) {
      const cycle = events.slice(loop);
      for (let round = 0; !sameRenaming(h, atLoop ?? h); round++) {
        if (round > symmetry.elements.length) throw new Error('a loop up to symmetry did not close');
        for (const event of cycle) take(event);
      }
    }
    return steps;
  }

  private pathTo(id: number): Event[] {
    const events: Event[] = [];
    for (let at = id; at > 0; at = this.parent.get(at)) events.push(this.ctx.events[this.via.get(at)]!);
    return events.reverse();
  }

  /**
   * The outcome. With `edges` (the tracked edges of every id of `livenessIds()`, in order) the
   * liveness check reads the steps from them instead of computing each again as it goes.
   */
  result(edges: TrackedEdges | null = null): ExploreResult {
    // Every state was explored: the invariants are settled, whatever the liveness check needs.
    const searched = this.stopped === undefined;
    const ids = this.livenessIds();
    const lasso: LivenessOutcome = ids
      ? findFaultRecoveryViolation(this.graph(ids, edges), () => this.overBudget())
      : null;
    if (lasso === 'over-budget') this.stop('max-memory');
    const complete = this.stopped === undefined;
    const verdicts = new Map<PropertyName, Verdict>();
    for (const p of CATALOG) {
      const at = this.violatedAt.get(p.name);
      if (at !== undefined)
        verdicts.set(p.name, { status: 'violated', trace: { steps: this.replay(this.pathTo(at)) } });
      else if (p.kind === 'invariant') verdicts.set(p.name, { status: searched ? 'holds' : 'unknown' });
    }
    if (!complete || lasso === 'over-budget') verdicts.set('FaultRecovery', { status: 'unknown' });
    else if (!lasso) verdicts.set('FaultRecovery', { status: 'holds' });
    else {
      const prefix = this.pathTo(lasso.entry);
      const cycle = lasso.cycle.map((e) => this.ctx.events[e]!);
      verdicts.set('FaultRecovery', {
        status: 'violated',
        trace: { steps: this.replay([...prefix, ...cycle], prefix.length), loop: prefix.length },
      });
    }
    const witnesses = new Map<string, Trace>();
    for (const [kind, { from, event }] of this.witnessed)
      witnesses.set(kind, { steps: this.replay([...this.pathTo(from), this.ctx.events[event]!]) });
    if (this.baitsElsewhere && flowBaitReached(this.ctx.layout, this.maxStates))
      this.baitsReached |= this.baitsElsewhere;
    return {
      verdicts,
      baits: new Map(CATALOG.map((p, i) => [p.name, (this.baitsReached & (1 << i)) !== 0])),
      witnesses,
      distinctStates: this.visited.size,
      depth: this.depth,
      complete,
      ...(this.stopped ? { stopped: this.stopped } : {}),
      durationMs: performance.now() - this.started,
      bytes: this.bytes,
      wordsPerState: this.ctx.codec.words,
      ...(this.ctx.slice ? { reduction: 'label-slicing' as const } : {}),
      ...(this.ctx.symmetry
        ? { symmetry: { order: this.ctx.symmetry.elements.length + 1, orbits: this.ctx.symmetry.orbits } }
        : {}),
    };
  }
}

/** Explores in this thread, to the end (or a bound). */
export function explore(config: SystemConfig, options: ExploreOptions = {}): ExploreResult {
  const symmetry = options.symmetry && !options.witness && !options.visit;
  const search = new Search(
    searchContext(config, options.model, options.layout, options.reduction, symmetry),
    options,
  );
  const witness = options.witness
    ? {
        fn: options.witness,
        on: (kind: string, from: number, event: number) => search.witness(kind, from, event),
      }
    : undefined;
  do {
    for (const [lo, hi] of search.ranges()) {
      if (!search.merge(expandRange(search.ctx, search.visited, lo, hi, search.pending, witness))) break;
      search.progress(search.visited.size - hi);
    }
  } while (search.nextLevel());
  const result = search.result();
  if (options.visit && result.complete)
    for (let id = 0; id < result.distinctStates; id++) options.visit(search.stateOf(id));
  return result;
}
