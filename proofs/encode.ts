/**
 * Canonical state keys for the explorer's visited set: every field of a state packed into a short
 * string of 16-bit code units, so equal states get equal keys and a Map does the hashing natively.
 */
import type { Layout } from '../model/layout.js';
import type { PartitionStatus, State } from '../model/state.js';

const STATUS_CODE: Record<PartitionStatus, number> = { pending: 0, running: 1, faulted: 2, refused: 3 };
const HV_CODE = { pending: 0, ok: 1, failed: 2 } as const;

export type Encoder = (state: State) => string;

export function makeEncoder(layout: Layout): Encoder {
  const wide = Math.max(layout.nPartitions, layout.nDevices) > 16;
  const buf: number[] = [];
  const pushBits = wide
    ? (v: number) => {
        buf.push(v & 0xffff, v >>> 16);
      }
    : (v: number) => {
        buf.push(v);
      };
  return (s) => {
    buf.length = 0;
    buf.push(HV_CODE[s.hv] | (s.hvTampered ? 4 : 0) | (s.halted ? 8 : 0), s.frame, s.auditCount, s.flags);
    pushBits(s.tampered);
    pushBits(s.auditLabel);
    for (const st of s.status) buf.push(STATUS_CODE[st]);
    for (const o of s.observed) pushBits(o);
    for (const p of s.pendingIrq) pushBits(p);
    for (const c of s.cells) pushBits(c);
    for (const q of s.channels) {
      buf.push(q.length);
      for (const m of q) pushBits(m);
    }
    return String.fromCharCode.apply(null, buf);
  };
}
