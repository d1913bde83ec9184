/**
 * Domain-language descriptions of events and their outcomes, for counterexample traces a certifier
 * reads: "nic0 DMA write to page 3 (owned by secret): allowed by IOMMU passthrough".
 */
import { match } from 'ts-pattern';
import { members } from './bits.js';
import { type Event, ExitReason } from './events.js';
import { EPT_W, type Layout } from './layout.js';
import { bufferEntry } from './operands.js';
import { runningNow, type State } from './state.js';
import type { Effect, StepResult } from './step.js';

const EXIT_NAMES: Record<number, string> = {
  [ExitReason.TripleFault]: 'triple fault',
  [ExitReason.ExternalInterrupt]: 'external interrupt',
  [ExitReason.Cpuid]: 'CPUID',
  [ExitReason.Hlt]: 'HLT',
  [ExitReason.Vmcall]: 'VMCALL',
  [ExitReason.CrAccess]: 'CR access',
  [ExitReason.IoInstruction]: 'I/O instruction',
  [ExitReason.Rdmsr]: 'RDMSR',
  [ExitReason.Wrmsr]: 'WRMSR',
  [ExitReason.EptViolation]: 'EPT violation',
  [ExitReason.EptMisconfig]: 'EPT misconfiguration',
  [ExitReason.PreemptionTimer]: 'preemption timer',
};

export function exitName(reason: number): string {
  return `${EXIT_NAMES[reason] ?? 'unknown exit'} (exit ${reason})`;
}

export function names(layout: Layout, set: number): string {
  const list = members(set).map((p) => layout.config.partitions[p]?.name ?? `#${p}`);
  return list.length ? list.join(', ') : 'nobody';
}

/** Who a host page belongs to, in the system file's words. */
export function pageOwner(layout: Layout, page: number): string {
  if (page < 0 || page >= layout.config.platform.pages) return 'outside the platform';
  const cls = layout.classes[layout.classOf[page]!]!;
  const parts: string[] = [];
  if (cls.listers) parts.push(`owned by ${names(layout, cls.listers)}`);
  for (const region of layout.config.shared) {
    const { start, pages } = region.memory;
    if (page >= start && page < start + pages) parts.push(`shared region ${region.name}`);
  }
  return parts.length ? parts.join(', ') : 'unassigned';
}

function partition(layout: Layout, p: number): string {
  return layout.config.partitions[p]?.name ?? `partition #${p}`;
}

function hypercallTarget(layout: Layout, op: string, arg: number, p: number, buffer?: number): string {
  if (op === 'send' || op === 'receive') {
    const ch = layout.config.channels[arg];
    const on = ch ? ` on channel ${ch.name}` : ` on channel #${arg} (no such channel)`;
    return `${on}${describeBuffer(layout, p, op, buffer)}`;
  }
  if (op === 'partition-reset' || op === 'partition-status') {
    const target = layout.config.partitions[arg];
    return target ? ` of ${target.name}` : ` of partition #${arg} (no such partition)`;
  }
  return '';
}

/** What the event asked for. */
export function describeEvent(layout: Layout, e: Event): string {
  return match(e)
    .with({ type: 'MeasureHypervisor' }, () => 'security monitor measures the hypervisor image')
    .with({ type: 'TamperImage' }, (ev) =>
      ev.partition === null
        ? 'attacker tampers with the hypervisor image'
        : `attacker tampers with the image of ${partition(layout, ev.partition)}`,
    )
    .with({ type: 'LaunchPartition' }, (ev) => `launch of ${partition(layout, ev.partition)}`)
    .with({ type: 'Tick' }, () => 'preemption timer tick on every CPU (exit 52)')
    .with({ type: 'GuestAccess' }, (ev) => {
      const entry = layout.ept[ev.partition]?.[ev.gpa];
      const where = entry ? `host page ${entry.page}, ${pageOwner(layout, entry.page)}` : 'not mapped';
      return `${partition(layout, ev.partition)} ${ev.access}s guest-physical page ${ev.gpa} (${where})`;
    })
    .with({ type: 'Dma' }, (ev) => {
      const device = layout.config.devices[ev.device];
      const dir = ev.access === 'write' ? 'write to' : 'read from';
      return `${device?.name ?? `device #${ev.device}`} DMA ${dir} page ${ev.page} (${pageOwner(layout, ev.page)})`;
    })
    .with({ type: 'PeerDma' }, (ev) => {
      const name = (d: number) => layout.config.devices[d]?.name ?? `device #${d}`;
      const dir = ev.access === 'write' ? 'writes to' : 'reads from';
      return `${name(ev.device)} ${dir} the buffer of ${name(ev.peer)} peer-to-peer (below the IOMMU)`;
    })
    .with({ type: 'DeviceIrq' }, (ev) => {
      const device = layout.config.devices[ev.device];
      return device
        ? `${device.name} raises interrupt line ${device.irq}`
        : `device #${ev.device} raises its interrupt`;
    })
    .with({ type: 'MsiWrite' }, (ev) => {
      const device = layout.config.devices[ev.device];
      const spoofed = layout.config.devices[ev.vector];
      const why =
        layout.config.platform.interruptRemapping === 'off'
          ? 'no interrupt remapping'
          : 'one requester ID: source-id validation cannot tell them apart';
      return `${device?.name ?? `device #${ev.device}`} writes an MSI with the vector of ${spoofed?.name ?? `device #${ev.vector}`} (${why})`;
    })
    .with(
      { type: 'Hypercall' },
      (ev) =>
        `${partition(layout, ev.partition)} VMCALL ${ev.op}${hypercallTarget(layout, ev.op, ev.arg, ev.partition, ev.buffer)}`,
    )
    .with({ type: 'VmExit' }, (ev) => `${partition(layout, ev.partition)} ${exitName(ev.reason)}`)
    .exhaustive();
}

/** A message buffer operand: where it is, and the caller's rights there. */
function describeBuffer(layout: Layout, p: number, op: string, buffer?: number): string {
  if (buffer === undefined) return '';
  const dir = op === 'send' ? 'from' : 'into';
  const entry = bufferEntry(layout, p, buffer);
  if (!entry)
    return ` ${dir} ${buffer < 0 ? 'a buffer of the wrong length' : `guest page ${buffer} (not mapped)`}`;
  const rights = entry.rights & EPT_W ? 'read-write' : 'read-only';
  return ` ${dir} guest page ${buffer} (host page ${entry.page}, ${pageOwner(layout, entry.page)}, ${rights} for it)`;
}

/** What the hypervisor did about it. */
export function describeOutcome(layout: Layout, before: State, e: Event, result: StepResult): string {
  const parts: string[] = [];
  if (e.type === 'Dma' && result.outcome === 'ok') {
    const device = layout.config.devices[e.device]!;
    parts.push(device.iommu === 'passthrough' ? 'allowed by IOMMU passthrough' : 'translated by the IOMMU');
  }
  if (e.type === 'Dma' && result.outcome === 'refused' && !result.effects.length)
    parts.push(
      'blocked by the platform with no VT-d fault record (pass-through past platform memory), so the hypervisor never learns of it',
    );
  if (e.type === 'PeerDma' && result.outcome === 'ok')
    parts.push('routed to the peer without reaching the IOMMU, so nothing translates, faults or audits it');
  if (e.type === 'GuestAccess' && result.outcome === 'ok') parts.push('allowed by EPT');
  for (const effect of result.effects) parts.push(...describeEffect(layout, effect));
  result.state.observed.forEach((seen, q) => {
    const gained = seen & ~before.observed[q]!;
    if (gained) parts.push(`${partition(layout, q)} now holds data of ${names(layout, gained)}`);
  });
  result.state.cells.forEach((label, i) => {
    const gained = label & ~before.cells[i]!;
    const page = layout.cells[i]!.pages[0]!;
    if (gained) parts.push(`page ${page} now holds data of ${names(layout, gained)}`);
  });
  if (result.outcome === 'dropped') parts.push('message dropped: channel full (the sender is told OK)');
  if (e.type === 'MeasureHypervisor' && result.outcome === 'ok')
    parts.push('measurement matches the known-good digest');
  if (e.type === 'TamperImage' && result.state !== before) parts.push('image replaced before measurement');
  if (e.type === 'Tick') parts.push(describeSchedule(layout, result.state));
  if (!parts.length) parts.push(result.state === before ? 'nothing changes' : 'done');
  return parts.join('; ');
}

/** Which partition each CPU runs now. */
export function describeSchedule(layout: Layout, s: State): string {
  const running = runningNow(layout, s);
  const slot = layout.frames[s.frame]!;
  const cpus = slot.perCpu.map(
    (candidates, cpu) => `cpu ${cpu} ${names(layout, candidates & running).replace('nobody', 'idle')}`,
  );
  return `tick ${s.frame} of the major frame: ${cpus.join(', ')}`;
}

const VTD_REASONS = {
  2: 'no context entry',
  4: 'address beyond the address width',
  5: 'write denied',
  6: 'read denied',
} as const;

function describeEffect(layout: Layout, effect: Effect): string[] {
  return match(effect)
    .with({ kind: 'vm-exit' }, () => [])
    .with({ kind: 'audit' }, (ef) => [`audited (${ef.code})`])
    .with({ kind: 'ept-violation' }, () => ['EPT violation (exit 48)'])
    .with({ kind: 'vtd-fault' }, (ef) => [
      `blocked by the IOMMU: VT-d fault reason ${ef.reason} (${VTD_REASONS[ef.reason]})`,
    ])
    .with({ kind: 'inject' }, (ef) => [`interrupt injected into ${partition(layout, ef.partition)}`])
    .with({ kind: 'pend' }, (ef) => [`interrupt pending for ${partition(layout, ef.partition)}`])
    .with({ kind: 'inject-gp' }, () => ['#GP injected'])
    .with({ kind: 'fault' }, (ef) => [`${partition(layout, ef.partition)} faulted`])
    .with({ kind: 'reset' }, (ef) => [`${partition(layout, ef.by)} resets ${partition(layout, ef.target)}`])
    .with({ kind: 'launch' }, (ef) =>
      ef.verdict === 'refused'
        ? ['measurement mismatch: launch refused']
        : [ef.verdict === 'measured' ? 'measurement matches: launched' : 'launched without measurement'],
    )
    .with({ kind: 'hypercall' }, (ef) => [`returns ${ef.status}`])
    .with({ kind: 'halt' }, (ef) => [
      ef.reason === 'measurement'
        ? 'hypervisor measurement mismatch: system halted'
        : 'audit log full: system halted',
    ])
    .exhaustive();
}
