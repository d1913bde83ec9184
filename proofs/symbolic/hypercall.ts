/**
 * model/step.ts `hypercall` and `serve` over symbolic states: the hypercall API, one branch per
 * answer the state can lead to (a full or empty queue, a target not launched).
 */
import { has } from '../../model/bits.js';
import type { Layout } from '../../model/layout.js';
import { isLaunched, labelOf, runningNow, type SymState } from './state.js';
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
  bugs: Bugs,
): Branch[] {
  const running = runningNow(layout, s)[p]!;
  const replies = serve(layout, s, p, op, arg, bugs).map((b) =>
    b.outcome !== 'refused' || bugs.has('unaudited-refusal')
      ? b
      : { ...b, state: audit(layout, b.state, p), audited: true },
  );
  return split(not(running), ignored(s), replies);
}

/** What the hypercall does, before a refusal's audit (`audited` marks the full-queue record). */
function serve(layout: Layout, s: SymState, p: number, op: string, arg: number, bugs: Bugs): Branch[] {
  const { channels, partitions } = layout.config;
  const validPartition = Number.isInteger(arg) && arg >= 0 && arg < partitions.length;
  const control = has(layout.monitors, p);
  const refusal = () => done(s, 'refused');
  switch (op) {
    case 'send': {
      const ch = channels[arg];
      if (!ch) return refusal();
      if (ch.from !== p) {
        if (bugs.has('refused-send-enqueues'))
          throw new Error('the symbolic model does not mirror the seeded bug refused-send-enqueues');
        return refusal();
      }
      const len = s.chLen[arg]!;
      const label = labelOf(layout, s, p);
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
      const len = s.chLen[arg]!;
      const queue = s.chSlots[arg]!;
      const shifted = queue.map((_, j) =>
        j + 1 < queue.length ? queue[j + 1]! : queue[j]!.map(() => FALSE),
      );
      const received = withSym(observe(s, p, queue[0]!), {
        chLen: replace(s.chLen, arg, add(len, -1)),
        chSlots: replace(s.chSlots, arg, shifted),
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
