/**
 * The run-dependent entries of a package: the bounds each engine and check worked within, as
 * assumptions of the register (B-STATES, B-CONFORMANCE, B-SPEC, B-CONFIG, B-PROOF, B-NI). The commands
 * that reproduce each part of the package are in evidence/reproduce.ts.
 */
import { match } from 'ts-pattern';
import type { Assumption } from './assumptions.js';
import type { NoninterferenceEvidence } from './noninterference.js';
import { describeRuns } from './runs.js';
import type {
  Bounds,
  EmulatorVsModelEvidence,
  EngineEvidence,
  ModelVsSpecEvidence,
  ProofEvidence,
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
      statement:
        emulator.status === 'not-run'
          ? `The emulator was not checked against the model on this system (${emulator.reason}).`
          : `The emulator was checked against the model on seeded random runs: ${describeRuns('runs', emulator.seededRuns)}. Then one EPT-misconfiguration run and ${emulator.directedRuns} directed runs (${emulator.stepsChecked} steps checked in all), plus every explorer counterexample performed step by step. Each run's seed, length and end are in evidence.json.`,
      consequence:
        emulator.status === 'not-run'
          ? 'Nothing here shows that a concrete machine refines the model for this system; the refinement tests of typezero on smaller systems are all there is.'
          : 'Refinement is tested on these runs, not proved for all runs of the emulator.',
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
        ? `prove had ${(proof.timeoutMs ?? 0) / 1000} s of ${proof.solver} time per property${proof.rlimit ? ` (a budget of ${proof.rlimit.toLocaleString('en-US')} resource units, which decides the outcome on any machine)` : ''} and decided ${decided} of ${proof.properties.length} with no bound on the states: holds by an inductive invariant that plain SMT queries checked again, violated by a trace the model replays.`
        : `prove did not run: ${proof.reason}.`,
    consequence:
      'A property prove left unknown rests on the enumerating engines alone, within their state bound; more solver time (--prove-timeout) may decide it.',
  };
}

/** B-NI: the bound of the self-composition, and what its searches reached. */
export function noninterferenceAssumption(ni: NoninterferenceEvidence): Assumption {
  const judged = ni.observers.filter((o) => !o.vacuous);
  const finished = judged.filter((o) => o.status !== 'unknown').length;
  return {
    id: 'B-NI',
    category: 'bound',
    title: 'Pairs of states per observer for noninterference',
    statement:
      ni.status === 'not-run' || ni.status === 'failed'
        ? `Noninterference by self-composition ${ni.status === 'failed' ? 'failed' : 'did not run'}: ${ni.reason}.`
        : `Noninterference by self-composition compared pairs of runs for each partition from which anything is hidden, within ${ni.maxStates} pairs of states each; ${finished} of ${judged.length} searches finished (${ni.productStates} pairs of states in all).`,
    consequence:
      'A search that finished covers every pair of runs of the model that differ only in what the observer may not learn from; one stopped at the bound shows only the divergences it found, and InformationFlow is not held against it.',
  };
}
