/**
 * The explorer's visited set: states are hashed field by field and kept in an open-addressing
 * table, with full structural comparison on a hash match. Nothing is allocated to look a state up,
 * which matters because most successors the explorer generates are states it has already seen.
 */
import { type PartitionStatus, type State, sameState } from '../model/state.js';

const STATUS_CODE: Record<PartitionStatus, number> = { pending: 0, running: 1, faulted: 2, refused: 3 };
const HV_CODE = { pending: 0, ok: 1, failed: 2 } as const;

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

function mixAll(h: number, xs: readonly number[]): number {
  for (let i = 0; i < xs.length; i++) h = mix(h, xs[i]!);
  return h;
}

/** 32-bit FNV-style hash over every field of the state. */
export function hashState(s: State): number {
  let h = 0x811c9dc5;
  h = mix(h, HV_CODE[s.hv] | (s.hvTampered ? 4 : 0) | (s.halted ? 8 : 0));
  h = mix(h, s.frame);
  h = mix(h, s.auditCount);
  h = mix(h, s.flags);
  h = mix(h, s.tampered);
  h = mix(h, s.auditLabel);
  for (let i = 0; i < s.status.length; i++) h = mix(h, STATUS_CODE[s.status[i]!]);
  h = mixAll(h, s.observed);
  h = mixAll(h, s.pendingIrq);
  h = mixAll(h, s.cells);
  for (let i = 0; i < s.channels.length; i++) {
    const q = s.channels[i]!;
    h = mixAll(mix(h, q.length + 1), q);
  }
  return h >>> 0;
}

/** Distinct states, each with the id of its insertion order. */
export class StateTable {
  private slots: Int32Array;
  private hashes: Uint32Array;
  private mask: number;
  readonly states: State[] = [];

  constructor(capacityHint = 1 << 16) {
    let size = 1 << 4;
    while (size < capacityHint * 2) size <<= 1;
    this.slots = new Int32Array(size).fill(-1);
    this.hashes = new Uint32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.states.length;
  }

  /** The id of a state equal to `s`, or -1. */
  find(s: State, hash = hashState(s)): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const id = this.slots[i]!;
      if (id < 0) return -1;
      if (this.hashes[i] === hash && sameState(this.states[id]!, s)) return id;
    }
  }

  /** Adds a state known not to be present; returns its id. */
  insert(s: State, hash = hashState(s)): number {
    if ((this.states.length + 1) * 2 > this.slots.length) this.grow();
    const id = this.states.length;
    this.states.push(s);
    this.place(id, hash);
    return id;
  }

  private place(id: number, hash: number): void {
    let i = hash & this.mask;
    while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
    this.slots[i] = id;
    this.hashes[i] = hash;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2).fill(-1);
    this.hashes = new Uint32Array(oldSlots.length * 2);
    this.mask = this.slots.length - 1;
    for (let i = 0; i < oldSlots.length; i++) if (oldSlots[i]! >= 0) this.place(oldSlots[i]!, oldHashes[i]!);
  }
}
