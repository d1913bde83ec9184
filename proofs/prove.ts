/**
 * The proof engine (`typezero prove`): each invariant of the catalog decided over the symbolic
 * relation (proofs/symbolic/) without enumerating states. `holds` only with an inductive invariant
 * that plain SMT queries confirm: the property itself within the counters' bounds where that is
 * inductive (induction), else one from Spacer; `violated` only with a trace, found by bounded model
 * checking, that the model's own `step` replays into a violating state. Anything else is `unknown`
 * with its reason. The report has the shape of `check --json` (proofs/check.ts).
 */
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { buildLayout, type Layout, noHealthMonitor } from '../model/layout.js';
import { init } from '../model/state.js';
import { type ModelOptions, step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import type { CheckReport, PropertyReport, PropertyStatus } from './check.js';
import type { Trace, TraceStep } from './explorer.js';
import { traceToItf } from './itf.js';
import { CATALOG, INVARIANTS, type PropertyName } from './properties.js';
import { bmc } from './symbolic/bmc.js';
import { type ChcAnswer, chc, ProofDefect, propertyAsInvariant, recheck } from './symbolic/chc.js';
import { invariantText } from './symbolic/explain-invariant.js';
import { kInduction } from './symbolic/kinduction.js';
import { buildRelation, type Relation } from './symbolic/relation.js';
import { loadSolver } from './symbolic/z3.js';

export { ProofDefect } from './symbolic/chc.js';

/** How a verdict was reached. */
export type ProofMethod =
  /** Spacer's inductive invariant, confirmed by plain SMT queries. */
  | 'inductive-invariant'
  /** The property itself, within the counters' bounds, is inductive: checked by plain SMT queries. */
  | 'induction'
  /** No trace within k - 1 steps, and no k-step path of good states ends in a bad one. */
  | 'k-induction'
  /** A bounded-model-checking trace, replayed through `step`. */
  | 'bmc-trace'
  /** True of the configuration itself (FaultRecovery without a health monitor). */
  | 'vacuous'
  | 'none';

export interface ProofVerdict {
  readonly name: PropertyName;
  readonly status: PropertyStatus;
  readonly method: ProofMethod;
  /**
   * With `holds` by invariant: the `define-fun Inv` text, what the variables it takes stand for,
   * their indices among the relation's variables, and the invariant in the system's terms.
   */
  readonly invariant?: {
    readonly definitions: string;
    readonly args: readonly string[];
    readonly variables: readonly number[];
    readonly text: readonly string[];
  };
  readonly trace?: Trace;
  /** With `k-induction`: the k of the proof. */
  readonly k?: number;
  /** Why the property is `unknown`. */
  readonly reason?: string;
  readonly solverMs: number;
}

export interface ProveReport extends CheckReport {
  stats: CheckReport['stats'] & { solverMs: number; methods: Partial<Record<PropertyName, ProofMethod>> };
}

export interface ProveOptions {
  /** Solver time per property (milliseconds). */
  readonly timeoutMs?: number;
  /** Only these properties (all when absent). */
  readonly properties?: readonly PropertyName[];
  readonly model?: ModelOptions;
  readonly onProgress?: (name: PropertyName, phase: 'proving' | 'searching a trace' | 'rechecking') => void;
}

export interface ProveRun {
  readonly report: ProveReport;
  readonly verdicts: readonly ProofVerdict[];
  readonly layout: Layout;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** The first, shallow search for a counterexample: at most this long, this many steps deep. */
const QUICK_SEARCH = { ms: 1_000, depth: 8 };
/** The longest paths k-induction tries. */
const MAX_K = 12;

export async function prove(
  config: SystemConfig,
  file: string,
  options: ProveOptions = {},
): Promise<ProveRun> {
  const started = performance.now();
  const layout = buildLayout(config);
  const rel = buildRelation(layout, options.model);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wanted = CATALOG.filter((p) => !options.properties || options.properties.includes(p.name));
  // Loaded before any property's clock starts: the first property's short induction check would
  // otherwise spend its slice on it, and its method would depend on the machine's speed.
  if (wanted.some((p) => p.kind !== 'liveness')) await loadSolver();
  const verdicts: ProofVerdict[] = [];
  for (const p of wanted) {
    const began = performance.now();
    const deadline = Date.now() + timeout;
    const verdict =
      p.kind === 'liveness'
        ? faultRecovery(layout)
        : await decide(rel, p.name, deadline, options.model ?? {}, (phase) =>
            options.onProgress?.(p.name, phase),
          );
    verdicts.push({ ...verdict, solverMs: Math.round(performance.now() - began) });
  }
  const properties = verdicts.map((v): PropertyReport => {
    if (v.trace)
      return {
        name: v.name,
        status: v.status,
        trace: traceToItf(
          layout,
          v.trace,
          file,
          `counterexample to ${v.name} found by bounded model checking`,
        ),
      };
    return v.invariant
      ? { name: v.name, status: v.status, invariant: { text: [...v.invariant.text] } }
      : { name: v.name, status: v.status };
  });
  const depth = Math.max(0, ...verdicts.map((v) => (v.trace ? v.trace.steps.length - 1 : 0)));
  return {
    layout,
    verdicts,
    report: {
      system: config.system,
      engine: 'prove',
      properties,
      stats: {
        distinctStates: 0,
        depth,
        durationMs: Math.round(performance.now() - started),
        solverMs: verdicts.reduce((sum, v) => sum + v.solverMs, 0),
        methods: Object.fromEntries(verdicts.map((v) => [v.name, v.method])),
      },
    },
  };
}

type Undated = Omit<ProofVerdict, 'solverMs'>;

function faultRecovery(layout: Layout): Undated {
  const unmonitored = noHealthMonitor(layout);
  if (unmonitored !== null)
    return { name: 'FaultRecovery', status: 'holds', method: 'vacuous', reason: unmonitored };
  return {
    name: 'FaultRecovery',
    status: 'unknown',
    method: 'none',
    reason: 'prove does not decide liveness yet; typezero check decides FaultRecovery by enumeration',
  };
}

async function decide(
  rel: Relation,
  name: PropertyName,
  deadline: number,
  model: ModelOptions,
  progress: (phase: 'proving' | 'searching a trace' | 'rechecking') => void,
): Promise<Undated> {
  const bad = rel.bad.get(name)!;
  // Most properties that hold are inductive as they stand, which one round of SMT queries shows.
  // Spacer proves most others within seconds, but takes far longer than bounded model checking to
  // refute one, and most violations are a few steps deep: after the induction, a second's search for
  // a trace, then a short proof attempt, then a short search again, then k-induction over the depth
  // that search covered, then each with the rest of the time.
  const slice = (ms: number) => Math.min(deadline, Date.now() + ms);
  const budget = deadline - Date.now();
  progress('proving');
  const plain = propertyAsInvariant(rel, bad);
  const inductive = await recheck(rel, bad, plain, slice(Math.min(QUICK_SEARCH.ms, budget / 8)));
  if (inductive.ok) return proved(rel, name, 'induction', plain);
  progress('searching a trace');
  const shallow = await bmc(rel, bad, slice(Math.min(QUICK_SEARCH.ms, budget / 8)), QUICK_SEARCH.depth);
  if (shallow.kind === 'trace') return violated(rel, name, shallow.events, model);
  progress('proving');
  let answer = await chc(rel, bad, slice(Math.min(10_000, budget / 4)));
  if (answer.kind === 'unknown') {
    progress('searching a trace');
    const quick = await bmc(rel, bad, slice(Math.min(10_000, budget / 4)));
    if (quick.kind === 'trace') return violated(rel, name, quick.events, model);
    // The search found no trace within its depth: the base case of k-induction up to that depth.
    progress('proving');
    const k = await kInduction(
      rel,
      bad,
      slice(Math.min(10_000, budget / 4)),
      Math.min(MAX_K, quick.depth + 1),
    );
    if (k.kind === 'proved') return { name, status: 'holds', method: 'k-induction', k: k.k };
    answer = await chc(rel, bad, deadline);
  }
  if (answer.kind === 'unknown')
    return { name, status: 'unknown', method: 'none', reason: `no proof in time: ${answer.reason}` };
  if (answer.kind === 'proved') {
    progress('rechecking');
    const checked = await recheck(rel, bad, answer, deadline);
    if (!checked.ok) {
      if (checked.answer === 'sat')
        throw new ProofDefect(
          `Spacer's invariant for ${name} is wrong: the check that ${checked.failed} fails`,
        );
      return {
        name,
        status: 'unknown',
        method: 'none',
        reason: `Spacer found an invariant, but the check that ${checked.failed} answered ${checked.answer}`,
      };
    }
    return proved(rel, name, 'inductive-invariant', answer);
  }
  progress('searching a trace');
  const found = await bmc(rel, bad, deadline);
  if (found.kind === 'none')
    return {
      name,
      status: 'unknown',
      method: 'none',
      reason: `Spacer found the property reachable, but no trace was found within ${found.depth} steps: ${found.reason}`,
    };
  return violated(rel, name, found.events, model);
}

function proved(
  rel: Relation,
  name: PropertyName,
  method: 'inductive-invariant' | 'induction',
  answer: Extract<ChcAnswer, { kind: 'proved' }>,
): Undated {
  const args = answer.args.map((i) => rel.vars[i]!.meaning);
  return {
    name,
    status: 'holds',
    method,
    invariant: {
      definitions: answer.definitions,
      args,
      variables: answer.args,
      text: invariantText(rel, answer.definitions, answer.args),
    },
  };
}

function violated(
  rel: Relation,
  name: PropertyName,
  events: readonly number[],
  model: ModelOptions,
): Undated {
  return { name, status: 'violated', method: 'bmc-trace', trace: replay(rel, events, name, model) };
}

/**
 * The solver's trace run through the model: every event must be enabled where it is taken, and the
 * last state must violate the property. Otherwise the encoding and the model disagree: a defect.
 */
export function replay(
  rel: Relation,
  events: readonly number[],
  name: PropertyName,
  model: ModelOptions,
): Trace {
  const { layout } = rel;
  const catalog = buildCatalog(layout);
  let state = init(layout);
  const steps: TraceStep[] = [{ event: null, state, result: null }];
  for (const index of events) {
    const wanted = rel.events[index];
    const key = JSON.stringify(wanted);
    const event: Event | undefined = enabledEvents(layout, catalog, state, model).find(
      (e) => JSON.stringify(e) === key,
    );
    if (!event)
      throw new ProofDefect(
        `the solver's trace for ${name} takes ${key ?? `event ${index}`} at step ${steps.length}, where the model does not enable it`,
      );
    const result = step(layout, state, event, model);
    state = result.state;
    steps.push({ event, state, result });
  }
  const property = INVARIANTS.find((p) => p.name === name)!;
  if (property.holds(layout, state))
    throw new ProofDefect(`the solver's trace for ${name} replays through the model without violating it`);
  return { steps };
}
