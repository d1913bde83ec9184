/**
 * The information-flow policy as a relation: for each partition, the partitions whose data may reach
 * it. A system states the policy as a level order or as declared flows (docs/DESIGN.md section 3);
 * `InformationFlow` in every engine judges observed sets against this one relation.
 */
import type { SystemConfig } from '../system/config.js';
import { type Bits, bit, EMPTY } from './bits.js';

/** Per partition: the sources the policy lets reach it. */
export function mayFlowTo(config: SystemConfig): Bits[] {
  return config.flows === undefined ? byLevels(config) : byFlows(config);
}

/** A may flow to B when level(A) <= level(B), or A is a downgrader. */
function byLevels(config: SystemConfig): Bits[] {
  return config.partitions.map((to) => {
    let sources = EMPTY;
    for (const from of config.partitions)
      if ((from.rank ?? 0) <= (to.rank ?? 0) || from.downgrader) sources |= bit(from.index);
    return sources;
  });
}

/**
 * The reflexive-transitive closure of the declared flows: a partition always holds its own data,
 * and data that may go from A to B and from B to C reaches C through B unless B declassifies, so a
 * relation that allowed the steps but not the path would call every relay a leak. A downgrader
 * widens nothing here: the declared flows already say where its output may go.
 */
function byFlows(config: SystemConfig): Bits[] {
  return flowClosure(config.partitions.length, config.flows ?? []);
}

/** Per node of `0 .. n-1`: the nodes with a path of `edges` to it, itself included. */
export function flowClosure(n: number, edges: readonly { from: number; to: number }[]): Bits[] {
  const sources = Array.from({ length: n }, (_, i) => bit(i));
  for (let changed = true; changed; ) {
    changed = false;
    for (const { from, to } of edges) {
      const widened = sources[to]! | sources[from]!;
      if (widened !== sources[to]) {
        sources[to] = widened;
        changed = true;
      }
    }
  }
  return sources;
}
