/**
 * Every counterexample the explorer finds on the insecure examples is performed by the emulator with
 * guest programs, step for step, refining the model at each step; the property fails on the abstract
 * state of the concrete machine, and the attack leaves concrete evidence in bytes, registers or PCRs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { abstractState } from '../../conformance/refinement.js';
import { guestData, realiseTrace } from '../../conformance/refinement-realise.js';
import { enumerateEpt } from '../../emulator/ept.js';
import { attackerPayload, IMAGE_PAYLOAD } from '../../emulator/image.js';
import type { Machine } from '../../emulator/machine.js';
import { PAGE_SIZE } from '../../emulator/memory.js';
import { PCR_PARTITIONS, PCR_UNMEASURED } from '../../emulator/tpm.js';
import type { Event } from '../../model/events.js';
import { sameState } from '../../model/state.js';
import { explore } from '../../proofs/explorer.js';
import { INVARIANTS, type PropertyName } from '../../proofs/properties.js';
import { example, ROOT } from '../helpers.js';

const INSECURE = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .filter((name) => !/expect-violated: none/.test(readFileSync(`${ROOT}examples/${name}.yaml`, 'utf8')));

const cases = INSECURE.flatMap((name) => {
  const result = explore(example(name));
  return [...result.verdicts].flatMap(([property, v]) =>
    v.status === 'violated'
      ? [
          {
            name,
            property,
            events: v.trace.steps.flatMap((s) => (s.event ? [s.event] : [])),
            loop: v.trace.loop,
          },
        ]
      : [],
  );
});

const word = (m: Machine, addr: number) => m.mem.read32(addr);
const part = (m: Machine, name: string) => m.config.partitions.find((p) => p.name === name)!.index;
const vcpuOf = (m: Machine, name: string) => m.vcpus.find((v) => v.partition === part(m, name))!;

/** What the attack left in the concrete machine, checked per example. */
function evidence(name: string, property: PropertyName, m: Machine, last: Event): void {
  switch (name) {
    case 'dma-passthrough':
    case 'dma-window-overlap': {
      if (last.type !== 'Dma') throw new Error(`expected a DMA, got ${last.type}`);
      if (property === 'AuditCompleteness') {
        // Past platform memory a pass-through request is blocked with no VT-d fault record, so
        // the hypervisor has nothing to audit.
        expect(last.page).toBeGreaterThanOrEqual(m.config.platform.pages);
        expect([...m.iommu.faultCounts.values()]).toEqual([]);
        expect(m.auditRecords()).toEqual([]);
        return;
      }
      const addr = last.page * PAGE_SIZE;
      const owner = m.config.partitions.findIndex((p) =>
        p.memory.some((r) => last.page >= r.start && last.page < r.start + r.pages),
      );
      expect(owner, 'the DMA reached another partition’s page').toBe(part(m, 'secret'));
      if (last.access === 'read')
        // The NIC of UNCLASSIFIED now holds SECRET's data word.
        expect(new DataView(m.devices[last.device]!.buffer.buffer).getUint32(0, true)).toBe(word(m, addr));
      else expect(m.mem.readBytes(addr, 8)).toEqual(m.devices[last.device]!.buffer);
      return;
    }
    case 'leaky-audit-reader': {
      expect(m.register(vcpuOf(m, 'unclass'), 1), 'records unclass read').toBeGreaterThan(0);
      expect(m.auditRecords().some((r) => r.cause === part(m, 'secret'))).toBe(true);
      return;
    }
    case 'overlapping-memory': {
      if (property === 'MemoryIsolation') {
        // The launched partition's EPT, walked in memory, maps page 3, which both partitions list.
        if (last.type !== 'LaunchPartition') throw new Error(`expected a launch, got ${last.type}`);
        const mapped = enumerateEpt(m.mem, m.eptRoot(last.partition));
        expect('misconfig' in mapped ? [] : mapped.map((e) => e.hostPage)).toContain(3);
        return;
      }
      // UNCLASSIFIED read page 3, which SECRET's memory also lists: it holds SECRET's data.
      const r3 = m.register(vcpuOf(m, 'unclass'), 3);
      expect([guestData(part(m, 'secret')), word(m, 3 * PAGE_SIZE)]).toContain(r3);
      return;
    }
    case 'shared-write-down':
      expect(m.register(vcpuOf(m, 'unclass'), 3)).toBe(guestData(part(m, 'secret')));
      return;
    case 'undeclared-dma-flow': {
      // The NIC wrote its buffer into the receive ring, and app's read of the ring landed in r3.
      const nic = new DataView(m.devices[0]!.buffer.buffer).getUint32(0, true);
      expect(word(m, 4 * PAGE_SIZE), 'the ring holds what the NIC wrote').toBe(nic);
      expect(m.register(vcpuOf(m, 'app'), 3), 'app read it').toBe(nic);
      return;
    }
    case 'write-down-channel': {
      // The message secret sent from its buffer: a word of its memory (its initial data, tagged
      // 0x5a with the owner's index, or what it stored there).
      const message = m.register(vcpuOf(m, 'unclass'), 1);
      const secret = part(m, 'secret');
      const initial = message >>> 24 === 0x5a && ((message >>> 16) & 0xff) === secret;
      expect(initial || message === guestData(secret), `message 0x${message.toString(16)}`).toBe(true);
      return;
    }
    case 'shared-iommu-group': {
      // Group mates raise each other's vectors (source-id validation cannot tell them apart) ...
      if (last.type === 'MsiWrite') {
        evidence('msi-spoofing', property, m, last);
        return;
      }
      // ... reach each other's buffers on the bridge's bus ...
      if (last.type === 'PeerDma') {
        evidence('peer-dma', property, m, last);
        return;
      }
      // ... and reach each other's windows through the shared context.
      if (last.type !== 'Dma') throw new Error(`expected a DMA or an MSI write, got ${last.type}`);
      const addr = last.page * PAGE_SIZE;
      const owner = m.config.partitions.findIndex((p) =>
        p.memory.some((r) => last.page >= r.start && last.page < r.start + r.pages),
      );
      expect(owner).not.toBe(m.config.devices[last.device]!.owner);
      if (last.access === 'read')
        expect(new DataView(m.devices[last.device]!.buffer.buffer).getUint32(0, true)).toBe(word(m, addr));
      else expect(m.mem.readBytes(addr, 8)).toEqual(m.devices[last.device]!.buffer);
      return;
    }
    case 'peer-dma': {
      // The request went from one device's buffer to the other's, and no VT-d fault was recorded.
      if (last.type !== 'PeerDma') throw new Error(`expected a peer-to-peer DMA, got ${last.type}`);
      const [device, peer] = [m.devices[last.device]!, m.devices[last.peer]!];
      expect(m.config.devices[last.device]!.owner).not.toBe(m.config.devices[last.peer]!.owner);
      // Each buffer started with its own device's bytes (0xd0 + index): now both hold the sender's.
      const sender = last.access === 'write' ? last.device : last.peer;
      expect(device.buffer).toEqual(new Uint8Array(8).fill(0xd0 + sender));
      expect(peer.buffer).toEqual(device.buffer);
      expect([...m.iommu.faultCounts.values()]).toEqual([]);
      expect(m.auditRecords()).toEqual([]);
      return;
    }
    case 'msi-spoofing': {
      // The NIC's or the disk's vector, raised by the other device, reached the other partition.
      if (last.type !== 'MsiWrite') throw new Error(`expected an MSI write, got ${last.type}`);
      const victim = m.config.devices[last.vector]!.owner;
      expect(victim).not.toBe(m.config.devices[last.device]!.owner);
      const injected = m.lastVector(vcpuOf(m, m.config.partitions[victim]!.name)) === 0x20 + last.vector;
      const pending = (m.vIrr(victim) & (1 << last.vector)) !== 0;
      expect(injected || pending, 'the spoofed vector reached the other partition').toBe(true);
      return;
    }
    case 'shared-irq': {
      const victim = last.type === 'DeviceIrq' ? m.config.devices[last.device]!.owner : -1;
      const other = 1 - victim;
      const injected =
        m.lastVector(vcpuOf(m, m.config.partitions[other]!.name)) ===
        0x20 + (last as { device: number }).device;
      const pending = (m.vIrr(other) & (1 << (last as { device: number }).device)) !== 0;
      expect(injected || pending, 'the other partition received the interrupt').toBe(true);
      return;
    }
    case 'schedule-overlap':
    case 'schedule-past-frame': {
      const cpu0 = m.vcpus.filter((v) => v.cpu === 0 && m.canRun(v)).map((v) => v.partition);
      expect(new Set(cpu0).size, 'two partitions dispatched on CPU 0 in the same tick').toBe(2);
      return;
    }
    case 'unmeasured-launch': {
      expect(m.status(part(m, 'unclass'))).toBe('running');
      expect(m.tpm.read(PCR_UNMEASURED).some((b) => b !== 0)).toBe(true);
      const image = m.imageBytes(part(m, 'unclass'));
      const tampered = image
        .slice(IMAGE_PAYLOAD, IMAGE_PAYLOAD + 32)
        .every((b, i) => b === attackerPayload()[i]);
      expect(tampered || m.tpm.read(PCR_PARTITIONS).some((b) => b !== 0)).toBe(true);
      return;
    }
    case 'audit-overwrite':
      expect(m.auditLost(), 'records lost from the ring').toBeGreaterThan(0);
      return;
    case 'orphan-monitor':
      expect(m.status(part(m, 'app'))).toBe('faulted');
      expect(m.vcpus.some((v) => v.partition === part(m, 'monitor') && m.canRun(v))).toBe(false);
      return;
    default:
      throw new Error(`no evidence check for ${name}`);
  }
}

describe('explorer counterexamples are real attacks on the emulator', () => {
  it('covers every insecure example', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(INSECURE));
  });

  it.each(cases.map((c) => [`${c.name}: ${c.property}`, c] as const))('%s', (_title, c) => {
    const config = example(c.name);
    const events = c.loop === undefined ? c.events : [...c.events, ...c.events.slice(c.loop)];
    const real = realiseTrace(config, events);
    expect(real.failure).toBeNull();
    expect(real.records.map((r) => r.event)).toEqual(events);
    const final = abstractState(real.machine, real.checker.state.flags);
    expect(sameState(final, real.checker.state)).toBe(true);
    const inv = INVARIANTS.find((p) => p.name === c.property);
    if (inv)
      expect(inv.holds(real.machine.layout, final), `${c.property} on the concrete machine`).toBe(false);
    else {
      // A lasso: going round the cycle once more comes back to the same abstract state.
      const again = realiseTrace(config, c.events);
      expect(again.failure).toBeNull();
      expect(sameState(again.checker.state, final)).toBe(true);
    }
    evidence(c.name, c.property, real.machine, events[events.length - 1]!);
  });
});
