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
  VTD_UNIVERSE,
} from '../conformance/refinement-coverage.js';
import { exitName } from '../model/describe.js';
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import { HYPERCALL_OPS } from '../model/events.js';
import { buildLayout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { step } from '../model/step.js';
import { hashState, StateTable } from '../proofs/encode.js';
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

/**
 * What the model itself takes on this system, breadth first from the initial state up to
 * `maxStates` distinct states: event kinds (`<type> <outcome>`) and hypercalls (`<op> <status>`),
 * keyed as the coverage tables are, in their universes' order.
 */
export function modelReach(
  config: SystemConfig,
  maxStates: number,
): { events: string[]; hypercalls: string[] } {
  const layout = buildLayout(config);
  const catalog = buildCatalog(layout);
  const events = new Set<string>();
  const hypercalls = new Set<string>();
  const table = new StateTable();
  const s0 = init(layout);
  table.insert(s0);
  let frontier: State[] = [s0];
  while (frontier.length) {
    const next: State[] = [];
    for (const s of frontier)
      for (const e of enabledEvents(layout, catalog, s)) {
        const r = step(layout, s, e);
        events.add(`${e.type} ${r.outcome}`);
        for (const ef of r.effects)
          if (ef.kind === 'hypercall')
            hypercalls.add(
              `${KNOWN_OPS.has(ef.op) ? ef.op : 'unknown'} ${ef.status}${r.outcome === 'dropped' ? ' (dropped: channel full)' : ''}`,
            );
        const hash = hashState(r.state);
        if (table.size < maxStates && table.find(r.state, hash) < 0) {
          table.insert(r.state, hash);
          next.push(r.state);
        }
      }
    frontier = next;
  }
  return { events: inOrder(events, EVENT_UNIVERSE), hypercalls: inOrder(hypercalls, HYPERCALL_UNIVERSE) };
}

const KNOWN_OPS = new Set<string>(HYPERCALL_OPS);

function inOrder(keys: ReadonlySet<string>, universe: readonly string[]): string[] {
  const order = new Map(universe.map((k, i) => [k, i]));
  return [...keys].sort(
    (a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || (a < b ? -1 : a > b ? 1 : 0),
  );
}
