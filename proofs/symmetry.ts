/**
 * Symmetry reduction: partitions that are interchangeable in the system file (with their devices,
 * channels, shared regions, memory and schedule) make states that differ only by renaming them
 * behave alike, so the explorer stores one state per orbit.
 *
 * A symmetry is a renaming g of partitions, with the devices, channels and labelled memory cells
 * it induces, under which the layout is unchanged (`findSymmetry` checks every relation the model,
 * its catalog and the properties read). For such a g, and every state s in which no partition is
 * still `pending`:
 * 1. the steps are renamed too: the successors of g(s) are exactly the g-images of the successors
 *    of s (and every bait a step reaches, the renamed step reaches);
 * 2. every invariant judges s and g(s) alike, and s lies in some FaultRecovery pair's P iff g(s)
 *    lies in the renamed pair's.
 * Launches are the exception, and why pending states are left alone: partitions launch in file
 * order, so before boot ends a renaming is no symmetry. A state without a pending partition never
 * leads back to one, so "equal, or equal up to some g with no partition pending" is a bisimulation,
 * and the stored graph (one representative per class, `canonicalize`) is the quotient by it: the
 * same verdicts and the same shortest counterexample lengths.
 * test/proofs/symmetry.prop.test.ts checks points 1 and 2 on random walks of symmetric systems, and
 * that the reduced search agrees with the whole one.
 *
 * Counterexamples are runs of the model: the explorer replays the stored path while carrying the
 * renaming between the representative and the run (`compose`, `invert`). A FaultRecovery loop is
 * tracked pair by pair through the renamings (proofs/liveness.ts), so a loop among representatives
 * unrolls into a real loop of the model after at most the group's order rounds.
 *
 * Only renamings that keep each partition's devices, channels with the same ends and shared regions
 * with the same writer and readers in file order are looked for: a subgroup of all symmetries,
 * which is enough for soundness (a quotient by fewer symmetries is a finer one).
 */
import { type Bits, has } from '../model/bits.js';
import { type Layout, popcount, resettable } from '../model/layout.js';
import { type State, withChanges } from '../model/state.js';
import type { PartitionIdx } from '../system/config.js';
import { mapIndices, type RenamingMaps, type StateCodec } from './packed.js';
import type { LabelMasks } from './slicing.js';

/** A renaming, as the image of each index: partitions, devices, channels and labelled cells. */
export type Renaming = RenamingMaps;

export interface Symmetry {
  /** The group's elements, the identity left out. */
  readonly elements: readonly Renaming[];
  /** The partitions some element maps onto one another, in classes of two or more, by index. */
  readonly orbits: readonly (readonly number[])[];
  /** Per element, the partition each index comes from: `preimages[k][g(p)] = p`. */
  readonly preimages: readonly Int32Array[];
  /** Each channel's sending and receiving partition, by index. */
  readonly channelEnds: { readonly from: Int32Array; readonly to: Int32Array };
}

/** Renamings examined before the search for symmetries gives up (and reports none). */
const MAX_CANDIDATES = 100_000;
/**
 * The largest group used (six interchangeable lanes): each successor costs a comparison of keys
 * per element (and a packing per element tied on them), so a larger group would cost more time
 * than its quotient saves.
 */
export const MAX_ORDER = 720;

/** The renaming `outer` after `inner`. */
export function compose(outer: Renaming, inner: Renaming): Renaming {
  const after = (o: Int32Array, i: Int32Array) => i.map((v) => o[v]!);
  return {
    partition: after(outer.partition, inner.partition),
    device: after(outer.device, inner.device),
    channel: after(outer.channel, inner.channel),
    cell: after(outer.cell, inner.cell),
  };
}

export function invert(g: Renaming): Renaming {
  const inverse = (m: Int32Array) => {
    const out = new Int32Array(m.length);
    m.forEach((v, i) => {
      out[v] = i;
    });
    return out;
  };
  return {
    partition: inverse(g.partition),
    device: inverse(g.device),
    channel: inverse(g.channel),
    cell: inverse(g.cell),
  };
}

export function identity(layout: Layout): Renaming {
  const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  return {
    partition: ids(layout.nPartitions),
    device: ids(layout.nDevices),
    channel: ids(layout.config.channels.length),
    cell: ids(layout.cells.length),
  };
}

export function sameRenaming(a: Renaming, b: Renaming): boolean {
  const same = (x: Int32Array, y: Int32Array) => x.every((v, i) => v === y[i]);
  return (
    same(a.partition, b.partition) &&
    same(a.device, b.device) &&
    same(a.channel, b.channel) &&
    same(a.cell, b.cell)
  );
}

/** `s` renamed by `g`: what partition `p` holds in `s`, partition `g(p)` holds in the result. */
export function rename(g: Renaming, s: State): State {
  const place = <T>(values: readonly T[], map: Int32Array, f: (v: T) => T): T[] => {
    const out = new Array<T>(values.length);
    for (let i = 0; i < values.length; i++) out[map[i]!] = f(values[i]!);
    return out;
  };
  const labels = (x: Bits) => mapIndices(x, g.partition);
  return withChanges(s, {
    tampered: labels(s.tampered),
    status: place(s.status, g.partition, (v) => v),
    observed: place(s.observed, g.partition, labels),
    pendingIrq: place(s.pendingIrq, g.partition, (x) => mapIndices(x, g.device)),
    cells: place(s.cells, g.cell, labels),
    channels: place(s.channels, g.channel, (queue) => queue.map(labels)),
    auditLabel: labels(s.auditLabel),
  });
}

/** Whether the search may store `s` as its orbit's representative: no partition waits to launch. */
export function canonicalizable(s: State): boolean {
  return !s.status.includes('pending');
}

/**
 * Replaces the packed words of `s` in `words` (which hold `s` itself) with those of its orbit's
 * representative, and returns the index of the element that gave them, or -1 (`s` itself, or a
 * state the search keeps as it is). `scratch` holds one packed state.
 *
 * The representative is the least packing among the renamings that sort the partitions by a key
 * (`partitionKeys`) that every renaming carries along: the key of g(p) in g(s) is the key of p in s.
 * Those renamings of s and of h(s) give the same states (for g sorting s, g h^-1 sorts h(s) and
 * takes it to g(s)), so every member of an orbit gets the same representative; and only the
 * renamings tied on the keys are packed, usually one instead of the group's every element.
 */
export function canonicalize(
  symmetry: Symmetry,
  codec: StateCodec,
  s: State,
  words: Uint32Array,
  scratch: Uint32Array,
): number {
  if (!canonicalizable(s)) return -1;
  const keys = partitionKeys(symmetry, s);
  const n = keys.length;
  // The elements whose renamed key sequences (position q holds the key of the partition sent to q)
  // are least; -1 stands for the identity.
  const order = (k: number, q: number) => (k < 0 ? keys[q]! : keys[symmetry.preimages[k]![q]!]!);
  let tied = [-1];
  for (let k = 0; k < symmetry.elements.length; k++) {
    const b = tied[0]!;
    let q = 0;
    while (q < n && order(k, q) === order(b, q)) q++;
    if (q === n) tied.push(k);
    else if (order(k, q) < order(b, q)) tied = [k];
  }
  let best = -1;
  const size = codec.words;
  tied.forEach((k, i) => {
    if (k < 0) return;
    codec.encodeRenamed(s, symmetry.elements[k]!, scratch);
    let j = 0;
    // The identity's words are in `words`; if it is not among the tied, the first tied one goes in.
    if (i > 0 || tied[0] === -1) {
      while (j < size && scratch[j] === words[j]) j++;
      if (j === size || scratch[j]! > words[j]!) return;
    }
    words.set(scratch.subarray(0, size));
    best = k;
  });
  return best;
}

/**
 * Per partition, a number a renaming carries along with it: its status, how many partitions it has
 * observed, how many interrupts it has pending, and the messages queued on the channels it sends
 * on and on those it receives on (a renaming maps channels to channels with the renamed ends).
 */
function partitionKeys(symmetry: Symmetry, s: State): number[] {
  const { from, to } = symmetry.channelEnds;
  const keys = s.status.map(
    (st, p) =>
      STATUS_RANK[st] * 2 ** 20 + popcount(s.observed[p]!) * 2 ** 14 + popcount(s.pendingIrq[p]!) * 2 ** 8,
  );
  for (let c = 0; c < from.length; c++) {
    const queued = s.channels[c]!.length;
    keys[from[c]!]! += queued * 16;
    keys[to[c]!]! += queued;
  }
  return keys;
}

const STATUS_RANK: Record<State['status'][number], number> = {
  pending: 0,
  running: 1,
  faulted: 2,
  refused: 3,
};

/** The renamings of `layout` that leave it unchanged, or null when there is none but the identity. */
export function findSymmetry(layout: Layout, slice: LabelMasks | null): Symmetry | null {
  const n = layout.nPartitions;
  const pinned = pinnedByResetOrder(layout);
  const signatures = layout.config.partitions.map((_, p) =>
    has(pinned, p) ? `pinned ${p}` : partitionSignature(layout, p),
  );
  // What ties two partitions together, so that a partial renaming that cannot be completed is cut
  // where it goes wrong rather than at its end (without this, k lanes of three partitions each
  // would be k!^3 renamings to try).
  const { config } = layout;
  const relations = new Map<number, string>();
  const relation = (p: number, q: number): string => {
    const key = p * n + q;
    let r = relations.get(key);
    if (r === undefined) {
      r = [
        config.channels.filter((c) => c.from === p && c.to === q).map((c) => c.capacity),
        has(layout.controls[p]!, q),
        has(layout.mayFlowTo[q]!, p),
        config.shared.filter((x) => x.writer === p && x.readers.includes(q as PartitionIdx)).length,
        config.devices.filter((d) => d.owner === p && has(layout.irqTargets[d.index]!, q)).length,
      ].join('|');
      relations.set(key, r);
    }
    return r;
  };
  const classes = classFacts(layout);
  const used = new Uint8Array(n);
  const image = new Int32Array(n);
  const found: Renaming[] = [];
  let candidates = 0;
  const assign = (p: number): boolean => {
    if (p === n) {
      if (++candidates > MAX_CANDIDATES) return false;
      if (image.every((v, i) => v === i)) return true;
      const g = completeRenaming(layout, slice, classes, image);
      if (g) found.push(g);
      return true;
    }
    for (let q = 0; q < n; q++) {
      if (used[q] || signatures[q] !== signatures[p]) continue;
      let consistent = true;
      for (let r = 0; r < p && consistent; r++)
        consistent = relation(r, p) === relation(image[r]!, q) && relation(p, r) === relation(q, image[r]!);
      if (!consistent) continue;
      used[q] = 1;
      image[p] = q;
      const go = assign(p + 1);
      used[q] = 0;
      if (!go) return false;
    }
    return true;
  };
  if (!assign(0) || found.length === 0 || found.length + 1 > MAX_ORDER) return null;
  const orbits: number[][] = [];
  const placed = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    if (placed[p]) continue;
    const orbit = new Set([p]);
    for (const g of found) orbit.add(g.partition[p]!);
    for (const q of orbit) placed[q] = 1;
    if (orbit.size > 1) orbits.push([...orbit].sort((a, b) => a - b));
  }
  return {
    elements: found,
    orbits,
    preimages: found.map((g) => invert(g).partition),
    channelEnds: {
      from: Int32Array.from(config.channels, (c) => c.from),
      to: Int32Array.from(config.channels, (c) => c.to),
    },
  };
}

/**
 * The partitions a renaming must leave in place because a Tick's resets depend on their order. At
 * the start of a window, each health monitor in turn (by index) resets the partitions it controls
 * that are faulted (by index, model/step.ts `tick`). Two such resets commute unless they have the
 * same target, one's target is the other's monitor (whose label, and whether it acts at all, the
 * reset changes), or their targets list a labelled cell in common (each reset rewrites its label).
 * A renaming maps a tick's resets onto its resets; fixing every partition of a pair that does not
 * commute keeps the order of each such pair, and any order of the rest gives the same state.
 */
export function pinnedByResetOrder(layout: Layout): Bits {
  const shareCell = (p: number, q: number) =>
    layout.cells.some((c) => has(c.listers, p) && has(c.listers, q));
  let pinned: Bits = 0;
  for (const f of layout.frames) {
    const resets: [number, number][] = [];
    for (let m = 0; m < layout.nPartitions; m++)
      if (has(layout.healthMonitors & f.starting, m))
        for (let p = 0; p < layout.nPartitions; p++) if (has(resettable(layout, m), p)) resets.push([m, p]);
    for (let i = 0; i < resets.length; i++)
      for (let j = i + 1; j < resets.length; j++) {
        const [[m1, p1], [m2, p2]] = [resets[i]!, resets[j]!];
        if (p1 !== p2 && p1 !== m2 && p2 !== m1 && !shareCell(p1, p2)) continue;
        pinned |= (1 << m1) | (1 << p1) | (1 << m2) | (1 << p2);
      }
  }
  return pinned;
}

/** What a renaming must keep about partition `p` by itself (to prune the search for renamings). */
function partitionSignature(layout: Layout, p: number): string {
  const { config } = layout;
  const part = config.partitions[p]!;
  const schedule = layout.frames.map(
    (f) => `${+has(f.eligible, p)}${+has(f.misplaced, p)}${+has(f.starting, p)}`,
  );
  return JSON.stringify([
    part.kind,
    part.launch,
    [...part.privileges].sort(),
    part.downgrader,
    layout.ept[p]!.map((e) => e.rights),
    layout.eptBreach[p],
    config.devices.filter((d) => d.owner === p).length,
    config.channels.filter((c) => c.from === p).map((c) => c.capacity),
    config.channels.filter((c) => c.to === p).map((c) => c.capacity),
    schedule.join(''),
  ]);
}

/** What tells memory classes apart beyond their layout fields, per class, and each class by its key. */
interface ClassFacts {
  /** Per class: the EPT rights of each partition on its pages, and the shared regions holding them. */
  readonly facts: readonly { readonly rights: readonly number[]; readonly shared: readonly number[] }[];
  readonly byKey: ReadonlyMap<string, number>;
}

function classKey(
  listers: Bits,
  rights: readonly number[],
  devices: Bits,
  shared: readonly number[],
): string {
  return `${listers}|${rights.join(',')}|${devices}|${[...shared].sort((x, y) => x - y).join(',')}`;
}

/** The class facts of `layout` (the same signature model/layout.ts groups pages by). */
function classFacts(layout: Layout): ClassFacts {
  const { config } = layout;
  const facts = layout.classes.map((cls) => {
    const page = cls.pages[0]!;
    const rights = new Array<number>(layout.nPartitions).fill(0);
    layout.ept.forEach((entries, p) => {
      for (const entry of entries) if (entry.page === page) rights[p]! |= entry.rights;
    });
    const shared = config.shared.flatMap((r, i) =>
      page >= r.memory.start && page < r.memory.start + r.memory.pages ? [i] : [],
    );
    return { rights, shared };
  });
  const byKey = new Map(
    layout.classes.map((cls) => {
      const { rights, shared } = facts[cls.id]!;
      return [classKey(cls.listers, rights, cls.devices, shared), cls.id] as const;
    }),
  );
  return { facts, byKey };
}

/**
 * The renaming of everything that `partition` (a renaming of partitions) induces, when it leaves
 * the layout unchanged; else null. Devices, channels and shared regions map in file order among
 * those with the same owner, ends, or writer and readers; memory classes by what tells them apart.
 */
function completeRenaming(
  layout: Layout,
  slice: LabelMasks | null,
  classes: ClassFacts,
  partition: Int32Array,
): Renaming | null {
  const { config } = layout;
  const P = (x: Bits) => mapIndices(x, partition);
  const inFileOrder = <T>(items: readonly T[], key: (t: T) => string, mappedKey: (t: T) => string) => {
    const byKey = new Map<string, number[]>();
    items.forEach((t, i) => {
      const k = key(t);
      byKey.set(k, [...(byKey.get(k) ?? []), i]);
    });
    const seen = new Map<string, number>();
    const out = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const k = mappedKey(items[i]!);
      const at = seen.get(k) ?? 0;
      const target = byKey.get(k)?.[at];
      if (target === undefined) return null;
      seen.set(k, at + 1);
      out[i] = target;
    }
    return out;
  };

  const device = inFileOrder(
    config.devices,
    (d) => `${d.owner}`,
    (d) => `${partition[d.owner]}`,
  );
  const channel = inFileOrder(
    config.channels,
    (c) => `${c.from}>${c.to}`,
    (c) => `${partition[c.from]}>${partition[c.to]}`,
  );
  const readers = (r: readonly number[]) => [...r].sort((a, b) => a - b).join(',');
  const shared = inFileOrder(
    config.shared,
    (r) => `${r.writer}|${readers(r.readers)}|${r.memory.pages}`,
    (r) => `${partition[r.writer]}|${readers(r.readers.map((q) => partition[q]!))}|${r.memory.pages}`,
  );
  if (!device || !channel || !shared) return null;
  const D = (x: Bits) => mapIndices(x, device);

  // Partitions: privileges reach, policy, reach of partition-control.
  for (let p = 0; p < layout.nPartitions; p++) {
    const q = partition[p]!;
    if (layout.controls[q] !== P(layout.controls[p]!)) return null;
    if (layout.mayFlowTo[q] !== P(layout.mayFlowTo[p]!)) return null;
  }
  // Devices: the IOMMU's mode, requester IDs, peers and interrupt lines.
  for (let d = 0; d < layout.nDevices; d++) {
    const e = device[d]!;
    const [a, b] = [config.devices[d]!, config.devices[e]!];
    if (a.iommu !== b.iommu) return null;
    if (layout.requester[e] !== device[layout.requester[d]!]) return null;
    if (layout.group[e] !== D(layout.group[d]!) || layout.peers[e] !== D(layout.peers[d]!)) return null;
    if (layout.irqTargets[e] !== P(layout.irqTargets[d]!)) return null;
  }
  for (let c = 0; c < config.channels.length; c++)
    if (config.channels[channel[c]!]!.capacity !== config.channels[c]!.capacity) return null;

  // Memory classes, by everything that tells pages apart (model/layout.ts).
  const classImage = new Int32Array(layout.classes.length);
  for (const cls of layout.classes) {
    const { rights, shared: regions } = classes.facts[cls.id]!;
    const moved = new Array<number>(rights.length).fill(0);
    rights.forEach((r, p) => {
      moved[partition[p]!] = r;
    });
    const key = classKey(
      P(cls.listers),
      moved,
      D(cls.devices),
      regions.map((r) => shared[r]!),
    );
    const target = classes.byKey.get(key);
    if (target === undefined) return null;
    const image = layout.classes[target]!;
    if (image.pages.length !== cls.pages.length || image.cell < 0 !== cls.cell < 0) return null;
    if (image.accessors !== P(cls.accessors) || image.initial !== P(cls.initial)) return null;
    classImage[cls.id] = target;
  }
  const cell = new Int32Array(layout.cells.length);
  for (const cls of layout.cells) cell[cls.cell] = layout.classes[classImage[cls.id]!]!.cell;

  // Each partition's EPT, entry by entry: guest page i of p is guest page i of its image.
  for (let p = 0; p < layout.nPartitions; p++) {
    const [mine, theirs] = [layout.ept[p]!, layout.ept[partition[p]!]!];
    if (mine.length !== theirs.length) return null;
    for (let i = 0; i < mine.length; i++)
      if (
        mine[i]!.rights !== theirs[i]!.rights ||
        classImage[layout.classOf[mine[i]!.page]!] !== layout.classOf[theirs[i]!.page]
      )
        return null;
  }

  // The schedule, tick by tick, and each CPU's windows as a whole (some renaming of CPUs).
  for (const f of layout.frames) {
    if (f.eligible !== P(f.eligible) || f.misplaced !== P(f.misplaced) || f.starting !== P(f.starting))
      return null;
  }
  const columns = (map: (x: Bits) => Bits) =>
    Array.from({ length: config.platform.cpus }, (_, c) =>
      layout.frames.map((f) => map(f.perCpu[c]!)).join(','),
    )
      .sort()
      .join('|');
  if (columns(P) !== columns((x) => x)) return null;

  // The label bits the search keeps (proofs/slicing.ts) must be renamed onto one another too.
  if (slice) {
    for (let p = 0; p < layout.nPartitions; p++)
      if (slice.observed[partition[p]!] !== P(slice.observed[p]!)) return null;
    for (let c = 0; c < layout.cells.length; c++)
      if (slice.cells[cell[c]!] !== P(slice.cells[c]!)) return null;
    for (let c = 0; c < config.channels.length; c++)
      if (slice.channels[channel[c]!] !== P(slice.channels[c]!)) return null;
    if (slice.auditLabel !== P(slice.auditLabel)) return null;
  }
  return { partition: Int32Array.from(partition), device, channel, cell };
}
