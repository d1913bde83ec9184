/**
 * The TypeScript model against the TLA+ spec, for one system. From the engines' own runs: the same
 * verdicts, the same reachable baits and the same distinct-state count as the explorer, and every
 * spec counterexample followed step by step by the model. In the other direction, behaviours of the
 * model replayed in the spec by trace validation (conformance/spec-replay.ts): the explorer's
 * counterexamples and seeded random walks, each state reached from the one before by Init or Next.
 */
import { replayInSpec } from '../conformance/spec-replay.js';
import { Rng } from '../emulator/rng.js';
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import { buildLayout, type Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { step } from '../model/step.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import type { EngineRun } from './engines.js';
import { type RunRecord, seededRuns } from './runs.js';
import type { ModelVsSpecEvidence } from './types.js';

type Check = ModelVsSpecEvidence['checks'][number];

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export interface SpecReplayBounds {
  /** Seeded random walks of the model, and the steps of each. */
  readonly walks: number;
  readonly walkSteps: number;
}

/** A walk of the model: at each step one of the enabled events, chosen by a seeded generator. */
export function randomWalk(layout: Layout, seed: number, steps: number): State[] {
  const catalog = buildCatalog(layout);
  const rng = new Rng(seed);
  let s = init(layout);
  const states = [s];
  for (let i = 0; i < steps; i++) {
    const events = enabledEvents(layout, catalog, s);
    if (!events.length) break;
    s = step(layout, s, rng.pick(events)).state;
    states.push(s);
  }
  return states;
}

/**
 * The explorer's whole-state count against a TLA+ engine's (both store whole states). A label-sliced
 * explorer run brings its whole-state count from a second, unreduced search.
 */
function stateCountCheck(explorer: EngineRun, run: EngineRun): Check {
  const name = `distinct states: ${run.engine} = explorer`;
  const whole = explorer.reduction ? explorer.wholeStates : explorer.distinctStates;
  if (whole === undefined || whole === null)
    return {
      name,
      status: 'not-run',
      detail: "not compared: the explorer's search without reduction stopped at the state bound",
    };
  const sliced = explorer.reduction
    ? ` (${explorer.distinctStates?.toLocaleString('en-US')} after label slicing)`
    : '';
  const allHold = CATALOG.every((p) => explorer.verdicts.get(p.name)?.status === 'holds');
  const same = whole === run.distinctStates;
  return {
    name,
    status: same ? 'passed' : allHold ? 'failed' : 'not-run',
    detail: same
      ? `${whole} distinct states each${sliced}`
      : `explorer ${whole}${sliced}, ${run.engine} ${run.distinctStates}${allHold ? '' : ' (compared only where every property holds)'}`,
  };
}

function engineChecks(runs: readonly EngineRun[], checks: Check[], skipped: string[]): void {
  const explorer = runs.find((r) => r.engine === 'explorer');
  for (const run of runs) {
    // The spec's engines only: prove checks the symbolic relation, and its verdicts meet the
    // explorer's in the properties' status.
    if (run.engine === 'explorer' || run.engine === 'prove') continue;
    if (run.status === 'not-run' || run.status === 'failed') {
      skipped.push(
        `${run.engine} not compared, ${run.status === 'failed' ? 'it failed' : 'not run'}: ${run.reason}`,
      );
      continue;
    }
    if (explorer?.status !== 'completed' || run.status !== 'completed') {
      checks.push({
        name: `${run.engine} and the explorer agree`,
        status: 'not-run',
        detail: 'not compared: a search stopped at the state bound',
      });
    } else {
      const status = (r: EngineRun, p: PropertyName) => r.verdicts.get(p)?.status ?? 'not checked';
      const differ = CATALOG.filter((p) => status(explorer, p.name) !== status(run, p.name));
      checks.push({
        name: `verdicts: ${run.engine} = explorer`,
        status: differ.length ? 'failed' : 'passed',
        detail: differ.length
          ? differ
              .map(
                (p) =>
                  `${p.name}: explorer ${status(explorer, p.name)}, ${run.engine} ${status(run, p.name)}`,
              )
              .join('; ')
          : `the same verdict on all ${CATALOG.length} properties`,
      });
      checks.push(stateCountCheck(explorer, run));
      const eb = explorer.baits;
      const rb = run.baits;
      if (eb && rb) {
        const differ = CATALOG.filter((p) => eb.get(p.name) !== rb.get(p.name));
        checks.push({
          name: `baits: ${run.engine} = explorer`,
          status: differ.length ? 'failed' : 'passed',
          detail: differ.length
            ? differ
                .map((p) => `${p.bait.tla}: explorer ${eb.get(p.name)}, ${run.engine} ${rb.get(p.name)}`)
                .join('; ')
            : 'every bait is reached by both or by neither',
        });
      }
    }
    const violations = CATALOG.filter((p) => run.verdicts.get(p.name)?.status === 'violated').length;
    const disagreements = run.disagreements ?? [];
    checks.push({
      name: `${run.engine} counterexamples replay in the model`,
      status: disagreements.length ? 'failed' : violations ? 'passed' : 'not-run',
      detail: disagreements.length
        ? disagreements.join('; ')
        : violations
          ? `model.step performs ${violations === 1 ? 'the counterexample' : `each of the ${violations} counterexamples`} step by step`
          : 'no counterexample to replay',
    });
  }
}

function replayCheck(
  name: string,
  layout: Layout,
  behaviours: readonly { states: readonly State[] }[],
): Check {
  if (!behaviours.length) return { name, status: 'not-run', detail: 'no behaviour to replay' };
  try {
    const r = replayInSpec(layout, behaviours);
    const steps = behaviours.reduce((n, b) => n + b.states.length - 1, 0);
    return r.ok
      ? {
          name,
          status: 'passed',
          detail: `${plural(behaviours.length, 'behaviour')}, ${plural(steps, 'step')}, each a step of the spec's Init or Next (tla-checker trace validation)`,
        }
      : { name, status: 'failed', detail: r.message };
  } catch (e) {
    return { name, status: 'failed', detail: e instanceof Error ? e.message : String(e) };
  }
}

export function modelVsSpec(
  config: SystemConfig,
  runs: readonly EngineRun[],
  bounds: SpecReplayBounds,
): ModelVsSpecEvidence {
  const started = performance.now();
  const checks: Check[] = [];
  const skipped: string[] = [];
  engineChecks(runs, checks, skipped);

  const layout = buildLayout(config);
  const explorer = runs.find((r) => r.engine === 'explorer');
  const counterexamples = CATALOG.flatMap((p) => {
    const trace = explorer?.verdicts.get(p.name)?.trace;
    return trace ? [{ states: trace.steps.map((s) => s.state) }] : [];
  });
  checks.push(replayCheck('explorer counterexamples replay in the spec', layout, counterexamples));
  const walks = Array.from({ length: bounds.walks }, (_, seed) => ({
    states: randomWalk(layout, seed, bounds.walkSteps),
  }));
  // A walk stops early only where no event is enabled: after a fail-secure halt.
  const walkRecords = walks.map(
    (w, seed): RunRecord => ({
      seed,
      steps: w.states.length - 1,
      ended: w.states.length - 1 >= bounds.walkSteps ? 'step-budget' : 'halted',
    }),
  );
  checks.push(
    replayCheck(
      `${bounds.walks} seeded random walks of the model replay in the spec`,
      layout,
      walks.filter((w) => w.states.length > 1),
    ),
  );

  const failed = checks.filter((c) => c.status === 'failed');
  const status = failed.length ? 'failed' : checks.some((c) => c.status === 'passed') ? 'passed' : 'not-run';
  return {
    status,
    reason: failed.length
      ? failed.map((c) => `${c.name}: ${c.detail}`).join('; ')
      : status === 'not-run'
        ? `nothing to compare: ${skipped.join('; ')}`
        : skipped.length
          ? skipped.join('; ')
          : null,
    checks,
    walks: seededRuns(bounds.walkSteps, walkRecords),
    durationMs: Math.round(performance.now() - started),
  };
}
