/**
 * The embedded engine: breadth-first, exhaustive, deterministic exploration of every state the
 * environment, the attacker, devices and guests can drive the model into. Breadth-first order makes
 * the first violation found for a property a shortest counterexample. States are deduplicated by
 * their canonical key (proofs/encode.ts); only the parent and the event that reached each state are
 * kept, and traces are rebuilt by replaying `step` from the initial state.
 */
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { buildLayout, type LayoutOptions } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type ModelOptions, type StepResult, step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import { findFaultRecoveryViolation, LivenessGraph } from './liveness.js';
import { CATALOG, INVARIANTS, type PropertyName } from './properties.js';
import { hashState, StateTable } from './visited.js';

export interface TraceStep {
  /** The event that led here; null for the initial state. */
  readonly event: Event | null;
  readonly state: State;
  /** The step's outcome and effects; null for the initial state. */
  readonly result: StepResult | null;
}

export interface Trace {
  readonly steps: readonly TraceStep[];
  /** For a liveness counterexample: index of the state the last step loops back to. */
  readonly loop?: number;
}

export type Verdict =
  | { readonly status: 'holds' }
  | { readonly status: 'violated'; readonly trace: Trace }
  | { readonly status: 'unknown' };

export interface Progress {
  readonly distinctStates: number;
  readonly depth: number;
  readonly queued: number;
  readonly elapsedMs: number;
}

export interface ExploreOptions {
  /** Stop after this many distinct states; unfinished properties are then `unknown`. */
  readonly maxStates?: number;
  readonly model?: ModelOptions;
  readonly layout?: LayoutOptions;
  readonly onProgress?: (progress: Progress) => void;
  /** Milliseconds between progress reports. */
  readonly progressIntervalMs?: number;
  /**
   * Names the kinds of step a transition is (e.g. `Hypercall refused`); the result then holds, for
   * each kind the search meets, a shortest trace ending with such a step.
   */
  readonly witness?: (before: State, event: Event, result: StepResult) => readonly string[];
}

export interface ExploreResult {
  readonly verdicts: ReadonlyMap<PropertyName, Verdict>;
  /** Whether each property's bait step was reached. */
  readonly baits: ReadonlyMap<PropertyName, boolean>;
  /** With `witness`: a shortest trace to a step of each kind met, in the order first met. */
  readonly witnesses: ReadonlyMap<string, Trace>;
  readonly distinctStates: number;
  readonly depth: number;
  readonly complete: boolean;
  readonly durationMs: number;
}

export function explore(config: SystemConfig, options: ExploreOptions = {}): ExploreResult {
  const started = performance.now();
  const layout = buildLayout(config, options.layout);
  const catalog = buildCatalog(layout);
  const model = options.model ?? {};
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const interval = options.progressIntervalMs ?? 1000;
  let lastReport = started;

  const visited = new StateTable();
  const parent: number[] = [];
  const via: (Event | null)[] = [];
  const violatedAt = new Map<PropertyName, number>();
  const baits = new Map<PropertyName, boolean>(CATALOG.map((p) => [p.name, false]));
  let pendingBaits = CATALOG.slice();
  let pendingInvariants = INVARIANTS.slice();
  const liveness = layout.monitors ? new LivenessGraph(layout) : null;
  const witnessed = new Map<string, { from: number; event: Event }>();

  const discover = (state: State, from: number, event: Event | null): number => {
    const id = parent.length;
    parent.push(from);
    via.push(event);
    if (pendingInvariants.length) {
      for (const inv of pendingInvariants) if (!inv.holds(layout, state)) violatedAt.set(inv.name, id);
      if (violatedAt.size) pendingInvariants = pendingInvariants.filter((inv) => !violatedAt.has(inv.name));
    }
    return id;
  };

  const s0 = init(layout);
  visited.insert(s0);
  discover(s0, -1, null);
  let frontier: State[] = [s0];
  let frontierIds: number[] = [0];
  let depth = 0;
  let complete = true;

  search: while (frontier.length) {
    const next: State[] = [];
    const nextIds: number[] = [];
    for (let i = 0; i < frontier.length; i++) {
      const s = frontier[i]!;
      const id = frontierIds[i]!;
      const tracked = liveness?.track(id, s) ?? false;
      for (const event of enabledEvents(layout, catalog, s, model)) {
        const result = step(layout, s, event, model);
        if (options.witness)
          for (const kind of options.witness(s, event, result))
            if (!witnessed.has(kind)) witnessed.set(kind, { from: id, event });
        for (let b = 0; b < pendingBaits.length; b++) {
          const p = pendingBaits[b]!;
          if (!p.bait.reached(layout, s, event, result)) continue;
          baits.set(p.name, true);
          pendingBaits = pendingBaits.filter((q) => q !== p);
          b--;
        }
        if (result.state === s) {
          if (tracked) liveness!.edge(id, event);
          continue;
        }
        const hash = hashState(result.state);
        let target = visited.find(result.state, hash);
        if (target < 0) {
          if (visited.size >= maxStates) {
            complete = false;
            break search;
          }
          target = visited.insert(result.state, hash);
          discover(result.state, id, event);
          next.push(result.state);
          nextIds.push(target);
        }
        if (tracked) liveness!.edge(target, event);
      }
      if (options.onProgress && (i & 1023) === 0) {
        const now = performance.now();
        if (now - lastReport >= interval) {
          lastReport = now;
          options.onProgress({
            distinctStates: visited.size,
            depth,
            queued: frontier.length - i + next.length,
            elapsedMs: now - started,
          });
        }
      }
    }
    if (!next.length) break;
    frontier = next;
    frontierIds = nextIds;
    depth++;
  }

  const replay = (events: readonly Event[]): TraceStep[] => {
    let state = s0;
    const steps: TraceStep[] = [{ event: null, state, result: null }];
    for (const event of events) {
      const result = step(layout, state, event, model);
      state = result.state;
      steps.push({ event, state, result });
    }
    return steps;
  };
  const pathTo = (id: number): Event[] => {
    const events: Event[] = [];
    for (let at = id; at > 0; at = parent[at]!) events.push(via[at]!);
    return events.reverse();
  };

  const verdicts = new Map<PropertyName, Verdict>();
  for (const p of CATALOG) {
    const at = violatedAt.get(p.name);
    if (at !== undefined) verdicts.set(p.name, { status: 'violated', trace: { steps: replay(pathTo(at)) } });
    else if (p.kind === 'invariant') verdicts.set(p.name, { status: complete ? 'holds' : 'unknown' });
  }
  if (!complete) verdicts.set('FaultRecovery', { status: 'unknown' });
  else {
    const lasso = liveness ? findFaultRecoveryViolation(liveness, visited.states) : null;
    if (!lasso) verdicts.set('FaultRecovery', { status: 'holds' });
    else {
      const prefix = pathTo(lasso.entry);
      verdicts.set('FaultRecovery', {
        status: 'violated',
        trace: { steps: replay([...prefix, ...lasso.cycle]), loop: prefix.length },
      });
    }
  }

  const witnesses = new Map<string, Trace>();
  for (const [kind, { from, event }] of witnessed)
    witnesses.set(kind, { steps: replay([...pathTo(from), event]) });

  return {
    verdicts,
    baits,
    witnesses,
    distinctStates: visited.size,
    depth,
    complete,
    durationMs: performance.now() - started,
  };
}
