/**
 * The proof engine (`typezero prove`): each invariant of the catalog decided over the symbolic
 * relation (proofs/symbolic/) without enumerating states. `holds` only with an inductive invariant
 * that plain SMT queries confirm: the property itself within the counters' bounds where that is
 * inductive (induction), else one from Spacer; `violated` only with a trace, found by bounded model
 * checking, that the model's own `step` replays into a violating state. Anything else is `unknown`
 * with its reason. The report has the shape of `check --json` (proofs/check.ts).
 *
 * Each property has a budget of Z3's resource units, shared out over the phases of its proof in
 * fixed parts: what was decided, how, and with which invariant depends on the system and the budget
 * alone, never on the machine or its load. The wall clock only stops a property that runs far
 * longer than its budget stands for, and then the property is `unknown`, with that reason.
 */
import { buildCatalog } from '../model/enabled.js';
import { buildLayout, type Layout, noHealthMonitor } from '../model/layout.js';
import { init } from '../model/state.js';
import type { ModelOptions } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import type { CheckReport, PropertyReport, PropertyStatus } from './check.js';
import type { Trace, TraceStep } from './explorer.js';
import { traceToItf } from './itf.js';
import { CATALOG, INVARIANTS, type PropertyName } from './properties.js';
import { budgetUnits, QUICK_SEARCH, SHORT_TRY, wallClockLimit } from './prove-budget.js';
import { faultRecovery, stepIfEnabled } from './prove-recovery.js';
import { bmc } from './symbolic/bmc.js';
import { type ChcAnswer, chc, ProofDefect, propertyAsInvariant, recheck } from './symbolic/chc.js';
import { invariantText } from './symbolic/explain-invariant.js';
import { kInduction } from './symbolic/kinduction.js';
import { buildRelation, type Relation } from './symbolic/relation.js';
import { Budget, loadSolver, SolverInterrupted, type WallClock } from './symbolic/z3.js';

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
  /**
   * FaultRecovery: a lasso found by bounded model checking and replayed through `step`: a loop with
   * a Tick, in which a controlled partition stays faulted and its monitor up, back to a state it has
   * been in.
   */
  | 'bmc-lasso'
  /**
   * A prefix of the trace found for another property (`from`), which the model replays into a state
   * that breaks this one too; no shorter trace within `shortestWithin` steps.
   */
  | 'shared-trace'
  /**
   * FaultRecovery: for every monitor and partition it controls, an inductive invariant bounds by k
   * the Ticks a run takes while the partition stays faulted and the monitor up (k-liveness), so no
   * fair run stays there forever.
   */
  | 'k-liveness'
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
  /** With `k-induction`: the k of the proof; with `k-liveness`, the bound on the Ticks. */
  readonly k?: number;
  /** With `shared-trace`: the property whose trace this one's is a prefix of. */
  readonly from?: PropertyName;
  /**
   * With `shared-trace`: bounded model checking found no shorter trace within this many steps (at
   * least the trace's length less one: the trace is a shortest one).
   */
  readonly shortestWithin?: number;
  /** Why the property is `unknown`. */
  readonly reason?: string;
  /** Z3's resource units the property took: the same on every machine, unlike `solverMs`. */
  readonly rlimit: number;
  readonly solverMs: number;
}

export interface ProveReport extends CheckReport {
  stats: CheckReport['stats'] & { solverMs: number; methods: Partial<Record<PropertyName, ProofMethod>> };
}

export interface ProveOptions {
  /**
   * Solver time per property (milliseconds), given to the solver as a budget of resource units
   * (proofs/prove-budget.ts), which decides the outcome.
   */
  readonly timeoutMs?: number;
  /**
   * The wall-clock safety net per property (milliseconds; default `wallClockLimit(timeoutMs)`): a
   * property still running then is `unknown`, with that reason.
   */
  readonly wallClockMs?: number;
  /** Only these properties (all when absent). */
  readonly properties?: readonly PropertyName[];
  readonly model?: ModelOptions;
  readonly onProgress?: (name: PropertyName, phase: ProvePhase) => void;
}

export type ProvePhase = 'proving' | 'searching a trace' | 'rechecking';

export interface ProveRun {
  readonly report: ProveReport;
  readonly verdicts: readonly ProofVerdict[];
  readonly layout: Layout;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
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
  const wallClockMs = options.wallClockMs ?? wallClockLimit(timeout);
  const wanted = CATALOG.filter((p) => !options.properties || options.properties.includes(p.name));
  // Loaded before any property's clock starts, so that its time and its wall-clock limit are
  // spent on its queries.
  if (wanted.some((p) => p.kind !== 'liveness' || noHealthMonitor(layout) === null)) await loadSolver();
  const verdicts: ProofVerdict[] = [];
  for (const p of wanted) {
    const began = performance.now();
    const budget = new Budget(budgetUnits(timeout));
    const clock: WallClock = { deadline: began + wallClockMs, limitMs: wallClockMs };
    const progress = (phase: ProvePhase) => options.onProgress?.(p.name, phase);
    let verdict: Undated;
    try {
      if (p.kind === 'liveness')
        verdict = await faultRecovery(rel, budget, clock, options.model ?? {}, progress);
      else {
        // A violation another property's trace already shows costs no search: its replay is the
        // counterexample, and bounded model checking is only asked whether a shorter one exists.
        const shared = prefixBreaking(layout, p.name, verdicts);
        verdict = shared
          ? await shortestOf(rel, p.name, shared, budget, clock, options.model ?? {}, progress)
          : await decide(rel, p.name, budget, clock, options.model ?? {}, progress);
      }
    } catch (e) {
      // Past the wall clock nothing the solver said counts, whatever phase it was in.
      if (!(e instanceof SolverInterrupted)) throw e;
      verdict = { name: p.name, status: 'unknown', method: 'none', reason: e.message };
    }
    verdicts.push({
      ...verdict,
      rlimit: budget.units - budget.left,
      solverMs: Math.round(performance.now() - began),
    });
  }
  // A property decided before a later one's trace was found may be broken on that trace too.
  const shared = shareTraces(layout, verdicts);
  const properties = shared.map((v): PropertyReport => {
    if (v.trace)
      return {
        name: v.name,
        status: v.status,
        trace: traceToItf(
          layout,
          v.trace,
          file,
          v.from
            ? `counterexample to ${v.name}: the trace found for ${v.from}, up to the first state that breaks ${v.name}`
            : `counterexample to ${v.name} found by bounded model checking`,
        ),
      };
    return v.invariant
      ? { name: v.name, status: v.status, invariant: { text: [...v.invariant.text] } }
      : { name: v.name, status: v.status };
  });
  const depth = Math.max(0, ...shared.map((v) => (v.trace ? v.trace.steps.length - 1 : 0)));
  return {
    layout,
    verdicts: shared,
    report: {
      system: config.system,
      engine: 'prove',
      properties,
      stats: {
        distinctStates: 0,
        depth,
        durationMs: Math.round(performance.now() - started),
        solverMs: shared.reduce((sum, v) => sum + v.solverMs, 0),
        methods: Object.fromEntries(shared.map((v) => [v.name, v.method])),
      },
    },
  };
}

export type Undated = Omit<ProofVerdict, 'solverMs' | 'rlimit'>;

async function decide(
  rel: Relation,
  name: PropertyName,
  budget: Budget,
  clock: WallClock,
  model: ModelOptions,
  progress: (phase: ProvePhase) => void,
): Promise<Undated> {
  const bad = rel.bad.get(name)!;
  // Most properties that hold are inductive as they stand, which one round of SMT queries shows,
  // for an eighth of the budget: on a large system that round costs more than Spacer's first
  // attempt is given, but far less than Spacer needs there. Spacer proves most others quickly, but takes far longer than bounded model checking to refute
  // one, and most violations are a few steps deep: after the induction, a short search for a
  // trace, then a short proof attempt, then a short search again, then k-induction over the depth
  // that search covered, then each with the rest of the budget.
  const whole = budget.units;
  progress('proving');
  const plain = propertyAsInvariant(rel, bad);
  const inductive = await recheck(rel, bad, plain, budget.slice(whole / 8), clock);
  if (inductive.ok) return proved(rel, name, 'induction', plain);
  progress('searching a trace');
  const shallowBudget = budget.slice(Math.min(QUICK_SEARCH.units, whole / 8));
  const shallow = await bmc(rel, bad, shallowBudget, QUICK_SEARCH.depth, clock);
  if (shallow.kind === 'trace') return violated(rel, name, shallow.events, model);
  progress('proving');
  let answer = await chc(rel, bad, budget.slice(Math.min(SHORT_TRY, whole / 4)), clock);
  if (answer.kind === 'unknown') {
    progress('searching a trace');
    const quick = await bmc(rel, bad, budget.slice(Math.min(SHORT_TRY, whole / 4)), undefined, clock);
    if (quick.kind === 'trace') return violated(rel, name, quick.events, model);
    // The search found no trace within its depth: the base case of k-induction up to that depth.
    progress('proving');
    const kBudget = budget.slice(Math.min(SHORT_TRY, whole / 4));
    const k = await kInduction(rel, bad, kBudget, Math.min(MAX_K, quick.depth + 1), clock);
    if (k.kind === 'proved') return { name, status: 'holds', method: 'k-induction', k: k.k };
    answer = await chc(rel, bad, budget, clock);
  }
  if (answer.kind === 'unknown')
    return {
      name,
      status: 'unknown',
      method: 'none',
      reason: `no proof within the solver's budget: ${answer.reason}`,
    };
  if (answer.kind === 'proved') {
    progress('rechecking');
    const checked = await recheck(rel, bad, answer, budget, clock);
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
  const found = await bmc(rel, bad, budget, undefined, clock);
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

/**
 * Each invariant left `unknown` that the model, replaying a trace found for another property,
 * breaks: violated by that trace's shortest such prefix (`shared-trace`; no shorter one is known).
 */
export function shareTraces(layout: Layout, verdicts: readonly ProofVerdict[]): ProofVerdict[] {
  return verdicts.map((v) => {
    if (v.status !== 'unknown' || v.name === 'FaultRecovery') return v;
    const shared = prefixBreaking(layout, v.name, verdicts);
    if (!shared) return v;
    const { reason: _, ...rest } = v;
    return { ...rest, status: 'violated', method: 'shared-trace', ...shared, shortestWithin: 0 };
  });
}

/**
 * The shortest prefix of a trace already found for another property whose last state breaks
 * `name` in the model, if any trace has one.
 */
function prefixBreaking(
  layout: Layout,
  name: PropertyName,
  verdicts: readonly ProofVerdict[],
): { readonly from: PropertyName; readonly trace: Trace } | undefined {
  const property = INVARIANTS.find((p) => p.name === name)!;
  let best: { from: PropertyName; trace: Trace } | undefined;
  for (const v of verdicts) {
    if (!v.trace || v.name === name) continue;
    const cut = v.trace.steps.findIndex((s) => !property.holds(layout, s.state));
    if (cut >= 0 && (!best || cut + 1 < best.trace.steps.length))
      best = { from: v.name, trace: { steps: v.trace.steps.slice(0, cut + 1) } };
  }
  return best;
}

/**
 * `name` is broken by `shared`: bounded model checking, given a short budget, looks for a shorter
 * trace. One it finds is the counterexample (a shortest one); otherwise the shared trace is, with
 * the depth that search covered.
 */
async function shortestOf(
  rel: Relation,
  name: PropertyName,
  shared: { readonly from: PropertyName; readonly trace: Trace },
  budget: Budget,
  clock: WallClock,
  model: ModelOptions,
  progress: (phase: ProvePhase) => void,
): Promise<Undated> {
  const length = shared.trace.steps.length - 1;
  const sharedVerdict = (within: number): Undated => ({
    name,
    status: 'violated',
    method: 'shared-trace',
    trace: shared.trace,
    from: shared.from,
    shortestWithin: Math.min(within, length - 1),
  });
  if (length === 0) return sharedVerdict(0);
  progress('searching a trace');
  const shorter = await bmc(
    rel,
    rel.bad.get(name)!,
    budget.slice(Math.min(SHORT_TRY, budget.units / 4)),
    length - 1,
    clock,
  );
  if (shorter.kind === 'trace') return violated(rel, name, shorter.events, model);
  return sharedVerdict(Math.max(0, shorter.depth));
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
    const taken = wanted && stepIfEnabled(layout, catalog, state, wanted, model);
    if (!taken)
      throw new ProofDefect(
        `the solver's trace for ${name} takes ${wanted ? JSON.stringify(wanted) : `event ${index}`} at step ${steps.length}, where the model does not enable it`,
      );
    state = taken.state;
    steps.push(taken);
  }
  const property = INVARIANTS.find((p) => p.name === name)!;
  if (property.holds(layout, state))
    throw new ProofDefect(`the solver's trace for ${name} replays through the model without violating it`);
  return { steps };
}
