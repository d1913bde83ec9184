/**
 * The largest value of every number and list in a system file (docs/DESIGN.md section 3). The
 * platform's limits come from real hardware; the others bound what a separation kernel's
 * configuration holds, far above any real system, so that every engine sees input of a size it
 * can handle. Each engine may refuse a system smaller than these when it cannot represent it
 * (model/capacity.ts, emulator/capacity.ts), before doing any work.
 */

/** Logical CPUs: x86-64 Linux's largest configuration (MAXSMP, NR_CPUS = 8192), above any shipping
 * machine (the largest, 32-socket systems have 1,792 threads). */
export const MAX_CPUS = 8192;
/** Host-physical pages of 4 KiB: Intel's largest physical address width is 52 bits (EPT and VT-d
 * entries hold address bits 12..51), so 2^40 pages. */
export const MAX_PAGES = 2 ** 40;
/** Interrupt lines: a VT-d interrupt-remapping table has at most 65,536 entries (16-bit handles). */
export const MAX_IRQ = 65_535;
/** The model keeps sets of partitions, and of devices, as 31-bit masks. */
export const MAX_PARTITIONS = 30;
export const MAX_DEVICES = 30;
/** Ticks in a major frame (a million 1 ms ticks is a frame of over 16 minutes). */
export const MAX_TICKS = 1_000_000;
/** Messages a channel queues; records the audit log holds. */
export const MAX_CHANNEL_CAPACITY = 65_536;
export const MAX_AUDIT_CAPACITY = 65_536;
/** Characters in a name (system, partition, device, channel, shared region) or a level. */
export const MAX_NAME_LENGTH = 64;
/** Entries of the other lists. */
export const MAX_LEVELS = 64;
export const MAX_RANGES = 1024;
export const MAX_CHANNELS = 1024;
export const MAX_SHARED = 1024;
export const MAX_FLOWS = 1024;
export const MAX_WINDOWS = 4096;
