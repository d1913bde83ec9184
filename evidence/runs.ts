/**
 * Seeded runs as they really went: one record per run (its seed, how many steps it took and why it
 * ended), and every figure the package prints about them computed from those records, never from
 * the budget it was given. A run of the emulator or a walk of the model stops early when the system
 * halts fail-secure, which under `onFull: halt` is soon; the package says so rather than count the
 * budget as steps taken.
 */

/** `step-budget`: it took every step it was given; `halted`: the system halted fail-secure, so
 * nothing more could happen; `failed`: a check failed at its last step. */
export type RunEnd = 'step-budget' | 'halted' | 'failed';

export interface RunRecord {
  readonly seed: number;
  readonly steps: number;
  readonly ended: RunEnd;
}

export interface RunsSummary {
  readonly runs: number;
  /** Steps the runs took, in all. */
  readonly steps: number;
  readonly fullLength: number;
  readonly halted: number;
  readonly failed: number;
  /** Shortest, median (lower) and longest run, in steps; 0 when there were no runs. */
  readonly minSteps: number;
  readonly medianSteps: number;
  readonly maxSteps: number;
}

export interface SeededRuns {
  /** Steps each run was allowed. */
  readonly budget: number;
  readonly summary: RunsSummary;
  readonly records: readonly RunRecord[];
}

export function seededRuns(budget: number, records: readonly RunRecord[]): SeededRuns {
  const lengths = records.map((r) => r.steps).sort((a, b) => a - b);
  const count = (end: RunEnd) => records.filter((r) => r.ended === end).length;
  return {
    budget,
    records,
    summary: {
      runs: records.length,
      steps: lengths.reduce((t, n) => t + n, 0),
      fullLength: count('step-budget'),
      halted: count('halted'),
      failed: count('failed'),
      minSteps: lengths[0] ?? 0,
      medianSteps: lengths[Math.floor((lengths.length - 1) / 2)] ?? 0,
      maxSteps: lengths.at(-1) ?? 0,
    },
  };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The runs in one sentence: how many, of what budget, how many steps in all, and how they ended. */
export function describeRuns(what: string, runs: SeededRuns): string {
  const s = runs.summary;
  if (s.runs === 0) return `no ${what}`;
  const ends = [
    s.fullLength && `${n(s.fullLength)} ran the whole budget`,
    s.halted && `${n(s.halted)} stopped when the system halted fail-secure`,
    s.failed && `${n(s.failed)} stopped at a failed check`,
  ].filter(Boolean);
  return `${n(s.runs)} ${what} with a budget of ${n(runs.budget)} steps each took ${n(s.steps)} steps in all (shortest ${n(s.minSteps)}, median ${n(s.medianSteps)}, longest ${n(s.maxSteps)}): ${ends.join(', ')}`;
}
