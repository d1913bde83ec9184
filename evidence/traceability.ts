/**
 * Requirements on the packaged system: typezero's requirement families, each traced to Common
 * Criteria elements and protection-profile areas, and the integrator's own requirements
 * (--requirements), each with a status settled from the properties it rests on.
 */
import { createHash } from 'node:crypto';
import type { PropertyName } from '../proofs/properties.js';
import type { IntegratorRequirement } from './integrator.js';
import type { NoninterferenceEvidence } from './noninterference.js';
import type { Requirement } from './requirements.js';
import { NONINTERFERENCE_SFRS, SFR_ELEMENTS, SFR_MAPPINGS, SKPP_AREAS } from './sfr.js';
import type {
  CheckCitation,
  IntegratorEvidence,
  PropertyEvidence,
  RequirementEvidence,
  RequirementStatus,
} from './types.js';

/** A file's name inside the package: characters any shell, sha256sum and the schema take as they are. */
export function packageFileName(fileName: string): string {
  return fileName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
}

function propertyOf(properties: readonly PropertyEvidence[], name: PropertyName): PropertyEvidence {
  return properties.find((p) => p.name === name)!;
}

/**
 * A requirement resting on `mapped`: not met when one of them is violated; unknown when one is
 * unsettled or disputed; not demonstrated when all hold but one only vacuously, since a property
 * about nothing shows nothing about the requirement; met otherwise.
 */
export function requirementStatus(mapped: readonly PropertyEvidence[]): {
  status: RequirementStatus;
  reason: string | null;
} {
  const names = (ps: readonly PropertyEvidence[]) => ps.map((p) => p.name).join(', ');
  const violated = mapped.filter((p) => p.status === 'violated');
  const unsettled = mapped.filter((p) => p.status === 'unknown' || p.status === 'disagreement');
  const vacuous = mapped.filter((p) => p.vacuous === true);
  if (violated.length) return { status: 'not-met', reason: `violated: ${names(violated)}` };
  if (unsettled.length) return { status: 'unknown', reason: `not settled: ${names(unsettled)}` };
  if (vacuous.length)
    return {
      status: 'not-demonstrated',
      reason: `holds only vacuously here, so it demonstrates nothing: ${vacuous.map((p) => `${p.name} (${p.vacuityReason})`).join('; ')}`,
    };
  return { status: 'met', reason: null };
}

/**
 * A requirement family on this system, with its status and what it traces to. Where the package
 * ran the noninterference check and the family cites it, a disagreement with InformationFlow leaves
 * the family unknown, as disputed properties do.
 */
export function requirementEvidence(
  r: Requirement,
  properties: readonly PropertyEvidence[],
  ni?: NoninterferenceEvidence,
): RequirementEvidence {
  const settled = requirementStatus(r.properties.map((m) => propertyOf(properties, m.property)));
  const checks: CheckCitation[] = ni
    ? (NONINTERFERENCE_SFRS[r.id] ?? []).map((c) => ({
        check: 'noninterference',
        element: c.element,
        covers: c.covers,
        status: ni.status,
        agreement: ni.agreement.status,
      }))
    : [];
  const { status, reason } =
    checks.length && ni?.agreement.status === 'disagrees'
      ? { status: 'unknown' as const, reason: `disputed: ${ni.agreement.detail}` }
      : settled;
  return {
    id: r.id,
    family: r.family,
    statement: r.statement,
    references: [...r.references],
    properties: r.properties.map((m) => ({ property: m.property, rationale: m.rationale })),
    status,
    reason,
    sfrs: SFR_MAPPINGS[r.id].map((m) => ({ ...SFR_ELEMENTS[m.element], ...m })),
    skpp: SKPP_AREAS[r.id].map((a) => ({ ...a })),
    ...(checks.length ? { checks } : {}),
  };
}

/** The integrator's requirements file as the package holds it. */
export interface RequirementsInput {
  /** The file's name without directories. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly requirements: readonly IntegratorRequirement[];
}

export function integratorEvidence(
  input: RequirementsInput,
  properties: readonly PropertyEvidence[],
): IntegratorEvidence {
  return {
    file: input.fileName,
    path: `requirements/${packageFileName(input.fileName)}`,
    sha256: createHash('sha256').update(input.bytes).digest('hex'),
    requirements: input.requirements.map((r) => ({
      id: r.id,
      title: r.title,
      properties: [...r.properties],
      ...requirementStatus(r.properties.map((p) => propertyOf(properties, p))),
    })),
  };
}
