/**
 * The requirements catalogue: the requirement families a separation kernel is certified against
 * (the separation-kernel protection profile's security functional requirements, Common Criteria
 * ADV_SPM for the security policy model, DO-178C with DO-333 for formal analysis), each mapped to
 * the catalog properties (proofs/properties.ts) that discharge it for a configured system, with the
 * reason the mapping holds. The evidence report prints this as the first column of its
 * traceability matrix.
 *
 * The Common Criteria references name Part 2 families a security target for a separation kernel
 * usually claims; they say where a reviewer will look, not that this tool meets the family alone.
 */
import type { PropertyName } from '../proofs/properties.js';

export const REQUIREMENT_IDS = [
  'REQ-PART',
  'REQ-IFC',
  'REQ-PRIV',
  'REQ-AUDIT',
  'REQ-FAIL',
  'REQ-LAUNCH',
  'REQ-TIME',
  'REQ-DMA',
] as const;
export type RequirementId = (typeof REQUIREMENT_IDS)[number];

export interface PropertyMapping {
  readonly property: PropertyName;
  /** Why checking this property on the configured system discharges (part of) the requirement. */
  readonly rationale: string;
}

export interface Requirement {
  readonly id: RequirementId;
  /** The requirement family, in the words of the separation-kernel protection profile. */
  readonly family: string;
  /** What a certifier needs shown, for this configured system. */
  readonly statement: string;
  /** Common Criteria Part 2 families and other standards a reviewer will trace this to. */
  readonly references: readonly string[];
  readonly properties: readonly PropertyMapping[];
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    id: 'REQ-PART',
    family: 'Partitioning and memory separation',
    statement:
      'Each partition has exclusive use of the resources allocated to it; no partition can read, write or execute memory of another except through a configured shared region with its configured rights, and a failure in one partition stays in it.',
    references: ['CC FDP_ACC', 'CC FDP_ACF', 'CC FDP_RIP', 'CC FRU_FLT', 'DO-333 FM.6.3'],
    properties: [
      {
        property: 'MemoryIsolation',
        rationale:
          'The EPT is the only path from a guest to host memory, and the property is checked over every EPT the configuration builds: a page two partitions list, or a mapping wider than the configured sharing, is a violation.',
      },
      {
        property: 'FaultContainment',
        rationale:
          'Exceptions and triple faults are the ways a partition fails; the property shows a fault changes nothing outside the faulting partition except the audit log, and that only partition-reset restarts a partition and clears its memory (residual information).',
      },
      {
        property: 'InterruptIsolation',
        rationale:
          'Interrupt lines are an allocated resource too: an interrupt that reaches a partition not owning the device breaks the allocation.',
      },
    ],
  },
  {
    id: 'REQ-IFC',
    family: 'Information-flow control',
    statement:
      'Information moves between partitions only as the configured policy allows: from a level to the same or a higher level, or out of a trusted downgrader, through every mechanism the kernel offers.',
    references: ['CC FDP_IFC', 'CC FDP_IFF', 'CC ADV_SPM', 'DO-333 FM.6.3'],
    properties: [
      {
        property: 'InformationFlow',
        rationale:
          'Labels follow data through memory, shared regions, DMA, channels, interrupts, partition control and audit reads, and the invariant judges every label a partition holds against the level order and the downgrader set: it is the policy model of ADV_SPM, checked on every reachable state.',
      },
      {
        property: 'MemoryIsolation',
        rationale:
          'Memory outside the configured sharing is the widest flow path; isolating it is what makes the channels and shared regions the only flows to judge.',
      },
    ],
  },
  {
    id: 'REQ-PRIV',
    family: 'Least privilege',
    statement:
      'A partition can perform a privileged operation (control of another partition, reading the audit log) only if the configuration grants it that privilege, and a refused request changes nothing but the audit trail.',
    references: ['CC FDP_ACF', 'CC FDP_IFF', 'CC FMT_MOF', 'CC FMT_SMR', 'CC FMT_MSA', 'CC FAU_SAR'],
    properties: [
      {
        property: 'HypercallAuthorization',
        rationale:
          'Hypercalls are the only way a partition asks the kernel for anything; the property checks every privileged call against the configured privileges, that a message is copied only through a buffer the caller itself may read or write (the kernel is no confused deputy), and that refused or malformed calls change no state but the audit log.',
      },
      {
        property: 'InformationFlow',
        rationale:
          'A privilege can be granted and still be too much: audit-read and partition-status that let a low partition observe a high one are found as flows.',
      },
    ],
  },
  {
    id: 'REQ-AUDIT',
    family: 'Audit',
    statement:
      'Every denied or failed operation is recorded, and no record is lost: when the log fills, the kernel stops rather than overwrite.',
    references: ['CC FAU_GEN', 'CC FAU_STG', 'CC FAU_SAR'],
    properties: [
      {
        property: 'AuditCompleteness',
        rationale:
          'A history flag set by the monitor on every step that refuses or fails without a record, or that drops one, makes "complete and never dropped" a state invariant over all reachable states.',
      },
    ],
  },
  {
    id: 'REQ-FAIL',
    family: 'Fail-secure and trusted recovery',
    statement:
      'On a failure the kernel cannot handle (a failed self-measurement, a full audit log) it enters a secure state and stays there; a failed partition is recovered by the health monitor without affecting the others.',
    references: ['CC FPT_FLS', 'CC FPT_RCV', 'CC FRU_FLT'],
    properties: [
      {
        property: 'FailSecure',
        rationale:
          'After a halt no event is enabled, devices included: the secure state admits no further transition, which is checked on every reachable halted state.',
      },
      {
        property: 'FaultRecovery',
        rationale:
          'Trusted recovery for partitions: under weak fairness of the timer and of launches, every fault is eventually cleared while a health monitor is up (a liveness property, checked on the whole state graph).',
      },
      {
        property: 'FaultContainment',
        rationale: 'Recovery is only trusted if the failure it recovers from did not spread first.',
      },
    ],
  },
  {
    id: 'REQ-LAUNCH',
    family: 'Measured launch',
    statement:
      'Nothing runs unless its measurement matched its known-good value: the hypervisor first, then every partition; a mismatch refuses the partition, or halts the system for the hypervisor.',
    references: ['CC FPT_TST', 'CC FPT_TEE', 'CC FDP_SDI', 'CC FPT_FLS', 'TCG D-RTM'],
    properties: [
      {
        property: 'MeasuredLaunch',
        rationale:
          "The attacker may tamper with any image before it is measured; the property checks that no partition runs unless its own measurement and the hypervisor's matched, and an unmeasured partition in the configuration is a violation.",
      },
      {
        property: 'FailSecure',
        rationale: 'A failed hypervisor measurement must leave the system halted, not running unverified.',
      },
    ],
  },
  {
    id: 'REQ-TIME',
    family: 'Temporal partitioning',
    statement:
      'Each CPU runs only the partition its static schedule assigns to the current window; windows do not overlap, lie within the major frame and sit on CPUs their partition may use.',
    references: ['CC FRU_RSA', 'ARINC 653 partition scheduling'],
    properties: [
      {
        property: 'TemporalIsolation',
        rationale:
          'Checked at every tick of every reachable state: at most the window owner runs on each CPU, and a window past the frame or on a CPU its partition may not use is a violation.',
      },
    ],
  },
  {
    id: 'REQ-DMA',
    family: 'DMA protection',
    statement:
      'A device assigned to a partition reaches by DMA only memory that partition may write, whatever the device is programmed to do.',
    references: ['CC FDP_ACC', 'CC FDP_ACF', 'CC FDP_IFF', 'Intel VT-d DMA remapping'],
    properties: [
      {
        property: 'DmaContainment',
        rationale:
          "Devices may attempt DMA to any platform page (one representative per class of pages that behave alike); the property checks every completed transfer against the owner's writable pages, so a window too wide, an IOMMU in passthrough, or devices that reach each other's buffers below the IOMMU (one bridge, or one root port without ACS) are found.",
      },
      {
        property: 'InformationFlow',
        rationale: 'DMA reads and writes carry labels, so DMA that crosses levels is also judged as a flow.',
      },
    ],
  },
];

export function requirement(id: RequirementId): Requirement {
  return REQUIREMENTS.find((r) => r.id === id)!;
}

/** The requirement families a property serves, in catalogue order. */
export function requirementsOf(property: PropertyName): RequirementId[] {
  return REQUIREMENTS.filter((r) => r.properties.some((m) => m.property === property)).map((r) => r.id);
}
