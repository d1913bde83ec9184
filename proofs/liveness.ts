/**
 * FaultRecovery, checked on the explored state graph: for a partition p and a health monitor m,
 * (p faulted /\ m up) ~> (p not faulted \/ m not up \/ halted) fails exactly when some reachable cycle
 * stays inside P = (p faulted /\ m up /\ ~halted) and is fair. Under weak fairness of Tick (enabled in
 * every running, non-halted state) a fair cycle must take a Tick; launches are never enabled once a
 * partition can fault (partitions only run after boot), so their fairness adds no condition.
 * Spec twin: Hypervisor.tla!FaultRecoveryProp.
 */
import { has } from '../model/bits.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import type { State } from '../model/state.js';

/**
 * The edges leaving states where some partition is faulted while a monitor is up: the only part of
 * the graph a FaultRecovery violation can lie in. The explorer expands each state once, so a
 * state's edges are recorded contiguously.
 */
export class LivenessGraph {
  readonly pairs: readonly { readonly partition: number; readonly monitor: number }[];
  private readonly first = new Map<number, number>();
  private readonly to: number[] = [];
  private readonly events: Event[] = [];

  constructor(readonly layout: Layout) {
    const pairs: { partition: number; monitor: number }[] = [];
    for (let m = 0; m < layout.nPartitions; m++)
      if (has(layout.monitors, m))
        for (let p = 0; p < layout.nPartitions; p++) if (p !== m) pairs.push({ partition: p, monitor: m });
    this.pairs = pairs;
  }

  /** Whether state `id` lies inside some pair's P; if so, its edges are recorded from now on. */
  track(id: number, s: State): boolean {
    if (s.halted || !s.status.includes('faulted')) return false;
    if (!this.pairs.some((pair) => this.inside(s, pair))) return false;
    this.first.set(id, this.to.length);
    return true;
  }

  /** Records an edge out of the state most recently tracked. */
  edge(to: number, event: Event): void {
    this.to.push(to);
    this.events.push(event);
  }

  inside(s: State, pair: { partition: number; monitor: number }): boolean {
    return !s.halted && s.status[pair.partition] === 'faulted' && s.status[pair.monitor] === 'running';
  }

  /** Per tracked state, in the order they were expanded: its edges as [first, end) indices. */
  ranges(): Map<number, [number, number]> {
    const ids = [...this.first.keys()];
    const ranges = new Map<number, [number, number]>();
    ids.forEach((id, i) => {
      const end = i + 1 < ids.length ? this.first.get(ids[i + 1]!)! : this.to.length;
      ranges.set(id, [this.first.get(id)!, end]);
    });
    return ranges;
  }

  target(i: number): number {
    return this.to[i]!;
  }

  event(i: number): Event {
    return this.events[i]!;
  }
}

export interface Lasso {
  readonly partition: number;
  readonly monitor: number;
  /** The state where the cycle starts (reached by a shortest path from the initial state). */
  readonly entry: number;
  /** Events leading from `entry` around the cycle back to `entry`. */
  readonly cycle: readonly Event[];
}

/** Searches every pair's P for a fair cycle; `states[id]` is the explored state with that id. */
export function findFaultRecoveryViolation(graph: LivenessGraph, states: readonly State[]): Lasso | null {
  const ends = graph.ranges();
  const ids = [...ends.keys()];
  const successors = (id: number): { to: number; event: Event }[] => {
    const [a, b] = ends.get(id)!;
    const out: { to: number; event: Event }[] = [];
    for (let i = a; i < b; i++) out.push({ to: graph.target(i), event: graph.event(i) });
    return out;
  };

  let best: Lasso | null = null;
  for (const pair of graph.pairs) {
    const inP = (id: number) => ends.has(id) && graph.inside(states[id]!, pair);
    for (const scc of stronglyConnected(ids.filter(inP), inP, ends, graph)) {
      const members = new Set(scc);
      let tick: { from: number; to: number; event: Event } | undefined;
      for (const from of scc) {
        const [a, b] = ends.get(from)!;
        for (let i = a; i < b && !tick; i++)
          if (graph.event(i).type === 'Tick' && members.has(graph.target(i)))
            tick = { from, to: graph.target(i), event: graph.event(i) };
        if (tick) break;
      }
      if (!tick) continue;
      const entry = Math.min(...scc);
      if (best && best.entry <= entry) continue;
      const cycle = [
        ...pathWithin(successors, members, entry, tick.from),
        tick.event,
        ...pathWithin(successors, members, tick.to, entry),
      ];
      best = { partition: pair.partition, monitor: pair.monitor, entry, cycle };
    }
  }
  return best;
}

type Successors = (id: number) => { to: number; event: Event }[];

/** Shortest event path from `from` to `to` inside `members` (empty when they are the same state). */
function pathWithin(successors: Successors, members: ReadonlySet<number>, from: number, to: number): Event[] {
  const back = new Map<number, { prev: number; event: Event }>();
  const queue = [from];
  const seen = new Set([from]);
  for (let head = 0; head < queue.length && !seen.has(to); head++) {
    const at = queue[head]!;
    for (const { to: next, event } of successors(at)) {
      if (!members.has(next) || seen.has(next)) continue;
      seen.add(next);
      back.set(next, { prev: at, event });
      queue.push(next);
    }
  }
  const events: Event[] = [];
  for (let at = to; at !== from; ) {
    const step = back.get(at)!;
    events.push(step.event);
    at = step.prev;
  }
  return events.reverse();
}

/** Tarjan's algorithm, iterative, over the recorded edge ranges; returns only SCCs with a cycle. */
function stronglyConnected(
  roots: number[],
  inP: (id: number) => boolean,
  ends: ReadonlyMap<number, [number, number]>,
  graph: LivenessGraph,
): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of roots) {
    if (index.has(root)) continue;
    const work: { id: number; edge: number; end: number; selfLoop: boolean }[] = [];
    const open = (id: number) => {
      index.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      const [edge, end] = ends.get(id)!;
      work.push({ id, edge, end, selfLoop: false });
    };
    open(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.edge < frame.end) {
        const next = graph.target(frame.edge++);
        if (next === frame.id) frame.selfLoop = true;
        if (!inP(next)) continue;
        if (!index.has(next)) open(next);
        else if (onStack.has(next)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) !== index.get(frame.id)) continue;
      const scc: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        scc.push(member);
      } while (member !== frame.id);
      if (scc.length > 1 || frame.selfLoop) out.push(scc);
    }
  }
  return out;
}
