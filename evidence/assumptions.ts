/**
 * The assumptions register: what every verdict in an evidence package takes for granted. The fixed
 * entries hold for every system; the bounds entries are written per run by evidence/collect.ts,
 * because they depend on the options and on what the engines reached.
 */
import type { SystemConfig } from '../system/config.js';

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
      "VT-x (EPT translation with read/write/execute bits, VM exits with their basic reasons, the preemption timer), the VT-d IOMMU (root, context and second-level tables, fault recording with reasons 2, 4, 5 and 6, protected memory regions that block device access to the hypervisor silently) and the TPM with dynamic launch (PCR extend, PCRs 17-22 reset by launch) behave as Intel and the TCG specify. Beyond the DMA translation tables the model takes three platform facts from the system file: every device has a requester ID of its own unless the file puts it in an iommuGroup (devices behind one PCIe-to-PCI bridge, which also reach each other's buffers on the bridge's bus); a device reaches another's buffer without the IOMMU only as the file describes it, through an iommuGroup or, with PCIe access control services off, a shared rootPort (A-ACS); interrupt remapping with source-id validation is on unless the file says otherwise (A-IRQ). Errata and hardware faults are not modelled.",
    consequence:
      'A hardware defect that bypasses EPT or VT-d translation defeats every separation property. A device sharing a requester ID, or a root port without ACS, that the file does not declare shares a DMA window or reaches its peers unchecked.',
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
      "Every guest may execute any instruction sequence, and an attacker may replace the hypervisor image or any partition image before it is measured. Once every partition has launched or been refused, every device may attempt any DMA at any time until the fail-secure halt, and may raise its interrupt while its owner is launched (running or faulted), or write another device's vector as an MSI wherever the platform lets it (A-IRQ), and may read or write the buffer of any device the PCIe fabric routes its requests to below the IOMMU (A-ACS), whatever the owners' status; the DMA of a device whose owner was refused finds no VT-d context (fault reason 2) and is audited. Before that point devices are not modelled: the platform is taken to hold them off memory and off each other until the hypervisor has programmed the IOMMU and released them (A-HW-1), and the interrupts of a refused owner's devices are taken to be blocked by interrupt remapping. The fail-secure halt is taken to hold them again (the switch ports' bus mastering cleared, the bridges' secondary buses reset). Nothing else about their behaviour is assumed.",
    consequence:
      "Within these bounds this is the strongest environment the model offers; weaker attackers are covered by it. A device that reaches memory or a peer during launch or after the halt, or whose interrupts outlive its owner's refusal, is outside it.",
  },
  {
    id: 'A-SCOPE-1',
    category: 'out-of-scope',
    title: 'Timing channels through shared hardware',
    statement:
      'Covert and side channels through caches, TLBs, branch predictors, memory buses and other shared microarchitectural state are out of scope. The static schedule itself carries no information (scheduling windows do not depend on any partition), but contention within a window is not modelled.',
    consequence:
      'InformationFlow and the two-run noninterference check are statements about architectural state only; timing-channel bandwidth needs separate analysis (cache colouring, flushing on partition switch).',
  },
  {
    id: 'A-POLICY-1',
    category: 'policy',
    title: 'Termination-insensitive information-flow policy',
    statement:
      'A system-wide fail-secure halt (a full audit log under onFull: halt, a failed hypervisor measurement) is not counted as a flow. Under onFull: halt any partition that runs, the lowest included, can cause every record the log holds by itself (an I/O instruction or a refused hypercall is one record and leaves it running), and the record that fills the log halts the platform: see A-HALT for the figures of this system.',
    consequence:
      'Whether and when the system halts carries information from whichever partition caused it to every other, and any partition can stop the others: an availability loss and a covert channel of one use per boot, which neither InformationFlow nor the noninterference check (which compares runs only while both run, or after both halted) sees.',
  },
  {
    id: 'A-POLICY-2',
    category: 'policy',
    title: 'Downgraders are trusted',
    statement:
      'Everything a partition marked downgrader causes (messages, writes, DMA of its devices, interrupts, resets) carries only its own label, and the noninterference check takes what it outputs to be its own data in both runs: its review of the data it releases is trusted and not analysed.',
    consequence:
      'A faulty downgrader releases data to lower levels; its own assurance must come from elsewhere.',
  },
  {
    id: 'A-MODEL-1',
    category: 'model',
    title: 'Page-class abstraction',
    statement:
      'Host pages with the same accessors (the same partitions through EPT with the same rights, the same devices through the IOMMU) are explored as one abstract cell, and a page only its owner can reach carries no label of its own. Both reductions lose no behaviour: the test suite checks them against page-by-page labels (one labelled cell per host page) on the examples and on generated systems, and every package checks them on its own system when it is made.',
    consequence:
      'A class that merged pages which behave differently could hide a violation; the comparison with page-by-page labels shows that as a differing verdict or bait. State counts are those of the abstract model, not of byte-level memory.',
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
      'Every partition holding partition-control, when up, resets every faulted partition it controls within the Tick step that starts each of its windows; its other hypercalls are free choices.',
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

/**
 * Entries that state what the fixed ones leave open, with the figures of one system: how many audit
 * records a partition can cause before the fail-secure halt, and how wide the halt is as a channel.
 */
export function systemAssumptions(config: SystemConfig): Assumption[] {
  const { capacity, onFull } = config.audit;
  const halt: Assumption =
    onFull === 'halt'
      ? {
          id: 'A-HALT',
          category: 'policy',
          title: 'The audit halt as a channel',
          statement: `The audit log holds ${capacity} records and halts the platform when the ${capacity}th is written. Any one of the ${config.partitions.length} partitions can cause all ${capacity} by itself, one per audited request, and so chooses the step at which every partition stops: over a run of T steps the halt carries at most log2(T + 1) bits, once per boot, from the partition that caused it to all the others.`,
          consequence:
            'A lower partition can stop a higher one at will, and a higher partition can signal one value per boot to a lower one through the time of the halt (A-POLICY-1).',
        }
      : {
          id: 'A-HALT',
          category: 'policy',
          title: 'The audit halt as a channel',
          statement: `The audit log holds ${capacity} records and overwrites the oldest when full: no partition can halt the platform through it, but any partition that runs can cause ${capacity} records by itself and so push every older record out.`,
          consequence:
            'Records can be lost to a partition that floods the log, which AuditCompleteness reports; the halt channel of A-POLICY-1 does not exist under this policy.',
        };
  const irq: Assumption =
    config.platform.interruptRemapping === 'enforced'
      ? {
          id: 'A-IRQ',
          category: 'configuration',
          title: 'Interrupt remapping is on',
          statement:
            'The file declares VT-d interrupt remapping with source-id validation enforced (platform.interruptRemapping, the default): a device raises only the vector assigned to it, so no MsiWrite event is explored. That the platform really enforces it is taken from the file, not checked.',
          consequence:
            'On a platform without interrupt remapping any device can inject any vector into whichever partition it is routed to (MSI spoofing), which these verdicts do not cover: check the file with interruptRemapping: off.',
        }
      : {
          id: 'A-IRQ',
          category: 'configuration',
          title: 'Interrupt remapping is off',
          statement:
            "The file declares interrupt remapping off: every device may write any other device's vector as an MSI once boot completes (MsiWrite), and InterruptIsolation and InformationFlow are checked against it.",
          consequence: 'None beyond the verdicts: MSI spoofing is part of the explored behaviour.',
        };
  return [halt, irq, acsAssumption(config)];
}

/** A-ACS: what the file says about peer-to-peer requests below the IOMMU, with this system's pairs. */
function acsAssumption(config: SystemConfig): Assumption {
  const onPorts = config.devices.filter((d) => d.rootPort !== null).length;
  if (config.platform.acs === 'enforced')
    return {
      id: 'A-ACS',
      category: 'configuration',
      title: 'PCIe access control services are on',
      statement: `The file declares ACS enforced (platform.acs, the default): a device's request for another device's buffer is redirected up to the IOMMU, which refuses it, so peer-to-peer DMA (PeerDma) is explored only between devices of one iommuGroup. ${onPorts} of ${config.devices.length} devices name a rootPort. That the switches enforce ACS (source validation, request and completion redirect) is taken from the file, not checked.`,
      consequence:
        "On a platform without ACS, devices below one root port reach each other's buffers with nothing translating or auditing it, which these verdicts do not cover: check the file with acs: off and each device's rootPort.",
    };
  return {
    id: 'A-ACS',
    category: 'configuration',
    title: 'PCIe access control services are off',
    statement: `The file declares ACS off: devices naming one rootPort (${onPorts} of ${config.devices.length} devices name one) read and write each other's buffers peer-to-peer once boot completes (PeerDma), and DmaContainment and InformationFlow are checked against it. A device without a rootPort is taken to share its root port with no other device.`,
    consequence:
      'A device that shares a root port the file does not name reaches its peers without the verdicts covering it.',
  };
}
