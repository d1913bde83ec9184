/**
 * The symbolic transition relation of a system: the state variables, the initial state, one
 * disjunct per event of the layout's catalog (split into the branches `step` can take), and each
 * invariant's bad states. Built from the layout alone; the conformance tests hold it to `step`,
 * `enabledEvents`, `init` and the catalog's `holds`.
 */
import { buildCatalog } from '../../model/enabled.js';
import type { Event } from '../../model/events.js';
import type { Layout } from '../../model/layout.js';
import { init } from '../../model/state.js';
import type { ModelOptions, Outcome } from '../../model/step.js';
import { INVARIANTS, type PropertyName } from '../properties.js';
import { enabledEvents } from './enabled.js';
import { hypercall } from './hypercall.js';
import { monitor } from './monitor.js';
import { badState } from './properties.js';
import {
  concreteState,
  flatten,
  intBounds,
  type StateVar,
  type SymState,
  stateVars,
  varState,
} from './state.js';
import {
  type Branch,
  type Bugs,
  deviceIrq,
  dma,
  guestAccess,
  launchPartition,
  MIRRORED_BUGS,
  measureHypervisor,
  msiWrite,
  peerDma,
  tamperImage,
  tick,
  vmExit,
} from './step.js';
import { and, FALSE, type Term } from './terms.js';

/** One branch of one event: taken from a state satisfying `cond`, to the state `next`. */
export interface Transition {
  /** Index of the event in `Relation.events`. */
  readonly event: number;
  readonly cond: Term;
  /** The next value of each state variable, in variable order. */
  readonly next: readonly Term[];
  readonly outcome: Outcome;
}

export interface Relation {
  readonly layout: Layout;
  readonly vars: readonly StateVar[];
  /** Upper bounds of the integer variables, by variable index (lower bounds are 0). */
  readonly bounds: ReadonlyMap<number, number>;
  /** The catalog's events, in the order `catalogEvents` lists them. */
  readonly events: readonly Event[];
  /** Per event, the condition under which `enabledEvents` lists it. */
  readonly guards: readonly Term[];
  readonly transitions: readonly Transition[];
  /** The initial state's value of each variable. */
  readonly init: readonly Term[];
  /** Per invariant, its bad states. */
  readonly bad: ReadonlyMap<PropertyName, Term>;
}

/** model/step.ts `step` over a symbolic state: the branches of the core, each with its monitor flags. */
export function symStep(layout: Layout, s: SymState, e: Event, bugs: Bugs): Branch[] {
  return core(layout, s, e, bugs).map((b) => ({
    ...b,
    state: { ...b.state, flags: monitor(layout, s, e, b) },
  }));
}

function core(layout: Layout, s: SymState, e: Event, bugs: Bugs): Branch[] {
  switch (e.type) {
    case 'MeasureHypervisor':
      return measureHypervisor(layout, s);
    case 'TamperImage':
      return tamperImage(s, e.partition);
    case 'LaunchPartition':
      return launchPartition(layout, s, e.partition, bugs);
    case 'Tick':
      return tick(layout, s, bugs);
    case 'GuestAccess':
      return guestAccess(layout, s, e.partition, e.gpa, e.access);
    case 'Dma':
      return dma(layout, s, e.device, e.page, e.access, bugs);
    case 'PeerDma':
      return peerDma(layout, s, e.device, e.peer, e.access, bugs);
    case 'DeviceIrq':
      return deviceIrq(layout, s, e.device);
    case 'MsiWrite':
      return msiWrite(layout, s, e.device, e.vector);
    case 'Hypercall':
      return hypercall(layout, s, e.partition, e.op, e.arg, e.buffer, bugs);
    case 'VmExit':
      return vmExit(layout, s, e.partition, e.reason, bugs);
  }
}

export function buildRelation(layout: Layout, options: ModelOptions = {}): Relation {
  const bugs = options.bugs ?? new Set();
  for (const b of bugs)
    if (!MIRRORED_BUGS.includes(b)) throw new Error(`the symbolic model does not mirror the seeded bug ${b}`);
  const s = varState(layout);
  const guarded = enabledEvents(layout, buildCatalog(layout), s, bugs);
  const transitions: Transition[] = [];
  guarded.forEach(({ event, guard }, index) => {
    if (guard === FALSE) return;
    for (const b of symStep(layout, s, event, bugs)) {
      const cond = and(guard, b.cond);
      if (cond !== FALSE)
        transitions.push({ event: index, cond, next: flatten(b.state), outcome: b.outcome });
    }
  });
  const bad = new Map<PropertyName, Term>();
  for (const p of INVARIANTS) bad.set(p.name, badState(layout, s, p.name)!);
  return {
    layout,
    vars: stateVars(layout),
    bounds: intBounds(layout),
    events: guarded.map((g) => g.event),
    guards: guarded.map((g) => g.guard),
    transitions,
    init: flatten(concreteState(layout, init(layout))),
    bad,
  };
}
