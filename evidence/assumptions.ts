/**
 * The assumptions register: what every verdict in an evidence package takes for granted. The fixed
 * entries hold for every system; the bounds entries are written per run by evidence/collect.ts,
 * because they depend on the options and on what the engines reached.
 */

export const ASSUMPTION_CATEGORIES = [
  'trusted-hardware',
  'threat-model',
  'out-of-scope',
  'policy',
  'model',
  'configuration',
  'bound',
] as const;
export type AssumptionCategory = (typeof ASSUMPTION_CATEGORIES)[number];

export interface Assumption {
  readonly id: string;
  readonly category: AssumptionCategory;
  readonly title: string;
  readonly statement: string;
  /** What follows if the assumption is false, so a reviewer can weigh it. */
  readonly consequence: string;
}

export const FIXED_ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'A-HW-1',
    category: 'trusted-hardware',
    title: 'Virtualisation hardware behaves as documented',
    statement:
      'VT-x (EPT translation with read/write/execute bits, VM exits with their basic reasons, the preemption timer), the VT-d IOMMU (root, context and second-level tables, fault recording) and the TPM with dynamic launch (PCR extend, PCRs 17-22 reset by launch) behave as Intel and the TCG specify. Errata and hardware faults are not modelled.',
    consequence: 'A hardware defect that bypasses EPT or VT-d translation defeats every separation property.',
  },
  {
    id: 'A-HW-2',
    category: 'trusted-hardware',
    title: "The hypervisor's own memory is out of reach",
    statement:
      "The hypervisor's code, EPT and VT-d tables, audit log and PCR state lie outside the platform pages the system file describes, so no EPT or IOMMU mapping built from the file can reach them.",
    consequence:
      'A configuration that gives a partition or device hypervisor memory is not detectable from the system file.',
  },
  {
    id: 'A-THREAT-1',
    category: 'threat-model',
    title: 'Guests, devices and images are hostile',
    statement:
      'Every guest may execute any instruction sequence, every device may attempt any DMA and raise its interrupt at any time after its owner launched, and an attacker may replace the hypervisor image or any partition image before it is measured. Nothing else about their behaviour is assumed.',
    consequence:
      'None: this is the strongest environment the model offers; weaker attackers are covered by it.',
  },
  {
    id: 'A-SCOPE-1',
    category: 'out-of-scope',
    title: 'Timing channels through shared hardware',
    statement:
      'Covert and side channels through caches, TLBs, branch predictors, memory buses and other shared microarchitectural state are out of scope. The static schedule itself carries no information (scheduling windows do not depend on any partition), but contention within a window is not modelled.',
    consequence:
      'InformationFlow is a statement about architectural state only; timing-channel bandwidth needs separate analysis (cache colouring, flushing on partition switch).',
  },
  {
    id: 'A-POLICY-1',
    category: 'policy',
    title: 'Termination-insensitive information-flow policy',
    statement:
      'A system-wide fail-secure halt (a full audit log under onFull: halt, a failed hypervisor measurement) is not counted as a flow, although a partition that can fill the log can stop the others.',
    consequence:
      'Whether and when the system halts can carry information; a partition that fills the log stops the others, which is what fail-secure requires.',
  },
  {
    id: 'A-POLICY-2',
    category: 'policy',
    title: 'Downgraders are trusted',
    statement:
      'Everything a partition marked downgrader causes (messages, writes, DMA of its devices, interrupts, resets) carries only its own label: its review of the data it releases is trusted and not analysed.',
    consequence:
      'A faulty downgrader releases data to lower levels; its own assurance must come from elsewhere.',
  },
  {
    id: 'A-MODEL-1',
    category: 'model',
    title: 'Page-class abstraction',
    statement:
      'Host pages with the same accessors (the same partitions through EPT with the same rights, the same devices through the IOMMU) are explored as one abstract cell, and a page only its owner can reach carries no label of its own. Both reductions lose no behaviour; the test suite checks the first against page-by-page labels.',
    consequence: 'State counts are those of the abstract model, not of byte-level memory.',
  },
  {
    id: 'A-MODEL-2',
    category: 'model',
    title: 'The deployed hypervisor implements the model',
    statement:
      'Verdicts are about the model (TypeScript) and the TLA+ specification of the hypervisor. The emulator, a concrete machine with byte memory, real 4-level EPT and VT-d tables and SHA-256 PCRs, is checked to refine the model step by step; the conformance of the deployed hypervisor binary to the same model is outside this package.',
    consequence: 'An implementation bug absent from the model is not found here.',
  },
  {
    id: 'A-MODEL-3',
    category: 'model',
    title: 'Health-monitor policy',
    statement:
      'Every partition holding partition-control, when up, resets every faulted partition within the Tick step that starts each of its windows; its other hypercalls are free choices.',
    consequence: 'FaultRecovery is proved for monitors that follow this policy.',
  },
  {
    id: 'A-OVER-1',
    category: 'model',
    title: "Over-approximation: a pending interrupt takes its owner's label at injection",
    statement:
      "An interrupt that waits for its target's next VM entry carries its device owner's label as it is at injection, not as it was when the device raised it; the owner may have observed more in between, so the label can only be larger than the real one.",
    consequence:
      'Sound for the properties: it can report a flow that a real interrupt would not carry (a false alarm), never miss one.',
  },
  {
    id: 'A-OVER-2',
    category: 'model',
    title: 'Over-approximation: dropped audit records keep their labels',
    statement:
      'Under onFull: overwrite, the audit log remembers the labels of the records it dropped, so a later audit-read gives the reader every label that was ever in the log, not only those of the records present.',
    consequence:
      'Sound for the properties: an audit reader may be charged with a flow from a record it could no longer read (a false alarm), never the reverse.',
  },
  {
    id: 'A-OVER-3',
    category: 'model',
    title: 'Over-approximation: a read observes its whole cell',
    statement:
      'A guest or DMA read of one page observes the label of the whole abstract cell the page belongs to (every page with the same accessors), not only what was written to that page.',
    consequence:
      'Sound for the properties: a read may be charged with data written to a sibling page of its cell (a false alarm), never miss data on the page read.',
  },
  {
    id: 'A-FAIR-1',
    category: 'model',
    title: 'Weak fairness for liveness',
    statement:
      'FaultRecovery assumes weak fairness of the timer (Tick) and of partition launches: a timer that stops forever, or a launch that is enabled forever and never taken, is not a behaviour of the system.',
    consequence: 'A platform whose timer can stop indefinitely is not covered by FaultRecovery.',
  },
  {
    id: 'A-CONFIG-1',
    category: 'configuration',
    title: 'Known-good digests are those of the approved images',
    statement:
      'The sha256 digests in the system file are the measurements of the reviewed hypervisor and partition images, and the system file in this package (identified by its SHA-256) is the configuration deployed.',
    consequence: 'MeasuredLaunch only guarantees that what runs matches the digests in the file.',
  },
];
