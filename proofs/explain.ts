/**
 * One sentence per counterexample saying what is wrong in its last state, in the system file's
 * words, so a reader need not work it out from the steps.
 */
import { match } from 'ts-pattern';
import { has, members } from '../model/bits.js';
import { names } from '../model/describe.js';
import { type Layout, resettable } from '../model/layout.js';
import { bufferAllowed, hasBuffer } from '../model/operands.js';
import { Flag, isLaunched, runningNow } from '../model/state.js';
import type { Trace } from './explorer.js';
import type { PropertyName } from './properties.js';

export function explainViolation(layout: Layout, name: PropertyName, trace: Trace): string {
  const { config } = layout;
  const last = trace.steps.at(-1)!;
  const s = last.state;
  const partition = (p: number) => {
    const { name, level } = config.partitions[p]!;
    return level === undefined ? name : `${name} (${level})`;
  };
  return match(name)
    .with('MemoryIsolation', () => {
      const p = s.status.findIndex((_, i) => isLaunched(s, i) && layout.eptBreach[i]);
      const entry = layout.ept[p]?.find((e) => (e.rights & ~layout.allowed[p]![e.page]!) !== 0);
      if (!entry) return 'a launched partition maps memory it may not reach';
      const listers = layout.classes[layout.classOf[entry.page]!]!.listers;
      return `the EPT of ${config.partitions[p]!.name} maps page ${entry.page}, which is listed by ${names(layout, listers)} and so owned by none of them alone`;
    })
    .with('DmaContainment', () => {
      const e = last.event;
      if (e?.type === 'PeerDma') {
        const [device, peer] = [config.devices[e.device]!, config.devices[e.peer]!];
        const owner = (d: typeof device) => config.partitions[d.owner]!.name;
        return `${device.name} (owned by ${owner(device)}) ${e.access === 'write' ? 'wrote to' : 'read from'} the buffer of ${peer.name} (owned by ${owner(peer)}) peer-to-peer, below the IOMMU`;
      }
      if (e?.type !== 'Dma') return 'a device completed DMA outside its owner’s memory';
      const device = config.devices[e.device]!;
      return `${device.name} completed a DMA ${e.access} of page ${e.page}, which its owner ${config.partitions[device.owner]!.name} may not write`;
    })
    .with('InformationFlow', () => {
      const flows = s.observed.flatMap((seen, p) =>
        members(seen & ~layout.mayFlowTo[p]!).map((q) => `${partition(p)} holds data of ${partition(q)}`),
      );
      const rule =
        config.flows === undefined
          ? 'data may only flow to a level at least as high, or from a downgrader'
          : 'the declared flows allow neither directly nor through other partitions';
      return `${flows.join('; ')}: ${rule}`;
    })
    .with('MeasuredLaunch', () => {
      const p = s.status.findIndex(
        (_, i) => isLaunched(s, i) && (config.partitions[i]!.launch !== 'measured' || has(s.tampered, i)),
      );
      if (p < 0) return 'a partition runs without a matching measurement';
      const why =
        config.partitions[p]!.launch !== 'measured' ? 'without being measured' : 'with a tampered image';
      return `${config.partitions[p]!.name} was launched ${why}`;
    })
    .with('AuditCompleteness', () =>
      s.flags & Flag.AuditDropped
        ? `the audit log was full (capacity ${config.audit.capacity}, onFull: overwrite) and its oldest record was dropped`
        : 'a denied or failed operation left no audit record',
    )
    .with('TemporalIsolation', () => {
      const slot = layout.frames[s.frame]!;
      const running = runningNow(layout, s);
      const crowded = slot.perCpu.findIndex((c) => members(c & running).length > 1);
      if (crowded >= 0)
        return `at tick ${s.frame} CPU ${crowded} can run ${names(layout, slot.perCpu[crowded]! & running)} at once`;
      const p = members(slot.misplaced & running)[0] ?? 0;
      return `at tick ${s.frame} ${config.partitions[p]!.name} runs in a window that lies past the major frame or on a CPU it may not use`;
    })
    .with('InterruptIsolation', () => {
      const e = last.event;
      if (e?.type === 'MsiWrite') {
        const sender = config.devices[e.device]!;
        const spoofed = config.devices[e.vector]!;
        return `${sender.name} (owned by ${config.partitions[sender.owner]!.name}) raised the vector of ${spoofed.name}, which reaches ${names(layout, layout.irqTargets[e.vector]!)}: without interrupt remapping nothing checks an MSI's source`;
      }
      if (e?.type !== 'DeviceIrq')
        return 'a device interrupt reached a partition that does not own the device';
      const device = config.devices[e.device]!;
      const others = layout.irqTargets[e.device]! & ~(1 << device.owner);
      return `interrupt line ${device.irq} of ${device.name} (owned by ${config.partitions[device.owner]!.name}) also reaches ${names(layout, others)}`;
    })
    .with('HypercallAuthorization', () => {
      const e = last.event;
      if (
        e?.type === 'Hypercall' &&
        last.result?.outcome === 'ok' &&
        hasBuffer(e.op) &&
        !bufferAllowed(layout, e.partition, e.op, e.buffer)
      )
        return `the hypervisor served ${e.op} for ${config.partitions[e.partition]!.name} through guest page ${e.buffer}, which it may not ${e.op === 'send' ? 'read' : 'write'}: the hypervisor copied with its own privilege, a confused deputy`;
      return 'a hypercall was served against its authorization or changed state while refused';
    })
    .with(
      'FaultContainment',
      () => 'a fault changed state beyond its own partition, or a partition restarted without a reset',
    )
    .with('FailSecure', () => 'the system changed after its fail-secure halt')
    .with('FaultRecovery', () => {
      const at = trace.steps[trace.loop ?? 0]!.state;
      const down = at.status.flatMap((st, p) => (st === 'faulted' ? [config.partitions[p]!.name] : []));
      const faulted = at.status.reduce((bits, st, p) => (st === 'faulted' ? bits | (1 << p) : bits), 0);
      const monitors = members(layout.healthMonitors)
        .filter((m) => at.status[m] === 'running' && (resettable(layout, m) & faulted) !== 0)
        .map((m) => config.partitions[m]!.name);
      return `${down.join(', ')} stays faulted forever while the health monitor ${monitors.join(', ')} is up`;
    })
    .exhaustive();
}
