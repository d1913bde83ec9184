/**
 * Traces in the Informal Trace Format (ITF, as written by Apalache and read by Quint): one JSON
 * object per trace, each state a record of the spec's variables, sets as `{"#set": [...]}` and
 * functions as `{"#map": [[key, value], ...]}`. Partitions, devices and channels appear by their
 * names in the system file. Each state's `#meta` names the action that produced it, the event's
 * arguments and, for certifiers, the step in words.
 */
import { members } from '../model/bits.js';
import { describeEvent, describeOutcome } from '../model/describe.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { Flag, type State } from '../model/state.js';
import type { Trace } from './explorer.js';

export type ItfValue =
  | boolean
  | number
  | string
  | ItfValue[]
  | { '#set': ItfValue[] }
  | { '#map': [ItfValue, ItfValue][] }
  | { [field: string]: ItfValue };

export interface ItfState {
  '#meta': {
    index: number;
    action: string;
    event?: Record<string, ItfValue>;
    description?: string;
    outcome?: string;
  };
  [variable: string]: ItfValue | ItfState['#meta'];
}

export interface ItfTrace {
  '#meta': { format: 'ITF'; 'format-description': string; source: string; description: string };
  vars: string[];
  states: ItfState[];
  loop?: number;
}

export const ITF_VARS = [
  'hv',
  'hvTampered',
  'tampered',
  'status',
  'observed',
  'pendingIrq',
  'frame',
  'cells',
  'channels',
  'auditCount',
  'auditLabel',
  'halted',
  'flags',
] as const;

export function stateToItf(layout: Layout, s: State): Record<(typeof ITF_VARS)[number], ItfValue> {
  const { partitions, devices, channels } = layout.config;
  const partSet = (bits: number): ItfValue => ({ '#set': members(bits).map((p) => partitions[p]!.name) });
  const devSet = (bits: number): ItfValue => ({ '#set': members(bits).map((d) => devices[d]!.name) });
  const byPartition = (f: (p: number) => ItfValue): ItfValue => ({
    '#map': partitions.map((p) => [p.name, f(p.index)] as [ItfValue, ItfValue]),
  });
  return {
    hv: s.hv,
    hvTampered: s.hvTampered,
    tampered: partSet(s.tampered),
    status: byPartition((p) => s.status[p]!),
    observed: byPartition((p) => partSet(s.observed[p]!)),
    pendingIrq: byPartition((p) => devSet(s.pendingIrq[p]!)),
    frame: s.frame,
    cells: { '#map': s.cells.map((label, i) => [i, partSet(label)] as [ItfValue, ItfValue]) },
    channels: {
      '#map': channels.map((c, i) => [c.name, s.channels[i]!.map(partSet)] as [ItfValue, ItfValue]),
    },
    auditCount: s.auditCount,
    auditLabel: partSet(s.auditLabel),
    halted: s.halted,
    flags: { '#set': (Object.keys(Flag) as (keyof typeof Flag)[]).filter((f) => s.flags & Flag[f]) },
  };
}

/** The event's arguments by name, as the spec's action parameters. */
export function eventToItf(layout: Layout, e: Event): Record<string, ItfValue> {
  const { partitions, devices } = layout.config;
  switch (e.type) {
    case 'MeasureHypervisor':
    case 'Tick':
      return {};
    case 'TamperImage':
      return { target: e.partition === null ? 'hypervisor' : partitions[e.partition]!.name };
    case 'LaunchPartition':
      return { partition: partitions[e.partition]!.name };
    case 'GuestAccess':
      return { partition: partitions[e.partition]!.name, gpa: e.gpa, access: e.access };
    case 'Dma':
      return { device: devices[e.device]!.name, page: e.page, access: e.access };
    case 'PeerDma':
      return { device: devices[e.device]!.name, peer: devices[e.peer]!.name, access: e.access };
    case 'DeviceIrq':
      return { device: devices[e.device]!.name };
    case 'MsiWrite':
      return { device: devices[e.device]!.name, vector: devices[e.vector]!.name };
    case 'Hypercall':
      return {
        partition: partitions[e.partition]!.name,
        op: e.op,
        arg: e.arg,
        ...(e.buffer === undefined ? {} : { buffer: e.buffer }),
      };
    case 'VmExit':
      return { partition: partitions[e.partition]!.name, reason: e.reason };
  }
}

export function traceToItf(layout: Layout, trace: Trace, source: string, description: string): ItfTrace {
  const states: ItfState[] = trace.steps.map((st, index) => {
    const before = index > 0 ? trace.steps[index - 1]!.state : null;
    const meta: ItfState['#meta'] = { index, action: st.event ? st.event.type : 'Init' };
    if (st.event && st.result && before) {
      meta.event = eventToItf(layout, st.event);
      meta.outcome = st.result.outcome;
      meta.description = `${describeEvent(layout, st.event)}: ${describeOutcome(layout, before, st.event, st.result)}`;
    }
    return { '#meta': meta, ...stateToItf(layout, st.state) };
  });
  return itfTrace(states, source, description, trace.loop);
}

/** An ITF trace of these states, with the header every typezero trace carries. */
export function itfTrace(states: ItfState[], source: string, description: string, loop?: number): ItfTrace {
  const itf: ItfTrace = {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source,
      description,
    },
    vars: [...ITF_VARS],
    states,
  };
  if (loop !== undefined) itf.loop = loop;
  return itf;
}

/** The model event an ITF state's `#meta` describes (the inverse of `eventToItf`). */
export function eventFromItf(layout: Layout, action: string, args: Record<string, ItfValue>): Event {
  const { partitions, devices } = layout.config;
  const partition = (name: ItfValue) => {
    const p = partitions.find((x) => x.name === name);
    if (!p) throw new Error(`ITF trace names unknown partition ${JSON.stringify(name)}`);
    return p.index;
  };
  const device = (name: ItfValue) => {
    const d = devices.find((x) => x.name === name);
    if (!d) throw new Error(`ITF trace names unknown device ${JSON.stringify(name)}`);
    return d.index;
  };
  switch (action) {
    case 'MeasureHypervisor':
    case 'Tick':
      return { type: action };
    case 'TamperImage':
      return { type: action, partition: args.target === 'hypervisor' ? null : partition(args.target!) };
    case 'LaunchPartition':
      return { type: action, partition: partition(args.partition!) };
    case 'GuestAccess':
      return {
        type: action,
        partition: partition(args.partition!),
        gpa: Number(args.gpa),
        access: args.access as 'read' | 'write' | 'execute',
      };
    case 'Dma':
      return {
        type: action,
        device: device(args.device!),
        page: Number(args.page),
        access: args.access as 'read' | 'write',
      };
    case 'PeerDma':
      return {
        type: action,
        device: device(args.device!),
        peer: device(args.peer!),
        access: args.access as 'read' | 'write',
      };
    case 'DeviceIrq':
      return { type: action, device: device(args.device!) };
    case 'MsiWrite':
      return { type: action, device: device(args.device!), vector: device(args.vector!) };
    case 'Hypercall':
      return {
        type: action,
        partition: partition(args.partition!),
        op: String(args.op),
        arg: Number(args.arg),
        ...(args.buffer === undefined ? {} : { buffer: Number(args.buffer) }),
      };
    case 'VmExit':
      return { type: action, partition: partition(args.partition!), reason: Number(args.reason) };
    default:
      throw new Error(`ITF trace has unknown action ${JSON.stringify(action)}`);
  }
}

/** The events of an ITF trace, in order (the initial state has none). */
export function itfEvents(layout: Layout, trace: ItfTrace): Event[] {
  return trace.states.slice(1).map((s) => eventFromItf(layout, s['#meta'].action, s['#meta'].event ?? {}));
}
