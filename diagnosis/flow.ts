/**
 * Which fields of the system file carried a forbidden label along an InformationFlow counterexample.
 *
 * Labels move between carriers (what a partition observed, a labelled memory cell, a channel's
 * queue, the audit log) only through the steps the model takes; each step moves them along the
 * transfers below, and each transfer relied on some part of the configuration (an EPT mapping, a
 * DMA window, an interrupt line, a channel, a privilege). Walking the trace backwards from the
 * observer that holds the forbidden label, and following that one label to where each carrier
 * first gained it, names exactly the transfers that brought it there, and so the fields.
 */
import { type Bits, has, members } from '../model/bits.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { bufferCell, bufferEntry, hasBuffer } from '../model/operands.js';
import type { State } from '../model/state.js';
import type { StepResult } from '../model/step.js';
import type { Trace } from '../proofs/explorer.js';
import {
  type Blame,
  controlBlame,
  dmaReachBlames,
  eptSource,
  irqRouteBlames,
  listingBlames,
  peerBlames,
  privilegeBlame,
  spoofBlames,
  who,
} from './elements.js';

/** A place a label can sit: `o<p>` observed by p, `c<i>` cell i, `q<c>` channel c, `a` the audit log. */
type Carrier = string;

interface Transfer {
  readonly to: Carrier;
  readonly from: readonly Carrier[];
  readonly blames: readonly Blame[];
}

function labelIn(s: State, carrier: Carrier): Bits {
  const i = Number(carrier.slice(1));
  switch (carrier[0]) {
    case 'o':
      return s.observed[i] ?? 0;
    case 'c':
      return s.cells[i] ?? 0;
    case 'q':
      return (s.channels[i] ?? []).reduce((u, l) => u | l, 0);
    default:
      return s.auditLabel;
  }
}

const obs = (p: number): Carrier => `o${p}`;

function channelBlame(layout: Layout, c: number): Blame {
  const ch = layout.config.channels[c]!;
  return {
    path: ['channels', c],
    explanation: `channel ${ch.name} carries messages from ${who(layout, ch.from)} to ${who(layout, ch.to)}`,
  };
}

/** The label movements of one step, each with the fields it relied on. */
function transfers(layout: Layout, event: Event, result: StepResult, source: number): Transfer[] {
  const { config } = layout;
  const out: Transfer[] = [];
  const data = `data of ${who(layout, source)}`;
  if (event.type === 'GuestAccess' && result.outcome === 'ok') {
    const entry = layout.ept[event.partition]?.[event.gpa];
    const cell = entry ? layout.classes[layout.classOf[entry.page]!]!.cell : -1;
    const origin = eptSource(layout, event.partition, event.gpa);
    if (cell >= 0 && origin) {
      const name = config.partitions[event.partition]!.name;
      const verb = event.access === 'write' ? 'writes' : 'reads';
      const blame = { ...origin, explanation: `${origin.explanation}: ${name} ${verb} ${data} there` };
      if (event.access === 'write')
        out.push({ to: `c${cell}`, from: [obs(event.partition)], blames: [blame] });
      else out.push({ to: obs(event.partition), from: [`c${cell}`], blames: [blame] });
    }
  }
  if (event.type === 'Dma' && result.outcome === 'ok') {
    const cell = layout.classes[layout.classOf[event.page]!]!.cell;
    const owner = config.devices[event.device]!.owner;
    const verb = event.access === 'write' ? `writes ${data} to` : `reads ${data} from`;
    const blames = dmaReachBlames(layout, event.device, event.page, verb);
    if (cell >= 0)
      out.push(
        event.access === 'write'
          ? { to: `c${cell}`, from: [obs(owner)], blames }
          : { to: obs(owner), from: [`c${cell}`], blames },
      );
  }
  if (event.type === 'PeerDma' && result.outcome === 'ok') {
    const owner = obs(config.devices[event.device]!.owner);
    const peerOwner = obs(config.devices[event.peer]!.owner);
    const verb = event.access === 'write' ? `writes ${data} into` : `reads ${data} from`;
    const blames = peerBlames(layout, event.device, event.peer, verb);
    out.push(
      event.access === 'write'
        ? { to: peerOwner, from: [owner], blames }
        : { to: owner, from: [peerOwner], blames },
    );
  }
  if (event.type === 'Hypercall' && result.outcome === 'ok') {
    const p = event.partition;
    // The message buffer: a send carries what it holds, a receive writes the message there.
    const entry = hasBuffer(event.op) ? bufferEntry(layout, p, event.buffer) : null;
    const cell = entry ? bufferCell(layout, entry) : -1;
    const origin = cell >= 0 && event.buffer !== undefined ? eptSource(layout, p, event.buffer) : null;
    const buffer = origin
      ? [{ ...origin, explanation: `${origin.explanation}: ${who(layout, p)}'s message buffer` }]
      : [];
    if (event.op === 'send')
      out.push({
        to: `q${event.arg}`,
        // A downgrader releases the message as its own.
        from: [obs(p), ...(cell >= 0 && !has(layout.downgraders, p) ? [`c${cell}` as const] : [])],
        blames: [channelBlame(layout, event.arg), ...buffer],
      });
    if (event.op === 'receive') {
      out.push({ to: obs(p), from: [`q${event.arg}`], blames: [channelBlame(layout, event.arg)] });
      if (cell >= 0)
        out.push({
          to: `c${cell}`,
          from: [`q${event.arg}`],
          blames: [channelBlame(layout, event.arg), ...buffer],
        });
    }
    if (event.op === 'partition-status')
      out.push({
        to: obs(p),
        from: [obs(event.arg)],
        blames: [controlBlame(layout, p, event.arg, `read what ${who(layout, event.arg)} observed`)],
      });
    if (event.op === 'audit-read')
      out.push({
        to: obs(p),
        from: ['a'],
        blames: [
          privilegeBlame(
            layout,
            p,
            'audit-read',
            'read the audit log, whose records carry the labels of the partitions that caused them',
          ),
        ],
      });
  }
  for (const effect of result.effects) {
    if (effect.kind === 'audit') {
      const from = effect.cause === null ? [] : [obs(effect.cause)];
      // A dropped send's record exists because the channel was full: the receiver's doing too.
      const full = effect.code === 'channel-full' && event.type === 'Hypercall' ? event.arg : undefined;
      const receiver = full === undefined ? undefined : config.channels[full]?.to;
      if (full === undefined || receiver === undefined) out.push({ to: 'a', from, blames: [] });
      else {
        const channel = channelBlame(layout, full);
        const explanation = `${channel.explanation}; whether it is full, and so audited, depends on ${who(layout, receiver)}`;
        out.push({ to: 'a', from: [...from, obs(receiver)], blames: [{ ...channel, explanation }] });
      }
    }
    if (effect.kind === 'reset') {
      const blames = [
        controlBlame(
          layout,
          effect.by,
          effect.target,
          `reset ${who(layout, effect.target)}, which then holds its label`,
        ),
      ];
      out.push({ to: obs(effect.target), from: [obs(effect.by)], blames });
      layout.cells.forEach((cls, i) => {
        if (has(cls.listers, effect.target))
          out.push({ to: `c${i}`, from: [obs(effect.by), obs(effect.target)], blames });
      });
    }
    if (effect.kind === 'inject' && event.type === 'Tick')
      for (const d of members(effect.devices))
        out.push({
          to: obs(effect.partition),
          from: [obs(config.devices[d]!.owner)],
          blames: irqRouteBlames(layout, d, effect.partition),
        });
    if ((effect.kind === 'inject' || effect.kind === 'pend') && event.type === 'DeviceIrq')
      out.push({
        to: obs(effect.partition),
        from: [obs(config.devices[event.device]!.owner)],
        blames: irqRouteBlames(layout, event.device, effect.partition),
      });
    if ((effect.kind === 'inject' || effect.kind === 'pend') && event.type === 'MsiWrite')
      out.push({
        to: obs(effect.partition),
        from: [obs(config.devices[event.device]!.owner)],
        blames: [
          ...spoofBlames(layout, event.device, event.vector),
          ...irqRouteBlames(layout, event.vector, effect.partition),
        ],
      });
  }
  return out;
}

/**
 * The fields that carried `source`'s label to `observer` along `trace`, in the order the trace
 * relied on them.
 */
export function flowBlames(layout: Layout, trace: Trace, observer: number, source: number): Blame[] {
  const { steps } = trace;
  let needed = new Set<Carrier>([obs(observer)]);
  const perStep: Blame[][] = [];
  for (let i = steps.length - 1; i >= 1; i--) {
    const { event, result, state: after } = steps[i]!;
    if (event === null || result === null) continue;
    const before = steps[i - 1]!.state;
    const next = new Set(needed);
    const found: Blame[] = [];
    for (const t of transfers(layout, event, result, source)) {
      if (!needed.has(t.to) || !has(labelIn(after, t.to), source) || has(labelIn(before, t.to), source))
        continue;
      found.push(...t.blames.map((b) => ({ ...b, step: i })));
      next.delete(t.to);
      for (const f of t.from) if (has(labelIn(before, f), source)) next.add(f);
    }
    perStep.push(found);
    needed = next;
  }
  // What still needs the label at the start had it from the start: a cell listed by the source
  // (blamed only where another partition lists it too; a page of its own is no fault) or the
  // source itself.
  const initial: Blame[] = [];
  for (const carrier of needed) {
    if (carrier[0] !== 'c') continue;
    const cls = layout.cells[Number(carrier.slice(1))]!;
    if (!has(cls.listers, source) || members(cls.listers).length < 2) continue;
    const others = members(cls.listers & ~(1 << source)).map((p) => layout.config.partitions[p]!.name);
    const why = `, which ${others.join(', ')} also lists: it holds data of ${who(layout, source)} from the start`;
    initial.push(...listingBlames(layout, source, cls.pages, why).map((b) => ({ ...b, step: 0 })));
  }
  return [initial, ...perStep.reverse()].flat();
}
