/**
 * fast-check arbitraries for systems and events. Systems are generated as raw system files and go
 * through the real loader, so every generated system is one a user could write; they include
 * insecure ones (overlaps, passthrough, writing down, odd schedules) on purpose.
 */
import fc from 'fast-check';
import { type Event, GUEST_EXIT_REASONS, HYPERCALL_OPS } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import type { DeviceIdx, PartitionIdx, SystemConfig } from '../system/config.js';
import { formatSystemFileError, parseSystemText } from '../system/load.js';

export interface SystemConstraints {
  readonly maxPartitions?: number;
  readonly maxDevices?: number;
  readonly maxChannels?: number;
  readonly maxPages?: number;
  readonly maxCpus?: number;
  readonly maxFrame?: number;
}

const digest = (seed: number) => `sha256:${seed.toString(16).padStart(2, '0').repeat(32)}`;

const rangeArb = (pages: number) =>
  fc
    .tuple(fc.nat({ max: pages - 1 }), fc.integer({ min: 1, max: 3 }))
    .map(([start, n]) => ({ start, pages: Math.min(n, pages - start) }));

/** A raw system file (the YAML/JSON shape of docs/DESIGN.md section 3). */
export function systemFileArb(c: SystemConstraints = {}): fc.Arbitrary<Record<string, unknown>> {
  const maxPartitions = c.maxPartitions ?? 3;
  return fc
    .record({
      nParts: fc.integer({ min: 1, max: maxPartitions }),
      cpus: fc.integer({ min: 1, max: c.maxCpus ?? 2 }),
      pages: fc.integer({ min: 2, max: c.maxPages ?? 10 }),
      majorFrame: fc.integer({ min: 1, max: c.maxFrame ?? 3 }),
      nLevels: fc.integer({ min: 1, max: 3 }),
    })
    .chain(({ nParts, cpus, pages, majorFrame, nLevels }) => {
      const names = Array.from({ length: nParts }, (_, i) => `p${i}`);
      const levels = Array.from({ length: nLevels }, (_, i) => `L${i}`);
      const partition = (name: string, i: number) =>
        fc
          .record({
            name: fc.constant(name),
            kind: fc.constantFrom('guest-os', 'rtos', 'bare-metal'),
            level: fc.constantFrom(...levels),
            cpus: fc.subarray(
              Array.from({ length: cpus }, (_, k) => k),
              { minLength: 1 },
            ),
            memory: fc.array(rangeArb(pages), { minLength: 1, maxLength: 2 }),
            image: fc.constant(digest(i + 1)),
            launch: fc.constantFrom('measured', 'measured', 'unmeasured'),
            privileges: fc.subarray(['partition-control', 'audit-read']),
            // Whom its partition-control reaches: every partition (absent), or those named.
            controls: fc.option(fc.subarray(names.filter((n) => n !== name)), { nil: undefined }),
            downgrader: fc.boolean(),
          })
          .map(({ controls, ...p }) =>
            controls !== undefined && p.privileges.includes('partition-control') ? { ...p, controls } : p,
          );
      const device = (i: number) =>
        fc.record({
          name: fc.constant(`d${i}`),
          owner: fc.constantFrom(...names),
          irq: fc.integer({ min: 0, max: 3 }),
          iommu: fc.constantFrom('enforced', 'enforced', 'passthrough'),
          dma: fc.array(rangeArb(pages), { minLength: 1, maxLength: 2 }),
          rootPort: fc.constantFrom(undefined, 'rp0'),
        });
      const pairs = names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b] as const));
      const channel = (i: number) =>
        fc
          .record({ ends: fc.constantFrom(...pairs), capacity: fc.integer({ min: 1, max: 2 }) })
          .map(({ ends, capacity }) => ({ name: `c${i}`, from: ends[0], to: ends[1], capacity }));
      const shared = (i: number) =>
        fc
          .record({
            memory: rangeArb(pages),
            writer: fc.constantFrom(...names),
            readers: fc.subarray(names),
          })
          .map((r) => ({ name: `s${i}`, ...r, readers: r.readers.filter((x) => x !== r.writer) }));
      const window = fc.record({
        cpu: fc.nat({ max: cpus - 1 }),
        partition: fc.constantFrom(...names),
        start: fc.nat({ max: majorFrame - 1 }),
        length: fc.integer({ min: 1, max: majorFrame }),
      });
      return fc.record({
        system: fc.constant('generated'),
        platform: fc.record({
          cpus: fc.constant(cpus),
          pages: fc.constant(pages),
          interruptRemapping: fc.constantFrom('enforced', 'enforced', 'off'),
          acs: fc.constantFrom('enforced', 'enforced', 'off'),
        }),
        hypervisor: fc.constant({ image: digest(0) }),
        levels: fc.constant(levels),
        partitions: fc.tuple(...names.map(partition)),
        devices: fc
          .nat({ max: c.maxDevices ?? 2 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => device(i)))),
        channels: pairs.length
          ? fc
              .nat({ max: c.maxChannels ?? 2 })
              .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => channel(i))))
          : fc.constant([]),
        shared: fc.nat({ max: 1 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => shared(i)))),
        schedule: fc.record({
          majorFrame: fc.constant(majorFrame),
          windows: fc.array(window, { maxLength: 4 }),
        }),
        audit: fc.record({
          capacity: fc.integer({ min: 1, max: 3 }),
          onFull: fc.constantFrom('halt', 'overwrite'),
        }),
      });
    });
}

/** A loaded `SystemConfig`, produced by the real loader from `systemFileArb`. */
export function systemArb(c: SystemConstraints = {}): fc.Arbitrary<SystemConfig> {
  return systemFileArb(c).map(loadGenerated);
}

function loadGenerated(raw: Record<string, unknown>): SystemConfig {
  const loaded = parseSystemText(JSON.stringify(raw), 'generated.json');
  if (!loaded.ok)
    throw new Error(`generated an invalid system:\n${loaded.errors.map(formatSystemFileError).join('\n')}`);
  return loaded.config;
}

/**
 * Any event a guest, device or attacker could ask for, well-formed or not: addresses and arguments
 * range past the valid ones, hypercall names include unknown ones, exit reasons include ones no guest
 * instruction causes.
 */
export function eventArb(layout: Layout): fc.Arbitrary<Event> {
  const nParts = layout.nPartitions;
  const partition = fc.nat({ max: nParts - 1 }).map((p) => p as PartitionIdx);
  const events: fc.Arbitrary<Event>[] = [
    fc.constant<Event>({ type: 'MeasureHypervisor' }),
    fc.constant<Event>({ type: 'Tick' }),
    fc.option(partition, { nil: null }).map((p): Event => ({ type: 'TamperImage', partition: p })),
    partition.map((p): Event => ({ type: 'LaunchPartition', partition: p })),
    fc
      .record({
        partition,
        gpa: fc.integer({ min: -2, max: layout.config.platform.pages + 4 }),
        access: fc.constantFrom('read', 'write', 'execute' as const),
      })
      .map((r): Event => ({ type: 'GuestAccess', ...r })),
    fc
      .record({
        partition,
        op: fc.oneof(
          fc.constantFrom(...HYPERCALL_OPS),
          fc.constantFrom('', 'hypercall-255', 'SEND', 'reset'),
        ),
        arg: fc.oneof(fc.integer({ min: -2, max: nParts + 3 }), fc.constantFrom(Number.NaN, 0.5, 2 ** 40)),
        buffer: fc.oneof(
          fc.integer({ min: -2, max: layout.config.platform.pages + 2 }),
          fc.constant(Number.NaN),
        ),
      })
      .map((r): Event => {
        const { buffer, ...call } = r;
        return call.op === 'send' || call.op === 'receive'
          ? { type: 'Hypercall', ...call, buffer }
          : { type: 'Hypercall', ...call };
      }),
    fc
      .record({
        partition,
        reason: fc.oneof(fc.constantFrom(...GUEST_EXIT_REASONS), fc.integer({ min: 0, max: 70 })),
      })
      .map((r): Event => ({ type: 'VmExit', ...r })),
  ];
  if (layout.nDevices > 0) {
    const device = fc.nat({ max: layout.nDevices - 1 }).map((d) => d as DeviceIdx);
    events.push(
      device.map((d): Event => ({ type: 'DeviceIrq', device: d })),
      fc.record({ device, vector: device }).map((r): Event => ({ type: 'MsiWrite', ...r })),
      fc
        .record({ device, peer: device, access: fc.constantFrom('read', 'write' as const) })
        .map((r): Event => ({ type: 'PeerDma', ...r })),
      fc
        .record({
          device,
          page: fc.oneof(
            fc.integer({ min: -1, max: layout.config.platform.pages + 2 }),
            fc.constantFrom(Number.NaN, 1.5),
          ),
          access: fc.constantFrom('read', 'write' as const),
        })
        .map((r): Event => ({ type: 'Dma', ...r })),
    );
  }
  return fc.oneof(...events);
}

/**
 * A raw system file of two lanes configured alike: a generated system (`systemFileArb`) and a copy
 * of it on CPUs and pages of its own, every name prefixed `a-` or `b-`, so that swapping the lanes
 * is a symmetry (proofs/symmetry.ts). The lanes share the frame, the audit log and the levels;
 * interrupt lines and root ports keep their numbers and names, so devices of both lanes share them.
 */
export function twoLaneSystemFileArb(c: SystemConstraints = {}): fc.Arbitrary<Record<string, unknown>> {
  return systemFileArb(c).map((raw) => {
    const r = raw as {
      platform: { cpus: number; pages: number };
      partitions: Record<string, unknown>[];
      devices: Record<string, unknown>[];
      channels: Record<string, unknown>[];
      shared: Record<string, unknown>[];
      schedule: { majorFrame: number; windows: Record<string, unknown>[] };
    };
    const { cpus, pages } = r.platform;
    type Range = { start: number; pages: number };
    const lane = (prefix: string, cpu0: number, page0: number) => {
      const name = (n: unknown) => `${prefix}${n as string}`;
      const ranges = (rs: unknown) => (rs as Range[]).map((x) => ({ ...x, start: x.start + page0 }));
      return {
        partitions: r.partitions.map((p) => ({
          ...p,
          name: name(p.name),
          cpus: (p.cpus as number[]).map((x) => x + cpu0),
          memory: ranges(p.memory),
          ...(p.controls ? { controls: (p.controls as string[]).map(name) } : {}),
        })),
        devices: r.devices.map((d) => ({
          ...d,
          name: name(d.name),
          owner: name(d.owner),
          dma: ranges(d.dma),
        })),
        channels: r.channels.map((ch) => ({
          ...ch,
          name: name(ch.name),
          from: name(ch.from),
          to: name(ch.to),
        })),
        shared: r.shared.map((s) => ({
          ...s,
          name: name(s.name),
          memory: { ...(s.memory as Range), start: (s.memory as Range).start + page0 },
          writer: name(s.writer),
          readers: (s.readers as string[]).map(name),
        })),
        windows: r.schedule.windows.map((w) => ({
          ...w,
          cpu: (w.cpu as number) + cpu0,
          partition: name(w.partition),
        })),
      };
    };
    const [a, b] = [lane('a-', 0, 0), lane('b-', cpus, pages)];
    return {
      ...raw,
      system: 'two-lanes',
      platform: { ...r.platform, cpus: 2 * cpus, pages: 2 * pages },
      partitions: [...a.partitions, ...b.partitions],
      devices: [...a.devices, ...b.devices],
      channels: [...a.channels, ...b.channels],
      shared: [...a.shared, ...b.shared],
      schedule: { majorFrame: r.schedule.majorFrame, windows: [...a.windows, ...b.windows] },
    };
  });
}

/** A loaded two-lane system (`twoLaneSystemFileArb`). */
export function twoLaneSystemArb(c: SystemConstraints = {}): fc.Arbitrary<SystemConfig> {
  return twoLaneSystemFileArb(c).map(loadGenerated);
}
