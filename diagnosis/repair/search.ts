/**
 * `typezero repair`: the smallest set of edits (at most two) after which every property holds,
 * found among the edits the root causes suggest and verified by the explorer on the edited file.
 *
 * First every single edit the original's causes suggest; then, for each single edit that left a
 * violation, every edit the causes of that violation suggest on the edited file. A candidate counts
 * only if the edited file loads, grants nothing the original did not (widening.ts), and the check
 * finishes within its state budget with every property holding. Among repairs of the same size,
 * the first in the causes' order wins. A repair that leaves a property nothing to speak about where
 * it held before, or removes the health monitor FaultRecovery speaks of (or a partition from its
 * control), is taken only when no
 * repair of at most two edits avoids that; making a violated property hold because nothing it
 * forbids can happen any more (no data flows between partitions) is what a repair is for.
 */
import type { Layout } from '../../model/layout.js';
import { type CheckReport, runExplorer } from '../../proofs/check.js';
import { monitorPairs } from '../../proofs/liveness.js';
import type { PropertyName } from '../../proofs/properties.js';
import type { SystemConfig } from '../../system/config.js';
import { formatSystemFileError, parseSystemText, type SourcePositions } from '../../system/load.js';
import { type Blame, blame } from '../causes.js';
import { type Candidate, type Edit, editsForAll, monitorWindowPairs } from './edits.js';
import { applyOps, applyOpsTraced, offsetBefore, type Splice } from './text.js';
import { widening } from './widening.js';

export interface RepairOptions {
  /** Distinct states each check may store (label-sliced); a check that needs more is inconclusive. */
  readonly maxStates?: number;
  /** Edited systems checked at most. */
  readonly maxChecks?: number;
}

export const DEFAULT_REPAIR_STATES = 200_000;
export const DEFAULT_REPAIR_CHECKS = 200;

/** A system file's text, loaded and checked. */
export interface Checked {
  readonly text: string;
  readonly config: SystemConfig;
  readonly positions: SourcePositions;
  readonly layout: Layout;
  readonly report: CheckReport;
  readonly complete: boolean;
  readonly violated: readonly PropertyName[];
  readonly unknown: readonly PropertyName[];
  readonly vacuous: readonly PropertyName[];
  readonly blames: readonly Blame[];
}

/** A candidate tried, and what came of it. */
export interface Attempt {
  readonly edits: Candidate;
  readonly outcome: string;
}

export type RepairResult =
  /** Every property already holds. */
  | { readonly status: 'unchanged'; readonly original: Checked }
  | {
      readonly status: 'repaired';
      readonly original: Checked;
      readonly edits: Candidate;
      readonly repaired: Checked;
      /** Properties that hold only vacuously after the repair but did not before. */
      readonly newlyVacuous: readonly PropertyName[];
      /** The repair leaves a property that held, or FaultRecovery, nothing to speak about (no better one was found). */
      readonly loses: boolean;
      readonly attempts: readonly Attempt[];
    }
  /** No candidate of at most two edits passed, or the budget ran out first. */
  | {
      readonly status: 'not-found';
      readonly original: Checked;
      readonly attempts: readonly Attempt[];
      readonly reason: string;
    }
  /** The original's own check did not finish within the state budget. */
  | { readonly status: 'undecided'; readonly original: Checked };

function check(text: string, file: string, maxStates: number): Checked | string {
  const loaded = parseSystemText(text, file);
  if (!loaded.ok)
    return `the edited file does not load: ${loaded.errors.map(formatSystemFileError).join('; ')}`;
  const run = runExplorer(loaded.config, file, { reduction: true, maxStates });
  const { report, layout, result } = run;
  const named = (status: string) => report.properties.filter((p) => p.status === status).map((p) => p.name);
  const violated = named('violated');
  const blames = violated.flatMap((name) => {
    const verdict = result.verdicts.get(name);
    return verdict?.status === 'violated' ? blame(layout, name, verdict.trace) : [];
  });
  return {
    text,
    config: loaded.config,
    positions: loaded.positions,
    layout,
    report,
    complete: result.complete,
    violated,
    unknown: named('unknown'),
    vacuous: report.properties.filter((p) => p.vacuous).map((p) => p.name),
    blames,
  };
}

const holdsAll = (c: Checked) => c.complete && c.violated.length === 0 && c.unknown.length === 0;

export function repair(
  text: string,
  file: string,
  options: RepairOptions = {},
): RepairResult | { status: 'invalid'; reason: string } {
  const maxStates = options.maxStates ?? DEFAULT_REPAIR_STATES;
  const maxChecks = options.maxChecks ?? DEFAULT_REPAIR_CHECKS;
  const json = /\.json$/i.test(file);
  const original = check(text, file, maxStates);
  if (typeof original === 'string') return { status: 'invalid', reason: original };
  if (holdsAll(original)) return { status: 'unchanged', original };
  if (original.violated.length === 0) return { status: 'undecided', original };

  const attempts: Attempt[] = [];
  const seen = new Map<string, Checked | string>();
  let checks = 0;
  const found: { edits: Candidate; repaired: Checked; newlyVacuous: PropertyName[]; loses: boolean }[] = [];
  const newlyVacuous = (c: Checked) => c.vacuous.filter((p) => !original.vacuous.includes(p));
  // A repair that leaves a property nothing to speak about loses what it guarded when the property
  // held before (its exercise is gone), or when it is FaultRecovery (its health monitor is gone);
  // so does one that takes a partition out of a health monitor's control while FaultRecovery was
  // violated (partitions keep their indices: no repair adds or removes one).
  const pairsBefore = monitorPairs(original.layout);
  const loses = (c: Checked) =>
    newlyVacuous(c).some((p) => p === 'FaultRecovery' || !original.violated.includes(p)) ||
    (original.violated.includes('FaultRecovery') &&
      pairsBefore.some(
        (a) => !monitorPairs(c.layout).some((b) => b.monitor === a.monitor && b.partition === a.partition),
      ));

  /** Checks the text `edits` lead to; records the attempt; the checked system when it loads and widens nothing. */
  const evaluate = (edits: Candidate, edited: string | null): Checked | null => {
    if (edited === null) {
      attempts.push({ edits, outcome: 'does not apply to the file' });
      return null;
    }
    // Two ways to the same file are one candidate.
    if (seen.has(edited) || edited === text) return null;
    checks++;
    let outcome = check(edited, file, maxStates);
    if (typeof outcome !== 'string') {
      const wider = widening(original.layout, outcome.layout);
      if (wider.length > 0) outcome = `rejected: it ${wider.join(', ')}`;
    }
    seen.set(edited, outcome);
    if (typeof outcome === 'string') {
      attempts.push({ edits, outcome });
      return null;
    }
    if (holdsAll(outcome)) {
      const vacuous = newlyVacuous(outcome);
      found.push({ edits, repaired: outcome, newlyVacuous: vacuous, loses: loses(outcome) });
      attempts.push({
        edits,
        outcome: vacuous.length
          ? `every property holds, ${vacuous.join(', ')} only vacuously`
          : 'every property holds',
      });
    } else
      attempts.push({
        edits,
        outcome: outcome.complete
          ? `still violates ${outcome.violated.join(', ')}`
          : `inconclusive within ${maxStates.toLocaleString('en-US')} states${outcome.violated.length ? `; violates ${outcome.violated.join(', ')}` : ''}`,
      });
    return outcome;
  };
  const clean = () => found.find((f) => !f.loses);
  const result = (): RepairResult => {
    const best = clean() ?? found[0];
    if (best)
      return {
        status: 'repaired',
        original,
        edits: best.edits,
        repaired: best.repaired,
        newlyVacuous: best.newlyVacuous,
        loses: best.loses,
        attempts,
      };
    const reason =
      checks >= maxChecks
        ? `the budget of ${maxChecks} checked candidates ran out`
        : 'no candidate of at most two edits makes every property hold';
    return { status: 'not-found', original, attempts, reason };
  };

  const singles = editsForAll(original.layout, original.blames);
  const level1: { edit: Edit; checked: Checked | null; text: string | null }[] = [];
  for (const edit of singles) {
    if (checks >= maxChecks) return result();
    const edited = applyOps(text, edit.ops, json);
    level1.push({ edit, text: edited, checked: evaluate([edit], edited) });
    if (clean()) return result();
  }
  const needsMonitorWindow = original.blames.some(
    (b) => b.path.length === 2 && b.path[0] === 'schedule' && b.path[1] === 'windows',
  );
  for (const pair of needsMonitorWindow ? monitorWindowPairs(original.layout) : []) {
    if (checks >= maxChecks) return result();
    const first = applyOps(text, pair[0]!.ops, json);
    evaluate(pair, first === null ? null : applyOps(first, pair[1]!.ops, json));
    if (clean()) return result();
  }
  for (const { edit, checked, text: edited } of level1) {
    if (checked === null || edited === null || holdsAll(checked)) continue;
    for (const second of editsForAll(checked.layout, checked.blames)) {
      if (checks >= maxChecks) return result();
      evaluate([edit, second], applyOps(edited, second.ops, json));
      if (clean()) return result();
    }
  }
  return result();
}

/**
 * Where each edit of a candidate applies, in the original file: its field's line and column as the
 * file stands when the edit is made, traced back through the edits before it.
 */
export function editPositions(
  text: string,
  file: string,
  edits: Candidate,
): { edit: Edit; line: number; column: number }[] {
  const json = /\.json$/i.test(file);
  const lines = lineStarts(text);
  const made: Splice[] = [];
  let current: string | null = text;
  return edits.map((edit) => {
    const loaded = current === null ? null : parseSystemText(current, file);
    let at = { line: 0, column: 0 };
    if (current !== null && loaded?.ok) {
      const here = loaded.positions(edit.path);
      const offset = offsetBefore(lineStarts(current)[here.line - 1]! + here.column - 1, made);
      const line = lines.findLastIndex((start) => start <= offset);
      at = { line: line + 1, column: offset - lines[line]! + 1 };
    }
    const traced: { text: string; splices: Splice[] } | null =
      current === null ? null : applyOpsTraced(current, edit.ops, json);
    made.push(...(traced?.splices ?? []));
    current = traced?.text ?? null;
    return { edit, ...at };
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
