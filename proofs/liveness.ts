/**
 * FaultRecovery, checked on the explored state graph: for a partition p and a health monitor m,
 * (p faulted /\ m up) ~> (p not faulted \/ m not up \/ halted) fails exactly when some reachable cycle
 * stays inside P = (p faulted /\ m up /\ ~halted) and is fair. Under weak fairness of Tick (enabled in
 * every running, non-halted state) a fair cycle must take a Tick; launches are never enabled once a
 * partition can fault (partitions only run after boot), so their fairness adds no condition.
 * Spec twin: Hypervisor.tla!FaultRecoveryProp.
 *
 * The search keeps no edges: it records which states lie in some pair's P, and once it is complete
 * the steps out of those states are computed again from the stored states (each lands on a stored
 * state), so the check costs time, not memory.
 */
import { has } from '../model/bits.js';
import type { Layout } from '../model/layout.js';
import type { State } from '../model/state.js';

/** Whether some partition is faulted while a health monitor is up: the part of the graph a
 * FaultRecovery violation can lie in (the union of every pair's P). */
export function isTracked(layout: Layout, s: State): boolean {
  if (!layout.monitors || s.halted || !s.status.includes('faulted')) return false;
  for (let m = 0; m < layout.nPartitions; m++)
    if (has(layout.monitors, m) && s.status[m] === 'running')
      for (let p = 0; p < layout.nPartitions; p++) if (p !== m && s.status[p] === 'faulted') return true;
  return false;
}

export interface Pair {
  readonly partition: number;
  readonly monitor: number;
}

/** Every (partition, monitor) pair FaultRecovery speaks of. */
export function monitorPairs(layout: Layout): Pair[] {
  const pairs: Pair[] = [];
  for (let m = 0; m < layout.nPartitions; m++)
    if (has(layout.monitors, m))
      for (let p = 0; p < layout.nPartitions; p++) if (p !== m) pairs.push({ partition: p, monitor: m });
  return pairs;
}

function inside(s: State, pair: Pair): boolean {
  return !s.halted && s.status[pair.partition] === 'faulted' && s.status[pair.monitor] === 'running';
}

export interface Lasso {
  readonly partition: number;
  readonly monitor: number;
  /** The state where the cycle starts (reached by a shortest path from the initial state). */
  readonly entry: number;
  /** Event indices leading from `entry` around the cycle back to `entry`. */
  readonly cycle: readonly number[];
}

/** The explored graph, as the search holds it: edges are recomputed on demand, not stored. */
export interface ExploredGraph {
  readonly layout: Layout;
  /** Ids of the tracked states (see `isTracked`), ascending. */
  readonly tracked: Int32Array;
  stateOf(id: number): State;
  /** Every step out of state `id`: the stored id it reaches (itself for a self-loop), by event index. */
  successors(id: number): { readonly to: number; readonly event: number }[];
  /** The index of the Tick event. */
  readonly tick: number;
}

/** Searches every pair's P for a fair cycle (one that takes a Tick). */
export function findFaultRecoveryViolation(graph: ExploredGraph): Lasso | null {
  let best: Lasso | null = null;
  for (const pair of monitorPairs(graph.layout)) {
    const members = graph.tracked.filter((id) => inside(graph.stateOf(id), pair));
    if (!members.length) continue;
    const local = (id: number): number => {
      let lo = 0;
      let hi = members.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = members[mid]!;
        if (v === id) return mid;
        if (v < id) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
    /** Per member position: where its Tick leads inside P, or -1 (filled as Tarjan's search opens it). */
    const tickTo = new Int32Array(members.length).fill(-1);
    /** Steps from member position k that stay in P, as member positions. */
    const within = (k: number): { to: number; event: number }[] => {
      const out: { to: number; event: number }[] = [];
      for (const { to, event } of graph.successors(members[k]!)) {
        const j = local(to);
        if (j < 0) continue;
        out.push({ to: j, event });
        if (event === graph.tick) tickTo[k] = j;
      }
      return out;
    };
    for (const scc of stronglyConnected(members.length, within)) {
      const inScc = new Set(scc);
      const from = scc.find((k) => tickTo[k]! >= 0 && inScc.has(tickTo[k]!));
      const tick = from === undefined ? undefined : { from, to: tickTo[from]!, event: graph.tick };
      if (!tick) continue;
      let entryAt = scc[0]!;
      for (const k of scc) if (k < entryAt) entryAt = k;
      const entry = members[entryAt]!;
      if (best && best.entry <= entry) continue;
      const cycle = [
        ...pathWithin(within, inScc, entryAt, tick.from),
        tick.event,
        ...pathWithin(within, inScc, tick.to, entryAt),
      ];
      best = { partition: pair.partition, monitor: pair.monitor, entry, cycle };
    }
  }
  return best;
}

type Within = (k: number) => { to: number; event: number }[];

/** Shortest event path from `from` to `to` inside `scc` (empty when they are the same). */
function pathWithin(within: Within, scc: ReadonlySet<number>, from: number, to: number): number[] {
  const back = new Map<number, { prev: number; event: number }>();
  const queue = [from];
  const seen = new Set([from]);
  for (let head = 0; head < queue.length && !seen.has(to); head++) {
    const at = queue[head]!;
    for (const { to: next, event } of within(at)) {
      if (!scc.has(next) || seen.has(next)) continue;
      seen.add(next);
      back.set(next, { prev: at, event });
      queue.push(next);
    }
  }
  const events: number[] = [];
  for (let at = to; at !== from; ) {
    const step = back.get(at)!;
    events.push(step.event);
    at = step.prev;
  }
  return events.reverse();
}

/** Tarjan's algorithm, iterative, over positions 0 .. n - 1; returns only SCCs with a cycle. */
function stronglyConnected(n: number, within: Within): number[][] {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root]! >= 0) continue;
    const work: { k: number; next: number[]; edge: number; selfLoop: boolean }[] = [];
    const open = (k: number) => {
      index[k] = counter;
      low[k] = counter++;
      stack.push(k);
      onStack[k] = 1;
      work.push({ k, next: within(k).map((e) => e.to), edge: 0, selfLoop: false });
    };
    open(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.edge < frame.next.length) {
        const next = frame.next[frame.edge++]!;
        if (next === frame.k) frame.selfLoop = true;
        if (index[next]! < 0) open(next);
        else if (onStack[next]) low[frame.k] = Math.min(low[frame.k]!, index[next]!);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.k] = Math.min(low[parent.k]!, low[frame.k]!);
      if (low[frame.k] !== index[frame.k]) continue;
      const scc: number[] = [];
      let k: number;
      do {
        k = stack.pop()!;
        onStack[k] = 0;
        scc.push(k);
      } while (k !== frame.k);
      if (scc.length > 1 || frame.selfLoop) out.push(scc);
    }
  }
  return out;
}
