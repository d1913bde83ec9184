/**
 * What the emulator can represent: it keeps the platform's pages and the hypervisor's own
 * structures as one byte array. A system that needs more is refused before the emulator starts,
 * with the reason; the other engines (which do not hold memory byte by byte) are not limited by it.
 */
import type { SystemConfig } from '../system/config.js';
import { PAGE_SIZE } from './memory.js';

/** Pages of byte memory the emulator holds at most (1 GiB). */
export const EMULATOR_MAX_PAGES = 2 ** 18;

/** The system needs more memory than the emulator holds. */
export class EmulatorCapacityError extends Error {}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Why the emulator cannot hold `config` with `hypervisorPages` of its own, or null when it can. */
export function emulatorCapacityProblem(config: SystemConfig, hypervisorPages: number): string | null {
  const total = config.platform.pages + hypervisorPages;
  if (total <= EMULATOR_MAX_PAGES) return null;
  return (
    `the emulator holds at most ${fmt(EMULATOR_MAX_PAGES)} pages (${fmt((EMULATOR_MAX_PAGES * PAGE_SIZE) / 2 ** 20)} MiB) of byte memory, ` +
    `and this system needs ${fmt(total)}: platform.pages ${fmt(config.platform.pages)} and ${fmt(hypervisorPages)} ` +
    `for the hypervisor's tables, rings and images`
  );
}
