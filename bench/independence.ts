/**
 * How much a partial-order reduction could save, measured before one is built: a census of local
 * independence over a system's reachable (label-sliced) states.
 *
 * An ample (persistent) set of a state is a subset of its enabled events whose every member is
 * independent of every event outside it that can happen first. The natural candidates here are a
 * *component*: the guest events of one running partition, or the events of one device. For each
 * booted, running state the census asks, of every component that is not the whole enabled set,
 * whether each of its events commutes at that state with every other enabled event: both orders
 * reach the same state and neither disables the other. That is necessary for the component to be
 * ample there (the future paths, visibility and cycle conditions come on top), so the share of
 * states where some component passes bounds from above the states where a reduction could drop a
 * single step. Self-loops (steps that change nothing) are left out: the explorer never follows them.
 *
 *   npm run bench:independence -- FILE...
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { booted, type State, sameState } from '../model/state.js';
import { step } from '../model/step.js';
import { searchContext, stored } from '../proofs/expand.js';
import { explore } from '../proofs/explorer.js';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';

export interface IndependenceCensus {
  readonly system: string;
  /** Distinct states of the label-sliced search. */
  readonly states: number;
  /** States that are booted and not halted: where guests and devices act. */
  readonly running: number;
  /** Of those, states where some component commutes with every other enabled event. */
  readonly independent: number;
  /** Steps out of running states (self-loops left out), and how many a smallest such component leaves out. */
  readonly steps: number;
  readonly droppable: number;
  /** Per component (`partition NAME`, `device NAME`): the states where it was the smallest such. */
  readonly byComponent: Readonly<Record<string, number>>;
}

export function independenceCensus(config: SystemConfig, system: string): IndependenceCensus {
  const ctx = searchContext(config, {}, {}, true);
  const { layout, catalog } = ctx;
  const component = new Map<Event, string>();
  catalog.guest.forEach((events, p) => {
    for (const e of events) component.set(e, `partition ${config.partitions[p]!.name}`);
  });
  catalog.device.forEach((events, d) => {
    for (const e of events) component.set(e, `device ${config.devices[d]!.name}`);
  });
  const after = (s: State, e: Event) => stored(ctx, step(layout, s, e).state);
  const enabled = (s: State) => enabledEvents(layout, catalog, s);
  const commute = (s: State, a: Event, b: Event): boolean => {
    const sa = after(s, a);
    const sb = after(s, b);
    if (!enabled(sa).includes(b) || !enabled(sb).includes(a)) return false;
    return sameState(after(sa, b), after(sb, a));
  };

  const states: State[] = [];
  const search = explore(config, { reduction: true, visit: (s) => states.push(s) });
  let running = 0;
  let independent = 0;
  let steps = 0;
  let droppable = 0;
  const byComponent: Record<string, number> = {};
  for (const s of states) {
    if (!booted(s) || s.halted) continue;
    const moves = enabled(s).filter((e) => !sameState(after(s, e), s));
    running++;
    steps += moves.length;
    const groups = new Map<string, Event[]>();
    for (const e of moves) {
      const c = component.get(e);
      if (c) groups.set(c, [...(groups.get(c) ?? []), e]);
    }
    let best: { name: string; size: number } | null = null;
    for (const [name, events] of groups) {
      if (events.length === moves.length || (best && events.length >= best.size)) continue;
      const rest = moves.filter((e) => component.get(e) !== name);
      if (events.every((a) => rest.every((b) => commute(s, a, b)))) best = { name, size: events.length };
    }
    if (!best) continue;
    independent++;
    droppable += moves.length - best.size;
    byComponent[best.name] = (byComponent[best.name] ?? 0) + 1;
  }
  return { system, states: search.distinctStates, running, independent, steps, droppable, byComponent };
}

const percent = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-');

export function formatCensus(c: IndependenceCensus): string {
  const parts = Object.entries(c.byComponent)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`);
  return [
    `${c.system}: ${c.states} sliced states, ${c.running} with guests and devices running`,
    `  some component independent in ${c.independent} (${percent(c.independent, c.running)})` +
      `${parts.length ? `: ${parts.join(', ')}` : ''}`,
    `  steps out of them ${c.steps}, at most ${c.droppable} droppable (${percent(c.droppable, c.steps)})`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = process.argv.slice(2);
  if (!files.length) {
    process.stderr.write('usage: npm run bench:independence -- FILE...\n');
    process.exit(2);
  }
  for (const file of files) {
    const loaded = loadSystemFile(file);
    if (!loaded.ok) {
      process.stderr.write(`${loaded.errors.map(formatSystemFileError).join('\n')}\n`);
      process.exit(2);
    }
    process.stdout.write(`${formatCensus(independenceCensus(loaded.config, basename(file, '.yaml')))}\n`);
  }
}
