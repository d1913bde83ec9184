/**
 * FaultRecovery, checked on the explored state graph: for a health monitor m and a partition p it controls,
 * (p faulted /\ m up) ~> (p not faulted \/ m not up \/ halted) fails exactly when some reachable cycle
 * stays inside P = (p faulted /\ m up /\ ~halted) and is fair. Under weak fairness of Tick (enabled in
 * every running, non-halted state) a fair cycle must take a Tick; launches are never enabled once a
 * partition can fault (partitions only run after boot), so their fairness adds no condition.
 * Spec twin: Hypervisor.tla!FaultRecoveryProp.
 *
 * The search keeps no edges: it records which states lie in some pair's P, and once it is complete
 * the steps out of those states are computed again from the stored states (each lands on a stored
 * state). In one thread they are computed as the check goes, so it costs time, not memory; with
 * workers, every thread computes a share of them beforehand (only steps between tracked states, in
 * typed arrays), unless that would pass the memory budget (proofs/parallel.ts).
 */
import { has } from '../model/bits.js';
import { type Layout, resettable } from '../model/layout.js';
import type { State } from '../model/state.js';

/** Whether some partition is faulted while a health monitor that controls it is up: the part of the
 * graph a FaultRecovery violation can lie in (the union of every pair's P). */
export function isTracked(layout: Layout, s: State): boolean {
  if (!layout.healthMonitors || s.halted || !s.status.includes('faulted')) return false;
  for (let m = 0; m < layout.nPartitions; m++)
    if (has(layout.healthMonitors, m) && s.status[m] === 'running') {
      const controlled = resettable(layout, m);
      for (let p = 0; p < layout.nPartitions; p++)
        if (has(controlled, p) && s.status[p] === 'faulted') return true;
    }
  return false;
}

export interface Pair {
  readonly partition: number;
  readonly monitor: number;
}

/** Every (partition, monitor) pair FaultRecovery speaks of: a health monitor and a partition it controls. */
export function monitorPairs(layout: Layout): Pair[] {
  const pairs: Pair[] = [];
  for (let m = 0; m < layout.nPartitions; m++) {
    const controlled = resettable(layout, m);
    for (let p = 0; p < layout.nPartitions; p++)
      if (has(controlled, p)) pairs.push({ partition: p, monitor: m });
  }
  return pairs;
}

export function inside(s: State, pair: Pair): boolean {
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

/** The position of `id` in the ascending list `ids`, or -1. */
export function positionIn(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The explored graph, as the search holds it: edges are recomputed on demand, not stored. */
export interface ExploredGraph {
  readonly layout: Layout;
  /** Ids of the tracked states (see `isTracked`), ascending. */
  readonly tracked: Int32Array;
  stateOf(id: number): State;
  /**
   * Every step out of state `id`: the stored id it reaches (itself for a self-loop), by event index,
   * and the renaming (-1: none) under which the state reached is the stored one (proofs/symmetry.ts).
   */
  successors(id: number): { readonly to: number; readonly event: number; readonly renaming: number }[];
  /** The index of the Tick event. */
  readonly tick: number;
  /** Partition `p` under renaming `renaming` (-1 is the identity). */
  renamed(renaming: number, p: number): number;
}

/** A stack of 32-bit integers in one growable typed array. */
class IntStack {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  pop(): number {
    return this.data[--this.length]!;
  }
  top(): number {
    return this.data[this.length - 1]!;
  }
}

/** What the liveness check found: a lasso, nothing, or that it ran out of its memory budget. */
export type LivenessOutcome = Lasso | null | 'over-budget';

/**
 * Searches every pair's P for a fair cycle (one that takes a Tick). Everything it keeps per state
 * is in typed arrays, and `overBudget` is asked now and then whether to give up.
 *
 * The graph's nodes are (pair, state) with the state in the pair's P, pair by pair in order. A step
 * from a state that the search stored renamed (proofs/symmetry.ts) moves the pair with it: the
 * partition and monitor the run speaks of are renamed along with the state. A cycle through these
 * nodes is a loop of the model with one pair fixed, once unrolled until the renamings compose to
 * the identity. Without renamings, each pair's nodes are a graph of their own.
 */
export function findFaultRecoveryViolation(
  graph: ExploredGraph,
  overBudget: () => boolean = () => false,
): LivenessOutcome {
  const pairs = monitorPairs(graph.layout);
  const nP = graph.layout.nPartitions;
  const pairAt = new Map(pairs.map((pair, k) => [pair.partition * nP + pair.monitor, k]));
  const membersOf = pairs.map((pair) => graph.tracked.filter((id) => inside(graph.stateOf(id), pair)));
  const base = new Int32Array(pairs.length + 1);
  membersOf.forEach((m, k) => {
    base[k + 1] = base[k]! + m.length;
  });
  const n = base[pairs.length]!;
  if (!n) return null;
  /** The pair of node `k`. */
  const pairOf = new Int32Array(n);
  for (let k = 0; k < pairs.length; k++) pairOf.fill(k, base[k]!, base[k + 1]!);
  const idOf = (k: number) => membersOf[pairOf[k]!]![k - base[pairOf[k]!]!]!;
  const node = (pair: number, id: number): number => {
    const at = positionIn(membersOf[pair]!, id);
    return at < 0 ? -1 : base[pair]! + at;
  };
  const movedPair = (k: number, renaming: number): number => {
    if (renaming < 0) return k;
    const { partition, monitor } = pairs[k]!;
    return pairAt.get(graph.renamed(renaming, partition) * nP + graph.renamed(renaming, monitor))!;
  };
  /** Per node: where its Tick leads among the nodes, or -1 (filled as nodes are opened). */
  const tickTo = new Int32Array(n).fill(-1);
  /** Steps from node k that stay in P, as nodes. */
  const within = (k: number): { to: number; event: number }[] => {
    const out: { to: number; event: number }[] = [];
    const pair = pairOf[k]!;
    for (const { to, event, renaming } of graph.successors(idOf(k))) {
      const j = node(movedPair(pair, renaming), to);
      if (j < 0) continue;
      out.push({ to: j, event });
      if (event === graph.tick) tickTo[k] = j;
    }
    return out;
  };
  let best: Lasso | null = null;
  const mark = new Uint8Array(n);
  const onScc = (scc: Int32Array): void => {
    for (const k of scc) mark[k] = 1;
    const from = scc.find((k) => tickTo[k]! >= 0 && mark[tickTo[k]!] === 1);
    let entryAt = scc[0]!;
    for (const k of scc) if (k < entryAt) entryAt = k;
    const entry = idOf(entryAt);
    if (from !== undefined && (!best || entry < best.entry)) {
      const cycle = [
        ...pathWithin(within, mark, entryAt, from),
        graph.tick,
        ...pathWithin(within, mark, tickTo[from]!, entryAt),
      ];
      const { partition, monitor } = pairs[pairOf[entryAt]!]!;
      best = { partition, monitor, entry, cycle };
    }
    for (const k of scc) mark[k] = 0;
  };
  return stronglyConnected(n, within, onScc, overBudget) ? best : 'over-budget';
}

type Within = (k: number) => { to: number; event: number }[];

/** Shortest event path from `from` to `to` through positions marked 1 (empty when they are the same). */
function pathWithin(within: Within, mark: Uint8Array, from: number, to: number): number[] {
  const n = mark.length;
  const prev = new Int32Array(n).fill(-1);
  const via = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  queue[tail++] = from;
  prev[from] = from;
  for (let head = 0; head < tail && prev[to] === -1; head++) {
    const at = queue[head]!;
    for (const { to: next, event } of within(at)) {
      if (mark[next] !== 1 || prev[next] !== -1) continue;
      prev[next] = at;
      via[next] = event;
      queue[tail++] = next;
    }
  }
  const events: number[] = [];
  for (let at = to; at !== from; at = prev[at]!) events.push(via[at]!);
  return events.reverse();
}

/**
 * Tarjan's algorithm, iterative, over positions 0 .. n - 1, with its stacks in typed arrays (a
 * position's successors sit on an edge stack while it is open). Calls `onScc` with every SCC that
 * has a cycle; false when `overBudget` said to stop.
 */
function stronglyConnected(
  n: number,
  within: Within,
  onScc: (scc: Int32Array) => void,
  overBudget: () => boolean,
): boolean {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const selfLoop = new Uint8Array(n);
  const stack = new IntStack();
  const frameK = new IntStack();
  const frameStart = new IntStack();
  const frameEdge = new IntStack();
  const frameEnd = new IntStack();
  const edges = new IntStack();
  let counter = 0;
  const open = (k: number) => {
    index[k] = counter;
    low[k] = counter++;
    stack.push(k);
    onStack[k] = 1;
    frameK.push(k);
    frameStart.push(edges.length);
    frameEdge.push(edges.length);
    for (const e of within(k)) edges.push(e.to);
    frameEnd.push(edges.length);
  };
  for (let root = 0; root < n; root++) {
    if (index[root]! >= 0) continue;
    open(root);
    while (frameK.length) {
      const top = frameK.length - 1;
      const k = frameK.data[top]!;
      const edge = frameEdge.data[top]!;
      if (edge < frameEnd.data[top]!) {
        frameEdge.data[top] = edge + 1;
        const next = edges.data[edge]!;
        if (next === k) selfLoop[k] = 1;
        if (index[next]! < 0) {
          if ((counter & 4095) === 0 && overBudget()) return false;
          open(next);
        } else if (onStack[next]) low[k] = Math.min(low[k]!, index[next]!);
        continue;
      }
      frameK.pop();
      frameEdge.pop();
      frameEnd.pop();
      edges.length = frameStart.pop();
      if (frameK.length) {
        const parent = frameK.top();
        low[parent] = Math.min(low[parent]!, low[k]!);
      }
      if (low[k] !== index[k]) continue;
      let start = stack.length - 1;
      while (stack.data[start] !== k) start--;
      const scc = stack.data.slice(start, stack.length);
      for (const m of scc) onStack[m] = 0;
      stack.length = start;
      if (scc.length > 1 || selfLoop[k]) onScc(scc);
    }
  }
  return true;
}
