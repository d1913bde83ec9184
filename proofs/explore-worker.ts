/**
 * A worker of the parallel explorer (proofs/parallel.ts): it expands the ranges of the frontier the
 * main thread hands it and sends each batch back, transferring its buffers; once the search is
 * over, it computes tracked states' edges for the liveness check the same way. It reads the visited
 * set the main thread shares with it and writes nothing shared.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LayoutOptions } from '../model/layout.js';
import type { SeededBug } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import { batchBuffers, expandRange, type Pending, searchContext, trackedEdges } from './expand.js';
import { type TableParts, VisitedReader } from './visited.js';

export interface WorkerSetup {
  readonly config: SystemConfig;
  readonly bugs: readonly SeededBug[];
  readonly layout: LayoutOptions;
  readonly reduction: boolean;
  readonly symmetry: boolean;
}

/** One piece of work: a range of the frontier to expand, or tracked states' edges to compute. */
export type Work =
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number; readonly pending: Pending }
  | {
      readonly kind: 'edges';
      /** Positions `lo .. hi - 1` of `ids`, every tracked id in ascending order. */
      readonly lo: number;
      readonly hi: number;
      readonly ids: SharedArrayBuffer;
    };

export type Task = Work & {
  /** Position of the task in its level (or among the liveness check's pieces). */
  readonly index: number;
  /** Who runs each task of the level: 0 until a thread claims it (proofs/parallel.ts). */
  readonly claims: SharedArrayBuffer;
  /** Store chunks added since the last task, in order. */
  readonly chunks: readonly SharedArrayBuffer[];
  /** The table, when it changed since the last task. */
  readonly table?: TableParts;
};

const setup = workerData as WorkerSetup;
const ctx = searchContext(
  setup.config,
  { bugs: new Set(setup.bugs) },
  setup.layout,
  setup.reduction,
  setup.symmetry,
);
const reader = new VisitedReader(ctx.codec.words);

parentPort!.on('message', (task: Task) => {
  if (task.table) reader.adoptTable(task.table);
  reader.adoptChunks(task.chunks);
  if (Atomics.compareExchange(new Int32Array(task.claims), task.index, 0, 1) !== 0) {
    // The main thread runs this one itself.
    parentPort!.postMessage({ index: task.index, result: null });
  } else if (task.kind === 'range') {
    const batch = expandRange(ctx, reader, task.lo, task.hi, task.pending);
    parentPort!.postMessage({ index: task.index, result: batch }, batchBuffers(batch));
  } else {
    const ids = new Int32Array(task.ids);
    const edges = trackedEdges(ctx, reader, ids.subarray(task.lo, task.hi), ids);
    parentPort!.postMessage({ index: task.index, result: edges }, [
      edges.offsets.buffer,
      edges.to.buffer,
      edges.event.buffer,
      edges.renaming.buffer,
    ] as ArrayBuffer[]);
  }
});
