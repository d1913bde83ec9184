/**
 * Label slicing: the explorer's reduction. It drops, from every state it stores, the label bits no
 * property can ever depend on, so states that differ only in such bits are one state.
 *
 * Why it is exact (a bisimulation, not an approximation), for the reference model:
 * 1. Labels never steer anything. No guard, outcome, effect kind or control field (status, frame,
 *    queue lengths, audit count, halt, pending interrupts, history flags) of `step` reads a label:
 *    labels only flow into other labels, each bit by itself, by union (`a |= b`) or by being reset
 *    to a constant (a cleared cell's initial label).
 * 2. So bit `x` of label `v` at some step depends only on bit `x` of the labels that flow into `v`
 *    (the static flow graph below, an over-approximation of every union in model/step.ts).
 * 3. The only property that reads labels is InformationFlow, and it reads exactly the bits
 *    `observed[p] & ~mayFlowTo[p]`. A bit is *kept* iff it can flow, along the graph, into such a
 *    bit; the kept set is closed backwards, so kept bits evolve exactly as in the full model.
 * Hence `slice(step(s, e)) = slice(step(slice(s), e))` with the same outcome and effects, every
 * invariant judges `s` and `slice(s)` alike, and the sliced graph is the quotient of the full
 * graph by "equal up to dropped bits": same verdicts, same violation depths, and every trace of
 * the sliced graph is a trace of the model (test/proofs/slicing.prop.test.ts checks the lemma on
 * random walks of every example and of generated systems).
 *
 * FaultRecovery reads only statuses, the frame and the halt, and its fairness only which events
 * are enabled: all control, so a lasso exists in the quotient iff one exists in the full graph.
 * The one catalog item that reads dropped bits is InformationFlow's bait (some observed set grows):
 * `flowBaitReached` decides it by one small search per source partition, keeping that source's bit
 * only.
 *
 * A seeded bug may break point 1 (the history monitor compares states, labels included, to catch
 * it), so the explorer slices only the reference model.
 */
import { type Bits, bit, has } from '../model/bits.js';
import { buildCatalog, enabledEvents } from '../model/enabled.js';
import { canSpoof, EPT_R, EPT_W, EPT_X, type Layout } from '../model/layout.js';
import { init, type State, withChanges } from '../model/state.js';
import { step } from '../model/step.js';

/** Bits kept per label of the state, in the state's own shape. */
export interface LabelMasks {
  readonly observed: readonly Bits[];
  readonly cells: readonly Bits[];
  /** Per channel: kept bits of each queued message's label. */
  readonly channels: readonly Bits[];
  readonly auditLabel: Bits;
}

/**
 * The flow graph of labels: a node per label of the state (observed sets, cells, channel queues, the
 * audit log's label), an edge `u -> v` wherever some step may union bits of `u` into `v`.
 */
export class LabelFlow {
  readonly nodes: number;
  private readonly edges: Set<number>[];

  constructor(private readonly layout: Layout) {
    const { config, nPartitions: nP } = layout;
    this.nodes = nP + layout.cells.length + config.channels.length + 1;
    this.edges = Array.from({ length: this.nodes }, () => new Set<number>());
    const cell = (c: number) => nP + c;
    const channel = (c: number) => nP + layout.cells.length + c;
    const audit = this.nodes - 1;

    layout.ept.forEach((entries, p) => {
      for (const { page, rights } of entries) {
        const c = layout.classes[layout.classOf[page]!]!.cell;
        if (c < 0) continue;
        if (rights & EPT_W) this.fromLabelOf(p, cell(c)); // guestAccess write (memoryAccess)
        if (rights & (EPT_R | EPT_X)) this.edge(cell(c), p); // guestAccess read or fetch (observe)
      }
    });
    config.devices.forEach((device, d) => {
      for (const cls of layout.cells)
        if (cls.pages.some((page) => layout.dmaReach[d]![page])) {
          this.fromLabelOf(device.owner, cell(cls.cell)); // dma write
          this.edge(cell(cls.cell), device.owner); // dma read
        }
      // deviceIrq, and injectPending at the next VM entry (irqLabel)
      for (let q = 0; q < nP; q++) if (has(layout.irqTargets[d]!, q)) this.fromLabelOf(device.owner, q);
      // msiWrite: a vector another device's owner is sent, with this device's owner's label
      for (let v = 0; v < layout.nDevices; v++)
        if (canSpoof(layout, d, v))
          for (let q = 0; q < nP; q++) if (has(layout.irqTargets[v]!, q)) this.fromLabelOf(device.owner, q);
      // peerDma: a write gives the peer's owner this owner's label, a read the other way round
      for (const peer of config.devices)
        if (has(layout.peers[d]!, peer.index)) {
          this.fromLabelOf(device.owner, peer.owner);
          this.fromLabelOf(peer.owner, device.owner);
        }
    });
    config.channels.forEach((ch, c) => {
      this.fromLabelOf(ch.from, channel(c)); // send
      this.edge(channel(c), ch.to); // receive
      this.fromLabelOf(ch.to, audit); // the channel-full record carries the receiver's label too
    });
    for (let p = 0; p < nP; p++) {
      this.fromLabelOf(p, audit); // every record a partition causes (audit)
      if (has(layout.auditReaders, p)) this.edge(audit, p); // audit-read
      for (let t = 0; t < nP; t++) {
        if (!has(layout.controls[p]!, t)) continue;
        this.fromLabelOf(p, t); // reset, by partition-reset or by the health monitor at a tick
        this.edge(t, p); // partition-status
        // reset: the target's cleared memory carries the resetter's and the target's labels
        for (const cls of layout.cells)
          if (has(cls.listers, t)) {
            this.fromLabelOf(p, cell(cls.cell));
            this.fromLabelOf(t, cell(cls.cell));
          }
      }
    }
  }

  /** `labelOf(p)` flows into `to`: from `observed[p]`, unless `p` is a downgrader (a constant). */
  private fromLabelOf(p: number, to: number): void {
    if (!has(this.layout.downgraders, p)) this.edge(p, to);
  }

  private edge(from: number, to: number): void {
    this.edges[from]!.add(to);
  }

  /** Nodes reachable from `from` (itself included). */
  reach(from: number): Set<number> {
    const seen = new Set([from]);
    const stack = [from];
    for (let u = stack.pop(); u !== undefined; u = stack.pop())
      for (const v of this.edges[u]!)
        if (!seen.has(v)) {
          seen.add(v);
          stack.push(v);
        }
    return seen;
  }

  /** Per node, the union of `bitsAt(p)` over the observed sets `p` it reaches. */
  masks(bitsAt: (p: number) => Bits): LabelMasks {
    const { nPartitions: nP, cells } = this.layout;
    const keep = Array.from({ length: this.nodes }, (_, u) => {
      let bits = 0;
      for (const v of this.reach(u)) if (v < nP) bits |= bitsAt(v);
      return bits;
    });
    return {
      observed: keep.slice(0, nP),
      cells: keep.slice(nP, nP + cells.length),
      channels: keep.slice(nP + cells.length, this.nodes - 1),
      auditLabel: keep[this.nodes - 1]!,
    };
  }
}

/** The bits InformationFlow can depend on; null when that is every bit (nothing to drop). */
export function informationFlowMasks(layout: Layout): LabelMasks | null {
  const all = (1 << layout.nPartitions) - 1;
  const masks = new LabelFlow(layout).masks((p) => ~layout.mayFlowTo[p]! & all);
  const full = (m: Bits) => (m & all) === all;
  return masks.observed.every(full) &&
    masks.cells.every(full) &&
    masks.channels.every(full) &&
    full(masks.auditLabel)
    ? null
    : masks;
}

/** Whether some label has a bit outside its mask (`keep`, or `one` for every label). */
function dropsAny(labels: readonly Bits[], keep: readonly Bits[] | null, one: Bits): boolean {
  for (let i = 0; i < labels.length; i++) if (labels[i]! & ~(keep ? keep[i]! : one)) return true;
  return false;
}

/** `s` with the dropped bits cleared; the very same object (and arrays) where nothing is dropped. */
export function sliceState(masks: LabelMasks, s: State): State {
  const dropObserved = dropsAny(s.observed, masks.observed, 0);
  const dropCells = dropsAny(s.cells, masks.cells, 0);
  let dropChannels = false;
  for (let c = 0; c < s.channels.length && !dropChannels; c++)
    dropChannels = dropsAny(s.channels[c]!, null, masks.channels[c]!);
  const auditLabel = s.auditLabel & masks.auditLabel;
  if (!dropObserved && !dropCells && !dropChannels && auditLabel === s.auditLabel) return s;
  return withChanges(s, {
    observed: dropObserved ? s.observed.map((l, p) => l & masks.observed[p]!) : s.observed,
    cells: dropCells ? s.cells.map((l, c) => l & masks.cells[c]!) : s.cells,
    channels: dropChannels
      ? s.channels.map((queue, c) =>
          dropsAny(queue, null, masks.channels[c]!) ? queue.map((l) => l & masks.channels[c]!) : queue,
        )
      : s.channels,
    auditLabel,
  });
}

/**
 * InformationFlow's bait: can data of one partition reach another's observed set at all? One
 * breadth-first search per source `x`, over states sliced to bit `x` where it may reach some other
 * partition's observed set, until a step adds `x` to an observed set other than `x`'s own. Each
 * search stops unanswered (false) after `maxStates` states, as the main search does.
 */
export function flowBaitReached(layout: Layout, maxStates = Number.POSITIVE_INFINITY): boolean {
  const catalog = buildCatalog(layout);
  const flow = new LabelFlow(layout);
  for (let x = 0; x < layout.nPartitions; x++) {
    const masks = flow.masks((p) => (p === x ? 0 : bit(x)));
    const start = sliceState(masks, init(layout));
    const seen = new Set<string>([key(start)]);
    let level = [start];
    while (level.length > 0 && seen.size < maxStates) {
      const next: State[] = [];
      for (const s of level)
        for (const e of enabledEvents(layout, catalog, s)) {
          const after = sliceState(masks, step(layout, s, e).state);
          if (after.observed.some((o, p) => p !== x && has(o & ~s.observed[p]!, x))) return true;
          const k = key(after);
          if (seen.has(k)) continue;
          seen.add(k);
          next.push(after);
        }
      level = next;
    }
  }
  return false;
}

function key(s: State): string {
  return JSON.stringify(s);
}
