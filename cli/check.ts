/**
 * `typezero check`, printed: the verdict table and each counterexample step by step, as a certifier
 * reads them (the JSON form is proofs/check.ts's report as it is).
 */

import { formatCause } from '../diagnosis/causes.js';
import { withCauses } from '../diagnosis/report.js';
import { describeEvent, describeOutcome } from '../model/describe.js';
import type { Layout } from '../model/layout.js';
import {
  type CheckReport,
  type CheckRun,
  type PropertyReport,
  type PropertyStatus,
  type ReportedCause,
  vacuityReason,
} from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import type { ExploreResult, Progress, StopReason, Trace } from '../proofs/explorer.js';
import { type NoninterferenceReport, witnessMoves } from '../proofs/ni-report.js';
import type { NiResult, NiStatus } from '../proofs/noninterference.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SourcePositions } from '../system/load.js';
import { formatBytes } from './options.js';

const STOPPED: Record<StopReason, string> = {
  'max-states': 'stopped at the --max-states bound',
  'max-memory': 'stopped at the memory budget',
  interrupted: 'interrupted',
};

/**
 * One line for stderr when the explorer stopped short of a bound the user did not ask for (its
 * memory budget, an interrupt): how far it got and what to try. A --max-states bound is said in
 * the report itself.
 */
export function stopNote(result: ExploreResult, maxMemory: number): string | null {
  const where = `after ${result.distinctStates.toLocaleString('en-US')} distinct states at depth ${result.depth}`;
  const settled = 'violations found so far are reported, the other properties are unknown';
  switch (result.stopped) {
    case 'max-memory':
      return `explorer: stopped at the memory budget (${formatBytes(maxMemory)}) ${where}; ${settled}. Try a larger --max-memory, typezero prove, or --engine tlc`;
    case 'interrupted':
      return `explorer: interrupted ${where}; ${settled}`;
    default:
      return null;
  }
}

/** The run with root causes on each violated property of its report. */
export function diagnosed(run: CheckRun, positions: SourcePositions): CheckRun {
  return { ...run, report: withCauses(run.report, run.layout, run.result.verdicts, positions) };
}

const STATUS_WORD: Record<PropertyStatus, string> = {
  holds: 'holds',
  violated: 'VIOLATED',
  unknown: 'unknown',
};

/** How the counts were reduced, in words: label slicing, symmetry, or nothing. */
function reducedBy(report: CheckReport): string {
  const { reduction, symmetry } = report.stats;
  const ways = [
    ...(reduction ? ['label-sliced'] : []),
    ...(symmetry ? [`up to ${symmetry.interchangeable.map((o) => o.join(' ~ ')).join(', ')}`] : []),
  ];
  return ways.length ? ` (${ways.join(', ')})` : '';
}

/** The human report: verdict table first, then each counterexample step by step. */
export function formatHuman(run: CheckRun, file: string): string {
  const { report, result, layout } = run;
  const out: string[] = [];
  const { distinctStates, depth, durationMs } = report.stats;
  out.push(`system ${report.system} (${file})`);
  out.push(
    `engine ${report.engine}: ${distinctStates.toLocaleString('en-US')} distinct states${reducedBy(report)}, depth ${depth}, ${durationMs} ms` +
      (result.complete ? ', exhaustive' : `, ${STOPPED[result.stopped ?? 'max-states']}`),
  );
  out.push('');
  const width = Math.max(...CATALOG.map((p) => p.name.length));
  const vacuous: PropertyName[] = [];
  for (const p of CATALOG) {
    const entry = report.properties.find((e) => e.name === p.name)!;
    const row = verdictRow(run, entry);
    if (row.vacuous) vacuous.push(p.name);
    out.push(`  ${row.word.padEnd(8)}  ${p.name.padEnd(width)}  ${row.note}`);
  }
  for (const p of CATALOG) {
    const verdict = result.verdicts.get(p.name);
    if (verdict?.status !== 'violated') continue;
    out.push(
      '',
      `${p.name} violated. ${p.summary}`,
      ...formatTrace(layout, verdict.trace),
      `  Violation: ${explainViolation(layout, p.name, verdict.trace)}.`,
      ...formatCauses(p.name, report.properties.find((e) => e.name === p.name)?.causes),
    );
  }
  const violated = report.properties.filter((p) => p.status === 'violated').length;
  const unknown = report.properties.filter((p) => p.status === 'unknown').length;
  out.push('');
  if (violated === 0 && unknown === 0)
    out.push(
      vacuous.length === 0
        ? `All ${report.properties.length} properties hold.`
        : `${report.properties.length - vacuous.length} of ${report.properties.length} properties hold; ${vacuous.length} not applicable here (holds vacuously): ${vacuous.join(', ')}.`,
    );
  else
    out.push(
      `${[
        violated && `${violated} of ${report.properties.length} properties violated`,
        unknown && `${unknown} unknown`,
      ]
        .filter(Boolean)
        .join(', ')}.`,
    );
  return out.join('\n');
}

/** The causes under a counterexample, when the report was diagnosed. */
export function formatCauses(name: PropertyName, causes: readonly ReportedCause[] | undefined): string[] {
  if (causes === undefined) return [];
  if (causes.length > 0) return ['  Caused by:', ...causes.map((c) => `    ${formatCause(c)}`)];
  return [
    CODE_PROPERTIES.includes(name)
      ? "  Caused by: no field of the system file; this property speaks of the hypervisor's own code."
      : '  Caused by: no field of the system file was found behind it.',
  ];
}

/** Properties no system file can break: only the hypervisor's code can. */
const CODE_PROPERTIES: readonly PropertyName[] = ['HypercallAuthorization', 'FaultContainment', 'FailSecure'];

/** One row of the verdict table: the status word and what exercised the property, or why nothing could. */
function verdictRow(run: CheckRun, entry: PropertyReport): { word: string; note: string; vacuous: boolean } {
  const { result, layout } = run;
  const p = CATALOG.find((x) => x.name === entry.name)!;
  if (entry.status === 'violated') {
    const verdict = result.verdicts.get(p.name);
    // Distributed TLC gives only a counterexample's last step, which the model does not replay.
    if (verdict?.status !== 'violated')
      return {
        word: STATUS_WORD.violated,
        note: 'only the last step of a counterexample is known (in the --json trace)',
        vacuous: false,
      };
    const { trace } = verdict;
    const note = `counterexample of ${trace.steps.length - 1} steps${trace.loop !== undefined ? ' ending in a cycle' : ''}`;
    return { word: STATUS_WORD.violated, note, vacuous: false };
  }
  if (entry.status === 'unknown')
    return { word: STATUS_WORD.unknown, note: 'search stopped before this was settled', vacuous: false };
  const reason = entry.vacuous
    ? (entry.reason ?? '')
    : vacuityReason(layout, p.name, result.complete ? result.baits.get(p.name) : undefined);
  if (reason !== null)
    return { word: 'n/a', note: `not applicable, holds vacuously: ${reason}`, vacuous: true };
  const note = result.baits.get(p.name)
    ? `exercised: ${p.bait.description}`
    : 'whether anything exercised it was not settled';
  return { word: STATUS_WORD.holds, note, vacuous: false };
}

export function formatTrace(layout: Layout, trace: Trace): string[] {
  const lines: string[] = [];
  const digits = String(trace.steps.length).length;
  const indent = `  ${' '.repeat(digits)}  `;
  trace.steps.forEach((st, i) => {
    if (!st.event || !st.result)
      lines.push(
        `  ${String(i).padStart(digits)}. initial state: nothing measured or launched, audit log empty`,
      );
    else {
      const before = trace.steps[i - 1]!.state;
      const what = `${describeEvent(layout, st.event)}: ${describeOutcome(layout, before, st.event, st.result)}`;
      lines.push(`  ${String(i).padStart(digits)}. ${what}`);
    }
    if (i === trace.loop && i < trace.steps.length - 1)
      lines.push(`${indent}-- the steps below repeat forever --`);
  });
  if (trace.loop !== undefined) lines.push(`${indent}-- back to the state after step ${trace.loop} --`);
  return lines;
}

export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.distinctStates * 1000) / p.elapsedMs) : 0;
  return `explorer: ${p.distinctStates.toLocaleString('en-US')} states, depth ${p.depth}, ${p.queued.toLocaleString('en-US')} queued, ${rate.toLocaleString('en-US')} states/s, ${formatBytes(p.bytes)} held`;
}

const NI_WORD: Record<NiStatus, string> = { holds: 'holds', violated: 'VIOLATED', unknown: 'unknown' };

/**
 * The self-composition, printed: one line per observer, then for each divergence the moves of the
 * two runs in order (which runs took each, and each run's outcome where they differ).
 */
export function formatNoninterference(layout: Layout, ni: NiResult, report: NoninterferenceReport): string {
  const out: string[] = [
    '',
    '',
    `noninterference (self-composition): ${report.stats.productStates.toLocaleString('en-US')} pairs of states, ${report.stats.durationMs} ms`,
    '',
  ];
  const width = Math.max(...report.observers.map((o) => o.partition.length));
  report.observers.forEach((o) => {
    const word = o.vacuous ? 'n/a' : NI_WORD[o.status];
    const note = o.vacuous
      ? `not applicable: ${o.reason}`
      : o.status === 'violated'
        ? `its view diverges after ${o.depth} moves (hidden from it: ${o.hidden.join(', ')})`
        : o.status === 'unknown'
          ? `stopped at the --max-states bound after ${o.productStates.toLocaleString('en-US')} pairs of states`
          : `no pair of runs differing in ${o.hidden.join(', ')} changes what it observes`;
    out.push(`  ${word.padEnd(8)}  ${o.partition.padEnd(width)}  ${note}`);
  });
  for (const o of ni.observers) {
    if (!o.witness) continue;
    const name = layout.config.partitions[o.observer]!.name;
    out.push('', `${name}'s view diverges: two runs that differ only in what ${name} may not learn from.`);
    out.push(...witnessMoves(layout, o.witness).map((line) => `  ${line}`));
    out.push(`  Divergence: ${o.witness.divergence}.`);
  }
  const count = (s: NiStatus) => report.observers.filter((o) => o.status === s && !o.vacuous).length;
  const judged = report.observers.filter((o) => !o.vacuous).length;
  out.push('');
  if (count('violated') + count('unknown') === 0)
    out.push(
      `Noninterference holds for ${judged === report.observers.length ? 'every' : `each of the ${judged}`} observer${judged === 1 ? '' : 's'} with anything hidden.`,
    );
  else
    out.push(
      `Noninterference: ${[
        count('violated') && `${count('violated')} of ${judged} observers violated`,
        count('unknown') && `${count('unknown')} unknown`,
      ]
        .filter(Boolean)
        .join(', ')}.`,
    );
  return out.join('\n');
}
