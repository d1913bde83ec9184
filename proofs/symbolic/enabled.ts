/**
 * model/enabled.ts `enabledEvents` over symbolic states: each event of the layout's catalog with
 * the condition under which `enabledEvents` lists it.
 */
import { catalogEvents, type EventCatalog, isDmaEvent, lineOf } from '../../model/enabled.js';
import type { Event } from '../../model/events.js';
import type { Layout } from '../../model/layout.js';
import { booted, hvIs, isLaunched, runningNow, type SymState } from './state.js';
import { type Bugs, firstPending } from './step.js';
import { and, FALSE, not, or, type Term, TRUE } from './terms.js';

export interface GuardedEvent {
  readonly event: Event;
  /** `enabledEvents` lists the event exactly when this holds. */
  readonly guard: Term;
}

export function enabledEvents(
  layout: Layout,
  catalog: EventCatalog,
  s: SymState,
  bugs: Bugs,
): GuardedEvent[] {
  const up = booted(s);
  const preBoot = and(not(up), not(s.halted));
  const measuring = and(preBoot, hvIs(s, 'pending'));
  const launching = and(preBoot, not(hvIs(s, 'pending')));
  const out: GuardedEvent[] = [
    { event: catalog.measure, guard: measuring },
    { event: catalog.tamperHypervisor, guard: and(measuring, not(s.hvTampered)) },
  ];
  catalog.tamper.forEach((event, p) => {
    const nextAtOrBefore = or(...s.status.slice(0, p + 1).map((_, q) => firstPending(s, q)));
    out.push({ event, guard: and(launching, nextAtOrBefore, not(s.tampered[p]!)) });
  });
  catalog.launch.forEach((event, p) => {
    out.push({ event, guard: and(launching, firstPending(s, p)) });
  });
  const running = or(not(s.halted), bugs.has('tick-after-halt') ? TRUE : FALSE);
  out.push({ event: catalog.tick, guard: and(up, running) });
  const live = runningNow(layout, s);
  catalog.guest.forEach((events, p) => {
    for (const event of events) out.push({ event, guard: and(up, not(s.halted), live[p]!) });
  });
  catalog.device.forEach((events) => {
    const dmaOn = or(not(s.halted), bugs.has('dma-after-halt') ? TRUE : FALSE);
    for (const event of events) {
      const guard = isDmaEvent(event)
        ? and(up, dmaOn)
        : and(up, not(s.halted), isLaunched(s, layout.config.devices[lineOf(event)]!.owner));
      out.push({ event, guard });
    }
  });
  const order = catalogEvents(catalog);
  if (out.some((g, i) => g.event !== order[i])) throw new Error('catalog order mismatch');
  return out;
}
