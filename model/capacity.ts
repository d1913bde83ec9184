/**
 * What the model can represent. Its layout (model/layout.ts) holds tables per host page and per
 * tick of the major frame, which every engine builds (the explorer, the TLA+ model generation, the
 * emulator). A system within the system file's limits but beyond these is refused before any work,
 * with the reason, rather than exhausting memory.
 */
import type { SystemConfig } from '../system/config.js';

/** Entries of the per-page tables: platform pages times (partitions + devices + 1). */
export const MAX_PAGE_TABLE_ENTRIES = 2 ** 22;
/** Entries of the per-tick schedule: major-frame ticks times (CPUs + windows). */
export const MAX_SCHEDULE_ENTRIES = 2 ** 22;
/** Pages the ranges list, counted once per range: EPT entries, DMA windows and shared regions. */
export const MAX_RANGE_PAGES = 2 ** 22;

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Why the model cannot represent `config`, or null when it can. */
export function modelCapacityProblem(config: SystemConfig): string | null {
  const perPage = config.partitions.length + config.devices.length + 1;
  const pages = config.platform.pages;
  if (pages * perPage > MAX_PAGE_TABLE_ENTRIES)
    return (
      `the model keeps per-page tables of at most ${fmt(MAX_PAGE_TABLE_ENTRIES)} entries, and platform.pages ` +
      `${fmt(pages)} times ${perPage} (partitions + devices + 1) is ${fmt(pages * perPage)}; ` +
      `at most ${fmt(Math.floor(MAX_PAGE_TABLE_ENTRIES / perPage))} pages fit`
    );
  const perTick = config.platform.cpus + config.schedule.windows.length;
  const ticks = config.schedule.majorFrame;
  if (ticks * perTick > MAX_SCHEDULE_ENTRIES)
    return (
      `the model unrolls the schedule into at most ${fmt(MAX_SCHEDULE_ENTRIES)} entries, and schedule.majorFrame ` +
      `${fmt(ticks)} times ${fmt(perTick)} (CPUs + windows) is ${fmt(ticks * perTick)}`
    );
  let listed = 0;
  for (const p of config.partitions) for (const r of p.memory) listed += r.pages;
  for (const d of config.devices) for (const r of d.dma) listed += r.pages;
  for (const r of config.shared) listed += r.memory.pages * (1 + r.readers.length);
  if (listed > MAX_RANGE_PAGES)
    return (
      `the model maps at most ${fmt(MAX_RANGE_PAGES)} pages through the memory, dma and shared ranges ` +
      `(each counted for every partition or device it maps into), and this system lists ${fmt(listed)}`
    );
  return null;
}
