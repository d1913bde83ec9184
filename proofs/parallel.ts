/**
 * The explorer on several threads: `worker_threads` expand ranges of each breadth-first level
 * against the shared visited set (proofs/visited.ts) while the main thread merges their batches in
 * range order (proofs/explorer.ts explains why that makes every result independent of the number
 * of workers). With one worker the search runs in this thread, yielding to the event loop between
 * ranges so that an interrupt is seen.
 */
import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SystemConfig } from '../system/config.js';
import type { Batch } from './expand.js';
import { expandRange, searchContext } from './expand.js';
import type { Task, WorkerSetup } from './explore-worker.js';
import { type ExploreResult, Search, type SearchOptions } from './explorer.js';

export interface ParallelOptions extends SearchOptions {
  /** Threads that expand states; 1 runs in this thread. Default: the machine's cores. */
  readonly workers?: number;
  /** Stops the search cleanly (verdicts so far, the rest unknown) when aborted. */
  readonly signal?: AbortSignal;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

export async function exploreParallel(
  config: SystemConfig,
  options: ParallelOptions = {},
): Promise<ExploreResult> {
  const ctx = searchContext(config, options.model, options.layout);
  const search = new Search(ctx, options);
  const workers = Math.max(1, options.workers ?? defaultWorkers());
  if (workers === 1) await inThread(search, options.signal);
  else await withWorkers(search, config, options, workers);
  return search.result();
}

async function inThread(search: Search, signal?: AbortSignal): Promise<void> {
  do {
    for (const [lo, hi] of search.ranges()) {
      if (!search.merge(expandRange(search.ctx, search.visited, lo, hi, search.pending))) return;
      search.progress(search.visited.size - hi);
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) {
        search.stop('interrupted');
        return;
      }
    }
  } while (search.nextLevel());
}

interface Pooled {
  readonly worker: Worker;
  /** Store chunks it holds. */
  chunks: number;
  table: unknown;
}

async function withWorkers(
  search: Search,
  config: SystemConfig,
  options: ParallelOptions,
  count: number,
): Promise<void> {
  const setup: WorkerSetup = {
    config,
    bugs: [...(options.model?.bugs ?? [])],
    layout: options.layout ?? {},
  };
  const url = new URL('./explore-worker.js', import.meta.url);
  const pool: Pooled[] = Array.from({ length: count }, () => ({
    worker: new Worker(url, { workerData: setup }),
    chunks: 0,
    table: null,
  }));
  try {
    await new Promise<void>((resolve, reject) => {
      let ranges = search.ranges();
      let dispatched = 0;
      let merged = 0;
      let done = false;
      const ready = new Map<number, Batch>();

      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        if (error) reject(error);
        else resolve();
      };
      const dispatch = (p: Pooled) => {
        if (done || dispatched >= ranges.length) return;
        const [lo, hi] = ranges[dispatched]!;
        const table = search.visited.table;
        const task: Task = {
          index: dispatched++,
          lo,
          hi,
          pending: search.pending,
          chunks: search.visited.chunksFrom(p.chunks),
          ...(p.table !== table ? { table } : {}),
        };
        p.chunks = search.visited.chunkCount;
        p.table = table;
        p.worker.postMessage(task);
      };
      const onBatch = (p: Pooled, index: number, batch: Batch) => {
        if (done) return;
        ready.set(index, batch);
        while (ready.has(merged)) {
          const next = ready.get(merged)!;
          ready.delete(merged);
          const [, hi] = ranges[merged++]!;
          if (!search.merge(next)) return finish();
          search.progress(search.visited.size - hi);
          if (options.signal?.aborted) {
            search.stop('interrupted');
            return finish();
          }
        }
        if (merged === ranges.length) {
          if (!search.nextLevel()) return finish();
          ranges = search.ranges();
          dispatched = 0;
          merged = 0;
          for (const q of pool) dispatch(q);
          return;
        }
        dispatch(p);
      };
      for (const p of pool) {
        p.worker.on('message', (m: { index: number; batch: Batch }) => onBatch(p, m.index, m.batch));
        p.worker.on('error', (e) => finish(e));
        p.worker.on('exit', (code) => {
          if (!done && code !== 0) finish(new Error(`an explorer worker exited with code ${code}`));
        });
      }
      for (const p of pool) dispatch(p);
    });
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
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
