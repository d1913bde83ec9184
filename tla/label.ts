/**
 * Replays a behaviour of the spec through the model: for each step, finds the model event whose
 * `step` leads from the previous state to the next one. A trace from a TLA+ engine that the model
 * cannot follow is a disagreement between model and spec, reported at its first differing step and
 * variable. The labelled trace is the explorer's own Trace, so every engine's counterexamples are
 * rendered, described and written as ITF by the same code.
 */
import { buildCatalog, type EventCatalog, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type ModelOptions, step } from '../model/step.js';
import type { Trace, TraceStep } from '../proofs/explorer.js';
import { differingVariables, type SpecVariable, stateKey } from './state-codec.js';

export interface Disagreement {
  /** Index of the first state the other side cannot reach (0: the initial state). */
  readonly step: number;
  /** The variables on which the closest candidate differs from that state. */
  readonly variables: readonly SpecVariable[];
  /** The candidate event that came closest, if any was enabled. */
  readonly closest: Event | null;
  readonly message: string;
}

export type LabelResult =
  | { readonly ok: true; readonly trace: Trace }
  | { readonly ok: false; readonly disagreement: Disagreement };

/** The enabled model event leading from `from` to `to`, or the closest miss. */
export function findEvent(
  layout: Layout,
  catalog: EventCatalog,
  from: State,
  to: State,
  options: ModelOptions = {},
): { event: Event; result: ReturnType<typeof step> } | { closest: Event | null; variables: SpecVariable[] } {
  const target = stateKey(to);
  let best: { event: Event; variables: SpecVariable[] } | null = null;
  for (const event of enabledEvents(layout, catalog, from, options)) {
    const result = step(layout, from, event, options);
    if (stateKey(result.state) === target) return { event, result };
    const variables = differingVariables(result.state, to);
    if (!best || variables.length < best.variables.length) best = { event, variables };
  }
  return best
    ? { closest: best.event, variables: best.variables }
    : { closest: null, variables: differingVariables(from, to) };
}

/**
 * Labels states s0..sn with the model events between them. `loop`, for a lasso, is the index the
 * last state returns to: the last state must equal state `loop`.
 */
export function labelStates(
  layout: Layout,
  states: readonly State[],
  loop: number | undefined,
  options: ModelOptions = {},
): LabelResult {
  const catalog = buildCatalog(layout);
  const s0 = init(layout);
  if (!states.length) throw new Error('an empty trace');
  const initDiff = differingVariables(s0, states[0]!);
  if (initDiff.length)
    return {
      ok: false,
      disagreement: {
        step: 0,
        variables: initDiff,
        closest: null,
        message: `state 0 is not the model's initial state: ${initDiff.join(', ')} differ`,
      },
    };
  const steps: TraceStep[] = [{ event: null, state: s0, result: null }];
  for (let i = 1; i < states.length; i++) {
    const found = findEvent(layout, catalog, steps[i - 1]!.state, states[i]!, options);
    if ('closest' in found)
      return {
        ok: false,
        disagreement: {
          step: i,
          variables: found.variables,
          closest: found.closest,
          message:
            `step ${i}: no model event leads from state ${i - 1} to state ${i}` +
            (found.closest
              ? ` (closest: ${found.closest.type}, differing in ${found.variables.join(', ')})`
              : ''),
        },
      };
    steps.push({ event: found.event, state: found.result.state, result: found.result });
  }
  if (loop !== undefined && stateKey(states[states.length - 1]!) !== stateKey(states[loop]!))
    throw new Error(`a lasso must end in the state it loops back to (state ${loop})`);
  return { ok: true, trace: loop === undefined ? { steps } : { steps, loop } };
}
