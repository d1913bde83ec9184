/**
 * FaultRecovery in `prove`: for each health monitor and partition it controls, a proof by
 * k-liveness (proofs/symbolic/recovery.ts: an invariant bounds the Ticks a run takes with the
 * partition faulted and the monitor up, and `recheck` confirms it), or a violation as a lasso found
 * by bounded model checking (proofs/symbolic/lasso.ts) that the model replays: a loop with a Tick,
 * every state of it inside one pair's P, back to a state it has been in. Neither: `unknown`, with
 * the reason. In turn, with the property's budget: the invariant the monitor policy suggests for
 * every pair (three quarters of the budget, shared out); for the pairs left, a shortest run into
 * some pair's P continued by Ticks alone (half of what is left), else one search for any loop (half
 * of what is then left); then Spacer pair by pair (the rest, shared out).
 */
import { buildCatalog, type EventCatalog, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { type Layout, noHealthMonitor } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type ModelOptions, step } from '../model/step.js';
import type { Trace, TraceStep } from './explorer.js';
import { inside, monitorPairs, type Pair } from './liveness.js';
import type { ProvePhase, Undated } from './prove.js';
import { bmc } from './symbolic/bmc.js';
import { chc, ProofDefect, recheck } from './symbolic/chc.js';
import { lasso } from './symbolic/lasso.js';
import { insideTerm, policyInvariant, recoveryBound, withTickCounter } from './symbolic/recovery.js';
import type { Relation } from './symbolic/relation.js';
import { or } from './symbolic/terms.js';
import type { Budget, WallClock } from './symbolic/z3.js';

/**
 * Times the loop of a solver's lasso is repeated, at most, to find the model state it returns to
 * (the state outside the solver's view may take rounds to settle, e.g. an audit log filling up).
 */
export const MAX_ROUNDS = 1024;

export async function faultRecovery(
  rel: Relation,
  budget: Budget,
  clock: WallClock,
  model: ModelOptions,
  progress: (phase: ProvePhase) => void,
): Promise<Undated> {
  const name = 'FaultRecovery';
  const { layout } = rel;
  const unmonitored = noHealthMonitor(layout);
  if (unmonitored !== null) return { name, status: 'holds', method: 'vacuous', reason: unmonitored };
  const bound = recoveryBound(rel);
  // A lasso runs through the launches, a fault and a frame's Ticks; twice that is searched.
  const depth = 2 * (layout.nPartitions + 2 + layout.config.schedule.majorFrame);
  const pairs = monitorPairs(layout);
  const partition = (p: number) => layout.config.partitions[p]!.name;
  const unknown = (why: string): Undated => ({
    name,
    status: 'unknown',
    method: 'none',
    reason: `${why}; typezero check decides FaultRecovery by enumeration`,
  });
  // First the invariant the monitor policy suggests, per pair, confirmed by plain SMT queries.
  const open: Pair[] = [];
  for (const [k, pair] of pairs.entries()) {
    const counted = withTickCounter(rel, pair, bound);
    const policy = policyInvariant(counted.rel, pair);
    if (!policy) {
      open.push(pair);
      continue;
    }
    progress('proving');
    const share = budget.slice((3 * budget.left) / 4 / (pairs.length - k));
    if (!(await recheck(counted.rel, counted.bad, policy, share, clock)).ok) open.push(pair);
  }
  if (!open.length) return { name, status: 'holds', method: 'k-liveness', k: bound };
  // Then a loop that never recovers, for any pair left: first the shortest run into some pair's P
  // (an invariant's search, far cheaper than a lasso's) continued by the model's Ticks alone, which
  // is the loop where the monitor never gets to reset; else one search for any loop.
  progress('searching a trace');
  const into = await bmc(
    rel,
    or(...open.map((pair) => insideTerm(rel, pair, (i) => `x${i}`))),
    budget.slice(budget.left / 2),
    depth,
    clock,
  );
  if (into.kind === 'trace') {
    const ticking = tickingLasso(rel, open, into.events, model);
    if (ticking) return { name, status: 'violated', method: 'bmc-lasso', trace: ticking };
  }
  const found = await lasso(rel, open, budget.slice(budget.left / 2), depth, clock);
  if (found.kind === 'lasso') return violated(rel, open, found, model) ?? unknown(unsettled);
  // Then Spacer, pair by pair, with what is left shared out.
  for (const [k, pair] of open.entries()) {
    const which = `${partition(pair.partition)} faulted with ${partition(pair.monitor)} up`;
    const counted = withTickCounter(rel, pair, bound);
    const share = budget.slice(budget.left / (open.length - k));
    progress('proving');
    const answer = await chc(counted.rel, counted.bad, share.slice(share.left / 2), clock);
    if (answer.kind !== 'proved')
      return unknown(
        `${answer.kind === 'refuted' ? `no proof: a run takes more than ${bound} Ticks with ${which}` : `no proof within the solver's budget for ${which} (${answer.reason})`}, and no loop that stays so was found within ${found.depth} steps (${found.reason})`,
      );
    progress('rechecking');
    const checked = await recheck(counted.rel, counted.bad, answer, share, clock);
    if (checked.ok) continue;
    if (checked.answer === 'sat')
      throw new ProofDefect(
        `Spacer's invariant bounding the Ticks with ${which} is wrong: the check that ${checked.failed} fails`,
      );
    return unknown(
      `Spacer bounded the Ticks with ${which}, but the check that ${checked.failed} answered ${checked.answer}`,
    );
  }
  return { name, status: 'holds', method: 'k-liveness', k: bound };
}

const unsettled = `bounded model checking found a loop in which a controlled partition stays faulted with its monitor up, but repeated ${MAX_ROUNDS} times it never returns to a whole state it began in`;

function violated(
  rel: Relation,
  pairs: readonly Pair[],
  found: { readonly events: readonly number[]; readonly loop: number },
  model: ModelOptions,
): Undated | null {
  const trace = replayLasso(rel, pairs, found, model);
  return trace && { name: 'FaultRecovery', status: 'violated', method: 'bmc-lasso', trace };
}

/**
 * The solver's lasso run through the model. The solver saw only the cone of influence of the pair's
 * P, so the loop returns to the same state there; in the whole model the loop, repeated, is
 * deterministic, so the states it returns to repeat in turn: the trace goes round until the state
 * after a round is one a round began in (null if none does within `MAX_ROUNDS` rounds). Every state
 * of the loop must be inside P, and the loop must take a Tick; a step the model does not enable is a
 * defect of the encoding.
 */
export function replayLasso(
  rel: Relation,
  pairs: readonly Pair[],
  found: { readonly events: readonly number[]; readonly loop: number },
  model: ModelOptions,
): Trace | null {
  const { layout } = rel;
  const catalog = buildCatalog(layout);
  const events = found.events.map((i) => rel.events[i]!);
  const cycle = events.slice(found.loop);
  if (!cycle.some((e) => e.type === 'Tick'))
    throw new ProofDefect("the solver's loop for FaultRecovery takes no Tick");
  let state: State = init(layout);
  const steps: TraceStep[] = [{ event: null, state, result: null }];
  // The pairs whose P every state of the loop so far is inside.
  let within = [...pairs];
  const take = (wanted: Event) => {
    const taken = stepIfEnabled(layout, catalog, state, wanted, model);
    if (!taken)
      throw new ProofDefect(
        `the solver's lasso for FaultRecovery takes ${JSON.stringify(wanted)} at step ${steps.length}, where the model does not enable it`,
      );
    state = taken.state;
    steps.push(taken);
    if (steps.length - 1 > found.loop) within = within.filter((pair) => inside(state, pair));
    if (!within.length)
      throw new ProofDefect(
        `the solver's lasso for FaultRecovery leaves the faulted, monitored states at step ${steps.length - 1}`,
      );
  };
  for (const e of events.slice(0, found.loop)) take(e);
  within = within.filter((pair) => inside(state, pair));
  if (!within.length)
    throw new ProofDefect(
      "the solver's lasso for FaultRecovery begins its loop outside the faulted, monitored states",
    );
  const rounds = new Map<string, number>([[JSON.stringify(state), steps.length - 1]]);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const e of cycle) take(e);
    const key = JSON.stringify(state);
    const loop = rounds.get(key);
    if (loop !== undefined) return { steps, loop };
    rounds.set(key, steps.length - 1);
  }
  return null;
}

/**
 * The run `events` (from bounded model checking, into some pair's P) continued by Ticks alone, as
 * the model takes them, until a state repeats: a lasso if every state from the repeated one on is
 * inside one pair's P (Ticks alone are fair to Tick). Null if a Tick leaves every pair's P first.
 */
export function tickingLasso(
  rel: Relation,
  pairs: readonly Pair[],
  events: readonly number[],
  model: ModelOptions,
): Trace | null {
  const { layout } = rel;
  const catalog = buildCatalog(layout);
  let state: State = init(layout);
  const steps: TraceStep[] = [{ event: null, state, result: null }];
  const take = (wanted: Event): boolean => {
    const taken = stepIfEnabled(layout, catalog, state, wanted, model);
    if (!taken) return false;
    state = taken.state;
    steps.push(taken);
    return true;
  };
  for (const i of events)
    if (!take(rel.events[i]!))
      throw new ProofDefect(
        `the solver's run into FaultRecovery's P takes an event the model does not enable at step ${steps.length}`,
      );
  const seen = new Map<string, number>();
  const tick = catalog.tick;
  for (let n = 0; n <= MAX_ROUNDS * layout.config.schedule.majorFrame; n++) {
    if (!pairs.some((pair) => inside(state, pair))) return null;
    const key = JSON.stringify(state);
    const loop = seen.get(key);
    if (loop !== undefined) {
      const stays = pairs.some((pair) => steps.slice(loop).every((s) => inside(s.state, pair)));
      return stays ? { steps, loop } : null;
    }
    seen.set(key, steps.length - 1);
    if (!take(tick)) return null;
  }
  return null;
}

/** The model's own event equal to `wanted` where it enables it in `state`, and its step; else null. */
export function stepIfEnabled(
  layout: Layout,
  catalog: EventCatalog,
  state: State,
  wanted: Event,
  model: ModelOptions,
): TraceStep | null {
  const key = JSON.stringify(wanted);
  const event = enabledEvents(layout, catalog, state, model).find((e) => JSON.stringify(e) === key);
  if (!event) return null;
  const result = step(layout, state, event, model);
  return { event, state: result.state, result };
}
