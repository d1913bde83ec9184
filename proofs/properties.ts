/**
 * The property catalog (docs/DESIGN.md section 4). Each invariant is a predicate on model states and names
 * its TLA+ twin in spec/Hypervisor.tla; `FaultRecovery` is a liveness property checked on the
 * explored state graph (proofs/liveness.ts).
 *
 * Each property also has a bait: a step that must be reachable on the examples, so a property cannot
 * pass only because nothing it speaks about ever happens. In TLA+ a bait is `Bait<Name>`, an
 * invariant `~ENABLED <that step>` that the checker is expected to violate.
 */
import { has, isSubset } from '../model/bits.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { booted, Flag, isLaunched, runningNow, type State } from '../model/state.js';
import type { StepResult } from '../model/step.js';

export const PROPERTY_NAMES = [
  'MemoryIsolation',
  'DmaContainment',
  'InformationFlow',
  'MeasuredLaunch',
  'AuditCompleteness',
  'TemporalIsolation',
  'InterruptIsolation',
  'HypercallAuthorization',
  'FaultContainment',
  'FailSecure',
  'FaultRecovery',
] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

export interface Bait {
  /** TLA+ definition expected to be violated. */
  readonly tla: string;
  readonly description: string;
  readonly reached: (layout: Layout, before: State, event: Event, result: StepResult) => boolean;
}

interface PropertyBase {
  readonly name: PropertyName;
  /** What the property promises, in a certifier's words. */
  readonly summary: string;
  readonly tla: string;
  readonly bait: Bait;
}

export interface InvariantProperty extends PropertyBase {
  readonly kind: 'invariant';
  readonly holds: (layout: Layout, state: State) => boolean;
}

export interface LivenessProperty extends PropertyBase {
  readonly kind: 'liveness';
}

export type Property = InvariantProperty | LivenessProperty;

const PRIVILEGED_OPS = new Set(['partition-reset', 'partition-status', 'audit-read']);

export const CATALOG: readonly Property[] = [
  {
    name: 'MemoryIsolation',
    kind: 'invariant',
    summary:
      'Through its EPT a launched partition reaches only pages it owns alone, or configured shared regions with the configured access (writer read-write, readers read-only).',
    tla: 'MemoryIsolationInv',
    /** Hypervisor.tla!MemoryIsolationInv */
    holds: (layout, s) => s.status.every((_, p) => !isLaunched(s, p) || !layout.eptBreach[p]),
    bait: {
      tla: 'BaitMemoryIsolation',
      description: 'a guest write completes through its EPT',
      reached: (_l, _b, e, r) => e.type === 'GuestAccess' && e.access === 'write' && r.outcome === 'ok',
    },
  },
  {
    name: 'DmaContainment',
    kind: 'invariant',
    summary:
      'Every DMA a device completes reaches only pages its owner may write: pages it owns alone, or shared regions it writes; never, peer-to-peer, a device of another owner.',
    tla: 'DmaContainmentInv',
    /** Hypervisor.tla!DmaContainmentInv */
    holds: (_l, s) => !(s.flags & Flag.DmaEscape),
    bait: {
      tla: 'BaitDmaContainment',
      description: 'a device DMA completes through the IOMMU',
      reached: (_l, _b, e, r) => e.type === 'Dma' && r.outcome === 'ok',
    },
  },
  {
    name: 'InformationFlow',
    kind: 'invariant',
    summary:
      'Data reaches partition B from partition A only if the policy allows A to flow to B (level(A) <= level(B) or A is a downgrader; or, under declared flows, a path of declared flows from A to B), through any mechanism: memory, DMA, channels, interrupts, partition control, audit reads.',
    tla: 'InformationFlowInv',
    /** Hypervisor.tla!InformationFlowInv */
    holds: (layout, s) => s.observed.every((seen, p) => isSubset(seen, layout.mayFlowTo[p]!)),
    bait: {
      tla: 'BaitInformationFlow',
      description: 'data of one partition reaches another',
      reached: (_l, b, _e, r) => r.state.observed.some((seen, p) => seen !== b.observed[p]),
    },
  },
  {
    name: 'MeasuredLaunch',
    kind: 'invariant',
    summary:
      "No partition runs unless it was measured and matched its known-good digest, and none runs before the hypervisor's own measurement matched.",
    tla: 'MeasuredLaunchInv',
    /** Hypervisor.tla!MeasuredLaunchInv */
    holds: (layout, s) =>
      s.status.every(
        (_, p) =>
          !isLaunched(s, p) ||
          (s.hv === 'ok' && layout.config.partitions[p]!.launch === 'measured' && !has(s.tampered, p)),
      ),
    bait: {
      tla: 'BaitMeasuredLaunch',
      description: 'a partition launches after a matching measurement',
      reached: (_l, _b, _e, r) => r.effects.some((ef) => ef.kind === 'launch' && ef.verdict === 'measured'),
    },
  },
  {
    name: 'AuditCompleteness',
    kind: 'invariant',
    summary: 'Every denied or failed operation leaves an audit record, and no record is ever dropped.',
    tla: 'AuditCompletenessInv',
    /** Hypervisor.tla!AuditCompletenessInv */
    holds: (_l, s) => !(s.flags & (Flag.Unaudited | Flag.AuditDropped)),
    bait: {
      tla: 'BaitAuditCompleteness',
      description: 'an audit record is written',
      reached: (_l, _b, _e, r) => r.effects.some((ef) => ef.kind === 'audit'),
    },
  },
  {
    name: 'TemporalIsolation',
    kind: 'invariant',
    summary:
      "On every CPU, during a window only that window's partition can run; windows do not overlap, lie within the major frame, and sit on CPUs their partition may use.",
    tla: 'TemporalIsolationInv',
    /** Hypervisor.tla!TemporalIsolationInv */
    holds: (layout, s) => {
      if (s.halted || !booted(s)) return true;
      const running = runningNow(layout, s);
      const slot = layout.frames[s.frame]!;
      if (slot.misplaced & running) return false;
      return slot.perCpu.every((candidates) => {
        const here = candidates & running;
        return (here & (here - 1)) === 0;
      });
    },
    bait: {
      tla: 'BaitTemporalIsolation',
      description: 'a tick switches the partition running on some CPU',
      reached: (layout, b, e, r) =>
        e.type === 'Tick' &&
        layout.frames[b.frame]!.perCpu.some(
          (was, cpu) =>
            (was & runningNow(layout, b)) !==
            (layout.frames[r.state.frame]!.perCpu[cpu]! & runningNow(layout, r.state)),
        ),
    },
  },
  {
    name: 'InterruptIsolation',
    kind: 'invariant',
    summary: "A device's interrupt reaches only the partition that owns the device.",
    tla: 'InterruptIsolationInv',
    /** Hypervisor.tla!InterruptIsolationInv */
    holds: (_l, s) => !(s.flags & Flag.IrqEscape),
    bait: {
      tla: 'BaitInterruptIsolation',
      description: 'a device interrupt is injected into its owner',
      reached: (_l, _b, e, r) => e.type === 'DeviceIrq' && r.effects.some((ef) => ef.kind === 'inject'),
    },
  },
  {
    name: 'HypercallAuthorization',
    kind: 'invariant',
    summary:
      'Privileged hypercalls succeed only for partitions holding the privilege (partition control only over the partitions the holder controls), and a message is copied only through a buffer the caller may read (send) or write (receive); refused or malformed hypercalls change nothing but the audit log (and the fail-secure halt when their record fills it).',
    tla: 'HypercallAuthorizationInv',
    /** Hypervisor.tla!HypercallAuthorizationInv */
    holds: (_l, s) => !(s.flags & Flag.HypercallEscape),
    bait: {
      tla: 'BaitHypercallAuthorization',
      description: 'a privileged hypercall is refused for want of the privilege',
      reached: (_l, _b, e, r) =>
        e.type === 'Hypercall' &&
        PRIVILEGED_OPS.has(e.op) &&
        r.effects.some((ef) => ef.kind === 'hypercall' && ef.status === 'EPERM'),
    },
  },
  {
    name: 'FaultContainment',
    kind: 'invariant',
    summary:
      "A fault changes only the faulting partition's fault state and the audit log (and the fail-secure halt when its record fills it); only partition-reset restarts a partition and clears its memory.",
    tla: 'FaultContainmentInv',
    /** Hypervisor.tla!FaultContainmentInv */
    holds: (_l, s) => !(s.flags & Flag.FaultEscape),
    bait: {
      tla: 'BaitFaultContainment',
      description: 'a partition faults',
      reached: (_l, _b, _e, r) => r.outcome === 'faulted',
    },
  },
  {
    name: 'FailSecure',
    kind: 'invariant',
    summary:
      'After a failed hypervisor measurement, or once the audit log is full under onFull: halt, no event is enabled (devices included): the system stutters.',
    tla: 'FailSecureInv',
    /** Hypervisor.tla!FailSecureInv */
    holds: (_l, s) => !(s.flags & Flag.HaltEscape),
    bait: {
      tla: 'BaitFailSecure',
      description: 'the system halts fail-secure',
      reached: (_l, b, _e, r) => r.state.halted && !b.halted,
    },
  },
  {
    name: 'FaultRecovery',
    kind: 'liveness',
    summary:
      'For every health monitor m and partition p it controls: (p faulted and m up) leads to (p not faulted, or m not up, or the system halted), under weak fairness of Tick and of launches.',
    tla: 'FaultRecoveryProp',
    bait: {
      tla: 'BaitFaultRecovery',
      description: 'a health monitor resets a faulted partition',
      reached: (_l, b, _e, r) =>
        r.effects.some((ef) => ef.kind === 'reset' && b.status[ef.target] === 'faulted'),
    },
  },
];

export const INVARIANTS: readonly InvariantProperty[] = CATALOG.filter(
  (p): p is InvariantProperty => p.kind === 'invariant',
);
