/**
 * The unbounded proof in the package (`proof` in evidence.json, "Unbounded proof" in the report):
 * per property how prove decided it, with the solver's version and time, and for each invariant
 * the SMT text Z3 gave, its reading in the system's terms and its name in the TLA+ model the
 * package carries under proof/ (tla/ind-inv.ts), with whether it held in every reachable state
 * the explorer enumerated.
 */
import type { Layout } from '../model/layout.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import { budgetUnits } from '../proofs/prove-budget.js';
import { indInvModel } from '../tla/ind-inv.js';
import type { EngineRun } from './engines.js';
import { provedByInvariant } from './prove-engine.js';
import type { ProofEvidence } from './types.js';

/** The folder of the package holding the TLA+ model with the proof's invariants. */
export const PROOF_DIR = 'proof';

export function notRunProof(status: 'not-run' | 'failed', reason: string): ProofEvidence {
  return {
    status,
    reason,
    solver: null,
    timeoutMs: null,
    rlimit: null,
    model: null,
    properties: [],
    enumeration: { status: 'not-run', reason: 'prove did not run', states: null, failures: [] },
    durationMs: null,
  };
}

/**
 * The proof section and the files it names: the TLA+ model with `IndInv` (when some property was
 * proved by an invariant). `traceFile` is where the package keeps a counterexample of prove's.
 */
export function proofEvidence(
  layout: Layout,
  run: EngineRun | undefined,
  source: string,
  traceFile: (property: PropertyName) => string,
): { proof: ProofEvidence; files: [string, string][] } {
  if (!run) return { proof: notRunProof('not-run', 'no proof engine ran'), files: [] };
  if (run.status === 'not-run' || run.status === 'failed' || !run.proof)
    return {
      proof: notRunProof(run.status === 'failed' ? 'failed' : 'not-run', run.reason ?? 'not run'),
      files: [],
    };
  const { run: proved, solver, timeoutMs, enumeration, enumerated } = run.proof;
  const invariants = provedByInvariant(proved).map((v) => ({
    property: v.name,
    definitions: v.invariant!.definitions,
    args: v.invariant!.variables,
  }));
  const model = invariants.length ? indInvModel(layout, source, invariants) : null;
  const properties = CATALOG.flatMap((p) => {
    const v = proved.verdicts.find((x) => x.name === p.name);
    if (!v) return [];
    return [
      {
        property: v.name,
        status: v.status,
        method: v.method,
        reason: v.reason ?? null,
        durationMs: v.solverMs,
        trace: v.trace ? traceFile(v.name) : null,
        ...(v.k ? { k: v.k } : {}),
        ...(v.from ? { from: v.from, shortestWithin: v.shortestWithin ?? 0 } : {}),
        rlimit: v.rlimit,
        invariant:
          v.status === 'holds' && v.invariant
            ? {
                tla: `IndInv_${v.name}`,
                smt: v.invariant.definitions,
                variables: [...v.invariant.args],
                text: [...v.invariant.text],
                enumeration: enumerated?.get(v.name) ?? ('not-run' as const),
              }
            : null,
      },
    ];
  });
  return {
    proof: {
      status: 'ran',
      reason: null,
      solver,
      timeoutMs,
      rlimit: budgetUnits(timeoutMs),
      model: model
        ? { module: `${PROOF_DIR}/${model.module}`, config: `${PROOF_DIR}/${model.config}` }
        : null,
      properties,
      enumeration: enumeration ?? {
        status: 'not-run',
        reason: invariants.length
          ? 'the explorer did not finish within the bound, so the reachable states were not enumerated'
          : 'no property was proved by an invariant',
        states: null,
        failures: [],
      },
      durationMs: proved.report.stats.durationMs,
    },
    files: model ? Object.entries(model.files).map(([name, text]) => [`${PROOF_DIR}/${name}`, text]) : [],
  };
}
