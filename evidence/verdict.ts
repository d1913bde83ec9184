/**
 * The verdicts of a package: each property's over the engines that ran, and the package's over the
 * properties, the engines, the conformance checks and the noninterference check held against
 * InformationFlow (pass, fail or error, with its exit code and the findings in words).
 */

import type { PropertyName } from '../proofs/properties.js';
import type { EngineRun } from './engines.js';
import type { NoninterferenceEvidence } from './noninterference.js';
import type {
  AbstractionEvidence,
  EmulatorVsModelEvidence,
  EngineEvidence,
  ModelVsSpecEvidence,
  ProofEvidence,
  PropertyEvidence,
  PropertyStatus,
  Verdict,
} from './types.js';

/**
 * A property's status over the engines that ran. An engine that finished settles it, and so does a
 * `holds` or `violated` of an engine that decides each property on its own (prove: a proof, or a
 * trace the model replays); one that stopped at the bound settles only what it found violated, so a
 * bounded cross-check leaves a verdict that a finished search reached standing (and the conformance
 * check between them not run). With nothing settling it the bounded engines' verdicts are combined
 * as they are: unknown unless violated.
 */
export function settle(ran: readonly EngineRun[], property: PropertyName): PropertyEvidence['status'] {
  const status = (r: EngineRun) => r.verdicts.get(property)?.status;
  const decides = (r: EngineRun) =>
    r.status === 'completed' ||
    (r.decidesEach === true && status(r) !== undefined && status(r) !== 'unknown');
  const deciding = ran.filter(decides);
  if (!deciding.length) return combine(ran.map(status));
  const found = ran.filter((r) => !decides(r) && status(r) === 'violated').map(() => 'violated' as const);
  return combine([...deciding.map(status), ...found]);
}

function combine(statuses: readonly (PropertyStatus | undefined)[]): PropertyEvidence['status'] {
  const known = statuses.filter((s): s is PropertyStatus => s !== undefined);
  if (!known.length) return 'unknown';
  if (known.includes('violated')) return known.includes('holds') ? 'disagreement' : 'violated';
  return known.includes('unknown') ? 'unknown' : 'holds';
}

export function overallVerdict(
  properties: readonly PropertyEvidence[],
  engines: readonly EngineEvidence[],
  conformance: {
    modelVsSpec: ModelVsSpecEvidence;
    emulatorVsModel: EmulatorVsModelEvidence;
    abstraction: AbstractionEvidence;
  },
  proof?: ProofEvidence,
  noninterference?: NoninterferenceEvidence,
): Verdict {
  const errors: string[] = [];
  const findings: string[] = [];
  const ran = engines.filter((e) => e.status === 'completed' || e.status === 'bounded');
  for (const e of engines)
    if (e.status === 'failed') errors.push(`engine ${e.engine} failed: ${e.reason ?? 'no reason given'}`);
  if (!ran.length) errors.push('no engine ran');
  for (const p of properties)
    if (p.status === 'disagreement')
      errors.push(
        `engines disagree on ${p.name}: ${engines
          .map((e) => `${e.engine} ${e.verdicts.find((v) => v.property === p.name)?.status}`)
          .join(', ')}`,
      );
  for (const [name, c] of [
    ['model vs spec', conformance.modelVsSpec],
    ['emulator vs model', conformance.emulatorVsModel],
    ['page-class abstraction', conformance.abstraction],
  ] as const)
    if (c.status === 'failed') errors.push(`conformance ${name} failed: ${c.reason ?? 'no reason given'}`);
  if (proof?.enumeration.status === 'failed')
    errors.push(`the proof's invariants do not hold in every reachable state: ${proof.enumeration.reason}`);
  if (noninterference?.status === 'failed') errors.push(`noninterference failed: ${noninterference.reason}`);
  if (noninterference?.agreement.status === 'disagrees')
    errors.push(`InformationFlow and noninterference disagree: ${noninterference.agreement.detail}`);

  if (conformance.emulatorVsModel.status === 'not-run')
    findings.push(`conformance emulator vs model ${conformance.emulatorVsModel.reason}`);
  const undecided = noninterference?.observers.filter((o) => o.status === 'unknown') ?? [];
  if (undecided.length)
    findings.push(
      `noninterference not decided within the bound of ${noninterference!.maxStates.toLocaleString('en-US')} pairs of states for ${undecided.map((o) => o.partition).join(', ')}`,
    );
  const violated = properties.filter((p) => p.status === 'violated').map((p) => p.name);
  const unknown = properties.filter((p) => p.status === 'unknown').map((p) => p.name);
  if (violated.length) findings.push(`violated: ${violated.join(', ')}`);
  if (unknown.length)
    findings.push(`unknown (no engine settled them within its bound): ${unknown.join(', ')}`);
  const bounded = ran.filter((e) => e.status === 'bounded');
  const settled = ran.length > bounded.length ? ran.filter((e) => e.status === 'completed') : ran;
  if (settled !== ran)
    for (const e of bounded)
      findings.push(
        e.engine === 'prove'
          ? `prove ${e.reason ?? 'left properties unknown'}; its proofs and traces count, and the rest rests on the other engines`
          : `${e.engine} stopped at the state bound (${e.maxStates.toLocaleString('en-US')} states); the verdicts are those of the engines that finished, and ${e.engine} was not compared with them`,
      );
  const names = settled.map((e) => e.engine);
  const engineNames =
    names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
  const n = properties.length;

  if (errors.length)
    return {
      status: 'error',
      exitCode: 2,
      headline: `The evidence is not conclusive: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more problems)` : ''}.`,
      findings: [...errors, ...findings],
    };
  if (violated.length || unknown.length)
    return {
      status: 'fail',
      exitCode: 1,
      headline: [
        violated.length && `${violated.length} of ${n} properties violated (${violated.join(', ')})`,
        unknown.length && `${unknown.length} unknown`,
      ]
        .filter(Boolean)
        .join(', ')
        .concat(`; checked by ${engineNames}.`),
      findings,
    };
  const vacuous = properties.filter((p) => p.vacuous === true).map((p) => p.name);
  return {
    status: 'pass',
    exitCode: 0,
    headline: vacuous.length
      ? `${n - vacuous.length} of ${n} properties hold on ${engineNames} and ${vacuous.length} ${vacuous.length === 1 ? 'is' : 'are'} not applicable to this configuration (${vacuous.join(', ')}: ${vacuous.length === 1 ? 'it holds' : 'they hold'} vacuously); the conformance checks that ran passed.`
      : `All ${n} properties hold on ${engineNames}, and the conformance checks that ran passed.`,
    findings,
  };
}
