/**
 * The events the environment, the attacker, devices and guests can cause in a state: the
 * disjuncts of the spec's `Next`. Guest and device events are enumerated once per abstract memory
 * class (model/layout.ts), with one representative address each, plus malformed requests (an
 * unmapped address, an unknown hypercall, out-of-range arguments) so refusals are explored too.
 *
 * Left out: requests the hypervisor answers without changing anything outside the guest in any
 * state (`yield`, and the exits it emulates: CPUID, HLT, CR access, RDMSR), and peer-to-peer
 * requests between two devices of one owner (model/step.ts `peerDma`). They are self-loops
 * everywhere, so they can neither reach a state nor break a property; the step function still
 * handles them, and the spec's Next still allows them.
 */

import type { DeviceIdx, HostPage, PartitionIdx } from '../system/config.js';
import { has } from './bits.js';
import { type Event, ExitReason, GUEST_EXIT_REASONS, HYPERCALL_OPS, type HypercallOp } from './events.js';
import { canSpoof, type Layout } from './layout.js';
import { bufferCandidates, hasBuffer } from './operands.js';
import { booted, isLaunched, runningNow, type State } from './state.js';
import type { ModelOptions } from './step.js';

/** Exits the exception handler emulates from the vCPU's own state, changing nothing else. */
export const EMULATED_EXITS: ReadonlySet<number> = new Set([
  ExitReason.Cpuid,
  ExitReason.Hlt,
  ExitReason.CrAccess,
  ExitReason.Rdmsr,
]);

/** A hypercall number no hypervisor version defines: a malformed VMCALL. */
export const UNKNOWN_HYPERCALL = 'hypercall-255';

export interface EventCatalog {
  readonly measure: Event;
  readonly tamperHypervisor: Event;
  readonly tamper: readonly Event[];
  readonly launch: readonly Event[];
  readonly tick: Event;
  readonly guest: readonly (readonly Event[])[];
  readonly device: readonly (readonly Event[])[];
}

export function buildCatalog(layout: Layout): EventCatalog {
  const { config } = layout;
  const guest = config.partitions.map((_, i) => {
    const partition = i as PartitionIdx;
    const events: Event[] = [];
    const seen = new Set<string>();
    for (const entry of layout.ept[partition]!) {
      const key = `${layout.classOf[entry.page]}:${entry.rights}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events.push({ type: 'GuestAccess', partition, gpa: entry.gpa, access: 'read' });
      events.push({ type: 'GuestAccess', partition, gpa: entry.gpa, access: 'write' });
    }
    events.push({ type: 'GuestAccess', partition, gpa: layout.ept[partition]!.length, access: 'read' });
    // Buffer operands are tried at the same guest pages: one per class and rights, one unmapped.
    const gpas = [...new Set(events.map((e) => (e as { gpa: number }).gpa))];
    for (const op of HYPERCALL_OPS)
      for (const arg of hypercallArgs(layout, partition, op)) {
        if (!hasBuffer(op)) {
          events.push({ type: 'Hypercall', partition, op, arg });
          continue;
        }
        // The buffer is checked once the channel is: a refused channel needs one buffer only.
        const ch = config.channels[arg];
        const mine = ch !== undefined && (op === 'send' ? ch.from : ch.to) === partition;
        const buffers = bufferCandidates(layout, partition, op, gpas);
        for (const buffer of mine ? buffers : buffers.slice(0, 1))
          events.push({ type: 'Hypercall', partition, op, arg, buffer });
      }
    events.push({ type: 'Hypercall', partition, op: UNKNOWN_HYPERCALL, arg: 0 });
    for (const reason of GUEST_EXIT_REASONS)
      if (!EMULATED_EXITS.has(reason)) events.push({ type: 'VmExit', partition, reason });
    return events;
  });
  const device = config.devices.map((_, i) => {
    const d = i as DeviceIdx;
    const events: Event[] = [{ type: 'DeviceIrq', device: d }];
    // A device can write another's vector as an MSI without interrupt remapping, or under it
    // when they share a requester ID.
    for (let v = 0; v < layout.nDevices; v++)
      if (canSpoof(layout, d, v)) events.push({ type: 'MsiWrite', device: d, vector: v as DeviceIdx });
    // Every class the IOMMU lets the device reach, and one address it blocks: the hypervisor's
    // answer to a blocked DMA (a fault record, audited for the owner) does not depend on the page.
    const blocked = layout.classes.find((cls) => !layout.dmaReach[d]![cls.pages[0]!]);
    const pages = layout.classes
      .filter((cls) => layout.dmaReach[d]![cls.pages[0]!])
      .map((cls) => cls.pages[0]!);
    pages.push(blocked ? blocked.pages[0]! : (config.platform.pages as HostPage));
    for (const page of pages) {
      events.push({ type: 'Dma', device: d, page, access: 'read' });
      events.push({ type: 'Dma', device: d, page, access: 'write' });
    }
    // Peer-to-peer requests below the IOMMU. Between devices of one owner they change nothing (the
    // owner already holds what either buffer holds), so only other owners' devices are listed.
    for (const peer of config.devices)
      if (has(layout.peers[d]!, peer.index) && peer.owner !== config.devices[d]!.owner) {
        events.push({ type: 'PeerDma', device: d, peer: peer.index, access: 'read' });
        events.push({ type: 'PeerDma', device: d, peer: peer.index, access: 'write' });
      }
    return events;
  });
  return {
    measure: { type: 'MeasureHypervisor' },
    tamperHypervisor: { type: 'TamperImage', partition: null },
    tamper: config.partitions.map((_, p) => ({ type: 'TamperImage', partition: p as PartitionIdx })),
    launch: config.partitions.map((_, p) => ({ type: 'LaunchPartition', partition: p as PartitionIdx })),
    tick: { type: 'Tick' },
    guest,
    device,
  };
}

/** The catalog's events in one list: this order numbers the events in traces and in the explorer's parent links. */
export function catalogEvents(catalog: EventCatalog): Event[] {
  return [
    catalog.measure,
    catalog.tamperHypervisor,
    ...catalog.tamper,
    ...catalog.launch,
    catalog.tick,
    ...catalog.guest.flat(),
    ...catalog.device.flat(),
  ];
}

/**
 * The arguments a guest may pass with `op`, up to the hypervisor's answer: every argument the caller
 * may legitimately use, one it may not (refused with EPERM), and one out of range (EINVAL). All
 * refusals of one caller lead to the same state, so one representative of each kind is enough.
 */
function hypercallArgs(layout: Layout, p: PartitionIdx, op: HypercallOp): number[] {
  const { channels, partitions } = layout.config;
  const pick = (n: number, allowed: (i: number) => boolean): number[] => {
    const ok = Array.from({ length: n }, (_, i) => i).filter(allowed);
    const refused = Array.from({ length: n }, (_, i) => i).find((i) => !allowed(i));
    return [...ok, ...(refused === undefined ? [] : [refused]), n];
  };
  switch (op) {
    case 'send':
      return pick(channels.length, (c) => channels[c]!.from === p);
    case 'receive':
      return pick(channels.length, (c) => channels[c]!.to === p);
    case 'partition-reset':
    case 'partition-status':
      return pick(
        partitions.length,
        (q) => has(layout.controls[p]!, q) && (op === 'partition-status' || q !== p),
      );
    case 'audit-read':
      return [0];
    case 'yield':
      return []; // a no-op everywhere, see above
  }
}

/** A device's memory request, through the IOMMU or peer-to-peer: enabled like DMA, not like an interrupt. */
export function isDmaEvent(e: Event): boolean {
  return e.type === 'Dma' || e.type === 'PeerDma';
}

/**
 * The device whose vector an interrupt event raises: its own, or for an MSI the one it names. The
 * hypervisor routes a vector only once it launched the owner of the device it assigned it to.
 */
export function lineOf(e: Event): DeviceIdx {
  return e.type === 'MsiWrite' ? e.vector : (e as { device: DeviceIdx }).device;
}

/** Every event enabled in `state`, in a fixed order (so exploration is deterministic). */
export function enabledEvents(
  layout: Layout,
  catalog: EventCatalog,
  state: State,
  options: ModelOptions = {},
): Event[] {
  const bugs = options.bugs;
  const out: Event[] = [];
  if (!booted(state)) {
    if (state.halted) return out;
    if (state.hv === 'pending') {
      out.push(catalog.measure);
      if (!state.hvTampered) out.push(catalog.tamperHypervisor);
      return out;
    }
    const next = state.status.indexOf('pending');
    out.push(catalog.launch[next]!);
    for (let p = next; p < layout.nPartitions; p++) if (!has(state.tampered, p)) out.push(catalog.tamper[p]!);
    return out;
  }
  const halted = state.halted;
  if (!halted || bugs?.has('tick-after-halt')) out.push(catalog.tick);
  // Every device may attempt DMA once the IOMMU is programmed (that of a refused owner's devices
  // faults for want of a context), and peer-to-peer requests once the devices are released at boot;
  // only a launched owner's devices raise interrupts.
  if (!halted || bugs?.has('dma-after-halt'))
    for (let d = 0; d < layout.nDevices; d++) {
      for (const e of catalog.device[d]!) {
        if (isDmaEvent(e)) out.push(e);
        else if (!halted && isLaunched(state, layout.config.devices[lineOf(e)]!.owner)) out.push(e);
      }
    }
  if (halted) return out;
  const running = runningNow(layout, state);
  for (let p = 0; p < layout.nPartitions; p++) if (has(running, p)) out.push(...catalog.guest[p]!);
  return out;
}
