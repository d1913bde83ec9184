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

interface Node {
  /** Indices into `pairs` of the (p, m) whose premise-without-goal holds here. */
  readonly pairs: readonly number[];
  readonly to: number[];
  readonly events: Event[];
}

export class LivenessGraph {
  readonly pairs: readonly { readonly partition: number; readonly monitor: number }[];
  readonly nodes = new Map<number, Node>();

  constructor(readonly layout: Layout) {
    const pairs: { partition: number; monitor: number }[] = [];
    for (let m = 0; m < layout.nPartitions; m++)
      if (has(layout.monitors, m))
        for (let p = 0; p < layout.nPartitions; p++) if (p !== m) pairs.push({ partition: p, monitor: m });
    this.pairs = pairs;
  }

  /** Records state `id` if it lies inside some pair's P; returns whether its edges are wanted. */
  track(id: number, s: State): boolean {
    if (s.halted) return false;
    const inside: number[] = [];
    this.pairs.forEach(({ partition, monitor }, k) => {
      if (s.status[partition] === 'faulted' && s.status[monitor] === 'running') inside.push(k);
    });
    if (!inside.length) return false;
    this.nodes.set(id, { pairs: inside, to: [], events: [] });
    return true;
  }

  edge(from: number, to: number, event: Event): void {
    const node = this.nodes.get(from)!;
    node.to.push(to);
    node.events.push(event);
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

export function findFaultRecoveryViolation(graph: LivenessGraph): Lasso | null {
  let best: Lasso | null = null;
  graph.pairs.forEach((pair, k) => {
    const inP = (id: number) => graph.nodes.get(id)?.pairs.includes(k) ?? false;
    for (const scc of stronglyConnected(graph, inP)) {
      const members = new Set(scc);
      const tick = scc
        .flatMap((from) => {
          const node = graph.nodes.get(from)!;
          return node.to.map((to, i) => ({ from, to, event: node.events[i]! }));
        })
        .find((e) => e.event.type === 'Tick' && members.has(e.to));
      if (!tick) continue;
      const entry = Math.min(...scc);
      if (best && best.entry <= entry) continue;
      const cycle = [
        ...pathWithin(graph, members, entry, tick.from),
        tick.event,
        ...pathWithin(graph, members, tick.to, entry),
      ];
      best = { partition: pair.partition, monitor: pair.monitor, entry, cycle };
    }
  });
  return best;
}

/** Shortest event path from `from` to `to` inside `members` (empty when they are the same state). */
function pathWithin(graph: LivenessGraph, members: ReadonlySet<number>, from: number, to: number): Event[] {
  const back = new Map<number, { prev: number; event: Event }>();
  const queue = [from];
  const seen = new Set([from]);
  for (let head = 0; head < queue.length && from !== to; head++) {
    const at = queue[head]!;
    const node = graph.nodes.get(at)!;
    for (let i = 0; i < node.to.length; i++) {
      const next = node.to[i]!;
      if (!members.has(next) || seen.has(next)) continue;
      seen.add(next);
      back.set(next, { prev: at, event: node.events[i]! });
      if (next === to) break;
      queue.push(next);
    }
    if (seen.has(to)) break;
  }
  const events: Event[] = [];
  for (let at = to; at !== from; ) {
    const step = back.get(at)!;
    events.push(step.event);
    at = step.prev;
  }
  return events.reverse();
}

/** Tarjan's algorithm, iterative; yields only SCCs that contain a cycle. */
function stronglyConnected(graph: LivenessGraph, inP: (id: number) => boolean): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of graph.nodes.keys()) {
    if (!inP(root) || index.has(root)) continue;
    const work: { id: number; edge: number }[] = [{ id: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const node = graph.nodes.get(frame.id)!;
      if (frame.edge < node.to.length) {
        const next = node.to[frame.edge++]!;
        if (!inP(next)) continue;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ id: next, edge: 0 });
        } else if (onStack.has(next)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const scc: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          scc.push(member);
        } while (member !== frame.id);
        const cyclic = scc.length > 1 || node.to.includes(frame.id);
        if (cyclic) out.push(scc);
      }
    }
  }
  return out;
}
