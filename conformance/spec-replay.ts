/**
 * Model behaviours replayed in the spec. Every behaviour (an explorer counterexample, a random walk
 * of the model) is written into a trace-validation module, TraceHypervisor, in the style of the
 * Azure CCF and etcd trace specs: its behaviours are exactly the given ones that the spec's Init
 * and Next accept state by state. One tla-checker run validates them all: a step the spec cannot
 * take leaves that behaviour stuck, which the checker reports as a deadlock naming the behaviour and
 * the position; the explore API then names the variables on which the spec's closest successor
 * differs.
 */
import type { Layout } from '../model/layout.js';
import type { State } from '../model/state.js';
import type { SeededBug } from '../model/step.js';
import { mcConfig, readHypervisorSpec, withDefinitions } from '../tla/generate.js';
import {
  differingVariables,
  fromJson,
  SPEC_VARIABLES,
  type SpecVariable,
  toCheckerJson,
  toTla,
} from '../tla/state-codec.js';
import { checkSpec, exploreInit, exploreNext } from '../tla/tla-checker.js';
import { seq } from '../tla/tla-text.js';

export interface Behaviour {
  readonly states: readonly State[];
}

export type ReplayResult =
  | { readonly ok: true; readonly statesChecked: number }
  | {
      readonly ok: false;
      /** Index of the behaviour in the input. */
      readonly behaviour: number;
      /** Index of the first state the spec does not reach (0: not an initial state). */
      readonly step: number;
      readonly variables: readonly SpecVariable[];
      readonly message: string;
    };

const primed = (v: string) => `${v}'`;

/** The definitions appended to Hypervisor.tla for trace validation. */
export function traceDefinitions(): string[] {
  const is = SPEC_VARIABLES.map((v) => `${v} = t.${v}`).join(' /\\ ');
  const isNext = SPEC_VARIABLES.map((v) => `${primed(v)} = t.${v}`).join(' /\\ ');
  return [
    '-----------------------------------------------------------------------------',
    '(* Trace validation: the behaviours below, checked step by step against Init and Next. *)',
    '\\* The behaviours, a sequence of sequences of state records (given in the .cfg, as values).',
    'CONSTANT Behaviours',
    `TraceIs(t) == ${is}`,
    `TraceIsNext(t) == ${isNext}`,
    `TraceInit == behaviour \\in DOMAIN Behaviours /\\ position = 1 /\\ ${SPEC_VARIABLES.map((v) => `${v} = Behaviours[behaviour][1].${v}`).join(' /\\ ')}`,
    'TraceStep ==',
    '    /\\ position < Len(Behaviours[behaviour])',
    '    /\\ TraceIsNext(Behaviours[behaviour][position + 1])',
    "    /\\ position' = position + 1",
    "    /\\ behaviour' = behaviour",
    '    /\\ Next',
    'traceVars == <<hv, hvTampered, tampered, status, observed, pendingIrq, frame, cells, channels, auditCount, auditLabel, halted, flags, behaviour, position>>',
    'TraceDone == position = Len(Behaviours[behaviour]) /\\ UNCHANGED traceVars',
    'TraceNext == TraceStep \\/ TraceDone',
    'TraceSpec == TraceInit /\\ [][TraceNext]_traceVars',
    '\\* The first state of every behaviour is an initial state of the spec.',
    'TraceInitial == position = 1 => Init',
  ];
}

/** The .cfg line giving the behaviours as a value. */
export function behavioursValue(behaviours: readonly Behaviour[], layout: Layout): string {
  return seq(behaviours.map((b) => seq(b.states.map((s) => toTla(layout, s)))));
}

function traceConfig(layout: Layout, behaviours: readonly Behaviour[], bugs: readonly SeededBug[]): string {
  const base = mcConfig(layout, { substitute: false, bugs, invariants: [], liveness: false });
  return base
    .replace('SPECIFICATION Spec', 'SPECIFICATION TraceSpec')
    .replace(/^INVARIANT\n {4}TypeOK$/m, 'INVARIANT\n    TypeOK\n    TraceInitial')
    .replace(/^CONSTANTS\n/m, `CONSTANTS\n    Behaviours = ${behavioursValue(behaviours, layout)}\n`);
}

/**
 * For a step the spec does not take: the spec's successors of the state before it, and the
 * variables on which the closest one differs from the state the model reached.
 */
export function diagnoseStep(
  layout: Layout,
  before: State,
  after: State,
  bugs: readonly SeededBug[] = [],
): SpecVariable[] {
  const spec = readHypervisorSpec();
  const cfg = mcConfig(layout, { substitute: false, bugs, invariants: [], liveness: false });
  const successors = exploreNext(spec, cfg, toCheckerJson(layout, before)).map((t) =>
    fromJson(layout, t.state.json),
  );
  if (!successors.length) return differingVariables(before, after);
  return successors
    .map((s) => differingVariables(s, after))
    .reduce((best, d) => (d.length < best.length ? d : best));
}

/** Replays every behaviour in the spec with one tla-checker run. */
export function replayInSpec(
  layout: Layout,
  behaviours: readonly Behaviour[],
  bugs: readonly SeededBug[] = [],
): ReplayResult {
  if (!behaviours.length) return { ok: true, statesChecked: 0 };
  const spec = withDefinitions(readHypervisorSpec(), traceDefinitions(), 'TraceHypervisor', [
    'behaviour',
    'position',
  ]);
  const out = checkSpec(spec, traceConfig(layout, behaviours, bugs));
  if (out.kind === 'ok') return { ok: true, statesChecked: out.distinctStates };
  if (out.kind === 'deadlock' || out.kind === 'invariant') {
    const last = out.trace[out.trace.length - 1];
    const b = Number(last?.behaviour) - 1;
    const position = Number(last?.position) - 1;
    const behaviour = behaviours[b];
    if (!behaviour || !Number.isInteger(position))
      throw new Error(`trace validation: cannot read the failing behaviour from ${JSON.stringify(last)}`);
    if (out.kind === 'invariant') {
      const variables = differingVariables(behaviour.states[0]!, initialState(layout, bugs));
      return {
        ok: false,
        behaviour: b,
        step: 0,
        variables,
        message: `behaviour ${b}: state 0 is not an initial state of the spec (${variables.join(', ')} differ)`,
      };
    }
    const step = position + 1;
    const variables = diagnoseStep(layout, behaviour.states[position]!, behaviour.states[step]!, bugs);
    return {
      ok: false,
      behaviour: b,
      step,
      variables,
      message: `behaviour ${b}, step ${step}: the spec has no step from state ${position} to state ${step}; its closest successor differs in ${variables.join(', ')}`,
    };
  }
  throw new Error(`trace validation: tla-checker: ${JSON.stringify(out).slice(0, 300)}`);
}

function initialState(layout: Layout, bugs: readonly SeededBug[]): State {
  const spec = readHypervisorSpec();
  const cfg = mcConfig(layout, { substitute: false, bugs, invariants: [], liveness: false });
  const states = exploreInit(spec, cfg);
  return fromJson(layout, states[0]!.json);
}
