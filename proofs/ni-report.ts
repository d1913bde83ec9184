/**
 * The self-composition's part of the `check --json` object (docs/DESIGN.md sections 5 and 7): one
 * entry per observer partition, a violation with both runs as ITF traces and the interleaving that
 * pairs their steps; and a divergence move by move, as `check` prints it and the evidence report
 * shows it.
 */
import { members } from '../model/bits.js';
import { describeEvent, describeOutcome } from '../model/describe.js';
import type { Layout } from '../model/layout.js';
import type { TraceStep } from './explorer.js';
import { type ItfTrace, traceToItf } from './itf.js';
import type { NiResult, NiStatus, NiWitness, ObserverVerdict, Side } from './noninterference.js';

export interface ObserverReport {
  partition: string;
  status: NiStatus;
  /** The partitions whose events and data differ between the runs: those it may not learn from. */
  hidden: string[];
  /** Present, and true, when nothing is hidden from it: its `holds` then demonstrates nothing. */
  vacuous?: true;
  reason?: string;
  productStates: number;
  depth: number;
  /** With `violated`: what the observer sees differently at the last move. */
  divergence?: string;
  /** With `violated`: per move, the runs that took it; the traces' steps in that order. */
  interleaving?: Side[];
  /** With `violated`: the first run and the second run. */
  traces?: [ItfTrace, ItfTrace];
  /** With `unknown`: why the search ended early. */
  stopped?: 'max-states';
}

export interface NoninterferenceReport {
  observers: ObserverReport[];
  stats: { productStates: number; durationMs: number };
}

export function noninterferenceReport(layout: Layout, result: NiResult, file: string): NoninterferenceReport {
  return {
    observers: result.observers.map((o) => observerReport(layout, o, file)),
    stats: {
      productStates: result.observers.reduce((n, o) => n + o.productStates, 0),
      durationMs: Math.round(result.durationMs),
    },
  };
}

function observerReport(layout: Layout, o: ObserverVerdict, file: string): ObserverReport {
  const name = (p: number) => layout.config.partitions[p]!.name;
  const entry: ObserverReport = {
    partition: name(o.observer),
    status: o.status,
    hidden: members(o.hidden).map(name),
    ...(o.hidden === 0 ? { vacuous: true as const, reason: NOTHING_HIDDEN } : {}),
    productStates: o.productStates,
    depth: o.depth,
    ...(o.status === 'unknown' ? { stopped: 'max-states' as const } : {}),
  };
  if (o.witness) {
    const w = o.witness;
    const who = name(o.observer);
    entry.divergence = w.divergence;
    entry.interleaving = [...w.sides];
    entry.traces = [
      traceToItf(layout, w.first, file, `first run: ${who}'s view diverges from the second's`),
      traceToItf(
        layout,
        w.second,
        file,
        `second run: hidden from ${who}, ${members(o.hidden).map(name).join(', ')} act otherwise`,
      ),
    ];
  }
  return entry;
}

export const NOTHING_HIDDEN = 'nothing is hidden from it: every partition may flow to it';

/** 1 when an observer's view diverges, 3 when none does but a search stopped at its bound, else 0. */
export function noninterferenceExitCode(report: NoninterferenceReport): 0 | 1 | 3 {
  if (report.observers.some((o) => o.status === 'violated')) return 1;
  return report.observers.some((o) => o.status === 'unknown') ? 3 : 0;
}

/**
 * The moves of a witness, one line each: both runs' steps in the order the product took them, which
 * runs took each, and each run's outcome where they differ.
 */
export function witnessMoves(layout: Layout, w: NiWitness): string[] {
  const lines: string[] = [];
  const digits = String(w.sides.length).length;
  let a = 0;
  let b = 0;
  w.sides.forEach((side, i) => {
    const first = side !== 'second' ? w.first.steps[++a]! : null;
    const second = side !== 'first' ? w.second.steps[++b]! : null;
    const outcome = (run: TraceStep | null, before: TraceStep) =>
      run ? describeOutcome(layout, before.state, run.event!, run.result!) : '';
    const inFirst = outcome(first, w.first.steps[a - 1]!);
    const inSecond = outcome(second, w.second.steps[b - 1]!);
    const event = describeEvent(layout, (first ?? second)!.event!);
    const what =
      side === 'both' && inFirst !== inSecond
        ? `first run: ${inFirst}; second run: ${inSecond}`
        : inFirst || inSecond;
    const runs = side === 'both' ? 'both runs' : `${side} run`;
    lines.push(`${String(i + 1).padStart(digits)}. [${runs}] ${event}: ${what}`);
  });
  return lines;
}
