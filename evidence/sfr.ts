/**
 * The requirement families traced to Common Criteria Part 2 (v3.1 R5) security functional
 * requirement elements and to the functional areas of the separation-kernel protection profile
 * (U.S. Government Protection Profile for Separation Kernels in Environments Requiring High
 * Robustness, v1.03, 2007: information flow control, resource isolation, least privilege, trusted
 * initialization, trusted recovery, audit, as its overview names them).
 *
 * A mapping names the element, the catalog property that speaks to it and which part of the
 * element the property covers on a configured system: most cover an element only in part (the
 * model has no audit-record contents, no registers, no administrator), and say so. An element is
 * listed only where its text, with its assignments filled in as this kernel would fill them, is
 * what the property checks.
 */
import type { PropertyName } from '../proofs/properties.js';
import type { RequirementId } from './requirements.js';

export interface SfrElement {
  /** The component's name in CC Part 2. */
  readonly component: string;
  /** What the element requires, paraphrased, with its assignments as a separation kernel fills them. */
  readonly requires: string;
}

/** Every element the mappings cite. */
export const SFR_ELEMENTS = {
  'FDP_ACC.2.1': {
    component: 'Complete access control',
    requires:
      'The access control policy is enforced on the listed subjects and objects and on all operations among them.',
  },
  'FDP_ACC.2.2': {
    component: 'Complete access control',
    requires: 'Every operation between any subject and any object is covered by an access control policy.',
  },
  'FDP_ACF.1.2': {
    component: 'Security attribute based access control',
    requires:
      "An operation of a subject on an object is allowed only by the stated rules over their security attributes (here: the configuration's ownership, sharing and privileges).",
  },
  'FDP_IFC.2.1': {
    component: 'Complete information flow control',
    requires:
      'The information flow control policy is enforced on the listed subjects and information and on all operations that make that information flow to and from them.',
  },
  'FDP_IFC.2.2': {
    component: 'Complete information flow control',
    requires: 'Every operation that makes information flow to or from a subject is covered by the policy.',
  },
  'FDP_IFF.1.1': {
    component: 'Simple security attributes',
    requires:
      "The policy is enforced on the basis of the subjects' and information's security attributes (here: each partition's level, or the declared flows, and the downgrader mark).",
  },
  'FDP_IFF.1.2': {
    component: 'Simple security attributes',
    requires:
      'A flow between a subject and information is permitted only if the stated attribute rules hold.',
  },
  'FDP_RIP.1.1': {
    component: 'Subset residual information protection',
    requires:
      'Any previous information content of a resource is made unavailable when the resource is allocated to (or deallocated from) the listed objects.',
  },
  'FDP_SDI.2.2': {
    component: 'Stored data integrity monitoring and action',
    requires: 'On detecting an integrity error in stored user data, the TSF takes the stated action.',
  },
  'FRU_FLT.1.1': {
    component: 'Degraded fault tolerance',
    requires: 'The listed capabilities keep operating when the listed failures occur.',
  },
  'FRU_RSA.1.1': {
    component: 'Maximum quotas',
    requires:
      'Maximum quotas of the listed resources are enforced on what a subject can use over a specified period.',
  },
  'FPT_FLS.1.1': {
    component: 'Failure with preservation of secure state',
    requires: 'The TSF preserves a secure state when the listed failures occur.',
  },
  'FPT_RCV.2.2': {
    component: 'Automated recovery',
    requires:
      'For the listed failures, the TOE is returned to a consistent, secure state by automated procedures.',
  },
  'FPT_TST.1.1': {
    component: 'TSF testing',
    requires:
      'The TSF runs self tests (e.g. during initial start-up) to demonstrate the correct operation of the listed parts of the TSF.',
  },
  'FAU_GEN.1.1': {
    component: 'Audit data generation',
    requires: 'An audit record can be generated for the listed auditable events.',
  },
  'FAU_STG.4.1': {
    component: 'Prevention of audit data loss',
    requires:
      'When the audit trail is full the TSF takes the selected action (ignore, prevent audited events, or overwrite the oldest records) and any other stated action.',
  },
  'FAU_SAR.2.1': {
    component: 'Restricted audit review',
    requires: 'Read access to audit records is denied to every user not granted explicit read access.',
  },
  'FMT_MOF.1.1': {
    component: 'Management of security functions behaviour',
    requires:
      'The ability to enable, disable or modify the behaviour of the listed functions is restricted to the authorised roles.',
  },
} as const satisfies Record<string, SfrElement>;

export type SfrElementId = keyof typeof SFR_ELEMENTS;

export interface SfrMapping {
  readonly element: SfrElementId;
  readonly property: PropertyName;
  /** Which part of the element the property covers on a configured system, and what it leaves. */
  readonly covers: string;
}

export interface SkppArea {
  /** A functional area of the separation-kernel protection profile, in its words. */
  readonly area: string;
  readonly covers: string;
}

export const SFR_MAPPINGS: Readonly<Record<RequirementId, readonly SfrMapping[]>> = {
  'REQ-PART': [
    {
      element: 'FDP_ACC.2.1',
      property: 'MemoryIsolation',
      covers:
        'Subjects: partitions; objects: host pages; operations: guest read, write and execute through the EPT, all of which the property checks on every EPT the configuration builds.',
    },
    {
      element: 'FDP_ACC.2.2',
      property: 'MemoryIsolation',
      covers:
        'In the model the EPT is the only path from a guest to host memory, so every guest memory operation is covered; device operations are covered under REQ-DMA.',
    },
    {
      element: 'FDP_ACF.1.2',
      property: 'MemoryIsolation',
      covers:
        'The rule: a partition reaches a page only if it alone lists it, or a shared region grants it, with the configured rights (read for readers, read and write for the writer).',
    },
    {
      element: 'FDP_ACF.1.2',
      property: 'InterruptIsolation',
      covers:
        "The rule for interrupts: a device's interrupt reaches only its owner (and the owners of devices on the same line), whatever the device raises.",
    },
    {
      element: 'FRU_FLT.1.1',
      property: 'FaultContainment',
      covers:
        "Failure: an exception or triple fault of one partition; capability kept: every other partition's state and memory are unchanged by it.",
    },
    {
      element: 'FDP_RIP.1.1',
      property: 'FaultContainment',
      covers:
        "In part: a partition's memory is cleared when partition-reset restarts it, so nothing of its earlier run is there when it runs again; registers, caches and device buffers are outside the model (NC-RESIDUE).",
    },
  ],
  'REQ-IFC': [
    {
      element: 'FDP_IFC.2.1',
      property: 'InformationFlow',
      covers:
        'The policy (level order or declared flows) on every partition and on every operation of the model that moves data: memory, shared regions, DMA, channels, interrupts, partition control and audit reads.',
    },
    {
      element: 'FDP_IFC.2.2',
      property: 'InformationFlow',
      covers:
        'Every operation of the model that moves data carries labels; flows through timing and shared microarchitectural state are outside the model (NC-TIMING).',
    },
    {
      element: 'FDP_IFF.1.1',
      property: 'InformationFlow',
      covers: "The attributes: each partition's level (or the declared flows) and the downgrader mark.",
    },
    {
      element: 'FDP_IFF.1.2',
      property: 'InformationFlow',
      covers:
        'The rule: data reaches a partition only from a partition at the same or a lower level (or along a declared flow), or out of a downgrader; every other flow reachable on the system is a violation.',
    },
    {
      element: 'FDP_IFF.1.2',
      property: 'MemoryIsolation',
      covers:
        'In part: memory outside the configured sharing admits no flow at all, so only channels, shared regions and the other mechanisms remain to be judged.',
    },
  ],
  'REQ-PRIV': [
    {
      element: 'FDP_ACF.1.2',
      property: 'HypercallAuthorization',
      covers:
        'The rules for hypercalls: partition control and audit reading only for partitions granted them, channel operations only by the configured ends; a refused call changes nothing but the audit log.',
    },
    {
      element: 'FMT_MOF.1.1',
      property: 'HypercallAuthorization',
      covers:
        'Functions: starting, stopping and resetting partitions; role: a partition the configuration grants partition-control. Human administrators and changing the configuration are outside the model (NC-MGMT).',
    },
    {
      element: 'FAU_SAR.2.1',
      property: 'HypercallAuthorization',
      covers: 'Only a partition granted audit-read can read the audit log.',
    },
    {
      element: 'FDP_IFF.1.2',
      property: 'InformationFlow',
      covers:
        'A granted privilege is still judged as a flow: audit-read or partition-status that lets a low partition observe a high one is a violation.',
    },
  ],
  'REQ-AUDIT': [
    {
      element: 'FAU_GEN.1.1',
      property: 'AuditCompleteness',
      covers:
        "Item c) in part: every refused or failed operation (refused hypercall, partition fault, refused DMA, failed measurement) is recorded. Start-up and shutdown of the audit function and the records' contents (FAU_GEN.1.2) are not modelled.",
    },
    {
      element: 'FAU_STG.4.1',
      property: 'AuditCompleteness',
      covers:
        'Selection "prevent audited events" with the other action "halt the platform" (onFull: halt): no record is ever dropped; under onFull: overwrite the loss of a record is a violation.',
    },
  ],
  'REQ-FAIL': [
    {
      element: 'FPT_FLS.1.1',
      property: 'FailSecure',
      covers:
        'Failures: a failed hypervisor measurement, a full audit log under onFull: halt; secure state: halted, with no event enabled, devices included.',
    },
    {
      element: 'FPT_RCV.2.2',
      property: 'FaultRecovery',
      covers:
        "In part: for a partition's fault the automated procedure is the health monitor's partition-reset, which the property shows is eventually applied under weak fairness; recovery of the kernel itself is not modelled.",
    },
    {
      element: 'FRU_FLT.1.1',
      property: 'FaultContainment',
      covers: "The other partitions keep operating, unchanged, while one partition's fault is recovered.",
    },
  ],
  'REQ-LAUNCH': [
    {
      element: 'FPT_TST.1.1',
      property: 'MeasuredLaunch',
      covers:
        'In part: at initial start-up the hypervisor image is measured against its known-good digest before anything runs. That is an integrity test, not a test of correct operation; the authorised-user checks of FPT_TST.1.2 and 1.3 are not modelled.',
    },
    {
      element: 'FDP_SDI.2.2',
      property: 'MeasuredLaunch',
      covers:
        'Stored user data: each partition image; integrity error: its measurement differs from the configured digest; action: the partition is refused and never runs.',
    },
    {
      element: 'FPT_FLS.1.1',
      property: 'FailSecure',
      covers: 'Failure: a mismatched hypervisor measurement; secure state: halted before any partition runs.',
    },
  ],
  'REQ-TIME': [
    {
      element: 'FRU_RSA.1.1',
      property: 'TemporalIsolation',
      covers:
        'In part: processor time per major frame, per partition: a partition runs on a CPU only within its own windows of the static schedule. Minimum quotas (FRU_RSA.2) and contention within a window are not modelled.',
    },
  ],
  'REQ-DMA': [
    {
      element: 'FDP_ACC.2.2',
      property: 'DmaContainment',
      covers:
        'Device DMA is an operation covered by the policy: every completed transfer of every device, to any page, is checked.',
    },
    {
      element: 'FDP_ACF.1.2',
      property: 'DmaContainment',
      covers: 'The rule: a device reaches by DMA only pages its owner may write.',
    },
    {
      element: 'FDP_IFF.1.2',
      property: 'InformationFlow',
      covers: 'DMA reads and writes carry labels: DMA that crosses levels is judged by the same flow rule.',
    },
  ],
};

export const SKPP_AREAS: Readonly<Record<RequirementId, readonly SkppArea[]>> = {
  'REQ-PART': [
    {
      area: 'Resource isolation',
      covers:
        'Memory, interrupts and the effects of faults stay within the partition the configuration allocates them to.',
    },
  ],
  'REQ-IFC': [
    {
      area: 'Information flow control',
      covers:
        'Flows between partitions only as the configured policy allows, through every mechanism the model offers.',
    },
  ],
  'REQ-PRIV': [
    {
      area: 'Least privilege',
      covers: 'Privileged operations only by partitions the configuration grants them.',
    },
  ],
  'REQ-AUDIT': [
    { area: 'Audit', covers: 'Every refused or failed operation is recorded, and none is lost.' },
  ],
  'REQ-FAIL': [
    {
      area: 'Trusted recovery',
      covers:
        "In part: the kernel halts in a secure state on failures it cannot handle, and a health monitor recovers faulted partitions; the kernel's own restart is not modelled.",
    },
  ],
  'REQ-LAUNCH': [
    {
      area: 'Trusted initialization',
      covers:
        'Nothing runs unless its measurement matched, the hypervisor first; trusted delivery of the images and of the configuration is outside the model.',
    },
  ],
  'REQ-TIME': [{ area: 'Resource isolation', covers: 'Processor time, by the static schedule.' }],
  'REQ-DMA': [
    { area: 'Resource isolation', covers: "Device DMA stays within its owner's writable memory." },
    { area: 'Information flow control', covers: 'DMA is judged as a flow like any other.' },
  ],
};

/**
 * Where the two-run noninterference check (proofs/noninterference.ts) speaks to an element beside
 * InformationFlow: the flow rule, checked on values that two runs compare rather than on labels.
 */
export const NONINTERFERENCE_SFRS: Readonly<
  Partial<Record<RequirementId, readonly { readonly element: SfrElementId; readonly covers: string }[]>>
> = {
  'REQ-IFC': [
    {
      element: 'FDP_IFF.1.2',
      covers:
        'The rule, independently of the labels: for each partition, two runs that differ only in what the partitions it may not learn from do and hold leave everything it observes the same (within the state bound); a divergence is a flow, shown as the pair of runs.',
    },
  ],
  'REQ-PRIV': [
    {
      element: 'FDP_IFF.1.2',
      covers:
        'What a granted audit-read or partition-status returns is compared between two runs that differ only in what the partitions hidden from the caller do.',
    },
  ],
  'REQ-DMA': [
    {
      element: 'FDP_IFF.1.2',
      covers:
        "What a partition's devices read by DMA, and what a peer device leaves in their buffers, is compared between two runs that differ only in what the partitions hidden from it do.",
    },
  ],
};
