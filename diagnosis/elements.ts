/**
 * The elements of a system file behind the model's facts: which memory range or shared region put a
 * page in a partition's EPT, which DMA window (or pass-through, or shared requester ID) lets a device
 * reach a page, which interrupt lines route a device to a partition. Each comes as the field's path
 * and one sentence in the file's words; causes.ts picks the ones a counterexample relied on.
 */
import { has, members } from '../model/bits.js';
import { names, pageOwner } from '../model/describe.js';
import { canSpoof, type Layout } from '../model/layout.js';
import type { PageRange, PartitionConfig, PartitionIdx } from '../system/config.js';
import type { Path } from '../system/load.js';

/** A field of the system file that makes a violation possible, and why, before it is located. */
export interface Blame {
  readonly path: Path;
  readonly explanation: string;
  /** The step of the counterexample (its index in the trace) that relied on the field, when one did. */
  readonly step?: number;
  /** For partition control: the partition it reached (a repair may take that one out of its reach). */
  readonly target?: number;
}

export function pagesText(range: PageRange): string {
  return range.pages === 1 ? `page ${range.start}` : `pages ${range.start}-${range.start + range.pages - 1}`;
}

/** A run of pages given as a set, printed as ranges: "pages 1-3, 5". */
export function pageListText(pages: readonly number[]): string {
  const runs: string[] = [];
  const sorted = [...new Set(pages)].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'page' : 'pages'} ${runs.join(', ')}`;
}

/** "page 3", or "pages 0-3 include page 3": a range named by the page of it that matters. */
export function within(range: PageRange, page: number, what = ''): string {
  return range.pages === 1 ? `page ${page}${what}` : `${pagesText(range)} include page ${page}${what}`;
}

export function covers(range: PageRange, page: number): boolean {
  return page >= range.start && page < range.start + range.pages;
}

/** A partition as a reader of the policy sees it: its name, and its level under `levels`. */
export function who(layout: Layout, p: number): string {
  const partition: PartitionConfig | undefined = layout.config.partitions[p];
  if (partition === undefined) return `partition #${p}`;
  return partition.level === undefined ? partition.name : `${partition.name} (${partition.level})`;
}

const partitionName = (layout: Layout, p: number) => layout.config.partitions[p]?.name ?? `#${p}`;
const deviceName = (layout: Layout, d: number) => layout.config.devices[d]?.name ?? `device #${d}`;

/** Where the entry of `gpa` in `p`'s EPT comes from: a memory range, or a shared region's writer or readers. */
export function eptSource(layout: Layout, p: number, gpa: number): Blame | null {
  const { config } = layout;
  const partition = config.partitions[p]!;
  let next = 0;
  for (const [j, range] of partition.memory.entries()) {
    if (gpa < next + range.pages) {
      const page = range.start + (gpa - next);
      const others = layout.classes[layout.classOf[page]!]!.listers & ~(1 << p);
      const also = others ? `, which ${names(layout, others)} also lists` : '';
      const own = `of ${partition.name}'s memory`;
      return {
        path: ['partitions', p, 'memory', j],
        explanation:
          range.pages === 1
            ? `page ${page} ${own}${also}`
            : `${pagesText(range)} ${own} include page ${page}${also}`,
      };
    }
    next += range.pages;
  }
  for (const [k, region] of config.shared.entries()) {
    const writes = region.writer === p;
    if (!writes && !(region.readers as readonly number[]).includes(p)) continue;
    if (gpa < next + region.memory.pages) {
      const page = region.memory.start + (gpa - next);
      const where = `shared region ${region.name} (${within(region.memory, page)})`;
      return writes
        ? {
            path: ['shared', k, 'writer'],
            explanation: `${partition.name} writes ${where}, which ${names(layout, bitsOf(region.readers))} ${region.readers.length === 1 ? 'reads' : 'read'}`,
          }
        : {
            path: ['shared', k, 'readers'],
            explanation: `${partition.name} reads ${where}, which ${partitionName(layout, region.writer)} writes`,
          };
    }
    next += region.memory.pages;
  }
  return null;
}

function bitsOf(xs: readonly number[]): number {
  let b = 0;
  for (const x of xs) b |= 1 << x;
  return b;
}

/**
 * Why device `d` reaches `page` through the IOMMU: its own window or pass-through, or, when it shares
 * a requester ID, a group mate's window or pass-through and the `iommuGroup` fields that join them.
 */
export function dmaReachBlames(layout: Layout, d: number, page: number, verb: string): Blame[] {
  const { config } = layout;
  const device = config.devices[d]!;
  const owner = partitionName(layout, device.owner);
  const what = ` (${pageOwner(layout, page)})`;
  const blames: Blame[] = [];
  for (const e of members(layout.group[d]!)) {
    const mate = config.devices[e]!;
    const through = e === d ? '' : ` through the VT-d context it shares with ${mate.name}`;
    if (mate.iommu === 'passthrough')
      blames.push({
        path: ['devices', e, 'iommu'],
        explanation: `passthrough: ${device.name} (${owner}'s) ${verb} page ${page}${what}${through}, as it may any platform page`,
      });
    else
      for (const [k, range] of mate.dma.entries())
        if (covers(range, page))
          blames.push({
            path: ['devices', e, 'dma', k],
            explanation: `${within(range, page, what)}: ${device.name} (${owner}'s) ${verb} it${through}`,
          });
    if (e !== d)
      blames.push(
        {
          path: ['devices', d, 'iommuGroup'],
          explanation: `${device.name} shares requester ID ${device.iommuGroup} with ${mate.name} (${partitionName(layout, mate.owner)}'s): one VT-d context with both windows`,
        },
        {
          path: ['devices', e, 'iommuGroup'],
          explanation: `${mate.name} shares requester ID ${mate.iommuGroup} with ${device.name} (${owner}'s): one VT-d context with both windows`,
        },
      );
  }
  return blames;
}

/** The interrupt lines that route device `d`'s vector to partition `q`, which does not own it. */
export function irqRouteBlames(layout: Layout, d: number, q: number): Blame[] {
  const { config } = layout;
  const device = config.devices[d]!;
  if (device.owner === q || !has(layout.irqTargets[d]!, q)) return [];
  const sharers = config.devices.filter((e) => e.index !== d && e.irq === device.irq && e.owner === q);
  return [
    {
      path: ['devices', d, 'irq'],
      explanation: `line ${device.irq} of ${device.name} (${partitionName(layout, device.owner)}'s) is also the line of ${sharers.map((e) => e.name).join(', ')}, so it reaches ${partitionName(layout, q)}`,
    },
    ...sharers.map(
      (e): Blame => ({
        path: ['devices', e.index, 'irq'],
        explanation: `${e.name} (${partitionName(layout, q)}'s) shares line ${e.irq} with ${device.name} (${partitionName(layout, device.owner)}'s)`,
      }),
    ),
  ];
}

/** Why device `d` can raise the vector of device `v`: no interrupt remapping, or a shared requester ID. */
export function spoofBlames(layout: Layout, d: number, v: number): Blame[] {
  const { config } = layout;
  if (!canSpoof(layout, d, v)) return [];
  const sender = `${deviceName(layout, d)} (${partitionName(layout, config.devices[d]!.owner)}'s)`;
  const target = `${deviceName(layout, v)} (${partitionName(layout, config.devices[v]!.owner)}'s)`;
  if (config.platform.interruptRemapping === 'off')
    return [
      {
        path: ['platform', 'interruptRemapping'],
        explanation: `off: nothing checks an MSI's source, so ${sender} can raise the vector of ${target}`,
      },
    ];
  return [
    {
      path: ['devices', d, 'iommuGroup'],
      explanation: `${sender} shares requester ID ${config.devices[d]!.iommuGroup} with ${target}: source-id validation cannot tell their MSIs apart`,
    },
    {
      path: ['devices', v, 'iommuGroup'],
      explanation: `${target} shares requester ID ${config.devices[v]!.iommuGroup} with ${sender}: source-id validation cannot tell their MSIs apart`,
    },
  ];
}

/**
 * Why device `d` reaches the memory-mapped buffer of `peer` below the IOMMU (layout.peers): one
 * conventional PCI bus (a shared `iommuGroup`), or one root port with `platform.acs: off`.
 */
export function peerBlames(layout: Layout, d: number, peer: number, verb: string): Blame[] {
  const { config } = layout;
  const device = config.devices[d]!;
  const mate = config.devices[peer]!;
  const what = `${deviceName(layout, d)} (${partitionName(layout, device.owner)}'s) ${verb} the buffer of ${deviceName(layout, peer)} (${partitionName(layout, mate.owner)}'s)`;
  if (device.iommuGroup !== null && device.iommuGroup === mate.iommuGroup)
    return [
      {
        path: ['devices', d, 'iommuGroup'],
        explanation: `${device.iommuGroup}: one conventional PCI bus, which has no access control services, so ${what} without the IOMMU`,
      },
    ];
  return [
    {
      path: ['platform', 'acs'],
      explanation: `off: the switch below root port ${device.rootPort} routes a request for a peer's buffer straight to the peer, so ${what} without the IOMMU`,
    },
    {
      path: ['devices', d, 'rootPort'],
      explanation: `${deviceName(layout, d)} sits below root port ${device.rootPort} with ${deviceName(layout, peer)}`,
    },
  ];
}

/**
 * What let `p`'s partition-control reach `target`: the entry of its `controls` that names the
 * target, or, without `controls` (every partition), the privilege itself.
 */
export function controlBlame(layout: Layout, p: number, target: number, what: string): Blame {
  const j = layout.config.partitions[p]!.controls?.indexOf(target as PartitionIdx) ?? -1;
  if (j < 0) return { ...privilegeBlame(layout, p, 'partition-control', what), target };
  return {
    path: ['partitions', p, 'controls', j],
    explanation: `${partitionName(layout, p)}'s controls name ${partitionName(layout, target)}, so its partition-control may ${what}`,
    target,
  };
}

/** The privileges list of `p`, blamed for what `privilege` let it do. */
export function privilegeBlame(layout: Layout, p: number, privilege: string, what: string): Blame {
  return {
    path: ['partitions', p, 'privileges'],
    explanation: `${privilege} lets ${partitionName(layout, p)} ${what}`,
  };
}

/** The memory ranges of `q` that list any of `pages`. */
export function listingBlames(layout: Layout, q: number, pages: readonly number[], why: string): Blame[] {
  const partition = layout.config.partitions[q]!;
  return partition.memory.flatMap((range, j): Blame[] => {
    const listed = pages.filter((page) => covers(range, page));
    return listed.length === 0
      ? []
      : [
          {
            path: ['partitions', q, 'memory', j],
            explanation: `${pagesText(range)} of ${partition.name}'s memory include ${pageListText(listed)}${why}`,
          },
        ];
  });
}
