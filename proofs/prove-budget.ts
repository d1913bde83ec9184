/**
 * What `prove --timeout SECONDS` means: a budget of Z3's resource units per property, shared out
 * over the phases of its proof in fixed parts (proofs/prove.ts), and a wall-clock safety net far
 * beyond the time the budget stands for.
 */

/**
 * Z3 resource units (`rlimit`) per second of `--timeout`: what one core of the x86-64 machine
 * prove was calibrated on spends in a second, over the queries of every example (11.6 million units
 * in 59 s of processor time). The budget, not the time, bounds every query, so the same system gets
 * the same verdicts, methods and invariants on any machine under any load; a slower or busier
 * machine takes longer for the same answer.
 */
export const RLIMIT_PER_SECOND = 200_000;
/**
 * The wall-clock safety net: this multiple of the time the budget stands for, and never less than
 * `WALL_CLOCK_FLOOR_MS`, since building a large system's queries takes time no budget counts.
 */
export const WALL_CLOCK_FACTOR = 10;
export const WALL_CLOCK_FLOOR_MS = 60_000;
export const wallClockLimit = (timeoutMs: number): number =>
  Math.max(WALL_CLOCK_FLOOR_MS, WALL_CLOCK_FACTOR * timeoutMs);
/** The budget `timeoutMs` milliseconds stand for. */
export const budgetUnits = (timeoutMs: number): number => Math.round((timeoutMs / 1000) * RLIMIT_PER_SECOND);
/** The first, shallow search for a counterexample: at most this budget, this many steps deep. */
export const QUICK_SEARCH = { units: RLIMIT_PER_SECOND, depth: 8 };
/** Spacer's first attempt, the deeper search and k-induction: at most this budget each. */
export const SHORT_TRY = 10 * RLIMIT_PER_SECOND;
