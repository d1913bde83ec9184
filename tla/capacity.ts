/**
 * What the generated TLA+ model can represent within reason. It lists the schedule tick by tick
 * (tla/generate.ts: `Eligible`, `Misplaced` and `Starting` are functions over the major frame), so
 * its text grows with `schedule.majorFrame`: about 66 bytes a tick, 6.6 MB at 100,000 ticks, which
 * TLC and tla-checker must parse before the first state. Beyond the limit the TLA+ engines and
 * `spec` refuse the system before any work, while the explorer and `prove` (which do not write the
 * schedule out) go on.
 */
import type { SystemConfig } from '../system/config.js';

/** Ticks of the major frame the TLA+ model lists at most. */
export const MAX_SPEC_TICKS = 2 ** 16;

/** Why the TLA+ model would not represent `config` within reason, or null when it does. */
export function specCapacityProblem(config: SystemConfig): string | null {
  const ticks = config.schedule.majorFrame;
  if (ticks <= MAX_SPEC_TICKS) return null;
  return `the TLA+ model lists the schedule tick by tick, for at most ${MAX_SPEC_TICKS.toLocaleString('en-US')} ticks, and schedule.majorFrame is ${ticks.toLocaleString('en-US')}`;
}
