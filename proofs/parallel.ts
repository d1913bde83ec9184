/**
 * The explorer on several threads: with N of them, N - 1 `worker_threads` and this one expand
 * ranges of each breadth-first level against the shared visited set (proofs/visited.ts), and this
 * thread merges the batches in range order (proofs/explorer.ts explains why that makes every result
 * independent of the number of threads), taking a range itself whenever the next batch to merge
 * has not arrived. Levels too small to share out run in this thread alone, as does everything with
 * one; between ranges it yields to the event loop, so that an interrupt is seen. Workers start at
 * the first level big enough for them, so small systems never pay for them. */
import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SystemConfig } from '../system/config.js';
import { type Batch, expandRange, searchContext, type TrackedEdges, trackedEdges } from './expand.js';
import type { Task, Work, WorkerSetup } from './explore-worker.js';
import { type ExploreResult, RANGE, Search, type SearchOptions } from './explorer.js';

export interface ParallelOptions extends SearchOptions {
  /** Threads that expand states; 1 runs in this thread. Default: the machine's cores. */
  readonly workers?: number;
  /** Stops the search cleanly (verdicts so far, the rest unknown) when aborted. */
  readonly signal?: AbortSignal;
}

const WORKER = new URL('./explore-worker.js', import.meta.url);

/** A level is shared out once it has at least this many ranges per worker. */
const RANGES_PER_WORKER = 2;

/**
 * Ranges handed to each worker ahead of its results, so that it keeps working while this thread
 * is busy (merging, expanding a range itself, growing the visited table or collecting garbage) and
 * cannot hand it more. A task is claimed before it is run, by a worker or by this thread, so the
 * tasks queued at a worker never leave this thread waiting at the end of a level: it claims and
 * runs them itself.
 */
const IN_FLIGHT = 8;

/**
 * A worker's young generation, in MiB. What a worker allocates lives for one step (states, events,
 * a batch until it is sent), so a small nursery costs it no time, and V8's default (tens of MiB per
 * thread) would be a tenth of the memory a search of several million states holds.
 */
const WORKER_YOUNG_MB = 16;

/** Tracked states per piece of the liveness check's edges, in ranges of the frontier. */
const EDGE_PIECE_RANGES = 8;

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * The memory budget when none is given: half of the machine's memory (or of the container's
 * limit, where one is set). The search's own structures are typed arrays outside the JavaScript
 * heap, so the resident size is what runs out.
 */
export function defaultMaxMemory(): number {
  const limit = process.constrainedMemory?.() || Number.POSITIVE_INFINITY;
  return Math.floor(Math.min(totalmem(), limit) / 2);
}

export async function exploreParallel(
  config: SystemConfig,
  options: ParallelOptions = {},
): Promise<ExploreResult> {
  const search = new Search(
    searchContext(config, options.model, options.layout, options.reduction, options.symmetry),
    options,
  );
  // Run from the TypeScript sources (as tests do) there is no compiled worker: stay in this thread.
  const workers = existsSync(fileURLToPath(WORKER)) ? Math.max(1, options.workers ?? defaultWorkers()) : 1;
  let pool: Pool | null = null;
  let edges: TrackedEdges | null = null;
  try {
    do {
      const ranges = search.ranges();
      let go: Promise<boolean>;
      if (workers > 1 && ranges.length >= RANGES_PER_WORKER * workers) {
        pool ??= new Pool(search, config, options, workers - 1);
        go = pool.level(ranges, options.signal);
      } else go = inThread(search, ranges, options.signal);
      if (!(await go)) break;
    } while (search.nextLevel());
    // With workers, the liveness check's steps are computed side by side beforehand.
    const ids = pool ? search.livenessIds() : null;
    if (ids) edges = await pool!.edges(ids);
  } finally {
    await pool?.close();
  }
  return search.result(edges);
}

/** The pieces of the tracked edges, in order, as one. */
function concatEdges(parts: readonly TrackedEdges[]): TrackedEdges {
  const states = parts.reduce((n, p) => n + p.offsets.length - 1, 0);
  const steps = parts.reduce((n, p) => n + p.to.length, 0);
  const offsets = new Int32Array(states + 1);
  const to = new Int32Array(steps);
  const event = new Int32Array(steps);
  const renaming = new Int16Array(steps);
  let at = 0;
  let base = 0;
  for (const p of parts) {
    for (let k = 1; k < p.offsets.length; k++) offsets[at + k] = base + p.offsets[k]!;
    to.set(p.to, base);
    event.set(p.event, base);
    renaming.set(p.renaming, base);
    at += p.offsets.length - 1;
    base += p.to.length;
  }
  return { offsets, to, event, renaming };
}

/** One level in this thread; false when the search must stop. */
async function inThread(
  search: Search,
  ranges: readonly [number, number][],
  signal?: AbortSignal,
): Promise<boolean> {
  for (const [lo, hi] of ranges) {
    if (!search.merge(expandRange(search.ctx, search.visited, lo, hi, search.pending))) return false;
    search.progress(search.visited.size - hi);
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) {
      search.stop('interrupted');
      return false;
    }
  }
  return true;
}

interface Member {
  readonly worker: Worker;
  /** Store chunks it holds. */
  chunks: number;
  /** The table it holds. */
  table: unknown;
}

/** Worker threads, fed ranges level by level, then pieces of the liveness check's edges. */
class Pool {
  private readonly members: Member[];
  private readonly rangeSize: number;
  /** Called with each worker's result, or with the error that ended a worker. */
  private onResult: (m: Member, index: number, result: unknown) => void = () => {};
  private onError: (e: unknown) => void = () => {};

  constructor(
    private readonly search: Search,
    config: SystemConfig,
    options: ParallelOptions,
    count: number,
  ) {
    const setup: WorkerSetup = {
      config,
      bugs: [...(options.model?.bugs ?? [])],
      layout: options.layout ?? {},
      reduction: options.reduction ?? false,
      symmetry: options.symmetry ?? false,
    };
    this.rangeSize = options.rangeSize ?? RANGE;
    this.members = Array.from({ length: count }, () => ({
      worker: new Worker(WORKER, {
        workerData: setup,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      }),
      chunks: 0,
      table: null,
    }));
    for (const m of this.members) {
      m.worker.on('message', (msg: { index: number; result: unknown }) =>
        this.onResult(m, msg.index, msg.result),
      );
      m.worker.on('error', (e) => this.onError(e));
      m.worker.on('exit', (code) => {
        if (code !== 0) this.onError(new Error(`an explorer worker exited with code ${code}`));
      });
    }
  }

  /** Expands and merges one level; false when the search must stop. */
  level(ranges: readonly [number, number][], signal?: AbortSignal): Promise<boolean> {
    const { search } = this;
    return this.run<Batch>(
      ranges.length,
      (k) => ({ kind: 'range', lo: ranges[k]![0], hi: ranges[k]![1], pending: search.pending }),
      (k) => expandRange(search.ctx, search.visited, ranges[k]![0], ranges[k]![1], search.pending),
      (k, batch) => {
        if (!search.merge(batch)) return false;
        search.progress(search.visited.size - ranges[k]![1]);
        if (signal?.aborted) {
          search.stop('interrupted');
          return false;
        }
        return true;
      },
    );
  }

  /**
   * The tracked edges of every id in `ids` (ascending), in order, computed side by side; null when
   * the memory budget is reached on the way (the liveness check then computes steps as it goes).
   */
  async edges(ids: Int32Array): Promise<TrackedEdges | null> {
    const { search } = this;
    const shared = new Int32Array(new SharedArrayBuffer(ids.length * 4));
    shared.set(ids);
    const size = EDGE_PIECE_RANGES * this.rangeSize;
    const pieces = Math.ceil(ids.length / size);
    const span = (k: number) => [k * size, Math.min((k + 1) * size, ids.length)] as const;
    const parts: TrackedEdges[] = [];
    const done = await this.run<TrackedEdges>(
      pieces,
      (k) => ({ kind: 'edges', lo: span(k)[0], hi: span(k)[1], ids: shared.buffer as SharedArrayBuffer }),
      (k) => trackedEdges(search.ctx, search.visited, shared.subarray(...span(k)), shared),
      (_, part) => {
        parts.push(part);
        return !search.overBudget();
      },
    );
    return done ? concatEdges(parts) : null;
  }

  /**
   * Runs `count` tasks: the workers take them in order, and this thread runs one itself whenever the
   * next result to consume has not arrived: that one if no worker has started it, else the first
   * task no one has started, so that every thread computes and none waits on another's consuming.
   * Every task is claimed (in a shared array) by whoever runs it, so it runs once. Results are
   * consumed strictly in task order; false when `consume` said to stop (a result that arrives after
   * that is dropped).
   */
  private async run<T>(
    count: number,
    task: (k: number) => Work,
    here: (k: number) => T,
    consume: (k: number, result: T) => boolean,
  ): Promise<boolean> {
    const { search } = this;
    let dispatched = 0;
    let failure: Error | null = null;
    let over = false;
    const ready = new Map<number, T>();
    const claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, count)));
    const claim = (k: number) => Atomics.compareExchange(claims, k, 0, 1) === 0;
    let wake: (() => void) | null = null;
    const dispatch = (m: Member) => {
      if (over || dispatched >= count) return;
      const table = search.visited.table;
      const index = dispatched++;
      const message: Task = {
        ...task(index),
        index,
        claims: claims.buffer as SharedArrayBuffer,
        chunks: search.visited.chunksFrom(m.chunks),
        ...(m.table !== table ? { table } : {}),
      };
      m.worker.postMessage(message);
      m.chunks = search.visited.chunkCount;
      m.table = table;
    };
    this.onError = (e) => {
      failure ??= e instanceof Error ? e : new Error(String(e));
      wake?.();
    };
    this.onResult = (m, index, result) => {
      if (over) return;
      // null: this thread had claimed the task first, and its result is in `ready` already.
      if (result !== null) ready.set(index, result as T);
      dispatch(m);
      wake?.();
    };
    /** A task no thread has started, claimed for this one: `next` itself if it can, or -1. */
    const claimHere = (next: number): number => {
      for (let k = next; k < dispatched; k++) if (claim(k)) return k;
      if (dispatched < count) {
        claim(dispatched);
        return dispatched++;
      }
      return -1;
    };
    const arrival = () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      });
    try {
      for (let k = 0; k < IN_FLIGHT; k++) for (const m of this.members) dispatch(m);
      for (let next = 0; next < count; ) {
        if (failure) throw failure;
        if (ready.has(next)) {
          const result = ready.get(next)!;
          ready.delete(next);
          if (!consume(next++, result)) return false;
        } else {
          const index = claimHere(next);
          if (index < 0) await arrival();
          else {
            ready.set(index, here(index));
            // Lets the workers' results in, and an interrupt.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        wake = null;
      }
      return true;
    } finally {
      over = true;
      // Tasks still queued at a worker are skipped there.
      for (let k = 0; k < count; k++) Atomics.store(claims, k, 1);
    }
  }

  async close(): Promise<void> {
    this.onError = () => {};
    await Promise.all(this.members.map((m) => m.worker.terminate()));
  }
}
