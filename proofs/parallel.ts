/**
 * The explorer on several threads: `worker_threads` expand ranges of each breadth-first level
 * against the shared visited set (proofs/visited.ts) while the main thread merges their batches in
 * range order (proofs/explorer.ts explains why that makes every result independent of the number
 * of workers). Levels too small to share out run in this thread, as does everything with one
 * worker; between ranges it yields to the event loop, so that an interrupt is seen. Workers start
 * at the first level big enough for them, so small systems never pay for them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SystemConfig } from '../system/config.js';
import { type Batch, expandRange, searchContext } from './expand.js';
import type { Task, WorkerSetup } from './explore-worker.js';
import { type ExploreResult, Search, type SearchOptions } from './explorer.js';

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
 * Ranges handed to each worker ahead of its results: with two, a worker starts its next range while
 * the main thread merges the batch it just sent, instead of waiting for that merge.
 */
const IN_FLIGHT = 2;

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
  const search = new Search(searchContext(config, options.model, options.layout, options.reduction), options);
  // Run from the TypeScript sources (as tests do) there is no compiled worker: stay in this thread.
  const workers = existsSync(fileURLToPath(WORKER)) ? Math.max(1, options.workers ?? defaultWorkers()) : 1;
  let pool: Pool | null = null;
  try {
    do {
      const ranges = search.ranges();
      let go: Promise<boolean>;
      if (workers > 1 && ranges.length >= RANGES_PER_WORKER * workers) {
        pool ??= new Pool(search, config, options, workers);
        go = pool.level(ranges, options.signal);
      } else go = inThread(search, ranges, options.signal);
      if (!(await go)) break;
    } while (search.nextLevel());
  } finally {
    await pool?.close();
  }
  return search.result();
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

/** Worker threads, fed ranges level by level. */
class Pool {
  private readonly members: Member[];
  /** Called with each worker's batch, or with the error that ended a worker. */
  private onBatch: (m: Member, index: number, batch: Batch) => void = () => {};
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
    };
    this.members = Array.from({ length: count }, () => ({
      worker: new Worker(WORKER, { workerData: setup }),
      chunks: 0,
      table: null,
    }));
    for (const m of this.members) {
      m.worker.on('message', (msg: { index: number; batch: Batch }) => this.onBatch(m, msg.index, msg.batch));
      m.worker.on('error', (e) => this.onError(e));
      m.worker.on('exit', (code) => {
        if (code !== 0) this.onError(new Error(`an explorer worker exited with code ${code}`));
      });
    }
  }

  /** Expands and merges one level; false when the search must stop. */
  level(ranges: readonly [number, number][], signal?: AbortSignal): Promise<boolean> {
    const { search } = this;
    return new Promise<boolean>((resolve, reject) => {
      let dispatched = 0;
      let merged = 0;
      let settled = false;
      const ready = new Map<number, Batch>();
      const settle = (value: boolean | Error) => {
        if (settled) return;
        settled = true;
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const dispatch = (m: Member) => {
        if (settled || dispatched >= ranges.length) return;
        const [lo, hi] = ranges[dispatched]!;
        const table = search.visited.table;
        const task: Task = {
          index: dispatched++,
          lo,
          hi,
          pending: search.pending,
          chunks: search.visited.chunksFrom(m.chunks),
          ...(m.table !== table ? { table } : {}),
        };
        m.chunks = search.visited.chunkCount;
        m.table = table;
        m.worker.postMessage(task);
      };
      this.onError = (e) => settle(e instanceof Error ? e : new Error(String(e)));
      this.onBatch = (m, index, batch) => {
        if (settled) return;
        dispatch(m);
        ready.set(index, batch);
        while (ready.has(merged)) {
          const next = ready.get(merged)!;
          ready.delete(merged);
          const [, hi] = ranges[merged++]!;
          if (!search.merge(next)) return settle(false);
          search.progress(search.visited.size - hi);
          if (signal?.aborted) {
            search.stop('interrupted');
            return settle(false);
          }
        }
        if (merged === ranges.length) return settle(true);
      };
      for (let k = 0; k < IN_FLIGHT; k++) for (const m of this.members) dispatch(m);
    });
  }

  async close(): Promise<void> {
    this.onError = () => {};
    await Promise.all(this.members.map((m) => m.worker.terminate()));
  }
}
