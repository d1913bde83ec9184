/**
 * A worker of the parallel explorer (proofs/parallel.ts): it expands the ranges of the frontier the
 * main thread hands it and sends each batch back, transferring its buffers. It reads the visited
 * set the main thread shares with it and writes nothing shared.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LayoutOptions } from '../model/layout.js';
import type { SeededBug } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import { batchBuffers, expandRange, type Pending, searchContext } from './expand.js';
import { type TableParts, VisitedReader } from './visited.js';

export interface WorkerSetup {
  readonly config: SystemConfig;
  readonly bugs: readonly SeededBug[];
  readonly layout: LayoutOptions;
  readonly reduction: boolean;
}

export interface Task {
  /** Position of the range in the level. */
  readonly index: number;
  readonly lo: number;
  readonly hi: number;
  readonly pending: Pending;
  /** Store chunks added since the last task, in order. */
  readonly chunks: readonly SharedArrayBuffer[];
  /** The table, when it changed since the last task. */
  readonly table?: TableParts;
}

const setup = workerData as WorkerSetup;
const ctx = searchContext(setup.config, { bugs: new Set(setup.bugs) }, setup.layout, setup.reduction);
const reader = new VisitedReader(ctx.codec.words);

parentPort!.on('message', (task: Task) => {
  if (task.table) reader.adoptTable(task.table);
  reader.adoptChunks(task.chunks);
  const batch = expandRange(ctx, reader, task.lo, task.hi, task.pending);
  parentPort!.postMessage({ index: task.index, batch }, batchBuffers(batch));
});
