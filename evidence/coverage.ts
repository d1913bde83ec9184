/**
 * Coverage of the emulator-vs-model campaign as tables over fixed universes (model events by type
 * and outcome, VM-exit reasons, hypercalls by name and status, VT-d fault reasons), and the event
 * kinds the model itself can take on the system, which is what the events table should be read
 * against: a system without devices has no DMA to cover.
 */
import {
  type Coverage,
  EVENT_UNIVERSE,
  EXIT_UNIVERSE,
  HYPERCALL_UNIVERSE,
  stepKinds,
  VTD_UNIVERSE,
} from '../conformance/refinement-coverage.js';
import { exitName } from '../model/describe.js';
import { EVENT_TYPES, type Event, type EventType } from '../model/events.js';
import { explore } from '../proofs/explorer.js';
import type { SystemConfig } from '../system/config.js';
import type { CoverageTable } from './types.js';

const VTD_NAMES: Record<number, string> = {
  1: 'root entry not present',
  2: 'context entry not present',
  5: 'write denied',
  6: 'read denied',
};

function table<K extends string | number>(
  universe: readonly K[],
  counts: ReadonlyMap<K, number>,
  name: (k: K) => string,
): CoverageTable {
  const items = universe.map((k) => ({ key: String(k), name: name(k), count: counts.get(k) ?? 0 }));
  return { hit: items.filter((i) => i.count > 0).length, total: items.length, items };
}

export function coverageTables(coverage: Coverage): {
  events: CoverageTable;
  vmExits: CoverageTable;
  hypercalls: CoverageTable;
  vtdFaults: CoverageTable;
} {
  return {
    events: table(EVENT_UNIVERSE, coverage.events, String),
    vmExits: table(EXIT_UNIVERSE, coverage.exits, exitName),
    hypercalls: table(HYPERCALL_UNIVERSE, coverage.hypercalls, String),
    vtdFaults: table(VTD_UNIVERSE, coverage.vtd, (r) => `reason ${r} (${VTD_NAMES[r] ?? 'other'})`),
  };
}

/** What the model itself takes on this system, and a shortest path to each kind of step. */
export interface ModelReach {
  /** Event kinds (`<type> <outcome>`) and hypercalls (`<op> <status>`), keyed as the coverage
   * tables are, in their universes' order. */
  readonly events: string[];
  readonly hypercalls: string[];
  /** For each key: the events of a shortest model run ending with a step of that kind. */
  readonly paths: ReadonlyMap<string, readonly Event[]>;
}

/** Explores the model breadth first from the initial state, up to `maxStates` distinct states. */
export function modelReach(config: SystemConfig, maxStates: number): ModelReach {
  const { witnesses } = explore(config, {
    maxStates,
    witness: (_before, event, result) => {
      const kinds = stepKinds(event, result.outcome, result.effects);
      return kinds.hypercall ? [kinds.event, kinds.hypercall] : [kinds.event];
    },
  });
  const paths = new Map<string, readonly Event[]>();
  const events = new Set<string>();
  const hypercalls = new Set<string>();
  for (const [key, trace] of witnesses) {
    paths.set(
      key,
      trace.steps.flatMap((s) => (s.event ? [s.event] : [])),
    );
    (EVENT_TYPES.includes(key.split(' ')[0] as EventType) ? events : hypercalls).add(key);
  }
  return {
    events: inOrder(events, EVENT_UNIVERSE),
    hypercalls: inOrder(hypercalls, HYPERCALL_UNIVERSE),
    paths,
  };
}

function inOrder(keys: ReadonlySet<string>, universe: readonly string[]): string[] {
  const order = new Map(universe.map((k, i) => [k, i]));
  return [...keys].sort(
    (a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || (a < b ? -1 : a > b ? 1 : 0),
  );
}
