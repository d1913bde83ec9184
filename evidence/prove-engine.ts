/**
 * `typezero prove` as one more engine of the package (proofs/prove.ts): Z3 decides each property
 * over the symbolic relation, with no bound on the states, within a time per property. Its `holds`
 * rests on an inductive invariant checked by plain SMT queries and its `violated` on a trace that
 * `step` replays, so each such verdict settles its property on its own (verdict.ts); what it leaves
 * unknown rests on the other engines. And where the explorer can enumerate the whole state space,
 * each invariant is evaluated in every reachable state: the proof and the enumeration meet.
 */
import type { Layout } from '../model/layout.js';
import type { State } from '../model/state.js';
import { explainViolation } from '../proofs/explain.js';
import type { ExploreResult } from '../proofs/explorer.js';
import { stateToItf } from '../proofs/itf.js';
import type { PropertyName } from '../proofs/properties.js';
import { type ProofVerdict, type ProveRun, prove } from '../proofs/prove.js';
import { type Expr, evaluate, InvariantSyntaxError, readInvariant } from '../proofs/symbolic/invariant.js';
import { concreteState, flatten } from '../proofs/symbolic/state.js';
import { z3Version } from '../proofs/symbolic/z3.js';
import type { SystemConfig } from '../system/config.js';
import { type EngineOptions, type EngineRun, type EngineVerdictRun, notRun } from './engines.js';
import type { CheckStatus, ProofEnumerationEvidence } from './types.js';

/** Whether the package runs the proof: with this much solver time per property, or skipped and why. */
export type ProveSetting = { readonly timeoutMs: number } | { readonly skipped: string };

/** What the package records of a proof run, beyond the engine's verdicts. */
export interface ProofOutcome {
  readonly run: ProveRun;
  readonly solver: string;
  readonly timeoutMs: number;
  /** Each invariant in every reachable state; absent until the whole-state search ran. */
  readonly enumeration?: ProofEnumerationEvidence;
  /** Per property proved by an invariant: its result in that search. */
  readonly enumerated?: ReadonlyMap<PropertyName, CheckStatus>;
}

/** `prove` on the packaged system, as an engine run; not run when the package was made without it. */
export async function runProveEngine(config: SystemConfig, options: EngineOptions): Promise<EngineRun> {
  const setting = options.prove;
  if (!setting) return notRun('prove', 'not requested');
  if ('skipped' in setting) return notRun('prove', setting.skipped);
  options.onProgress?.('prove');
  try {
    const run = await prove(config, options.source, {
      timeoutMs: setting.timeoutMs,
      ...(options.onProgress
        ? { onProgress: (name, phase) => options.onProgress!(`prove: ${name}: ${phase}`) }
        : {}),
    });
    return fromProveRun(run, await z3Version(), setting.timeoutMs);
  } catch (e) {
    // A solver answer that did not stand up to its check, or a solver that failed: never a verdict.
    return notRun('prove', e instanceof Error ? e.message : String(e), 'failed');
  }
}

export function fromProveRun(run: ProveRun, solver: string, timeoutMs: number): EngineRun {
  const verdicts = new Map<PropertyName, EngineVerdictRun>();
  for (const v of run.verdicts) {
    const itf = run.report.properties.find((p) => p.name === v.name)?.trace;
    verdicts.set(
      v.name,
      v.trace
        ? {
            status: v.status,
            trace: v.trace,
            explanation: explainViolation(run.layout, v.name, v.trace),
            ...(itf ? { itf } : {}),
          }
        : { status: v.status },
    );
  }
  const unknown = run.verdicts.filter((v) => v.status === 'unknown');
  const traces = run.verdicts.flatMap((v) => (v.trace ? [v.trace.steps.length - 1] : []));
  return {
    engine: 'prove',
    status: unknown.length ? 'bounded' : 'completed',
    reason: unknown.length
      ? `left unknown within ${timeoutMs / 1000} s per property: ${unknown.map((v) => `${v.name} (${v.reason})`).join('; ')}`
      : null,
    distinctStates: null,
    depth: traces.length ? Math.max(...traces) : null,
    durationMs: run.report.stats.durationMs,
    verdicts,
    decidesEach: true,
    proof: { run, solver, timeoutMs },
  };
}

/** The properties a run proved by an invariant. */
export function provedByInvariant(run: ProveRun): ProofVerdict[] {
  return run.verdicts.filter((v) => v.status === 'holds' && v.invariant !== undefined);
}

/**
 * Evaluates each proved invariant in every state the explorer's whole-state search visits: `visit`
 * goes to the search, `finish` takes its result. An invariant false in a reachable state means the
 * proof is wrong, whatever its checks said.
 */
export function enumerationCheck(layout: Layout, proved: readonly ProofVerdict[]) {
  const readable: { name: PropertyName; expr: Expr }[] = [];
  const unreadable: string[] = [];
  for (const v of proved) {
    try {
      readable.push({ name: v.name, expr: readInvariant(v.invariant!.definitions, v.invariant!.variables) });
    } catch (e) {
      if (!(e instanceof InvariantSyntaxError)) throw e;
      unreadable.push(`IndInv_${v.name} not evaluated: ${e.message}`);
    }
  }
  const failed = new Map<PropertyName, State>();
  const visit = (s: State) => {
    const values = flatten(concreteState(layout, s));
    const value = (i: number) => {
      const t = values[i]!;
      return t === 'true' ? true : t === 'false' ? false : Number(t);
    };
    for (const inv of readable)
      if (!failed.has(inv.name) && evaluate(inv.expr, value) !== true) failed.set(inv.name, s);
  };
  const finish = (
    result: ExploreResult,
  ): { enumeration: ProofEnumerationEvidence; enumerated: Map<PropertyName, CheckStatus> } => {
    const enumerated = new Map<PropertyName, CheckStatus>();
    if (!result.complete) {
      for (const v of proved) enumerated.set(v.name, 'not-run');
      return {
        enumerated,
        enumeration: {
          status: 'not-run',
          reason: `the explorer's whole-state search stopped at the bound after ${result.distinctStates.toLocaleString('en-US')} states`,
          states: null,
          failures: [],
        },
      };
    }
    for (const v of proved) enumerated.set(v.name, 'not-run');
    for (const inv of readable) enumerated.set(inv.name, failed.has(inv.name) ? 'failed' : 'passed');
    const failures = [...failed].map(
      ([name, s]) => `IndInv_${name} is false in a reachable state: ${JSON.stringify(stateToItf(layout, s))}`,
    );
    return {
      enumerated,
      enumeration: {
        status: failures.length ? 'failed' : readable.length ? 'passed' : 'not-run',
        reason: failures.length
          ? failures.join('; ')
          : unreadable.length
            ? unreadable.join('; ')
            : readable.length
              ? null
              : 'no invariant could be evaluated',
        states: result.distinctStates,
        failures,
      },
    };
  };
  return { visit, finish };
}
