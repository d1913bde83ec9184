/**
 * Model states in the spec's terms and back. The spec's variables are the model's State fields
 * (spec/README.md has the table); partitions, devices and channels appear by their names in the
 * system file, sets of them as TLA+ sets, and the history flags by name.
 *
 *  - `toTla`: a state as a TLA+ record expression, for trace-validation modules;
 *  - `toCheckerJson`: a state as tla-checker's explore API takes it;
 *  - `fromJson`: a state from either engine's JSON: tla-checker's explore API (`{"__fn": ...}`,
 *    `{"__tuple": ...}`) or TLC's, in its Json module's shape, as tla/tlc/value.ts reads TLC's
 *    printed counterexamples (sequences as arrays, functions with other
 *    domains as objects keyed by the printed key).
 */
import { bit, EMPTY, members } from '../model/bits.js';
import type { Layout } from '../model/layout.js';
import {
  Flag,
  type FlagName,
  type HypervisorStatus,
  type PartitionStatus,
  type State,
} from '../model/state.js';
import { ITF_VARS } from '../proofs/itf.js';
import { bool, fn, int, record, seq, set, str, type Tla } from './tla-text.js';

export type SpecVariable = (typeof ITF_VARS)[number];
export const SPEC_VARIABLES: readonly SpecVariable[] = ITF_VARS;

const FLAG_NAMES = Object.keys(Flag) as FlagName[];
const HV: readonly HypervisorStatus[] = ['pending', 'ok', 'failed'];
const STATUS: readonly PartitionStatus[] = ['pending', 'running', 'faulted', 'refused'];

/** A canonical key: equal states, equal keys. */
export function stateKey(s: State): string {
  return JSON.stringify(SPEC_VARIABLES.map((v) => s[v]));
}

/** The variables on which two states differ, in the spec's declaration order. */
export function differingVariables(a: State, b: State): SpecVariable[] {
  return SPEC_VARIABLES.filter((v) => JSON.stringify(a[v]) !== JSON.stringify(b[v]));
}

function names(layout: Layout) {
  const { partitions, devices, channels } = layout.config;
  return {
    partition: (i: number) => partitions[i]!.name,
    device: (i: number) => devices[i]!.name,
    channel: (i: number) => channels[i]!.name,
  };
}

export function toTla(layout: Layout, s: State): Tla {
  const n = names(layout);
  const parts = (bits: number) => set(members(bits).map((p) => str(n.partition(p))));
  const byPartition = (f: (p: number) => Tla) =>
    fn(layout.config.partitions.map((p) => [str(p.name), f(p.index)]));
  return record({
    hv: str(s.hv),
    hvTampered: bool(s.hvTampered),
    tampered: parts(s.tampered),
    status: byPartition((p) => str(s.status[p]!)),
    observed: byPartition((p) => parts(s.observed[p]!)),
    pendingIrq: byPartition((p) => set(members(s.pendingIrq[p]!).map((d) => str(n.device(d))))),
    frame: int(s.frame),
    cells: fn(s.cells.map((label, i) => [int(i), parts(label)])),
    channels: fn(layout.config.channels.map((c, i) => [str(c.name), seq(s.channels[i]!.map(parts))])),
    auditCount: int(s.auditCount),
    auditLabel: parts(s.auditLabel),
    halted: bool(s.halted),
    flags: set(FLAG_NAMES.filter((f) => s.flags & Flag[f]).map(str)),
  });
}

export function toCheckerJson(layout: Layout, s: State): Record<string, unknown> {
  const n = names(layout);
  const parts = (bits: number) => members(bits).map(n.partition).sort();
  const byPartition = (f: (p: number) => unknown) =>
    Object.fromEntries(layout.config.partitions.map((p) => [p.name, f(p.index)]));
  return {
    hv: s.hv,
    hvTampered: s.hvTampered,
    tampered: parts(s.tampered),
    status: byPartition((p) => s.status[p]),
    observed: byPartition((p) => parts(s.observed[p]!)),
    pendingIrq: byPartition((p) => members(s.pendingIrq[p]!).map(n.device).sort()),
    frame: s.frame,
    cells: s.cells.length ? { __fn: s.cells.map((label, i) => [i, parts(label)]) } : { __tuple: [] },
    channels: s.channels.length
      ? Object.fromEntries(
          layout.config.channels.map((c, i) => [c.name, { __tuple: s.channels[i]!.map(parts) }]),
        )
      : { __tuple: [] },
    auditCount: s.auditCount,
    auditLabel: parts(s.auditLabel),
    halted: s.halted,
    flags: FLAG_NAMES.filter((f) => s.flags & Flag[f]).sort(),
  };
}

export class DecodeError extends Error {}

type Json = unknown;

function fail(variable: string, what: string, value: Json): never {
  throw new DecodeError(`variable ${variable}: expected ${what}, got ${JSON.stringify(value)}`);
}

/** The elements of a set (JSON array in both engines). */
function elements(variable: string, v: Json): Json[] {
  if (Array.isArray(v)) return v;
  return fail(variable, 'a set', v);
}

/** The items of a sequence: an array (TLC), `{"__tuple": [...]}` (tla-checker), or the empty function. */
function items(variable: string, v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, Json>;
    if (Array.isArray(o.__tuple)) return o.__tuple;
    if (Array.isArray(o.__fn) && o.__fn.length === 0) return [];
    if (Object.keys(o).length === 0) return [];
  }
  return fail(variable, 'a sequence', v);
}

/** The pairs of a function, keys as strings: objects, `{"__fn": ...}`, sequences keyed 1..n. */
function pairs(variable: string, v: Json): [string, Json][] {
  if (Array.isArray(v)) return v.map((x, i) => [String(i + 1), x]);
  if (v && typeof v === 'object') {
    const o = v as Record<string, Json>;
    if (Array.isArray(o.__fn)) return (o.__fn as [Json, Json][]).map(([k, x]) => [String(k), x]);
    if (Array.isArray(o.__tuple)) return o.__tuple.map((x, i) => [String(i + 1), x]);
    return Object.entries(o);
  }
  return fail(variable, 'a function', v);
}

function indexOf(variable: string, list: readonly string[], value: Json): number {
  const i = typeof value === 'string' ? list.indexOf(value) : -1;
  if (i < 0) fail(variable, `one of ${list.join(', ')}`, value);
  return i;
}

function integer(variable: string, v: Json): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return fail(variable, 'an integer', v);
}

function boolean(variable: string, v: Json): boolean {
  if (typeof v === 'boolean') return v;
  return fail(variable, 'a boolean', v);
}

/** A model state from a state record in either engine's JSON. */
export function fromJson(layout: Layout, json: Record<string, Json>): State {
  const { partitions, devices, channels } = layout.config;
  const pnames = partitions.map((p) => p.name);
  const dnames = devices.map((d) => d.name);
  const cnames = channels.map((c) => c.name);
  for (const v of SPEC_VARIABLES)
    if (!(v in json)) throw new DecodeError(`variable ${v} missing from the state`);
  const bitsOf = (variable: string, list: readonly string[], v: Json) =>
    elements(variable, v).reduce<number>((acc, x) => acc | bit(indexOf(variable, list, x)), EMPTY);
  const byName = <T>(variable: string, list: readonly string[], v: Json, f: (x: Json) => T): T[] => {
    const out: (T | undefined)[] = new Array(list.length).fill(undefined);
    for (const [k, x] of pairs(variable, v)) out[indexOf(variable, list, k)] = f(x);
    if (out.some((x) => x === undefined)) fail(variable, `a function on ${list.join(', ')}`, v);
    return out as T[];
  };
  const cellPairs = pairs('cells', json.cells);
  const cells: number[] = new Array(layout.cells.length).fill(EMPTY);
  if (cellPairs.length !== layout.cells.length) fail('cells', `${layout.cells.length} cells`, json.cells);
  for (const [k, x] of cellPairs) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= layout.cells.length) fail('cells', 'a cell index', k);
    cells[i] = bitsOf('cells', pnames, x);
  }
  // With no channels the spec's `channels` is the empty function, which both engines print as <<>>.
  if (channels.length === 0) items('channels', json.channels);
  const channelQueues = channels.length
    ? byName('channels', cnames, json.channels, (q) =>
        items('channels', q).map((m) => bitsOf('channels', pnames, m)),
      )
    : [];
  let flags = EMPTY;
  for (const f of elements('flags', json.flags)) flags |= Flag[FLAG_NAMES[indexOf('flags', FLAG_NAMES, f)]!];
  return {
    hv: HV[indexOf('hv', HV, json.hv)]!,
    hvTampered: boolean('hvTampered', json.hvTampered),
    tampered: bitsOf('tampered', pnames, json.tampered),
    status: byName('status', pnames, json.status, (x) => STATUS[indexOf('status', STATUS, x)]!),
    observed: byName('observed', pnames, json.observed, (x) => bitsOf('observed', pnames, x)),
    pendingIrq: byName('pendingIrq', pnames, json.pendingIrq, (x) => bitsOf('pendingIrq', dnames, x)),
    frame: integer('frame', json.frame),
    cells,
    channels: channelQueues,
    auditCount: integer('auditCount', json.auditCount),
    auditLabel: bitsOf('auditLabel', pnames, json.auditLabel),
    halted: boolean('halted', json.halted),
    flags,
  };
}
