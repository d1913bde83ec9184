/**
 * Writes the TLA+ model of one system file: the MC module that gives spec/Hypervisor.tla its
 * constants, and the .cfg that names the specification, invariants and property. The static facts
 * come from the same Layout and event catalog the TypeScript model uses (model/layout.ts,
 * model/enabled.ts), so the spec explores the same candidate events over the same abstraction and
 * nothing about the system is computed twice.
 *
 * Two forms of the same model:
 *   - for TLC, `MC<name>.tla` EXTENDS Hypervisor and defines `MC_<Constant>`; the .cfg substitutes
 *     them (`Partitions <- MC_Partitions`), as in tlaplus/Examples. Each `MC_<Constant>` only names
 *     `MC_<Constant>_Value`, the value: TLC evaluates a definition substituted for a constant again
 *     at every use of the constant, but a constant definition it uses only once (tlaplus/tlaplus
 *     issue 648), and the constants are read in every step;
 *   - for tla-checker, which takes one source string and no substitutions, a flattened module:
 *     Hypervisor.tla with its CONSTANTS declaration replaced by the same definitions.
 */
import { readFileSync } from 'node:fs';
import { members } from '../model/bits.js';
import { buildCatalog } from '../model/enabled.js';
import type { Event } from '../model/events.js';
import { EPT_R, EPT_W, EPT_X, type Layout, noHealthMonitor, passThrough } from '../model/layout.js';
import type { SeededBug } from '../model/step.js';
import { CATALOG, INVARIANTS, type PropertyName } from '../proofs/properties.js';
import { HYPERVISOR_TLA } from './paths.js';
import { bool, fn, identifier, int, record, seq, set, str, type Tla, tuple } from './tla-text.js';

/** Every seeded bug the spec mirrors behind its `Bugs` constant. */
export const SPEC_BUGS: readonly SeededBug[] = [
  'refused-send-enqueues',
  'status-without-privilege',
  'unaudited-refusal',
  'fault-flushes-inbox',
  'auto-restart',
  'dma-after-halt',
  'tick-after-halt',
  'launch-ignores-mismatch',
  'unchecked-buffer',
];

/** The TLA+ definition each catalog property is checked by. */
export function tlaName(name: PropertyName): string {
  return CATALOG.find((p) => p.name === name)!.tla;
}

export function baitName(name: PropertyName): string {
  return CATALOG.find((p) => p.name === name)!.bait.tla;
}

export const INVARIANT_NAMES: readonly PropertyName[] = INVARIANTS.map((p) => p.name);

/** The constants of spec/Hypervisor.tla, in declaration order, as TLA+ expressions. */
export function constantDefinitions(layout: Layout): [string, Tla][] {
  const { config } = layout;
  const catalog = buildCatalog(layout);
  const pname = (p: number) => str(config.partitions[p]!.name);
  const dname = (d: number) => str(config.devices[d]!.name);
  const cname = (c: number) => str(config.channels[c]!.name);
  const parts = (bits: number) => set(members(bits).map(pname));
  const partitions = config.partitions.map((p) => p.index);
  const devices = config.devices.map((d) => d.index);
  const channels = config.channels.map((c) => c.index);
  const ticks = Array.from({ length: config.schedule.majorFrame }, (_, t) => t);
  const perTick = (f: (t: number) => Tla) => fn(ticks.map((t) => [int(t), f(t)] as const));
  const rights = (bits: number) =>
    set(
      [
        [EPT_R, 'read'],
        [EPT_W, 'write'],
        [EPT_X, 'execute'],
      ]
        .filter(([b]) => bits & (b as number))
        .map(([, name]) => str(name as string)),
    );
  const cellOfPage = (page: number) => {
    const cls = layout.classOf[page];
    return cls === undefined ? -1 : layout.classes[cls]!.cell;
  };

  const guestAccesses = catalog.guest.map((events) =>
    events.flatMap((e) => (e.type === 'GuestAccess' ? [e] : [])),
  );
  // Keyed by <<partition, gpa>>: a .cfg value cannot nest one function inside another.
  const ept = partitions.flatMap((p) =>
    [...new Set(guestAccesses[p]!.map((e) => e.gpa))].map((gpa) => {
      const entry = layout.ept[p]![gpa];
      const value = entry
        ? record({ rights: rights(entry.rights), cell: int(cellOfPage(entry.page)) })
        : record({ rights: set([]), cell: int(-1) });
      return [tuple(pname(p), int(gpa)), value] as const;
    }),
  );
  /** Per device, the devices its catalog events name through `named` (an MSI's vector, a peer). */
  const devicesNamed = (named: (e: Event) => number | null) =>
    fn(
      devices.map((d) => {
        const others = catalog.device[d]!.map(named).filter((x): x is number => x !== null);
        return [dname(d), set(others.map(dname))] as const;
      }),
    );
  const dmaEvents = catalog.device.map((events) => events.flatMap((e) => (e.type === 'Dma' ? [e] : [])));
  const dmaPages = [...new Set(dmaEvents.flat().map((e) => e.page))].sort((a, b) => a - b);
  const inPlatform = (page: number) => page >= 0 && page < config.platform.pages;

  return [
    ['Partitions', set(partitions.map(pname))],
    ['PartitionAt', fn(partitions.map((p) => [int(p), pname(p)] as const))],
    [
      'Before',
      fn(partitions.map((p) => [pname(p), set(partitions.filter((q) => q < p).map(pname))] as const)),
    ],
    ['MonitorOrder', seq(members(layout.healthMonitors).map(pname))],
    ['Monitors', parts(layout.monitors)],
    ['Controls', fn(partitions.map((p) => [pname(p), parts(layout.controls[p]!)] as const))],
    ['AuditReaders', parts(layout.auditReaders)],
    ['Downgraders', parts(layout.downgraders)],
    ['Measured', set(config.partitions.filter((p) => p.launch === 'measured').map((p) => pname(p.index)))],
    ['MayFlowTo', fn(partitions.map((p) => [pname(p), parts(layout.mayFlowTo[p]!)] as const))],
    ['EptBreach', set(partitions.filter((p) => layout.eptBreach[p]).map(pname))],
    ['Devices', set(devices.map(dname))],
    ['Owner', fn(devices.map((d) => [dname(d), pname(config.devices[d]!.owner)] as const))],
    ['GroupOwners', fn(devices.map((d) => [dname(d), parts(layout.groupOwners[d]!)] as const))],
    ['IrqTargets', fn(devices.map((d) => [dname(d), parts(layout.irqTargets[d]!)] as const))],
    ['MsiVectors', devicesNamed((e) => (e.type === 'MsiWrite' ? e.vector : null))],
    ['Peers', devicesNamed((e) => (e.type === 'PeerDma' ? e.peer : null))],
    ['Channels', set(channels.map(cname))],
    ['ChannelAt', fn(channels.map((c) => [int(c), cname(c)] as const))],
    ['ChanFrom', fn(channels.map((c) => [cname(c), pname(config.channels[c]!.from)] as const))],
    ['ChanTo', fn(channels.map((c) => [cname(c), pname(config.channels[c]!.to)] as const))],
    ['ChanCapacity', fn(channels.map((c) => [cname(c), int(config.channels[c]!.capacity)] as const))],
    ['Cpus', set(Array.from({ length: config.platform.cpus }, (_, c) => int(c)))],
    ['MajorFrame', int(config.schedule.majorFrame)],
    ['Eligible', perTick((t) => parts(layout.frames[t]!.eligible))],
    [
      'PerCpu',
      fn(
        ticks.flatMap((t) =>
          layout.frames[t]!.perCpu.map((bits, cpu) => [tuple(int(t), int(cpu)), parts(bits)] as const),
        ),
      ),
    ],
    ['Misplaced', perTick((t) => parts(layout.frames[t]!.misplaced))],
    ['Starting', perTick((t) => parts(layout.frames[t]!.starting))],
    ['CellIds', set(layout.cells.map((_, i) => int(i)))],
    ['CellInit', fn(layout.cells.map((cls, i) => [int(i), parts(cls.initial)] as const))],
    [
      'GuestCandidates',
      fn(
        partitions.map(
          (p) => [pname(p), set(guestAccesses[p]!.map((e) => tuple(int(e.gpa), str(e.access))))] as const,
        ),
      ),
    ],
    [
      'HypercallCandidates',
      fn(
        partitions.map((p) => [
          pname(p),
          set(
            catalog.guest[p]!.flatMap((e) =>
              e.type === 'Hypercall' ? [tuple(str(e.op), int(e.arg), int(e.buffer ?? -1))] : [],
            ),
          ),
        ]),
      ),
    ],
    [
      'ExitCandidates',
      fn(
        partitions.map((p) => [
          pname(p),
          set(catalog.guest[p]!.flatMap((e) => (e.type === 'VmExit' ? [int(e.reason)] : []))),
        ]),
      ),
    ],
    ['Ept', fn(ept)],
    [
      'DmaCandidates',
      fn(
        devices.map(
          (d) => [dname(d), set(dmaEvents[d]!.map((e) => tuple(int(e.page), str(e.access))))] as const,
        ),
      ),
    ],
    [
      'PageCell',
      fn(dmaPages.map((page) => [int(page), int(inPlatform(page) ? cellOfPage(page) : -1)] as const)),
    ],
    [
      'DmaReach',
      fn(
        devices.map(
          (d) =>
            [
              dname(d),
              set(dmaPages.filter((pg) => inPlatform(pg) && layout.dmaReach[d]![pg]).map(int)),
            ] as const,
        ),
      ),
    ],
    [
      'DmaWritable',
      fn(
        devices.map(
          (d) =>
            [
              dname(d),
              set(dmaPages.filter((pg) => inPlatform(pg) && layout.ownerWritable[d]![pg]).map(int)),
            ] as const,
        ),
      ),
    ],
    [
      'DmaUnreported',
      fn(
        devices.map(
          (d) =>
            [
              dname(d),
              set(dmaPages.filter((pg) => passThrough(layout, d) && !inPlatform(pg)).map(int)),
            ] as const,
        ),
      ),
    ],
    ['AuditCapacity', int(config.audit.capacity)],
    ['AuditHalts', bool(config.audit.onFull === 'halt')],
  ];
}

export interface ModelOptions {
  /** Seeded bugs switched on through the `Bugs` constant (a bug model); none by default. */
  readonly bugs?: readonly SeededBug[];
  /** Invariants to check, by catalog name; every catalog invariant by default. */
  readonly invariants?: readonly PropertyName[];
  /** Check FaultRecoveryProp (the default). */
  readonly liveness?: boolean;
  /** Extra invariants to check, by TLA+ name (baits, trace checks). */
  readonly extraInvariants?: readonly string[];
  /** Extra state constraint by TLA+ name (TLC's --max-states emulation). */
  readonly constraint?: string;
}

/** Module name of the MC module for a system: `MC` followed by the system's name. */
export function mcModuleName(system: string): string {
  return `MC${identifier(system)}`;
}

export function bugSuffix(bug: SeededBug): string {
  return `_bug_${identifier(bug)}`;
}

/**
 * The MC module for TLC: EXTENDS Hypervisor and defines every constant as `MC_<Name>`, which names
 * its value `MC_<Name>_Value` so that TLC computes the value once (see the header).
 */
export function mcModule(layout: Layout, source: string, extra: readonly string[] = []): string {
  const name = mcModuleName(layout.config.system);
  const constants = constantDefinitions(layout);
  const values = constants.map(([k, v]) => `MC_${k}_Value ==\n    ${v}`);
  const substituted = constants.map(([k]) => `MC_${k} == MC_${k}_Value`);
  return [
    `${'-'.repeat(4)} MODULE ${name} ${'-'.repeat(4)}`,
    `\\* Generated by typezero from ${source.replace(/[\p{Cc}\u2028\u2029]/gu, '?')}: the constants of Hypervisor.tla for system`,
    `\\* ${layout.config.system}. Do not edit; regenerate with \`typezero spec\`.`,
    'EXTENDS Hypervisor, TLC',
    '',
    ...values,
    '',
    '\\* What the .cfg substitutes for each constant (`Partitions <- MC_Partitions`). TLC evaluates a',
    '\\* substituted definition at every use of the constant, and a constant definition such as',
    '\\* MC_Partitions_Value once: so each names its value.',
    ...substituted,
    ...extra,
    '',
    '='.repeat(77),
    '',
  ].join('\n');
}

/**
 * The .cfg. For TLC the constants are substituted from the MC module's definitions; for
 * tla-checker, which re-evaluates a definition at every use but holds a .cfg constant as a value,
 * they are given as values in the .cfg itself.
 */
export function mcConfig(layout: Layout, options: ModelOptions & { substitute: boolean }): string {
  const lines: string[] = [];
  lines.push(`\\* Generated by typezero for system ${layout.config.system}. Do not edit.`);
  lines.push('CONSTANTS');
  lines.push(`    Bugs = ${set((options.bugs ?? []).map(str))}`);
  for (const [k, v] of constantDefinitions(layout))
    lines.push(options.substitute ? `    ${k} <- MC_${k}` : `    ${k} = ${v}`);
  lines.push('SPECIFICATION Spec');
  lines.push('INVARIANT', ...cfgInvariants(options).map((i) => `    ${i}`));
  if (options.liveness ?? true) lines.push('PROPERTY', `    ${tlaName('FaultRecovery')}`);
  if (options.constraint) lines.push(`CONSTRAINT ${options.constraint}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The invariants the cfg lists, in order: position i of a violation report is entry i. TypeOK is
 * always first (tla-checker checks every definition named like an invariant when a cfg names none).
 */
export function cfgInvariants(options: ModelOptions): string[] {
  return [
    'TypeOK',
    ...(options.invariants ?? INVARIANT_NAMES).map(tlaName),
    ...(options.extraInvariants ?? []),
  ];
}

export function readHypervisorSpec(): string {
  return readFileSync(HYPERVISOR_TLA, 'utf8');
}

/**
 * Hypervisor.tla with definitions appended inside the module (tla-checker takes one source string
 * and ignores EXTENDS of modules it does not know, so additions are inlined rather than extended)
 * and, if given, more variables declared in its VARIABLES statement (tla-checker keeps only the
 * last VARIABLES statement of a module, so a second one would replace the spec's).
 */
export function withDefinitions(
  spec: string,
  extra: readonly string[],
  moduleName = 'Hypervisor',
  variables: readonly string[] = [],
): string {
  const end = spec.lastIndexOf('\n====');
  if (end < 0) throw new Error('Hypervisor.tla: no module end');
  const header = /^-+\s*MODULE\s+Hypervisor\s*-+$/m;
  if (!header.test(spec)) throw new Error('Hypervisor.tla: unexpected module header');
  let body = spec.slice(0, end).replace(header, `---- MODULE ${moduleName} ----`);
  if (variables.length) {
    if (!/^VARIABLES\n/m.test(body)) throw new Error('Hypervisor.tla: no VARIABLES statement');
    body = body.replace(/^VARIABLES\n/m, `VARIABLES\n    ${variables.join(', ')},\n`);
  }
  return `${body}\n${extra.join('\n')}\n${'='.repeat(77)}\n`;
}

/**
 * Why FaultRecovery holds on a system without being searched, or null. With no health monitor
 * (no partition holds partition-control) the property says nothing: its premise "a monitor is up"
 * never holds, and TLC refuses it as a tautology. No engine is given it then; every engine reports
 * it holding, its bait (a monitor resets a faulted partition) unreached.
 */
export function vacuousLiveness(layout: Layout): string | null {
  const unmonitored = noHealthMonitor(layout);
  return unmonitored === null ? null : `${unmonitored}, so no health monitor is ever up`;
}
