/** Replays an ITF trace's events through the model, returning the state after each. */
import type { Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { step } from '../model/step.js';
import { type ItfTrace, itfEvents } from '../proofs/itf.js';

export function replayItf(layout: Layout, trace: ItfTrace): State[] {
  let state = init(layout);
  const states = [state];
  for (const event of itfEvents(layout, trace)) {
    state = step(layout, state, event).state;
    states.push(state);
  }
  return states;
}
