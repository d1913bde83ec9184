/**
 * The run-dependent entries of a package: the bounds each engine and check worked within, as
 * assumptions of the register (B-STATES, B-CONFORMANCE, B-SPEC, B-CONFIG, B-PROOF), and the
 * commands that reproduce each part of the package.
 */
import { match } from 'ts-pattern';
import type { Assumption } from './assumptions.js';
import { PROOF_DIR } from './proof.js';
import { describeRuns } from './runs.js';
import type {
  Bounds,
  EmulatorVsModelEvidence,
  EngineEvidence,
  ModelVsSpecEvidence,
  ProofEvidence,
  Reproduction,
} from './types.js';

export function boundAssumptions(
  bounds: Bounds,
  engines: readonly EngineEvidence[],
  emulator: EmulatorVsModelEvidence,
  spec: ModelVsSpecEvidence,
): Assumption[] {
  const reach = engines
    .map((e) =>
      e.engine === 'prove' && (e.status === 'completed' || e.status === 'bounded')
        ? `prove: no state bound, it enumerates nothing (${e.status === 'completed' ? 'it decided every property' : 'see B-PROOF'})`
        : match(e.status)
            .with(
              'completed',
              () =>
                `${e.engine}: exhaustive, ${e.distinctStates} distinct states${e.reduction ? ' after label slicing' : ''}${e.depth === null ? '' : `, depth ${e.depth}`}`,
            )
            .with(
              'bounded',
              () =>
                `${e.engine}: stopped at the bound after ${e.distinctStates} distinct states${e.reduction ? ' after label slicing' : ''}, so unsettled properties are unknown`,
            )
            .with('not-run', () => `${e.engine}: not run (${e.reason})`)
            .with('failed', () => `${e.engine}: failed (${e.reason})`)
            .exhaustive(),
    )
    .join('; ');
  return [
    {
      id: 'B-STATES',
      category: 'bound',
      title: 'State bound per engine',
      statement: `Every engine was given a bound of ${bounds.maxStates} distinct states. ${reach}.`,
      consequence:
        'A verdict from a search that finished within the bound covers every reachable state (label slicing merges only states that no property tells apart); a search stopped at the bound proves nothing about the states it did not reach: it settles a property only by a violation it found, and a property no finished search settled is unknown.',
    },
    {
      id: 'B-CONFORMANCE',
      category: 'bound',
      title: 'Emulator-vs-model campaign size',
      statement: `The emulator was checked against the model on seeded random runs: ${describeRuns('runs', emulator.seededRuns)}. Then one EPT-misconfiguration run and ${emulator.directedRuns} directed runs (${emulator.stepsChecked} steps checked in all), plus every explorer counterexample performed step by step. Each run's seed, length and end are in evidence.json.`,
      consequence: 'Refinement is tested on these runs, not proved for all runs of the emulator.',
    },
    {
      id: 'B-SPEC',
      category: 'bound',
      title: 'Model-vs-spec replay size',
      statement: `Where a TLA+ engine finished, its verdicts, baits and distinct-state count were compared with the explorer's over the whole state space; in the other direction every explorer counterexample and seeded random walks of the model were replayed in the spec: ${describeRuns('walks', spec.walks)}.`,
      consequence:
        'Steps of the model that no walk or counterexample took are covered by the state-count comparison only.',
    },
    {
      id: 'B-CONFIG',
      category: 'bound',
      title: 'This configuration only',
      statement:
        'Verdicts hold for the configuration in this package exactly (its partitions, memory, devices, channel and audit capacities, schedule); any change to the system file needs a new package.',
      consequence: 'A changed configuration is not covered, however small the change.',
    },
  ];
}

/** B-PROOF: what the proof was given, and what rests on it. */
export function proofAssumption(proof: ProofEvidence): Assumption {
  const decided = proof.properties.filter((p) => p.status !== 'unknown').length;
  return {
    id: 'B-PROOF',
    category: 'bound',
    title: 'Solver time per property',
    statement:
      proof.status === 'ran'
        ? `prove had ${(proof.timeoutMs ?? 0) / 1000} s of ${proof.solver} time per property and decided ${decided} of ${proof.properties.length} with no bound on the states: holds by an inductive invariant that plain SMT queries checked again, violated by a trace the model replays.`
        : `prove did not run: ${proof.reason}.`,
    consequence:
      'A property prove left unknown rests on the enumerating engines alone, within their state bound; more solver time (--prove-timeout) may decide it.',
  };
}

export function reproductions(
  systemPath: string,
  bounds: Bounds,
  engines: readonly EngineEvidence[],
  files: ReadonlyMap<string, unknown>,
  requirementsPath: string | null,
  proof: ProofEvidence,
): Reproduction[] {
  const out: Reproduction[] = [
    {
      what: 'the whole package; evidence.json is identical apart from the durationMs fields',
      command: `npx typezero evidence ${systemPath} --out rerun --max-states ${bounds.maxStates} --seeds ${bounds.conformanceSeeds} --steps ${bounds.conformanceSteps}${proof.status === 'ran' ? ` --prove-timeout ${Math.round((proof.timeoutMs ?? 0) / 1000)}` : ' --no-prove'}${requirementsPath ? ` --requirements ${requirementsPath}` : ''}`,
    },
    {
      what: 'that no file of this package changed since it was written',
      command: 'sha256sum -c SHA256SUMS',
    },
  ];
  for (const e of engines) {
    if (e.status === 'not-run') continue;
    if (e.engine === 'prove') {
      out.push({
        what: 'the prove verdicts and counterexamples, and the inductive invariants with the TLA+ model that defines them as IndInv',
        command: `npx typezero prove ${systemPath} --json --timeout ${Math.round((proof?.timeoutMs ?? 0) / 1000)} --out proof-rerun`,
      });
      continue;
    }
    out.push({
      what: `the ${e.engine} verdicts, state count and counterexamples`,
      command: `npx typezero check ${systemPath} --engine ${e.engine} --json --max-states ${bounds.maxStates}`,
    });
  }
  if (proof?.model)
    out.push({
      what: "TLC checking the proof's inductive invariants (IndInv) in every reachable state, from the proof/ folder of this package: the proof and the enumeration meet",
      command: `cd ${PROOF_DIR} && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -config ${proof.model.config.slice(PROOF_DIR.length + 1)} ${proof.model.module.slice(PROOF_DIR.length + 1)}`,
    });
  const mc = [...files.keys()].find((f) => /^spec\/MC.*\.cfg$/.test(f));
  if (mc) {
    const base = mc.slice('spec/'.length, -'.cfg'.length);
    out.push({
      what: 'TLC on the TLA+ model, by hand, from the spec/ folder of this package (it stops at the first violated invariant; typezero reruns without it until none is left)',
      command: `cd spec && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -lncheck final -config ${base}.cfg ${base}.tla`,
    });
  }
  return out;
}
