/**
 * model/step.ts `hypercall` and `serve` over symbolic states: the hypercall API, one branch per
 * answer the state can lead to (a full or empty queue, a target not launched).
 */
import { has } from '../../model/bits.js';
import type { Layout } from '../../model/layout.js';
import { bufferAllowed, bufferCell, bufferEntry } from '../../model/operands.js';
import { isLaunched, labelOf, runningNow, type SymState, union } from './state.js';
import {
  audit,
  type Branch,
  type Bugs,
  done,
  ignored,
  observe,
  replace,
  reset,
  split,
  withSym,
} from './step.js';
import { add, eq, FALSE, int, ite, lt, not } from './terms.js';

export function hypercall(
  layout: Layout,
  s: SymState,
  p: number,
  op: string,
  arg: number,
  buffer: number | undefined,
  bugs: Bugs,
): Branch[] {
  const running = runningNow(layout, s)[p]!;
  const replies = serve(layout, s, { p, op, arg, buffer }, bugs).map((b) =>
    b.outcome !== 'refused' || bugs.has('unaudited-refusal')
      ? b
      : { ...b, state: audit(layout, b.state, p), audited: true },
  );
  return split(not(running), ignored(s), replies);
}

/** One VMCALL: the caller and what it put in its registers. */
interface Call {
  readonly p: number;
  readonly op: string;
  readonly arg: number;
  readonly buffer: number | undefined;
}

/** What the hypercall does, before a refusal's audit (`audited` marks the full-queue record). */
function serve(layout: Layout, s: SymState, { p, op, arg, buffer }: Call, bugs: Bugs): Branch[] {
  const { channels, partitions } = layout.config;
  const validPartition = Number.isInteger(arg) && arg >= 0 && arg < partitions.length;
  const control = validPartition && has(layout.controls[p]!, arg);
  const refusal = () => done(s, 'refused');
  const entry = bufferEntry(layout, p, buffer);
  const usable = bugs.has('unchecked-buffer') ? entry !== null : bufferAllowed(layout, p, op, buffer);
  const cell = entry ? bufferCell(layout, entry) : -1;
  switch (op) {
    case 'send': {
      const ch = channels[arg];
      if (!ch) return refusal();
      if (ch.from !== p) {
        if (bugs.has('refused-send-enqueues'))
          throw new Error('the symbolic model does not mirror the seeded bug refused-send-enqueues');
        return refusal();
      }
      if (!usable) return refusal();
      const len = s.chLen[arg]!;
      const own = labelOf(layout, s, p);
      const label = cell < 0 || has(layout.downgraders, p) ? own : union(own, s.cells[cell]!);
      const slots = s.chSlots[arg]!.map((slot, j) => slot.map((t, q) => ite(eq(len, int(j)), label[q]!, t)));
      return split(
        not(lt(len, int(ch.capacity))),
        done(audit(layout, s, p, labelOf(layout, s, ch.to)), 'dropped', true),
        done(
          withSym(s, {
            chLen: replace(s.chLen, arg, add(len, 1)),
            chSlots: replace(s.chSlots, arg, slots),
          }),
          'ok',
        ),
      );
    }
    case 'receive': {
      const ch = channels[arg];
      if (!ch) return refusal();
      if (ch.to !== p) return refusal();
      if (!usable) return refusal();
      const len = s.chLen[arg]!;
      const queue = s.chSlots[arg]!;
      const shifted = queue.map((_, j) =>
        j + 1 < queue.length ? queue[j + 1]! : queue[j]!.map(() => FALSE),
      );
      let received = withSym(observe(s, p, queue[0]!), {
        chLen: replace(s.chLen, arg, add(len, -1)),
        chSlots: replace(s.chSlots, arg, shifted),
      });
      // model/step.ts: the message lands in the buffer, as if the caller wrote it there.
      if (cell >= 0)
        received = withSym(received, {
          cells: replace(received.cells, cell, union(received.cells[cell]!, labelOf(layout, received, p))),
        });
      return split(eq(len, int(0)), done(s, 'ok'), done(received, 'ok'));
    }
    case 'partition-reset':
      if (!validPartition || arg === p) return refusal();
      if (!control) return refusal();
      return split(not(isLaunched(s, arg)), refusal(), done(reset(layout, s, p, arg), 'ok'));
    case 'partition-status':
      if (!validPartition) return refusal();
      if (!control && !bugs.has('status-without-privilege')) return refusal();
      return done(observe(s, p, s.observed[arg]!), 'ok');
    case 'audit-read':
      if (!has(layout.auditReaders, p)) return refusal();
      return done(observe(s, p, s.auditLabel), 'ok');
    case 'yield':
      return done(s, 'ok');
    default:
      return refusal();
  }
}
