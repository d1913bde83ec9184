/**
 * The edits a repair may try for a cause: for each field a counterexample relied on, the ways to
 * take away what it relied on without giving anything new: narrow or remove a DMA window or a
 * memory range, switch a device's IOMMU back to enforced or take it out of a shared requester ID,
 * give it an interrupt line of its own, switch interrupt remapping on, drop a channel, drop a
 * shared region or its readers, restrict a partition-control holder's controls to leave out the
 * partition it reached, remove a privilege, measure a launch, halt on a full audit log,
 * shorten or move a schedule window (or give a health monitor one). None removes a partition.
 */
import { has, members } from '../../model/bits.js';
import { type Layout, windowCovers } from '../../model/layout.js';
import type { PageRange, WindowConfig } from '../../system/config.js';
import { MAX_IRQ } from '../../system/limits.js';
import { formatPath, type Path } from '../../system/load.js';
import { type Blame, pageListText, pagesText } from '../elements.js';
import type { EditOp, Value } from './text.js';

/** One change to the system file, as a user would make it. */
export interface Edit {
  /** The field it changes. */
  readonly path: Path;
  readonly description: string;
  readonly ops: readonly EditOp[];
}

/** The edits of a candidate repair, in the order they apply (each generated on the file the one before left). */
export type Candidate = readonly Edit[];

/** Maximal runs of consecutive pages. */
function runs(pages: readonly number[]): PageRange[] {
  const out: { start: number; pages: number }[] = [];
  for (const page of [...pages].sort((a, b) => a - b)) {
    const last = out.at(-1);
    if (last && last.start + last.pages === page) last.pages++;
    else out.push({ start: page, pages: 1 });
  }
  return out;
}

function pagesOfRange(r: PageRange): number[] {
  return Array.from({ length: r.pages }, (_, i) => r.start + i);
}

/** The edit that makes `range` (at `path`) into `kept`, or none when nothing changes. */
function narrowed(path: Path, range: PageRange, kept: readonly number[], what: string, why: string): Edit[] {
  const parts = runs(kept);
  if (parts.length === 0 || (parts.length === 1 && parts[0]!.pages === range.pages)) return [];
  const description = `narrow ${what} from ${pagesText(range)} to ${pageListText(kept)}${why}`;
  if (parts.length === 1)
    return [
      {
        path,
        description,
        ops: [
          { op: 'set', path: [...path, 'start'], value: parts[0]!.start },
          { op: 'set', path: [...path, 'pages'], value: parts[0]!.pages },
        ],
      },
    ];
  return [{ path, description, ops: [{ op: 'split', path, items: parts.map((p) => ({ ...p })) }] }];
}

const set = (path: Path, value: Value, description: string): Edit => ({
  path,
  description,
  ops: [{ op: 'set', path, value }],
});
const remove = (path: Path, description: string): Edit => ({
  path,
  description,
  ops: [{ op: 'delete', path }],
});

/** The edits that take away what `blame`'s field gave a counterexample, most specific first. */
export function editsFor(layout: Layout, blame: Blame): Edit[] {
  const { config } = layout;
  const path = blame.path;
  const [top, i, field, j] = path;
  const partition = (p: number) => config.partitions[p]!.name;

  if (top === 'partitions' && typeof i === 'number') {
    const p = config.partitions[i]!;
    if (field === 'memory' && typeof j === 'number') {
      const range = p.memory[j]!;
      // Keep the pages it lists alone; another range may still hold the rest of its memory.
      const alone = pagesOfRange(range).filter(
        (page) => layout.classes[layout.classOf[page]!]!.listers === 1 << i,
      );
      const shared = pagesOfRange(range).filter((page) => !alone.includes(page));
      const edits = narrowed(
        path,
        range,
        alone,
        `${p.name}'s memory range`,
        ` (${pageListText(shared)} also listed by another partition)`,
      );
      if (p.memory.length > 1)
        edits.push(remove(path, `remove ${p.name}'s memory range ${pagesText(range)}`));
      return edits;
    }
    if (field === 'controls' && typeof j === 'number' && p.controls?.[j] !== undefined) {
      const target = p.controls[j]!;
      const rest = p.controls.filter((t) => t !== target).map(partition);
      return [
        {
          path,
          description: `restrict ${p.name}'s controls to ${rest.length ? rest.join(', ') : 'no other partition'}, out of ${partition(target)}'s reach`,
          ops: [{ op: 'remove', path: ['partitions', i, 'controls'], value: partition(target) }],
        },
      ];
    }
    if (field === 'privileges') {
      const edits: Edit[] = [];
      // Control of every partition, blamed for one: keep the others.
      const target = blame.target;
      if (target !== undefined && p.controls === undefined && p.privileges.includes('partition-control')) {
        const rest = config.partitions.filter((q) => q.index !== i && q.index !== target).map((q) => q.name);
        edits.push({
          path: ['partitions', i, 'controls'],
          description: `restrict ${p.name}'s partition-control to ${rest.length ? rest.join(', ') : 'no other partition'} (controls), out of ${partition(target)}'s reach`,
          ops: [
            { op: 'insert', path: ['partitions', i], after: 'privileges', key: 'controls', values: rest },
          ],
        });
      }
      for (const privilege of p.privileges)
        edits.push({
          path,
          description: `remove the ${privilege} privilege from ${p.name}`,
          ops: [
            { op: 'remove', path, value: privilege },
            // Controls go with the privilege they narrow.
            ...(privilege === 'partition-control' && p.controls !== undefined
              ? [{ op: 'delete' as const, path: ['partitions', i, 'controls'] }]
              : []),
          ],
        });
      return edits;
    }
    if (field === 'launch')
      return [set(path, 'measured', `measure ${p.name}'s image at launch (launch: measured)`)];
    return [];
  }

  if (top === 'devices' && typeof i === 'number') {
    const d = config.devices[i]!;
    const owner = partition(d.owner);
    if (field === 'dma' && typeof j === 'number') {
      const range = d.dma[j]!;
      const pages = pagesOfRange(range);
      const writable = pages.filter((page) => layout.ownerWritable[i]![page]);
      const own = writable.filter(
        (page) => layout.classes[layout.classOf[page]!]!.accessors === 1 << d.owner,
      );
      const what = `${d.name}'s DMA window`;
      const edits = [
        ...narrowed(path, range, own, what, `, the pages only ${owner} reaches`),
        ...narrowed(path, range, writable, what, `, the pages ${owner} may write`),
        remove(path, `remove ${d.name}'s DMA window ${pagesText(range)}`),
      ];
      return edits.filter((e, k) => edits.findIndex((f) => f.description === e.description) === k);
    }
    if (field === 'iommu' && d.iommu === 'passthrough')
      return [set(path, 'enforced', `confine ${d.name}'s DMA to its windows (iommu: enforced)`)];
    if (field === 'iommuGroup' && d.iommuGroup !== null)
      return [remove(path, `give ${d.name} a requester ID of its own (remove iommuGroup ${d.iommuGroup})`)];
    if (field === 'irq') {
      const used = new Set(config.devices.map((e) => e.irq));
      let line = Math.max(...used) + 1;
      if (line > MAX_IRQ) for (line = 0; used.has(line); ) line++;
      return [
        set(
          path,
          line,
          `move ${d.name} (${owner}'s) from shared interrupt line ${d.irq} to line ${line} of its own`,
        ),
      ];
    }
    return [];
  }

  if (top === 'platform' && i === 'interruptRemapping' && config.platform.interruptRemapping === 'off')
    return [
      set(
        path,
        'enforced',
        'switch interrupt remapping on (interruptRemapping: enforced), so MSIs are checked against their source',
      ),
    ];

  if (top === 'platform' && i === 'acs' && config.platform.acs === 'off')
    return [
      set(
        path,
        'enforced',
        "switch PCIe access control services on (acs: enforced), so a request for a peer's buffer goes up to the IOMMU",
      ),
    ];

  if (top === 'channels' && typeof i === 'number') {
    const c = config.channels[i]!;
    return [remove(path, `drop channel ${c.name} (${partition(c.from)} to ${partition(c.to)})`)];
  }

  if (top === 'shared' && typeof i === 'number') {
    const region = config.shared[i]!;
    const readersPath = ['shared', i, 'readers'];
    const forbidden = region.readers.filter((r) => !has(layout.mayFlowTo[r]!, region.writer));
    const dropReaders = (readers: readonly number[]): Edit => ({
      path: readersPath,
      description: `stop ${readers.map(partition).join(', ')} from reading shared region ${region.name}`,
      ops: readers.map((r) => ({ op: 'remove', path: readersPath, value: partition(r) })),
    });
    const edits: Edit[] = [];
    if (forbidden.length > 0) edits.push(dropReaders(forbidden));
    for (const r of region.readers)
      if (!forbidden.includes(r) || forbidden.length > 1) edits.push(dropReaders([r]));
    edits.push(remove(['shared', i], `remove shared region ${region.name}`));
    return edits;
  }

  if (top === 'audit' && i === 'onFull' && config.audit.onFull === 'overwrite')
    return [
      set(
        path,
        'halt',
        'halt fail-secure when the audit log is full (onFull: halt) instead of dropping records',
      ),
    ];

  if (top === 'schedule' && i === 'windows')
    return typeof field === 'number' ? windowEdits(layout, field) : monitorWindows(layout);
  return [];
}

/** The ticks of the major frame `w` covers, as the model unrolls it (wrapping past the frame). */
function ticksOf(w: { start: number; length: number }, frame: number): Set<number> {
  return new Set(Array.from({ length: frame }, (_, t) => t).filter((t) => windowCovers(w, t, frame)));
}

/** Ticks of `cpu` covered by windows other than `except`. */
function busy(windows: readonly WindowConfig[], cpu: number, frame: number, except: number): Set<number> {
  const ticks = new Set<number>();
  windows.forEach((w, k) => {
    if (k !== except && w.cpu === cpu) for (const t of ticksOf(w, frame)) ticks.add(t);
  });
  return ticks;
}

const fits = (start: number, length: number, frame: number, taken: Set<number>) =>
  start + length <= frame && [...ticksOf({ start, length }, frame)].every((t) => !taken.has(t));

function ticksText(start: number, length: number): string {
  return length === 1 ? `tick ${start}` : `ticks ${start}-${start + length - 1}`;
}

/** Shorten the window within the frame and clear of the others, or move it to a free place. */
function windowEdits(layout: Layout, w: number): Edit[] {
  const { config } = layout;
  const { majorFrame, windows } = config.schedule;
  const window = windows[w]!;
  const p = config.partitions[window.partition]!;
  const path = ['schedule', 'windows', w];
  const edits: Edit[] = [];
  const cpus = p.cpus.includes(window.cpu) ? [window.cpu] : p.cpus;
  const where = `${p.name}'s window (${ticksText(window.start, window.length)} on CPU ${window.cpu})`;
  for (const cpu of cpus) {
    const taken = busy(windows, cpu, majorFrame, w);
    const cpuOps: EditOp[] = cpu === window.cpu ? [] : [{ op: 'set', path: [...path, 'cpu'], value: cpu }];
    const onCpu = cpu === window.cpu ? '' : ` on CPU ${cpu}`;
    for (let length = window.length - 1; length >= 1; length--)
      if (fits(window.start, length, majorFrame, taken)) {
        edits.push({
          path,
          description: `shorten ${where} to ${ticksText(window.start, length)}${onCpu}`,
          ops: [...cpuOps, { op: 'set', path: [...path, 'length'], value: length }],
        });
        break;
      }
    for (let start = 0; start + window.length <= majorFrame; start++)
      if (start !== window.start && fits(start, window.length, majorFrame, taken)) {
        edits.push({
          path,
          description: `move ${where} to ${ticksText(start, window.length)}${onCpu}`,
          ops: [...cpuOps, { op: 'set', path: [...path, 'start'], value: start }],
        });
        break;
      }
  }
  if (windows.some((x, k) => k !== w && x.partition === window.partition))
    edits.push(remove(path, `remove ${where}; ${p.name} keeps its other windows`));
  return edits;
}

/**
 * A window for each health monitor the schedule never runs: one tick in a free place of a CPU it
 * may use, or, with no free tick, the last tick of another window there (two edits).
 */
function monitorWindows(layout: Layout): Edit[] {
  const { config } = layout;
  const { majorFrame, windows } = config.schedule;
  const edits: Edit[] = [];
  for (const m of members(layout.monitors)) {
    if (windows.some((w) => w.partition === m)) continue;
    const name = config.partitions[m]!.name;
    const path = ['schedule', 'windows'];
    const add = (cpu: number, start: number): Edit => ({
      path,
      description: `give the health monitor ${name} a window: tick ${start} on CPU ${cpu}`,
      ops: [{ op: 'append', path, item: { cpu, partition: name, start, length: 1 } }],
    });
    for (const cpu of config.partitions[m]!.cpus) {
      const taken = busy(windows, cpu, majorFrame, -1);
      const free = Array.from({ length: majorFrame }, (_, t) => t).find((t) => !taken.has(t));
      if (free !== undefined) edits.push(add(cpu, free));
    }
  }
  return edits;
}

/**
 * Two-edit repairs for a health monitor with no window and no free tick: a tick taken from the end
 * of another window on a CPU it may use, then given to the monitor.
 */
export function monitorWindowPairs(layout: Layout): Candidate[] {
  const { config } = layout;
  const { majorFrame, windows } = config.schedule;
  const pairs: Candidate[] = [];
  for (const m of members(layout.monitors)) {
    if (windows.some((w) => w.partition === m)) continue;
    const name = config.partitions[m]!.name;
    for (const cpu of config.partitions[m]!.cpus)
      windows.forEach((w, k) => {
        if (w.cpu !== cpu || w.length < 2 || w.start + w.length > majorFrame) return;
        const freed = w.start + w.length - 1;
        const owner = config.partitions[w.partition]!.name;
        pairs.push([
          {
            path: ['schedule', 'windows', k],
            description: `shorten ${owner}'s window (${ticksText(w.start, w.length)} on CPU ${cpu}) to ${ticksText(w.start, w.length - 1)}`,
            ops: [{ op: 'set', path: ['schedule', 'windows', k, 'length'], value: w.length - 1 }],
          },
          {
            path: ['schedule', 'windows'],
            description: `give the health monitor ${name} a window: tick ${freed} on CPU ${cpu}`,
            ops: [
              {
                op: 'append',
                path: ['schedule', 'windows'],
                item: { cpu, partition: name, start: freed, length: 1 },
              },
            ],
          },
        ]);
      });
  }
  return pairs;
}

/** Every edit the causes suggest, each once, in the order of the causes. */
export function editsForAll(layout: Layout, blames: readonly Blame[]): Edit[] {
  const seen = new Set<string>();
  const out: Edit[] = [];
  for (const blame of blames)
    for (const edit of editsFor(layout, blame)) {
      const key = `${formatPath(edit.path)} ${edit.description}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(edit);
    }
  return out;
}
