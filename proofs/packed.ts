/**
 * Packed states: a per-layout encoding of a model `State` into a fixed number of 32-bit words, so
 * the explorer stores millions of states in typed arrays instead of one JavaScript object each.
 *
 * Every field gets just the bits its range needs, derived from the layout: 2 bits per partition
 * status, a bitmask of partitions (nPartitions bits) per label, nDevices bits per pending-interrupt
 * set, counters sized by their bounds (frame < majorFrame, auditCount <= audit capacity, queue
 * length <= channel capacity), and each queue as its length plus `capacity` label slots (unused
 * slots zero, so equal states have equal words). Fields straddle word boundaries freely.
 */
import type { Bits } from '../model/bits.js';
import type { Layout } from '../model/layout.js';
import type { HypervisorStatus, PartitionStatus, State } from '../model/state.js';

const STATUS: readonly PartitionStatus[] = ['pending', 'running', 'faulted', 'refused'];
const STATUS_CODE: Record<PartitionStatus, number> = { pending: 0, running: 1, faulted: 2, refused: 3 };
const HV: readonly HypervisorStatus[] = ['pending', 'ok', 'failed'];
const HV_CODE: Record<HypervisorStatus, number> = { pending: 0, ok: 1, failed: 2 };
/** History flags (model/state.ts `Flag`): seven bits. */
const FLAG_BITS = 7;

/** Where a renaming sends each partition, device, labelled cell and channel (proofs/symmetry.ts). */
export interface RenamingMaps {
  readonly partition: Int32Array;
  readonly device: Int32Array;
  readonly channel: Int32Array;
  readonly cell: Int32Array;
}

/** The set of the images under `map` of the members of `x`. */
export function mapIndices(x: Bits, map: Int32Array): Bits {
  let out = 0;
  for (let i = 0; x !== 0; i++, x >>>= 1) if (x & 1) out |= 1 << map[i]!;
  return out;
}

/** Bits needed for every whole number from 0 to `max`. */
export function widthFor(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/** Writes the low `width` bits of `v` (width <= 31) at bit `offset` of the words from `base`. */
function writeBits(out: Uint32Array, base: number, offset: number, width: number, v: number): void {
  if (width === 0) return;
  const w = base + (offset >>> 5);
  const shift = offset & 31;
  const mask = (1 << width) - 1;
  out[w] = (out[w]! & ~(mask << shift)) | (v << shift);
  const spill = shift + width - 32;
  if (spill > 0) out[w + 1] = (out[w + 1]! & ~((1 << spill) - 1)) | (v >>> (32 - shift));
}

/** Reads `width` bits (width <= 31) at bit `offset` of the words from `base`. */
function readBits(words: Uint32Array, base: number, offset: number, width: number): number {
  if (width === 0) return 0;
  const w = base + (offset >>> 5);
  const shift = offset & 31;
  let v = words[w]! >>> shift;
  if (shift + width > 32) v |= words[w + 1]! << (32 - shift);
  return v & ((1 << width) - 1);
}

/**
 * The encoding of one layout's states. Each field has a fixed bit offset, so a successor is encoded
 * by copying its predecessor's words and rewriting only the fields `step` replaced (states share
 * unchanged parts, so a replaced part is a different object).
 */
export class StateCodec {
  /** Words per packed state. */
  readonly words: number;
  /** Bits per packed state (the sum of the field widths). */
  readonly bits: number;
  private readonly nP: number;
  private readonly nD: number;
  private readonly nCells: number;
  private readonly frameBits: number;
  private readonly auditBits: number;
  private readonly capacities: readonly number[];
  private readonly lengthBits: readonly number[];
  // Bit offsets of the fields.
  private readonly oFlags: number;
  private readonly oFrame: number;
  private readonly oAudit: number;
  private readonly oAuditLabel: number;
  private readonly oTampered: number;
  private readonly oStatus: number;
  private readonly oObserved: number;
  private readonly oPending: number;
  private readonly oCells: number;
  private readonly oChannels: readonly number[];

  /**
   * `queueSlack` adds slots to every queue beyond its capacity, for a seeded bug that enqueues past
   * it (model/step.ts `refused-send-enqueues`: each such message is an audited refusal, so the
   * audit capacity bounds them under `halt`).
   */
  constructor(layout: Layout, queueSlack = 0) {
    const { config } = layout;
    const nP = layout.nPartitions;
    const nD = layout.nDevices;
    this.nP = nP;
    this.nD = nD;
    this.nCells = layout.cells.length;
    this.frameBits = widthFor(layout.frames.length - 1);
    this.auditBits = widthFor(config.audit.capacity);
    this.capacities = config.channels.map((c) => c.capacity + queueSlack);
    this.lengthBits = this.capacities.map(widthFor);
    let at = 4; // hv (2 bits), hvTampered, halted
    this.oFlags = at;
    at += FLAG_BITS;
    this.oFrame = at;
    at += this.frameBits;
    this.oAudit = at;
    at += this.auditBits;
    this.oAuditLabel = at;
    at += nP;
    this.oTampered = at;
    at += nP;
    this.oStatus = at;
    at += 2 * nP;
    this.oObserved = at;
    at += nP * nP;
    this.oPending = at;
    at += nP * nD;
    this.oCells = at;
    at += this.nCells * nP;
    const oChannels: number[] = [];
    for (let c = 0; c < this.capacities.length; c++) {
      oChannels.push(at);
      at += this.lengthBits[c]! + this.capacities[c]! * nP;
    }
    this.oChannels = oChannels;
    this.bits = at;
    this.words = Math.max(1, Math.ceil(at / 32));
  }

  /** Writes `s` into `out[at .. at + words)`. */
  encode(s: State, out: Uint32Array, at = 0): void {
    out.fill(0, at, at + this.words);
    this.writeHead(s, out, at);
    this.writeStatus(s, out, at);
    this.writeLabels(s.observed, this.oObserved, this.nP, out, at);
    this.writeLabels(s.pendingIrq, this.oPending, this.nD, out, at);
    this.writeLabels(s.cells, this.oCells, this.nP, out, at);
    for (let c = 0; c < this.capacities.length; c++) this.writeChannel(s, c, out, at);
  }

  /**
   * Writes `s` into `out[0 .. words)`, given that `prev` is packed at `prevWords[prevAt ..]` and
   * `s` shares with `prev` every part it did not replace.
   */
  encodeFrom(s: State, prev: State, prevWords: Uint32Array, prevAt: number, out: Uint32Array): void {
    for (let i = 0; i < this.words; i++) out[i] = prevWords[prevAt + i]!;
    this.writeHead(s, out, 0);
    if (s.status !== prev.status) this.writeStatus(s, out, 0);
    if (s.observed !== prev.observed) this.writeLabels(s.observed, this.oObserved, this.nP, out, 0);
    if (s.pendingIrq !== prev.pendingIrq) this.writeLabels(s.pendingIrq, this.oPending, this.nD, out, 0);
    if (s.cells !== prev.cells) this.writeLabels(s.cells, this.oCells, this.nP, out, 0);
    if (s.channels !== prev.channels)
      for (let c = 0; c < this.capacities.length; c++)
        if (s.channels[c] !== prev.channels[c]) this.writeChannel(s, c, out, 0);
  }

  /**
   * Writes `s` renamed (proofs/symmetry.ts `rename`) into `out[0 .. words)`, without building the
   * renamed state: what partition `p`, device `d`, cell `c` or channel `c` holds in `s` is written
   * where its image's goes.
   */
  encodeRenamed(s: State, g: RenamingMaps, out: Uint32Array): void {
    const { nP, nD } = this;
    const P = (x: Bits) => mapIndices(x, g.partition);
    out.fill(0, 0, this.words);
    writeBits(out, 0, 0, 4, HV_CODE[s.hv] | (s.hvTampered ? 4 : 0) | (s.halted ? 8 : 0));
    writeBits(out, 0, this.oFlags, FLAG_BITS, s.flags);
    writeBits(out, 0, this.oFrame, this.frameBits, s.frame);
    writeBits(out, 0, this.oAudit, this.auditBits, s.auditCount);
    writeBits(out, 0, this.oAuditLabel, nP, P(s.auditLabel));
    writeBits(out, 0, this.oTampered, nP, P(s.tampered));
    for (let p = 0; p < nP; p++) {
      const q = g.partition[p]!;
      writeBits(out, 0, this.oStatus + 2 * q, 2, STATUS_CODE[s.status[p]!]);
      writeBits(out, 0, this.oObserved + q * nP, nP, P(s.observed[p]!));
      writeBits(out, 0, this.oPending + q * nD, nD, mapIndices(s.pendingIrq[p]!, g.device));
    }
    for (let c = 0; c < this.nCells; c++)
      writeBits(out, 0, this.oCells + g.cell[c]! * nP, nP, P(s.cells[c]!));
    for (let c = 0; c < this.capacities.length; c++) {
      const q = s.channels[c]!;
      const to = g.channel[c]!;
      const o = this.oChannels[to]!;
      const len = this.lengthBits[to]!;
      writeBits(out, 0, o, len, q.length);
      for (let i = 0; i < q.length; i++) writeBits(out, 0, o + len + i * nP, nP, P(q[i]!));
    }
  }

  private writeHead(s: State, out: Uint32Array, at: number): void {
    const nP = this.nP;
    writeBits(out, at, 0, 4, HV_CODE[s.hv] | (s.hvTampered ? 4 : 0) | (s.halted ? 8 : 0));
    writeBits(out, at, this.oFlags, FLAG_BITS, s.flags);
    writeBits(out, at, this.oFrame, this.frameBits, s.frame);
    writeBits(out, at, this.oAudit, this.auditBits, s.auditCount);
    writeBits(out, at, this.oAuditLabel, nP, s.auditLabel);
    writeBits(out, at, this.oTampered, nP, s.tampered);
  }

  private writeStatus(s: State, out: Uint32Array, at: number): void {
    for (let p = 0; p < this.nP; p++) writeBits(out, at, this.oStatus + 2 * p, 2, STATUS_CODE[s.status[p]!]);
  }

  private writeLabels(
    labels: readonly Bits[],
    offset: number,
    width: number,
    out: Uint32Array,
    at: number,
  ): void {
    for (let i = 0; i < labels.length; i++) writeBits(out, at, offset + i * width, width, labels[i]!);
  }

  private writeChannel(s: State, c: number, out: Uint32Array, at: number): void {
    const q = s.channels[c]!;
    if (q.length > this.capacities[c]!)
      throw new Error(`channel ${c} holds ${q.length} messages, more than the packed encoding has slots for`);
    const len = this.lengthBits[c]!;
    const o = this.oChannels[c]!;
    writeBits(out, at, o, len, q.length);
    for (let i = 0; i < this.capacities[c]!; i++)
      writeBits(out, at, o + len + i * this.nP, this.nP, i < q.length ? q[i]! : 0);
  }

  /** Zeroes the history flags of the state packed at `words[at ..]`: its control and labels only. */
  clearFlags(words: Uint32Array, at = 0): void {
    writeBits(words, at, this.oFlags, FLAG_BITS, 0);
  }

  /** The state packed at `words[at .. at + this.words)`. */
  decode(words: Uint32Array, at = 0): State {
    const { nP, nD } = this;
    const head = readBits(words, at, 0, 4);
    const status: PartitionStatus[] = [];
    for (let p = 0; p < nP; p++) status.push(STATUS[readBits(words, at, this.oStatus + 2 * p, 2)]!);
    const labels = (offset: number, n: number, width: number): Bits[] => {
      const out: Bits[] = [];
      for (let i = 0; i < n; i++) out.push(readBits(words, at, offset + i * width, width));
      return out;
    };
    const channels: Bits[][] = [];
    for (let c = 0; c < this.capacities.length; c++) {
      const o = this.oChannels[c]!;
      const len = this.lengthBits[c]!;
      channels.push(labels(o + len, readBits(words, at, o, len), nP));
    }
    return {
      hv: HV[head & 3]!,
      hvTampered: (head & 4) !== 0,
      tampered: readBits(words, at, this.oTampered, nP),
      status,
      observed: labels(this.oObserved, nP, nP),
      pendingIrq: labels(this.oPending, nP, nD),
      frame: readBits(words, at, this.oFrame, this.frameBits),
      cells: labels(this.oCells, this.nCells, nP),
      channels,
      auditCount: readBits(words, at, this.oAudit, this.auditBits),
      auditLabel: readBits(words, at, this.oAuditLabel, nP),
      halted: (head & 8) !== 0,
      flags: readBits(words, at, this.oFlags, FLAG_BITS),
    };
  }
}

/**
 * The codec for searches of `layout` under `model`: the seeded bug that enqueues past capacity
 * (each such message an audited refusal, so the audit capacity bounds them) needs that many more
 * slots per queue.
 */
export function codecFor(layout: Layout, model: { readonly bugs?: ReadonlySet<string> } = {}): StateCodec {
  return new StateCodec(layout, model.bugs?.has('refused-send-enqueues') ? layout.config.audit.capacity : 0);
}

/** 32-bit hash of `n` words at `words[at ..]` (murmur3's mixing, finalised). */
export function hashWords(words: Uint32Array, at: number, n: number): number {
  let h = 0x9747b28c ^ n;
  for (let i = 0; i < n; i++) {
    let k = words[at + i]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
