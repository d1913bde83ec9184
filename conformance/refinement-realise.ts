/**
 * The reverse direction: an explorer counterexample (a model trace) is performed concretely. Guest
 * events become guest code: the planner replays the trace in the model to learn which vCPU runs each
 * guest event (the partition's vCPU on a CPU whose window covers that tick) and appends the
 * instructions that perform it to that vCPU's program; a DMA (to a page, or to a peer's BAR)
 * happens through its owner's doorbell
 * when the owner is running, otherwise the device starts it on its own; the timer, the attacker,
 * the launch sequence and interrupts are the environment's actions. Then the machine runs the plan
 * and every step must be labelled with the trace's next event and refine the model.
 *
 * A partition-reset restarts a guest at its first instruction with its reset count in r2, so each
 * program starts with a dispatcher that jumps to the segment for the current count.
 */

import { barAddress } from '../emulator/fabric.js';
import {
  CMD_DMA_READ,
  CMD_DMA_WRITE,
  checkProgram,
  devicePort,
  hypercallNumber,
  type Instruction,
  MESSAGE_BYTES,
  type OpName,
  PORT_ADDR,
  PORT_CMD,
} from '../emulator/isa.js';
import { type Action, Machine, type StepRecord } from '../emulator/machine.js';
import { PAGE_SIZE } from '../emulator/memory.js';
import { describeEvent } from '../model/describe.js';
import { type Event, ExitReason } from '../model/events.js';
import { buildLayout, type Layout } from '../model/layout.js';
import { init, runningNow, type State } from '../model/state.js';
import { step } from '../model/step.js';
import type { SystemConfig } from '../system/config.js';
import { formatMismatch, RefinementChecker } from './refinement.js';

const ins = (op: OpName, a = 0, b = 0, imm = 0): Instruction => ({ op, a, b, imm });

/** The value a guest stores: recognisably its own data. */
export function guestData(p: number): number {
  return (0xda7a0000 | p) >>> 0;
}

function vcpuCpus(config: SystemConfig, p: number): number[] {
  const cpus = [...new Set(config.schedule.windows.filter((w) => w.partition === p).map((w) => w.cpu))];
  cpus.sort((a, b) => a - b);
  return cpus.length ? cpus : [config.partitions[p]!.cpus[0] ?? 0];
}

/** The vCPU index (within the partition) that runs `p` now: the first whose CPU has a window at this tick. */
function runningVcpu(layout: Layout, s: State, p: number): number {
  const cpus = vcpuCpus(layout.config, p);
  const slot = layout.frames[s.frame]!;
  const i = cpus.findIndex((cpu) => ((slot.perCpu[cpu] ?? 0) & (1 << p)) !== 0);
  return Math.max(i, 0);
}

/** Instructions that perform a guest event, or a reason it cannot be. */
function guestCode(layout: Layout, e: Event): Instruction[] | string {
  switch (e.type) {
    case 'GuestAccess': {
      const addr = e.gpa * PAGE_SIZE;
      if (!Number.isInteger(e.gpa) || e.gpa < 0 || addr > 0xffffffff)
        return `gpa ${e.gpa} is not a guest address`;
      if (e.access === 'read') return [ins('load', 3, 0, addr)];
      if (e.access === 'write') return [ins('mov', 3, 0, guestData(e.partition)), ins('store', 3, 0, addr)];
      return [ins('exec', 0, 0, addr)];
    }
    case 'Hypercall': {
      const number = hypercallNumber(e.op);
      if (number === undefined) return `no register value gives hypercall "${e.op}"`;
      if (!Number.isInteger(e.arg) || e.arg < -(2 ** 31) || e.arg > 2 ** 31 - 1)
        return `argument ${e.arg} is not a register value`;
      if (e.buffer === undefined)
        return [ins('mov', 0, 0, number), ins('mov', 1, 0, e.arg >>> 0), ins('vmcall')];
      // A message buffer at the start of the page, or (page -1) one of the wrong length.
      const page = e.buffer;
      if (!Number.isInteger(page) || page < -1 || page * PAGE_SIZE > 0xffffffff)
        return `buffer page ${page} is not a guest address`;
      return [
        ins('mov', 0, 0, number),
        ins('mov', 1, 0, e.arg >>> 0),
        ins('mov', 2, 0, Math.max(page, 0) * PAGE_SIZE),
        ins('mov', 3, 0, page < 0 ? 0 : MESSAGE_BYTES),
        ins('vmcall'),
      ];
    }
    case 'VmExit':
      switch (e.reason) {
        case ExitReason.Cpuid:
          return [ins('mov', 0, 0, 0), ins('cpuid')];
        case ExitReason.Hlt:
          return [ins('hlt')];
        case ExitReason.CrAccess:
          return [ins('mov', 4, 0, 0x1000), ins('movcr', 3, 4)];
        case ExitReason.IoInstruction:
          return [ins('out', 0, 0, 0x80)];
        case ExitReason.Rdmsr:
          return [ins('mov', 1, 0, 0x10), ins('rdmsr')];
        case ExitReason.Wrmsr:
          return [ins('mov', 1, 0, 0x10), ins('wrmsr')];
        case ExitReason.TripleFault:
          return [ins('triple')];
        default:
          return `no single guest instruction causes exit ${e.reason}`;
      }
    case 'Dma':
    case 'PeerDma': {
      const d = layout.config.devices[e.device]!;
      const address = e.type === 'Dma' ? e.page * PAGE_SIZE : barAddress(e.peer);
      if (!Number.isInteger(address) || address < 0 || address > 0xffffffff)
        return `DMA address ${address} does not fit the device's address register`;
      return [
        ins('mov', 6, 0, address),
        ins('out', 6, 0, devicePort(d.index, PORT_ADDR)),
        ins('mov', 7, 0, e.access === 'read' ? CMD_DMA_READ : CMD_DMA_WRITE),
        ins('out', 7, 0, devicePort(d.index, PORT_CMD)),
      ];
    }
    default:
      return `${e.type} is not a guest event`;
  }
}

/** What the driver does at each trace step. */
type PlanStep =
  | { readonly action: Action }
  | { readonly run: { readonly partition: number; readonly vcpu: number } };

export interface Plan {
  readonly programs: Instruction[][][];
  readonly steps: readonly PlanStep[];
}

/** Plans the guest programs and the driver's actions that perform `events` from the initial state. */
export function planTrace(config: SystemConfig, events: readonly Event[]): Plan | string {
  const layout = buildLayout(config);
  const n = config.partitions.length;
  // segments[p][vcpu][resetCount] = scripted instructions
  const segments: Instruction[][][][] = config.partitions.map((p) =>
    vcpuCpus(config, p.index).map(() => [[]]),
  );
  const resets = new Array(n).fill(0);
  const steps: PlanStep[] = [];
  let s: State = init(layout);
  for (const [i, e] of events.entries()) {
    const running = runningNow(layout, s);
    const guest =
      e.type === 'GuestAccess' || e.type === 'Hypercall' || e.type === 'VmExit'
        ? e.partition
        : (e.type === 'Dma' || e.type === 'PeerDma') &&
            (running & (1 << config.devices[e.device]!.owner)) !== 0
          ? config.devices[e.device]!.owner
          : null;
    if (guest !== null) {
      const code = guestCode(layout, e);
      if (typeof code === 'string') return `step ${i + 1}: ${code}`;
      const v = runningVcpu(layout, s, guest);
      const segs = segments[guest]![v]!;
      while (segs.length <= resets[guest]) segs.push([]);
      segs[resets[guest]]!.push(...code);
      steps.push({ run: { partition: guest, vcpu: v } });
    } else {
      const action = environmentAction(e);
      if (typeof action === 'string') return `step ${i + 1}: ${action}`;
      steps.push({ action });
    }
    const result = step(layout, s, e);
    for (const ef of result.effects) if (ef.kind === 'reset') resets[ef.target]++;
    s = result.state;
  }
  const programs = segments.map((perVcpu) => perVcpu.map(dispatcher));
  for (const [p, perVcpu] of programs.entries())
    for (const program of perVcpu) {
      const problem = checkProgram(program);
      if (problem) return `program for ${config.partitions[p]!.name}: ${problem}`;
    }
  return { programs, steps };
}

function environmentAction(e: Event): Action | string {
  switch (e.type) {
    case 'MeasureHypervisor':
      return { kind: 'measure' };
    case 'TamperImage':
      return { kind: 'tamper', partition: e.partition };
    case 'LaunchPartition':
      return { kind: 'launch', partition: e.partition };
    case 'Tick':
      return { kind: 'tick' };
    case 'DeviceIrq':
      return { kind: 'irq', device: e.device };
    case 'MsiWrite':
      return { kind: 'msi', device: e.device, vector: e.vector };
    case 'PeerDma':
      return { kind: 'peer', device: e.device, peer: e.peer, access: e.access };
    case 'Dma':
      if (!Number.isInteger(e.page) || e.page < 0 || e.page * PAGE_SIZE >= 2 ** 48)
        return `DMA page ${e.page} is not an address`;
      return { kind: 'dma', device: e.device, address: e.page * PAGE_SIZE, access: e.access };
    default:
      return `${e.type} needs a running guest`;
  }
}

/**
 * `segs[k]` runs after the k-th reset. With one segment the program is the segment and a final
 * `hlt`; otherwise a chain of `jnz r2` tests (r2 = reset count) jumps to the right segment.
 */
function dispatcher(segs: Instruction[][]): Instruction[] {
  if (segs.length === 1) return [...segs[0]!, ins('hlt')];
  const out: Instruction[] = [];
  const patches: { at: number; seg: number }[] = [];
  for (let k = 0; k < segs.length; k++) {
    // if r2 == 0 goto seg k, else r2 -= 1
    out.push(ins('jnz', 2, 0, out.length + 2));
    patches.push({ at: out.length, seg: k });
    out.push(ins('jmp'));
    out.push(ins('add', 2, 0, 0xffffffff));
  }
  out.push(ins('hlt'));
  const starts: number[] = [];
  for (const seg of segs) {
    starts.push(out.length);
    out.push(...seg, ins('hlt'));
  }
  for (const { at, seg } of patches) out[at] = ins('jmp', 0, 0, starts[seg]!);
  return out;
}

export interface Realisation {
  readonly machine: Machine;
  readonly records: readonly StepRecord[];
  readonly checker: RefinementChecker;
  /** Why the trace could not be performed or did not refine; null when it was performed exactly. */
  readonly failure: string | null;
}

/** Performs `events` on a fresh machine and checks every step against the model. */
export function realiseTrace(config: SystemConfig, events: readonly Event[]): Realisation {
  const plan = planTrace(config, events);
  const programs = typeof plan === 'string' ? config.partitions.map(() => [[ins('hlt')]]) : plan.programs;
  const machine = new Machine(config, { programs });
  const checker = new RefinementChecker(machine);
  const records: StepRecord[] = [];
  if (typeof plan === 'string') return { machine, records, checker, failure: `cannot plan: ${plan}` };
  const describe = (e: Event) => describeEvent(machine.layout, e);
  for (const [i, ps] of plan.steps.entries()) {
    let record: StepRecord | null;
    if ('action' in ps) record = machine.perform(ps.action);
    else {
      const v = machine.vcpus.find((x) => x.partition === ps.run.partition && x.index === ps.run.vcpu);
      record = v ? machine.perform({ kind: 'run', vcpu: v.id }) : null;
    }
    const want = events[i]!;
    if (!record)
      return {
        machine,
        records,
        checker,
        failure: `step ${i + 1}: the vCPU for "${describe(want)}" cannot run`,
      };
    records.push(record);
    if (JSON.stringify(record.event) !== JSON.stringify(want))
      return {
        machine,
        records,
        checker,
        failure: `step ${i + 1}: expected "${describe(want)}", the emulator performed "${describe(record.event)}"`,
      };
    const mismatch = checker.check(record);
    if (mismatch) return { machine, records, checker, failure: formatMismatch(mismatch, describe) };
  }
  return { machine, records, checker, failure: null };
}
