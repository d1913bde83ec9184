/**
 * Random guest programs for a system, from a seed. Each vCPU gets a loop of visible instructions
 * (with the register set-up they need) drawn so that, over a long run, every model event a guest or
 * its devices can cause comes up: accesses inside and just past the EPT, writes to read-only shared
 * pages, execution from data pages, every hypercall with good and bad arguments and unknown numbers,
 * every exiting instruction, DMA programmed through owned and foreign devices, and rare triple faults.
 */
import { HYPERCALL_OPS } from '../model/events.js';
import type { SystemConfig } from '../system/config.js';
import { pagesOf } from '../system/config.js';
import {
  CMD_DMA_READ,
  CMD_DMA_WRITE,
  checkProgram,
  devicePort,
  HYPERCALL_NUMBER,
  type Instruction,
  type OpName,
  PORT_ADDR,
  PORT_CMD,
  PORT_STATUS,
} from './isa.js';
import { PAGE_SIZE } from './memory.js';
import { Rng } from './rng.js';

export interface ProgramConstraints {
  /** Visible instructions per program. */
  readonly length?: number;
  /** Relative weight of a triple fault (default 1 in ~60 visible instructions). */
  readonly tripleFaultWeight?: number;
}

const ins = (op: OpName, a = 0, b = 0, imm = 0): Instruction => ({ op, a, b, imm });

/** How many guest-physical pages the partition's EPT maps. */
export function mappedPages(config: SystemConfig, p: number): number {
  const part = config.partitions[p]!;
  let n = part.memory.reduce((k, r) => k + r.pages, 0);
  for (const s of config.shared) if (s.writer === p || s.readers.includes(part.index)) n += s.memory.pages;
  return n;
}

export function randomProgram(
  config: SystemConfig,
  p: number,
  rng: Rng,
  c: ProgramConstraints = {},
): Instruction[] {
  const out: Instruction[] = [];
  const mapped = mappedPages(config, p);
  const nParts = config.partitions.length;
  const nChannels = config.channels.length;
  const length = c.length ?? 12;
  const gpa = () => {
    const page = rng.chance(0.9) || mapped === 0 ? rng.below(Math.max(1, mapped)) : mapped + rng.below(2);
    return page * PAGE_SIZE + rng.below(PAGE_SIZE / 4) * 4;
  };
  const weights = [6, 6, 2, 9, 1, 1, 1, 1, 1, 1, 3, c.tripleFaultWeight ?? 0.25, 1];
  for (let k = 0; k < length; k++) {
    switch (rng.weighted(weights)) {
      case 0:
        out.push(ins('load', rng.below(6), 0, gpa()));
        break;
      case 1:
        out.push(ins('mov', 3, 0, rng.next()), ins('store', 3, 0, gpa()));
        break;
      case 2:
        out.push(ins('exec', 0, 0, gpa()));
        break;
      case 3: {
        const op = rng.chance(0.92) ? rng.pick(HYPERCALL_OPS) : null;
        const number = op ? HYPERCALL_NUMBER[op] : rng.pick([0, 7, 255, rng.next()]);
        const range = op === 'send' || op === 'receive' ? nChannels : nParts;
        const arg = rng.chance(0.85)
          ? rng.below(Math.max(1, range))
          : rng.pick([range, range + 1, 0xffffffff]);
        out.push(ins('mov', 0, 0, number), ins('mov', 1, 0, arg));
        if (op === 'send') out.push(ins('mov', 2, 0, rng.next()));
        out.push(ins('vmcall'));
        // A receiver polls until the queue is empty: the loop always passes through the VMCALL.
        if (op === 'receive' && rng.chance(0.3)) out.push(ins('jnz', 0, 0, out.length - 3));
        break;
      }
      case 4:
        out.push(ins('mov', 0, 0, rng.below(2)), ins('cpuid'));
        break;
      case 5:
        out.push(ins('hlt'));
        break;
      case 6:
        out.push(ins('mov', 4, 0, rng.next()), ins('movcr', rng.pick([0, 3, 4]), 4));
        break;
      case 7:
        out.push(ins('mov', 1, 0, rng.pick([0x10, 0x1b, 0xc0000080])), ins('rdmsr'));
        break;
      case 8:
        out.push(ins('mov', 1, 0, rng.pick([0x10, 0x1b, 0xc0000080])), ins('wrmsr'));
        break;
      case 9:
        out.push(
          rng.chance(0.5)
            ? ins('out', 0, 0, rng.pick([0x80, 0x3f8, 0xcf8]))
            : ins('in', 0, 0, rng.pick([0x60, 0x3f8, 0xcfc])),
        );
        break;
      case 10: {
        if (!config.devices.length) {
          out.push(ins('load', 0, 0, gpa()));
          break;
        }
        const own = config.devices.filter((d) => d.owner === p);
        const dev = own.length && rng.chance(0.85) ? rng.pick(own) : rng.pick(config.devices);
        const pages = dev.dma.flatMap((r) => pagesOf(r));
        const page =
          rng.chance(0.75) && pages.length ? rng.pick(pages) : rng.below(config.platform.pages + 2);
        const addr = page * PAGE_SIZE + rng.below(PAGE_SIZE / 8) * 8;
        out.push(
          ins('mov', 6, 0, addr),
          ins('out', 6, 0, devicePort(dev.index, PORT_ADDR)),
          ins('mov', 7, 0, rng.chance(0.5) ? CMD_DMA_READ : CMD_DMA_WRITE),
          ins('out', 7, 0, devicePort(dev.index, PORT_CMD)),
        );
        if (dev.owner === p && rng.chance(0.2)) out.push(ins('in', 5, 0, devicePort(dev.index, PORT_STATUS)));
        break;
      }
      case 11:
        out.push(ins('triple'));
        break;
      default:
        out.push(ins('mov', 0, 0, 6), ins('vmcall'));
        break;
    }
  }
  if (!out.some((i) => i.op === 'load' || i.op === 'store' || i.op === 'vmcall' || i.op === 'cpuid'))
    out.push(ins('cpuid'));
  const problem = checkProgram(out);
  if (problem) throw new Error(`generated an invalid guest program: ${problem}`);
  return out;
}

/** One program per vCPU of every partition (vCPUs sit on the CPUs of the partition's windows). */
export function randomPrograms(
  config: SystemConfig,
  seed: number,
  c: ProgramConstraints = {},
): Instruction[][][] {
  const rng = new Rng(seed ^ 0x5eed);
  return config.partitions.map((p) => {
    const vcpus = Math.max(
      1,
      new Set(config.schedule.windows.filter((w) => w.partition === p.index).map((w) => w.cpu)).size,
    );
    return Array.from({ length: vcpus }, () => randomProgram(config, p.index, rng, c));
  });
}
