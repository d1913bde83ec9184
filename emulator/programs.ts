/**
 * Random guest programs for a system, from a seed. Each vCPU gets a loop of visible instructions
 * (with the register set-up they need). Most are requests a correct hypervisor grants (accesses to
 * mapped pages with their rights, hypercalls the partition may make, emulated exits, DMA inside an
 * owned device's window); with probability `faultRate` an instruction asks for something refused or
 * fatal instead (accesses past the EPT, writes to read-only shared pages, execution from data pages,
 * malformed or unprivileged hypercalls or message buffers, I/O and WRMSR, foreign or out-of-window
 * DMA, triple faults).
 * Over many seeds every model event a guest or its devices can cause comes up.
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
  MESSAGE_BYTES,
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
  /** Probability that an instruction asks for something the hypervisor refuses or faults. */
  readonly faultRate?: number;
}

const ins = (op: OpName, a = 0, b = 0, imm = 0): Instruction => ({ op, a, b, imm });

interface Mapping {
  readonly gpaPage: number;
  readonly rights: 'rwx' | 'rw' | 'r';
}

/** The partition's guest-physical pages and their rights, as the memory manager maps them. */
export function guestPages(config: SystemConfig, p: number): Mapping[] {
  const part = config.partitions[p]!;
  const out: Mapping[] = [];
  for (const r of part.memory)
    for (let i = 0; i < r.pages; i++) out.push({ gpaPage: out.length, rights: 'rwx' });
  for (const s of config.shared) {
    const rights = s.writer === p ? 'rw' : s.readers.includes(part.index) ? 'r' : null;
    if (rights) for (let i = 0; i < s.memory.pages; i++) out.push({ gpaPage: out.length, rights });
  }
  return out;
}

export function randomProgram(
  config: SystemConfig,
  p: number,
  rng: Rng,
  c: ProgramConstraints = {},
): Instruction[] {
  const out: Instruction[] = [];
  const pages = guestPages(config, p);
  const part = config.partitions[p]!;
  const nParts = config.partitions.length;
  const nChannels = config.channels.length;
  const faultRate = c.faultRate ?? 0.15;
  const control = part.privileges.includes('partition-control');
  const auditRead = part.privileges.includes('audit-read');
  const addr = (page: number) => page * PAGE_SIZE + rng.below(PAGE_SIZE / 4) * 4;
  const pageWith = (ok: (m: Mapping) => boolean) => {
    const fit = pages.filter(ok);
    return fit.length ? rng.pick(fit).gpaPage : null;
  };
  const own = config.devices.filter((d) => d.owner === p);
  const dma = (dev: SystemConfig['devices'][number], page: number) => {
    out.push(
      ins('mov', 6, 0, page * PAGE_SIZE + rng.below(PAGE_SIZE / 8) * 8),
      ins('out', 6, 0, devicePort(dev.index, PORT_ADDR)),
      ins('mov', 7, 0, rng.chance(0.5) ? CMD_DMA_READ : CMD_DMA_WRITE),
      ins('out', 7, 0, devicePort(dev.index, PORT_CMD)),
    );
    if (dev.owner === p && rng.chance(0.2)) out.push(ins('in', 5, 0, devicePort(dev.index, PORT_STATUS)));
  };
  /**
   * A VMCALL; `send` and `receive` get a message buffer in r2/r3: one the caller may use, unless
   * `badBuffer` (then often a read-only page, a page past its memory, or a wrong length).
   */
  const call = (number: number, arg: number, badBuffer = false) => {
    out.push(ins('mov', 0, 0, number), ins('mov', 1, 0, arg >>> 0));
    if (number === HYPERCALL_NUMBER.send || number === HYPERCALL_NUMBER.receive) {
      const writes = number === HYPERCALL_NUMBER.receive;
      const usable = pageWith((m) => !writes || m.rights !== 'r');
      let page = usable ?? pages.length;
      let length = MESSAGE_BYTES;
      if (badBuffer && rng.chance(0.5))
        switch (rng.below(3)) {
          case 0:
            page = pageWith((m) => m.rights === 'r') ?? pages.length;
            break;
          case 1:
            page = pages.length + rng.below(2);
            break;
          default:
            length = rng.pick([0, 1, 8]);
        }
      out.push(ins('mov', 2, 0, addr(page)), ins('mov', 3, 0, length));
    }
    out.push(ins('vmcall'));
  };
  /** Something every hypervisor grants. */
  const good = (): void => {
    switch (rng.weighted([6, 6, 1, 7, 1, 1, 1, 1, own.length ? 3 : 0])) {
      case 0: {
        const page = pageWith(() => true);
        if (page === null) {
          good();
          return;
        }
        out.push(ins('load', rng.below(6), 0, addr(page)));
        return;
      }
      case 1: {
        const page = pageWith((m) => m.rights !== 'r');
        if (page === null) {
          good();
          return;
        }
        out.push(ins('mov', 3, 0, rng.next()), ins('store', 3, 0, addr(page)));
        return;
      }
      case 2: {
        const page = pageWith((m) => m.rights === 'rwx');
        if (page === null) {
          good();
          return;
        }
        out.push(ins('exec', 0, 0, addr(page)));
        return;
      }
      case 3: {
        const outgoing = config.channels.filter((ch) => ch.from === p);
        const incoming = config.channels.filter((ch) => ch.to === p);
        const choices: (() => void)[] = [() => call(HYPERCALL_NUMBER.yield, 0)];
        if (outgoing.length) choices.push(() => call(HYPERCALL_NUMBER.send, rng.pick(outgoing).index));
        if (incoming.length)
          choices.push(() => {
            const start = out.length;
            call(HYPERCALL_NUMBER.receive, rng.pick(incoming).index);
            // A receiver may poll until the queue is empty: the loop passes through the VMCALL.
            if (rng.chance(0.1)) out.push(ins('jnz', 0, 0, start));
          });
        if (control && nParts > 1) {
          const others = config.partitions.filter((q) => q.index !== p);
          choices.push(() => call(HYPERCALL_NUMBER['partition-status'], rng.pick(config.partitions).index));
          choices.push(() => call(HYPERCALL_NUMBER['partition-reset'], rng.pick(others).index));
        }
        if (auditRead) choices.push(() => call(HYPERCALL_NUMBER['audit-read'], 0));
        rng.pick(choices)();
        return;
      }
      case 4:
        out.push(ins('mov', 0, 0, rng.below(2)), ins('cpuid'));
        return;
      case 5:
        out.push(ins('hlt'));
        return;
      case 6:
        out.push(ins('mov', 4, 0, rng.next()), ins('movcr', rng.pick([0, 3, 4]), 4));
        return;
      case 7:
        out.push(ins('mov', 1, 0, rng.pick([0x10, 0x1b, 0xc0000080])), ins('rdmsr'));
        return;
      default: {
        const dev = rng.pick(own);
        const window = dev.dma.flatMap((r) => pagesOf(r));
        dma(
          dev,
          dev.iommu === 'passthrough' || !window.length ? rng.below(config.platform.pages) : rng.pick(window),
        );
        return;
      }
    }
  };
  /** Something a correct hypervisor refuses, faults or audits. */
  const bad = (): void => {
    switch (rng.weighted([3, 2, 2, 6, 1, 1.5, 2, 0.6])) {
      case 0:
        out.push(ins(rng.pick(['load', 'store', 'exec'] as const), 3, 0, addr(pages.length + rng.below(2))));
        return;
      case 1: {
        const page = pageWith((m) => m.rights === 'r');
        if (page === null) {
          bad();
          return;
        }
        out.push(ins('store', 3, 0, addr(page)));
        return;
      }
      case 2: {
        const page = pageWith((m) => m.rights !== 'rwx');
        if (page === null) {
          bad();
          return;
        }
        out.push(ins('exec', 0, 0, addr(page)));
        return;
      }
      case 3: {
        const op = rng.chance(0.85) ? rng.pick(HYPERCALL_OPS) : null;
        const number = op ? HYPERCALL_NUMBER[op] : rng.pick([0, 7, 255, rng.next()]);
        const range = op === 'send' || op === 'receive' ? nChannels : nParts;
        const arg = rng.chance(0.6)
          ? rng.below(Math.max(1, range))
          : rng.pick([range, range + 1, 0xffffffff]);
        call(number, arg, true);
        return;
      }
      case 4:
        out.push(ins('mov', 1, 0, rng.pick([0x10, 0x1b, 0xc0000080])), ins('wrmsr'));
        return;
      case 5:
        out.push(
          rng.chance(0.5)
            ? ins('out', 0, 0, rng.pick([0x80, 0x3f8, 0xcf8]))
            : ins('in', 0, 0, rng.pick([0x60, 0x3f8, 0xcfc])),
        );
        return;
      case 6: {
        if (!config.devices.length) {
          bad();
          return;
        }
        const dev = own.length && rng.chance(0.6) ? rng.pick(own) : rng.pick(config.devices);
        dma(dev, rng.below(config.platform.pages + 2));
        return;
      }
      default:
        out.push(ins('triple'));
    }
  };
  const length = c.length ?? 12;
  for (let k = 0; k < length; k++) {
    if (rng.chance(faultRate)) bad();
    else good();
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
