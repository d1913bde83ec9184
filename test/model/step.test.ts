import { describe, expect, it } from 'vitest';
import { bit } from '../../model/bits.js';
import { buildCatalog } from '../../model/enabled.js';
import { type Event, ExitReason } from '../../model/events.js';
import { Flag, type State } from '../../model/state.js';
import type { DeviceIdx } from '../../system/config.js';
import { booted, driver, fromYaml, pid } from '../helpers.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const UNIT = (audit = 'capacity: 8, onFull: halt') => `
system: unit
platform: { cpus: 1, pages: 12 }
hypervisor: { image: "${D('a')}" }
levels: [LOW, HIGH]
partitions:
  - { name: high, kind: guest-os, level: HIGH, cpus: [0], memory: [{ start: 0, pages: 4 }], image: "${D('b')}" }
  - { name: low, kind: rtos, level: LOW, cpus: [0], memory: [{ start: 4, pages: 4 }], image: "${D('c')}" }
  - { name: mon, kind: bare-metal, level: HIGH, cpus: [0], memory: [{ start: 10, pages: 1 }], image: "${D('d')}",
      privileges: [partition-control, audit-read], downgrader: true }
devices:
  - { name: disk, owner: high, irq: 3, dma: [{ start: 2, pages: 2 }] }
  - { name: nic, owner: low, irq: 4, iommu: passthrough, dma: [{ start: 4, pages: 1 }] }
channels:
  - { name: up, from: low, to: high, capacity: 1 }
shared:
  - { name: ring, memory: { start: 8, pages: 1 }, writer: low, readers: [high] }
schedule:
  majorFrame: 3
  windows:
    - { cpu: 0, partition: high, start: 0, length: 1 }
    - { cpu: 0, partition: low, start: 1, length: 1 }
    - { cpu: 0, partition: mon, start: 2, length: 1 }
audit: { ${audit} }
`;
const config = fromYaml(UNIT());
const HIGH = pid(0);
const LOW = pid(1);
const MON = pid(2);
const DISK = 0 as DeviceIdx;
const NIC = 1 as DeviceIdx;
const tick: Event = { type: 'Tick' };
/** A hypercall; `send` and `receive` get the caller's first guest page as their message buffer. */
const hc = (partition: number, op: string, arg = 0, buffer = 0): Event => ({
  type: 'Hypercall',
  partition: pid(partition),
  op,
  arg,
  ...(op === 'send' || op === 'receive' ? { buffer } : {}),
});

/** Boots with the image of `victim` replaced before its measurement, so its launch is refused. */
const bootRefusing = (victim: number) =>
  driver(config).run(
    { type: 'MeasureHypervisor' },
    { type: 'TamperImage', partition: pid(victim) },
    { type: 'LaunchPartition', partition: HIGH },
    { type: 'LaunchPartition', partition: LOW },
    { type: 'LaunchPartition', partition: MON },
  );

/** The state with the audit log taken out, to show a step changed nothing else. */
function withoutAudit(s: State) {
  const { auditCount: _c, auditLabel: _l, halted: _h, ...rest } = s;
  return rest;
}

describe('measured launch', () => {
  it('launches partitions in file order after the hypervisor matched', () => {
    const d = driver(config).run({ type: 'LaunchPartition', partition: HIGH });
    expect(d.state.status[HIGH]).toBe('pending');
    const m = d.run({ type: 'MeasureHypervisor' });
    expect(m.state.hv).toBe('ok');
    expect(m.run({ type: 'LaunchPartition', partition: LOW }).state.status[LOW]).toBe('pending');
    const b = booted(config);
    expect(b.state.status).toEqual(['running', 'running', 'running']);
    expect(b.last?.effects).toContainEqual({ kind: 'launch', partition: MON, verdict: 'measured' });
  });

  it('halts fail-secure when the hypervisor image was tampered with, and audits it', () => {
    const d = driver(config).run({ type: 'TamperImage', partition: null }, { type: 'MeasureHypervisor' });
    expect(d.state).toMatchObject({ hv: 'failed', halted: true, auditCount: 1 });
    expect(d.last?.outcome).toBe('refused');
    expect(d.last?.effects).toContainEqual({ kind: 'halt', reason: 'measurement' });
    expect(d.run({ type: 'LaunchPartition', partition: HIGH }).state).toBe(d.state);
  });

  it('refuses a tampered partition, audits it, and launches the others', () => {
    const d = bootRefusing(LOW);
    expect(d.state.status).toEqual(['running', 'refused', 'running']);
    expect(d.state.auditCount).toBe(1);
    expect(d.state.flags).toBe(0);
  });

  it('lets the attacker tamper only before measurement', () => {
    const b = booted(config);
    expect(b.run({ type: 'TamperImage', partition: HIGH }).state).toBe(b.state);
    expect(b.run({ type: 'TamperImage', partition: null }).state).toBe(b.state);
  });

  it('runs an unmeasured partition even with a replaced image', () => {
    const c = fromYaml(UNIT().replace(`image: "${D('c')}" }`, `image: "${D('c')}", launch: unmeasured }`));
    const d = driver(c).run(
      { type: 'MeasureHypervisor' },
      { type: 'TamperImage', partition: LOW },
      { type: 'LaunchPartition', partition: HIGH },
      { type: 'LaunchPartition', partition: LOW },
    );
    expect(d.state.status[LOW]).toBe('running');
    expect(d.last?.effects).toContainEqual({ kind: 'launch', partition: LOW, verdict: 'unmeasured' });
  });
});

describe('scheduler and health monitor', () => {
  it('advances every CPU one tick of the major frame and wraps', () => {
    const b = booted(config);
    expect(b.run(tick).state.frame).toBe(1);
    expect(b.run(tick, tick, tick).state.frame).toBe(0);
  });

  it('does not tick before boot completes', () => {
    const d = driver(config).run({ type: 'MeasureHypervisor' });
    expect(d.run(tick).state).toBe(d.state);
  });

  it('lets the health monitor reset a faulted partition at the start of its window', () => {
    const faulted = booted(config).run({ type: 'VmExit', partition: HIGH, reason: ExitReason.TripleFault });
    expect(faulted.state.status[HIGH]).toBe('faulted');
    const atMonitor = faulted.run(tick, tick);
    expect(atMonitor.state.status[HIGH]).toBe('running');
    expect(atMonitor.last?.effects).toContainEqual({ kind: 'reset', by: MON, target: HIGH });
    // A reset carries the monitor's label: it is a downgrader, so only itself.
    expect(atMonitor.state.observed[HIGH]).toBe(bit(HIGH) | bit(MON));
    expect(atMonitor.state.flags).toBe(0);
  });

  it('labels the memory a reset clears with the resetter and the target, not only its listers', () => {
    const faulted = booted(config)
      .run(tick, hc(LOW, 'send', 0), tick, tick, hc(HIGH, 'receive', 0))
      .run({ type: 'VmExit', partition: HIGH, reason: ExitReason.TripleFault });
    expect(faulted.state.observed[HIGH]).toBe(bit(HIGH) | bit(LOW));
    const reset = faulted.run(tick, tick);
    expect(reset.last?.effects).toContainEqual({ kind: 'reset', by: MON, target: HIGH });
    // Pages 2-3: listed by high, reached by the disk (high) and the passthrough nic (low).
    const cell = reset.layout.classes[reset.layout.classOf[2]!]!.cell;
    expect(cell).toBeGreaterThanOrEqual(0);
    expect(faulted.state.cells[cell]).toBe(bit(HIGH));
    // Whether the pages were cleared now is the monitor's decision about high's state.
    expect(reset.state.cells[cell]).toBe(bit(HIGH) | bit(MON) | bit(LOW));
  });
});

describe('EPT (memory manager)', () => {
  it('maps own memory read-write and shared regions as configured', () => {
    const b = booted(config).run(tick); // low runs
    const wrote = b.run({ type: 'GuestAccess', partition: LOW, gpa: 4, access: 'write' }); // gpa 4 = ring
    expect(wrote.last?.outcome).toBe('ok');
    const cell = wrote.layout.classes[wrote.layout.classOf[8]!]!.cell;
    expect(wrote.state.cells[cell]).toBe(bit(LOW));
    const read = wrote.run(tick, tick, { type: 'GuestAccess', partition: HIGH, gpa: 4, access: 'read' });
    expect(read.last?.outcome).toBe('ok');
    expect(read.state.observed[HIGH]).toBe(bit(HIGH) | bit(LOW));
  });

  it('turns an access outside the EPT into exit 48, faults the partition and audits it', () => {
    const b = booted(config);
    const d = b.run({ type: 'GuestAccess', partition: HIGH, gpa: 99, access: 'read' });
    expect(d.last?.outcome).toBe('faulted');
    expect(d.last?.effects).toContainEqual({ kind: 'vm-exit', partition: HIGH, reason: 48 });
    expect(d.last?.effects).toContainEqual({
      kind: 'ept-violation',
      partition: HIGH,
      gpa: 99,
      access: 'read',
    });
    expect(d.state.status[HIGH]).toBe('faulted');
    expect(d.state.auditCount).toBe(1);
  });

  it('refuses a reader writing a read-only shared page', () => {
    const d = booted(config).run({ type: 'GuestAccess', partition: HIGH, gpa: 4, access: 'write' });
    expect(d.last?.effects).toContainEqual({
      kind: 'ept-violation',
      partition: HIGH,
      gpa: 4,
      access: 'write',
    });
    expect(d.state.status[HIGH]).toBe('faulted');
  });

  it('ignores guests that are not running now', () => {
    const b = booted(config); // tick 0: only high runs
    expect(b.run({ type: 'GuestAccess', partition: LOW, gpa: 99, access: 'read' }).state).toBe(b.state);
  });
});

describe('IOMMU (VT-d)', () => {
  it('translates DMA inside the window', () => {
    const d = booted(config).run({ type: 'Dma', device: DISK, page: 3, access: 'write' });
    expect(d.last?.outcome).toBe('ok');
    expect(d.state.flags).toBe(0);
  });

  it.each([
    ['write', 5],
    ['read', 6],
  ] as const)(
    'blocks a DMA %s outside the window with VT-d fault reason %i and audits it',
    (access, reason) => {
      const b = booted(config);
      const d = b.run({ type: 'Dma', device: DISK, page: 8, access });
      expect(d.last?.outcome).toBe('refused');
      expect(d.last?.effects).toContainEqual({ kind: 'vtd-fault', device: DISK, page: 8, reason });
      expect(withoutAudit(d.state)).toEqual(withoutAudit(b.state));
      expect(d.state.auditCount).toBe(b.state.auditCount + 1);
    },
  );

  it.each([-1, 12, 1000, 1.5, Number.NaN])('refuses DMA to unmapped address %s', (page) => {
    const b = booted(config);
    const d = b.run({ type: 'Dma', device: DISK, page, access: 'read' });
    expect(d.last?.outcome).toBe('refused');
    expect(withoutAudit(d.state)).toEqual(withoutAudit(b.state));
  });

  it('lets a passthrough device reach every platform page, which DmaContainment flags', () => {
    const d = booted(config).run({ type: 'Dma', device: NIC, page: 0, access: 'read' });
    expect(d.last?.outcome).toBe('ok');
    expect(d.state.flags & Flag.DmaEscape).toBeTruthy();
    expect(d.state.observed[LOW]! & bit(HIGH)).toBeTruthy();
  });

  it('keeps devices idle until boot completes', () => {
    const d = driver(config).run({ type: 'MeasureHypervisor' });
    expect(d.run({ type: 'Dma', device: DISK, page: 3, access: 'write' }).state).toBe(d.state);
  });

  it("audits the DMA of a refused owner's device: VT-d finds no context entry, fault reason 2", () => {
    const refused = bootRefusing(HIGH);
    expect(refused.state.status[HIGH]).toBe('refused');
    const d = refused.run({ type: 'Dma', device: DISK, page: 3, access: 'write' });
    expect(d.last?.outcome).toBe('refused');
    expect(d.last?.effects).toContainEqual({ kind: 'vtd-fault', device: DISK, page: 3, reason: 2 });
    expect(d.state.auditCount).toBe(refused.state.auditCount + 1);
    expect(d.state.flags).toBe(0);
    // The interrupt of a refused owner's device stays blocked.
    expect(refused.run({ type: 'DeviceIrq', device: DISK }).last?.outcome).toBe('ignored');
  });

  it.each([2 ** 36, 2 ** 40, -1, 1.5])(
    'faults a translated address %s past the 48-bit width with reason 4',
    (page) => {
      const d = booted(config).run({ type: 'Dma', device: DISK, page, access: 'read' });
      expect(d.last?.outcome).toBe('refused');
      expect(d.last?.effects).toContainEqual({ kind: 'vtd-fault', device: DISK, page, reason: 4 });
    },
  );

  it.each([12, 2 ** 36, 2 ** 40, -1, 1.5])(
    'reports nothing for a pass-through request to %s, past platform memory: no translation, no fault',
    (page) => {
      const b = booted(config);
      const d = b.run({ type: 'Dma', device: NIC, page, access: 'write' });
      expect(d.last?.outcome).toBe('refused');
      expect(d.last?.effects).toEqual([]);
      expect(d.state.auditCount).toBe(b.state.auditCount);
      expect(d.state.flags & Flag.Unaudited).toBeTruthy();
    },
  );
});

describe('interrupts', () => {
  it('injects at once into a running owner and pends otherwise', () => {
    const b = booted(config);
    const now = b.run({ type: 'DeviceIrq', device: DISK });
    expect(now.last?.effects).toContainEqual({ kind: 'inject', partition: HIGH, devices: bit(DISK) });
    const later = b.run({ type: 'DeviceIrq', device: NIC });
    expect(later.state.pendingIrq[LOW]).toBe(bit(NIC));
    const entered = later.run(tick);
    expect(entered.state.pendingIrq[LOW]).toBe(0);
    expect(entered.last?.effects).toContainEqual({ kind: 'inject', partition: LOW, devices: bit(NIC) });
  });

  it('routes a shared line to every owner on it, which InterruptIsolation flags', () => {
    const shared = fromYaml(UNIT().replace('irq: 4', 'irq: 3'));
    const d = booted(shared).run({ type: 'DeviceIrq', device: DISK });
    expect(d.state.pendingIrq[LOW]).toBe(bit(DISK));
    expect(d.state.flags & Flag.IrqEscape).toBeTruthy();
  });
});

describe('MSI writes (interrupt remapping)', () => {
  const msi: Event = { type: 'MsiWrite', device: DISK, vector: NIC };
  const off = fromYaml(UNIT().replace('pages: 12 }', 'pages: 12, interruptRemapping: off }'));

  it("ignores an MSI with another device's vector under interrupt remapping (the default)", () => {
    expect(config.platform.interruptRemapping).toBe('enforced');
    const b = booted(config);
    expect(b.run(msi).last?.outcome).toBe('ignored');
    expect(buildCatalog(b.layout).device[DISK]!.some((e) => e.type === 'MsiWrite')).toBe(false);
  });

  it("without remapping routes the spoofed vector as the victim device's, with the sender's label", () => {
    const b = booted(off);
    expect(buildCatalog(b.layout).device[DISK]).toContainEqual(msi);
    // Tick 0 runs high: the nic's vector pends for low, which learns high's label at once.
    const d = b.run(msi);
    expect(d.last?.outcome).toBe('ok');
    expect(d.last?.effects).toContainEqual({ kind: 'pend', partition: LOW, device: NIC });
    expect(d.state.observed[LOW]).toBe(bit(LOW) | bit(HIGH));
    expect(d.state.flags & Flag.IrqEscape).toBeTruthy();
    // Running now: injected at once.
    const atLow = booted(off).run(tick, msi);
    expect(atLow.last?.effects).toContainEqual({ kind: 'inject', partition: LOW, devices: bit(NIC) });
    expect(atLow.state.observed[LOW]).toBe(bit(LOW) | bit(HIGH));
  });

  it("is not routed once the victim device's owner was refused", () => {
    const refused = driver(off).run(
      { type: 'MeasureHypervisor' },
      { type: 'TamperImage', partition: LOW },
      { type: 'LaunchPartition', partition: HIGH },
      { type: 'LaunchPartition', partition: LOW },
      { type: 'LaunchPartition', partition: MON },
    );
    expect(refused.run(msi).last?.outcome).toBe('ignored');
  });
});

describe('shared requester IDs (iommuGroup)', () => {
  const grouped = fromYaml(
    UNIT()
      .replace(
        '{ name: disk, owner: high, irq: 3, dma: [{ start: 2, pages: 2 }] }',
        '{ name: disk, owner: high, irq: 3, dma: [{ start: 2, pages: 2 }], iommuGroup: bridge }',
      )
      .replace(
        '{ name: nic, owner: low, irq: 4, iommu: passthrough, dma: [{ start: 4, pages: 1 }] }',
        '{ name: nic, owner: low, irq: 4, dma: [{ start: 4, pages: 1 }], iommuGroup: bridge }',
      ),
  );

  it('gives every device of a group the union of its windows, which DmaContainment flags', () => {
    const b = booted(grouped);
    expect(b.layout.requester).toEqual([DISK, DISK]);
    const d = b.run({ type: 'Dma', device: NIC, page: 2, access: 'read' });
    expect(d.last?.outcome).toBe('ok');
    expect(d.state.flags & Flag.DmaEscape).toBeTruthy();
    expect(d.state.observed[LOW]! & bit(HIGH)).toBeTruthy();
  });

  it("lets group mates raise each other's vectors under interrupt remapping", () => {
    expect(grouped.platform.interruptRemapping).toBe('enforced');
    const d = booted(grouped).run({ type: 'MsiWrite', device: DISK, vector: NIC });
    expect(d.last?.outcome).toBe('ok');
    expect(d.state.flags & Flag.IrqEscape).toBeTruthy();
  });

  it('leaves the shared context unprogrammed when one of its owners was refused', () => {
    const d = driver(grouped)
      .run(
        { type: 'MeasureHypervisor' },
        { type: 'TamperImage', partition: LOW },
        { type: 'LaunchPartition', partition: HIGH },
        { type: 'LaunchPartition', partition: LOW },
        { type: 'LaunchPartition', partition: MON },
      )
      .run({ type: 'Dma', device: DISK, page: 2, access: 'read' });
    expect(d.last?.effects).toContainEqual({ kind: 'vtd-fault', device: DISK, page: 2, reason: 2 });
  });
});

describe('peer-to-peer DMA (ACS and root ports)', () => {
  const onPort = (acs: string, audit?: string) =>
    fromYaml(
      UNIT(audit)
        .replace('pages: 12 }', `pages: 12, acs: ${acs} }`)
        .replace('irq: 3, dma', 'irq: 3, rootPort: rp0, dma')
        .replace('irq: 4, iommu: passthrough, dma', 'irq: 4, rootPort: rp0, dma'),
    );
  const write: Event = { type: 'PeerDma', device: DISK, peer: NIC, access: 'write' };
  const read: Event = { type: 'PeerDma', device: NIC, peer: DISK, access: 'read' };

  it('sends peer requests on one root port up to the IOMMU under ACS (the default)', () => {
    const b = booted(onPort('enforced'));
    expect(b.layout.peers).toEqual([0, 0]);
    expect(
      buildCatalog(b.layout)
        .device.flat()
        .some((e) => e.type === 'PeerDma'),
    ).toBe(false);
    expect(b.run(write).last?.outcome).toBe('ignored');
  });

  it('without ACS lets a device write and read a peer of another owner, unaudited', () => {
    const b = booted(onPort('off'));
    expect(b.layout.peers).toEqual([bit(NIC), bit(DISK)]);
    expect(buildCatalog(b.layout).device[DISK]).toContainEqual(write);
    const w = b.run(write);
    expect(w.last).toMatchObject({ outcome: 'ok', effects: [] });
    expect(w.state.observed[LOW]).toBe(bit(LOW) | bit(HIGH));
    expect(w.state.flags).toBe(Flag.DmaEscape);
    const r = b.run(read);
    expect(r.state.observed[LOW]).toBe(bit(LOW) | bit(HIGH));
    expect(r.state.flags).toBe(Flag.DmaEscape);
  });

  it('lets devices of one iommuGroup reach each other whatever the ACS setting', () => {
    const grouped = fromYaml(
      UNIT()
        .replace('irq: 3, dma', 'irq: 3, iommuGroup: bridge, dma')
        .replace('irq: 4, iommu: passthrough, dma', 'irq: 4, iommuGroup: bridge, dma'),
    );
    expect(grouped.platform.acs).toBe('enforced');
    expect(booted(grouped).run(write).state.observed[LOW]).toBe(bit(LOW) | bit(HIGH));
  });

  it('holds the devices before boot and after the fail-secure halt', () => {
    const off = onPort('off', 'capacity: 1, onFull: halt');
    expect(driver(off).run({ type: 'MeasureHypervisor' }, write).last?.outcome).toBe('ignored');
    // The disk's DMA outside its window faults; its record fills the log, which halts the system.
    const halted = booted(off).run({ type: 'Dma', device: DISK, page: 9, access: 'read' });
    expect(halted.state.halted).toBe(true);
    expect(halted.run(write).last?.outcome).toBe('ignored');
  });
});

describe('hypercalls', () => {
  const atLow = () => booted(config).run(tick);

  it('queues a message on send and delivers it with its label on receive', () => {
    const sent = atLow().run(hc(LOW, 'send', 0));
    expect(sent.last?.effects).toContainEqual({
      kind: 'hypercall',
      partition: LOW,
      op: 'send',
      status: 'OK',
    });
    expect(sent.state.channels[0]).toEqual([bit(LOW)]);
    const got = sent.run(tick, tick, hc(HIGH, 'receive', 0));
    expect(got.state.channels[0]).toEqual([]);
    expect(got.state.observed[HIGH]).toBe(bit(HIGH) | bit(LOW));
  });

  it('drops a send to a full channel, audits it, and tells the sender OK', () => {
    const full = atLow().run(hc(LOW, 'send', 0));
    const again = full.run(hc(LOW, 'send', 0));
    expect(again.last?.outcome).toBe('dropped');
    expect(again.last?.effects).toContainEqual({
      kind: 'hypercall',
      partition: LOW,
      op: 'send',
      status: 'OK',
    });
    expect(again.state.channels[0]).toEqual([bit(LOW)]);
    expect(again.state.auditCount).toBe(full.state.auditCount + 1);
    // The queue is full because high has not received: the record carries both labels.
    expect(again.last?.effects).toContainEqual({
      kind: 'audit',
      code: 'channel-full',
      cause: LOW,
      label: bit(LOW) | bit(HIGH),
    });
    expect(again.state.auditLabel).toBe(bit(LOW) | bit(HIGH));
  });

  it('answers receive on an empty channel with EAGAIN and changes nothing', () => {
    const b = booted(config);
    const d = b.run(hc(HIGH, 'receive', 0));
    expect(d.last?.effects).toContainEqual({
      kind: 'hypercall',
      partition: HIGH,
      op: 'receive',
      status: 'EAGAIN',
    });
    expect(d.state).toBe(b.state);
  });

  it.each([
    [LOW, 'send', 7, 'EINVAL'],
    [HIGH, 'send', 0, 'EPERM'],
    [LOW, 'receive', 0, 'EPERM'],
    [LOW, 'receive', -1, 'EINVAL'],
    [LOW, 'partition-reset', HIGH, 'EPERM'],
    [LOW, 'partition-status', HIGH, 'EPERM'],
    [LOW, 'partition-status', Number.NaN, 'EINVAL'],
    [LOW, 'audit-read', 0, 'EPERM'],
    [LOW, 'hypercall-255', 0, 'ENOSYS'],
    [LOW, '', 0, 'ENOSYS'],
  ] as const)('refuses %i %s(%s) with %s, audits it, and changes nothing else', (p, op, arg, status) => {
    // Each partition's window starts at the tick equal to its index.
    const b = booted(config).run(...Array.from({ length: p }, () => tick));
    const d = b.run(hc(p, op, arg));
    expect(d.last?.outcome).toBe('refused');
    expect(d.last?.effects).toContainEqual({ kind: 'hypercall', partition: p, op, status });
    expect(d.last?.effects).toContainEqual(
      expect.objectContaining({ kind: 'audit', code: 'hypercall-refused', cause: p }),
    );
    expect(withoutAudit(d.state)).toEqual(withoutAudit(b.state));
    expect(d.state.auditCount).toBe(b.state.auditCount + 1);
    expect(d.state.flags).toBe(0);
  });

  it.each([
    // high reads the ring (its guest page 4) but may not write it; its EPT ends at page 5.
    ['receive into a page it may only read', hc(HIGH, 'receive', 0, 4)],
    ['receive into a page it has not', hc(HIGH, 'receive', 0, 5)],
    ['receive into a buffer of the wrong length', hc(HIGH, 'receive', 0, -1)],
  ])('refuses a %s with EFAULT before it looks at the queue', (_what, call) => {
    const b = booted(config).run(tick, hc(LOW, 'send', 0), tick, tick);
    const d = b.run(call);
    expect(d.last?.outcome).toBe('refused');
    expect(d.last?.effects).toContainEqual({
      kind: 'hypercall',
      partition: HIGH,
      op: 'receive',
      status: 'EFAULT',
    });
    expect(withoutAudit(d.state)).toEqual(withoutAudit(b.state));
    expect(d.state.flags).toBe(0);
  });

  it('sends what the buffer holds, with the labels of that memory', () => {
    const reporting = fromYaml(
      UNIT().replace(
        '  - { name: up, from: low, to: high, capacity: 1 }',
        '  - { name: up, from: low, to: high, capacity: 1 }\n  - { name: report, from: high, to: mon, capacity: 1 }',
      ),
    );
    // low writes the ring; high, which has not read it, sends from its read-only view of it.
    const d = booted(reporting).run(
      tick,
      { type: 'GuestAccess', partition: LOW, gpa: 4, access: 'write' },
      tick,
      tick,
      hc(HIGH, 'send', 1, 4),
    );
    expect(d.last?.outcome).toBe('ok');
    expect(d.state.observed[HIGH]).toBe(bit(HIGH));
    expect(d.state.channels[1]).toEqual([bit(HIGH) | bit(LOW)]);
  });

  it("receives into a page other partitions read: the message lands there with the receiver's label", () => {
    const d = booted(fromYaml(UNIT().replace('from: low, to: high', 'from: high, to: low'))).run(
      hc(HIGH, 'send', 0),
      tick,
      hc(LOW, 'receive', 0, 4),
    );
    const ring = d.layout.classes[d.layout.classOf[8]!]!.cell;
    expect(d.state.cells[ring]).toBe(bit(LOW) | bit(HIGH));
  });

  it('with the seeded bug unchecked-buffer, writes a message into memory the receiver may only read', () => {
    const bugs = { bugs: new Set(['unchecked-buffer'] as const) };
    const d = booted(config, bugs).run(tick, hc(LOW, 'send', 0), tick, tick, hc(HIGH, 'receive', 0, 4));
    expect(d.last?.outcome).toBe('ok');
    // The ring, which low writes and high only reads, now holds what high decided to put there.
    const ring = d.layout.classes[d.layout.classOf[8]!]!.cell;
    expect(d.state.cells[ring]! & bit(HIGH)).toBeTruthy();
    expect(d.state.flags).toBe(Flag.HypercallEscape);
    // A page with no translation stays out of reach: the hypervisor has nothing to copy into.
    expect(booted(config, bugs).run(hc(HIGH, 'receive', 0, 5)).last?.outcome).toBe('refused');
  });

  it('lets partition-control read status and reset, and audit-read the log', () => {
    const atMon = booted(config).run(
      { type: 'VmExit', partition: HIGH, reason: ExitReason.IoInstruction }, // audited, caused by high
      tick,
      tick,
    );
    const status = atMon.run(hc(MON, 'partition-status', LOW));
    expect(status.state.observed[MON]! & bit(LOW)).toBeTruthy();
    const audit = atMon.run(hc(MON, 'audit-read'));
    expect(audit.state.observed[MON]! & bit(HIGH)).toBeTruthy();
    expect(audit.state.auditCount).toBe(atMon.state.auditCount);
    const reset = atMon.run(hc(MON, 'partition-reset', LOW));
    expect(reset.last?.effects).toContainEqual({ kind: 'reset', by: MON, target: LOW });
    expect(reset.state.observed[LOW]! & bit(MON)).toBeTruthy();
    expect(atMon.run(hc(MON, 'partition-reset', MON)).last?.outcome).toBe('refused');
  });

  it('refuses to reset a partition that never launched', () => {
    const d = bootRefusing(LOW).run(tick, tick, hc(MON, 'partition-reset', LOW));
    expect(d.last?.outcome).toBe('refused');
    expect(d.state.status[LOW]).toBe('refused');
  });

  it('treats yield as a no-op', () => {
    const b = booted(config);
    expect(b.run(hc(HIGH, 'yield')).state).toBe(b.state);
  });
});

describe('VM exits (exception handler)', () => {
  it.each([ExitReason.Cpuid, ExitReason.Hlt, ExitReason.CrAccess, ExitReason.Rdmsr])(
    'emulates exit %i without changing anything',
    (reason) => {
      const b = booted(config);
      const d = b.run({ type: 'VmExit', partition: HIGH, reason });
      expect(d.state).toBe(b.state);
      expect(d.last?.effects).toEqual([{ kind: 'vm-exit', partition: HIGH, reason }]);
    },
  );

  it.each([ExitReason.IoInstruction, ExitReason.Wrmsr])('injects #GP for exit %i and audits it', (reason) => {
    const b = booted(config);
    const d = b.run({ type: 'VmExit', partition: HIGH, reason });
    expect(d.last?.effects).toContainEqual({ kind: 'inject-gp', partition: HIGH });
    expect(d.state.status[HIGH]).toBe('running');
    expect(d.state.auditCount).toBe(1);
  });

  it.each([ExitReason.TripleFault, 0, 49, 63])('faults the partition on exit %i', (reason) => {
    const b = booted(config);
    const d = b.run({ type: 'VmExit', partition: HIGH, reason });
    expect(d.last?.outcome).toBe('faulted');
    expect(d.state.status[HIGH]).toBe('faulted');
    expect(withoutAudit({ ...d.state, status: b.state.status })).toEqual(withoutAudit(b.state));
  });
});

describe('system audit', () => {
  it('keeps the record that fills the log and halts in the same step under onFull: halt', () => {
    const c = fromYaml(UNIT('capacity: 2, onFull: halt'));
    const io: Event = { type: 'VmExit', partition: HIGH, reason: ExitReason.IoInstruction };
    const d = booted(c).run(io, io);
    expect(d.state).toMatchObject({ auditCount: 2, halted: true, flags: 0 });
    expect(d.last?.effects).toContainEqual({ kind: 'halt', reason: 'audit-full' });
    expect(d.run(tick).state).toBe(d.state);
    expect(d.run({ type: 'Dma', device: DISK, page: 3, access: 'write' }).state).toBe(d.state);
  });

  it('drops the oldest record under onFull: overwrite, which AuditCompleteness flags', () => {
    const c = fromYaml(UNIT('capacity: 2, onFull: overwrite'));
    const io: Event = { type: 'VmExit', partition: HIGH, reason: ExitReason.IoInstruction };
    const d = booted(c).run(io, io);
    expect(d.state).toMatchObject({ auditCount: 2, halted: false, flags: 0 });
    expect(d.run(io).state.flags).toBe(Flag.AuditDropped);
  });
});
