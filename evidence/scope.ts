/**
 * What a package's verdict is about, and what it is not: the scope line printed under the verdict,
 * and the separation-kernel requirements that lie outside typezero's model altogether. A verdict on
 * a configuration over a reference model says nothing of a real hypervisor binary, of timing, or of
 * how the configuration is managed; an evaluator must read that beside the verdict, not in the
 * eighth row of the assumptions register.
 */

export interface Scope {
  /** What was verified: this configuration, identified by its digest. */
  readonly verified: string;
  /** Over what: the model and the specification the verdict is a statement about. */
  readonly model: string;
  /** What the verdict does not cover, in one sentence; the list is `notCovered`. */
  readonly notVerified: string;
}

export interface NotCovered {
  readonly id: string;
  /** The separation-kernel requirement, in the words of the protection profile. */
  readonly requirement: string;
  /** Common Criteria Part 2 and Part 3 elements and families, and other standards, it traces to. */
  readonly references: readonly string[];
  /** Why the model cannot show it, and what evidence an evaluator needs instead. */
  readonly why: string;
}

export function scopeOf(system: {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
}): Scope {
  return {
    verified: `The configuration ${system.file} of system ${system.name} (SHA-256 ${system.sha256}), exactly as packaged: its partitions, memory, devices, channels, shared regions, schedule and audit settings.`,
    model:
      "Over typezero's reference model of a Type Zero separation hypervisor (the TypeScript state machine and the TLA+ specification spec/Hypervisor.tla), with a concrete emulator checked to refine that model on the runs recorded here.",
    notVerified:
      'Not a verdict on any real hypervisor binary, its source code or the hardware it runs on: it says the configuration keeps the properties if the hypervisor behaves as the model does. The separation-kernel requirements below lie outside the model.',
  };
}

export const NOT_COVERED: readonly NotCovered[] = [
  {
    id: 'NC-IMPL',
    requirement: 'Correspondence of the deployed hypervisor to the model',
    references: ['CC ADV_IMP', 'CC ADV_TDS', 'CC ADV_FSP', 'DO-178C 6.4.4 (source to object code)'],
    why: 'The package checks a configuration against a model of the hypervisor; whether a real hypervisor binary behaves as the model does needs design and implementation evidence for that binary (refinement proofs, testing against the model, code review).',
  },
  {
    id: 'NC-TIMING',
    requirement: 'Covert timing channels',
    references: ['CC FDP_IFF.3', 'CC FDP_IFF.4', 'CC AVA_VAN', 'SKPP covert channel analysis'],
    why: 'Time is one global tick and the schedule is static; contention in caches, TLBs, branch predictors, memory buses and devices within a window is not modelled, so InformationFlow and the two-run noninterference check speak of architectural state only. Bandwidth of timing channels needs its own analysis and measurement.',
  },
  {
    id: 'NC-RESIDUE',
    requirement: 'Residual information in processor and device state',
    references: ['CC FDP_RIP.2', 'SKPP residual information purging'],
    why: 'The model clears a partition’s memory on partition-reset, but holds no registers, caches, TLB entries, FPU/vector state or device buffers; that nothing of one partition survives a switch in those needs evidence from the implementation (flushing and scrubbing on every switch).',
  },
  {
    id: 'NC-SELFPROT',
    requirement: 'Kernel self-protection and non-bypassability',
    references: ['CC ADV_ARC', 'CC FPT_FLS.1', 'CC FPT_TEE.1', 'SKPP self-protection'],
    why: "The hypervisor's own code, tables and audit log are assumed out of every partition's and device's reach (register A-HW-2); that the hypervisor protects itself against its guests and cannot be bypassed (VMX configuration, interrupt remapping, SMM, firmware) is an architecture argument the model takes for granted.",
  },
  {
    id: 'NC-MGMT',
    requirement: 'Management of the configuration and of security attributes',
    references: ['CC FMT_MOF.1', 'CC FMT_MSA.1', 'CC FMT_MSA.3', 'CC FMT_SMF.1', 'CC FMT_SMR.1'],
    why: 'Who may write or change the system file, how it reaches the hypervisor intact, and administrative roles are outside the model, which takes the configuration as given (register A-CONFIG-1).',
  },
  {
    id: 'NC-HW',
    requirement: 'Hardware faults, physical attacks and transient execution',
    references: ['CC FPT_PHP', 'CC FPT_TST.1', 'CC FRU_FLT.1'],
    why: 'Hardware is trusted to behave as documented (register A-HW-1): errata, single-event upsets, fault injection, probing and speculative-execution leaks are not behaviours of the model.',
  },
  {
    id: 'NC-CRYPTO',
    requirement: 'Strength of measurement and of the root of trust',
    references: ['CC FCS_COP.1', 'CC FPT_TST.1', 'TCG D-RTM'],
    why: 'A measurement matches its known-good digest or not; collisions of SHA-256 and the correctness of the TPM and the dynamic launch are assumed, not analysed.',
  },
];
