/**
 * `prove` behind the engine interface (`check --engine prove`, and one of the engines of `all`):
 * proofs/prove.ts decides every property over the symbolic relation, enumerating nothing. Its
 * `holds` covers every reachable state, so in `all` it agrees with an exhaustive `holds`; it has no
 * state count to compare.
 */
import type { Trace } from '../proofs/explorer.js';
import type { PropertyName } from '../proofs/properties.js';
import { type ProveRun, prove } from '../proofs/prove.js';
import type { SystemConfig } from '../system/config.js';
import type { Availability, Engine, EngineOptions, EngineRun } from './engine.js';

/** An engine run of `prove`, with the proof run it came from (verdicts, methods, invariants). */
export interface ProveEngineRun extends EngineRun {
  readonly proof: ProveRun;
}

export interface ProveEngine extends Engine {
  check(config: SystemConfig, file: string, options?: EngineOptions): Promise<ProveEngineRun>;
}

/** `prove` as an engine; `timeoutMs` is the solver's time per property (prove's default when absent). */
export function proveEngine(timeoutMs?: number): ProveEngine {
  return {
    name: 'prove',
    async available(): Promise<Availability> {
      return { ok: true };
    },
    async check(config: SystemConfig, file: string, options: EngineOptions = {}): Promise<ProveEngineRun> {
      const proof = await prove(config, file, {
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(options.bugs?.length ? { model: { bugs: new Set(options.bugs) } } : {}),
        ...(options.onProgress
          ? { onProgress: (name, phase) => options.onProgress!(`prove: ${name}: ${phase}`) }
          : {}),
      });
      const traces = new Map<PropertyName, Trace>();
      for (const v of proof.verdicts) if (v.trace) traces.set(v.name, v.trace);
      return {
        report: proof.report,
        layout: proof.layout,
        // Every property settled: the proofs cover every reachable state, the traces replay.
        complete: proof.verdicts.every((v) => v.status !== 'unknown'),
        traces,
        disagreements: [],
        proof,
      };
    },
  };
}
