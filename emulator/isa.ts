/**
 * The guest instruction set: eight-byte instructions `[opcode, a, b, 0, imm32 LE]`, eight 32-bit
 * registers r0..r7 and a program counter counted in instructions. Guest-physical addresses are byte
 * addresses; loads and stores move 32-bit words (aligned down to 4 bytes).
 *
 * Instructions fall in two groups. Register and control-flow instructions run natively and the
 * hypervisor never sees them. Every other instruction is visible: it touches guest-physical memory
 * through the EPT or causes a VM exit, so it performs exactly one model event. `out`/`in` are
 * visible unless the port belongs to a device the partition owns (its I/O bitmap lets them through),
 * and a write to an owned device's doorbell starts a DMA, which is visible too.
 *
 * Hypercall ABI (VMCALL, exit 18): r0 = hypercall number, r1 = argument (read as signed 32-bit);
 * for `send` and `receive`, r2 = guest address and r3 = length of the message buffer (one aligned
 * 32-bit word), which the hypervisor reads the message from or writes it into. On return r0 =
 * status (0 OK, 1 EPERM, 2 EINVAL, 3 ENOSYS, 4 EAGAIN, 5 EFAULT: a buffer the caller may not
 * use) and r1 = the result (received message, target status, audit record count).
 */
import type { HYPERCALL_OPS } from '../model/events.js';
import type { HypercallStatus } from '../model/step.js';
import { PAGE_SIZE } from './memory.js';

export const Op = {
  nop: 0x00,
  mov: 0x01,
  add: 0x02,
  load: 0x03,
  store: 0x04,
  exec: 0x05,
  cpuid: 0x06,
  hlt: 0x07,
  vmcall: 0x08,
  out: 0x09,
  in: 0x0a,
  rdmsr: 0x0b,
  wrmsr: 0x0c,
  movcr: 0x0d,
  triple: 0x0e,
  jmp: 0x0f,
  jnz: 0x10,
  movr: 0x11,
} as const;
export type OpName = keyof typeof Op;
const OP_NAMES = new Map<number, OpName>(Object.entries(Op).map(([k, v]) => [v, k as OpName]));

export const INSTRUCTION_SIZE = 8;
export const REGISTERS = 8;

export interface Instruction {
  readonly op: OpName;
  readonly a: number;
  readonly b: number;
  readonly imm: number;
}

/** Instructions that always touch memory or exit: a loop must contain one of these. */
const ALWAYS_VISIBLE: ReadonlySet<OpName> = new Set([
  'load',
  'store',
  'exec',
  'cpuid',
  'hlt',
  'vmcall',
  'rdmsr',
  'wrmsr',
  'movcr',
  'triple',
]);

export function alwaysVisible(op: OpName): boolean {
  return ALWAYS_VISIBLE.has(op);
}

// ---------------------------------------------------------------- hypercall ABI

export const HYPERCALL_NUMBER: Record<(typeof HYPERCALL_OPS)[number], number> = {
  send: 1,
  receive: 2,
  'partition-reset': 3,
  'partition-status': 4,
  'audit-read': 5,
  yield: 6,
};
const OP_OF_NUMBER = new Map<number, string>(Object.entries(HYPERCALL_NUMBER).map(([k, v]) => [v, k]));

/** The model's `op` for a hypercall number: the ABI name, or `hypercall-N` for an undefined one. */
export function hypercallOp(number: number): string {
  return OP_OF_NUMBER.get(number) ?? `hypercall-${number >>> 0}`;
}

/** The number a guest puts in r0 for a model `op`; undefined for strings no register value gives. */
export function hypercallNumber(op: string): number | undefined {
  const known = (HYPERCALL_NUMBER as Record<string, number>)[op];
  if (known !== undefined) return known;
  const m = /^hypercall-(\d+)$/.exec(op);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 0xffffffff && !OP_OF_NUMBER.has(n) && String(n) === m[1] ? n : undefined;
}

export const STATUS_CODE: Record<HypercallStatus, number> = {
  OK: 0,
  EPERM: 1,
  EINVAL: 2,
  ENOSYS: 3,
  EAGAIN: 4,
  EFAULT: 5,
};

/** A message is one 32-bit word: `send` and `receive` take its buffer as r2 = address, r3 = length. */
export const MESSAGE_BYTES = 4;

/**
 * The model's buffer operand (model/operands.ts) for a message buffer at guest address `address`
 * of `length` bytes: the guest page it lies in, or -1 unless it is one aligned message.
 */
export function bufferPage(address: number, length: number): number {
  if (length !== MESSAGE_BYTES || address % MESSAGE_BYTES !== 0) return -1;
  return Math.floor(address / PAGE_SIZE);
}

/** The hypercall argument register read as the signed value the model sees. */
export function hypercallArg(r1: number): number {
  return r1 | 0;
}

// ---------------------------------------------------------------- device register block

/** Each device decodes 16 I/O ports: ADDR (DMA address), CMD (doorbell: 1 read, 2 write), STATUS. */
export const DEVICE_PORT_BASE = 0xc000;
export const DEVICE_PORT_STRIDE = 0x10;
export const PORT_ADDR = 0;
export const PORT_CMD = 4;
export const PORT_STATUS = 8;
export const CMD_DMA_READ = 1;
export const CMD_DMA_WRITE = 2;

export function devicePort(device: number, register: number): number {
  return DEVICE_PORT_BASE + device * DEVICE_PORT_STRIDE + register;
}

// ---------------------------------------------------------------- encoding

export function encode(program: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(program.length * INSTRUCTION_SIZE);
  const view = new DataView(out.buffer);
  program.forEach((ins, i) => {
    view.setUint8(i * 8, Op[ins.op]);
    view.setUint8(i * 8 + 1, ins.a);
    view.setUint8(i * 8 + 2, ins.b);
    view.setUint32(i * 8 + 4, ins.imm >>> 0, true);
  });
  return out;
}

export function decodeAt(bytes: Uint8Array, offset: number): Instruction | null {
  const op = OP_NAMES.get(bytes[offset]!);
  if (op === undefined) return null;
  const imm =
    (bytes[offset + 4]! |
      (bytes[offset + 5]! << 8) |
      (bytes[offset + 6]! << 16) |
      (bytes[offset + 7]! << 24)) >>>
    0;
  return { op, a: bytes[offset + 1]!, b: bytes[offset + 2]!, imm };
}

export function decode(bytes: Uint8Array): Instruction[] {
  const out: Instruction[] = [];
  for (let off = 0; off + INSTRUCTION_SIZE <= bytes.length; off += INSTRUCTION_SIZE) {
    const ins = decodeAt(bytes, off);
    if (!ins) throw new Error(`invalid opcode 0x${bytes[off]!.toString(16)} at instruction ${off / 8}`);
    out.push(ins);
  }
  return out;
}

const hexImm = (v: number) => (v < 10 ? String(v) : `0x${v.toString(16)}`);

export function disassemble(ins: Instruction): string {
  const r = (n: number) => `r${n}`;
  switch (ins.op) {
    case 'mov':
      return `mov ${r(ins.a)}, ${hexImm(ins.imm)}`;
    case 'movr':
      return `mov ${r(ins.a)}, ${r(ins.b)}`;
    case 'add':
      return `add ${r(ins.a)}, ${hexImm(ins.imm)}`;
    case 'load':
      return `load ${r(ins.a)}, [${hexImm(ins.imm)}]`;
    case 'store':
      return `store [${hexImm(ins.imm)}], ${r(ins.a)}`;
    case 'exec':
      return `exec ${hexImm(ins.imm)}`;
    case 'out':
      return `out ${hexImm(ins.imm)}, ${r(ins.a)}`;
    case 'in':
      return `in ${r(ins.a)}, ${hexImm(ins.imm)}`;
    case 'movcr':
      return `movcr cr${ins.a}, ${r(ins.b)}`;
    case 'jmp':
      return `jmp ${ins.imm}`;
    case 'jnz':
      return `jnz ${r(ins.a)}, ${ins.imm}`;
    default:
      return ins.op;
  }
}

// ---------------------------------------------------------------- checks

/**
 * A program must be non-empty, jump only inside itself, and have no loop made only of invisible
 * instructions (`out`/`in` count as invisible, since they are for a device's owner): then every
 * scheduling of a vCPU reaches a visible instruction within `program.length` instructions, and every
 * emulator step performs exactly one model event. Execution wraps from the end to the start.
 */
export function checkProgram(program: readonly Instruction[]): string | null {
  const n = program.length;
  if (n === 0) return 'empty program';
  if (!program.some((i) => alwaysVisible(i.op))) return 'no instruction that touches memory or exits';
  const succ = (pc: number): number[] => {
    const ins = program[pc]!;
    const next = (pc + 1) % n;
    if (ins.op === 'jmp') return [ins.imm];
    if (ins.op === 'jnz') return [next, ins.imm];
    return [next];
  };
  for (let pc = 0; pc < n; pc++) {
    const ins = program[pc]!;
    if ((ins.op === 'jmp' || ins.op === 'jnz') && ins.imm >= n)
      return `instruction ${pc} jumps outside the program`;
    if (ins.a >= REGISTERS && ins.op !== 'movcr') return `instruction ${pc} names register r${ins.a}`;
  }
  // Cycle detection on the invisible sub-graph (colours: 0 new, 1 on stack, 2 done).
  const colour = new Uint8Array(n);
  for (let start = 0; start < n; start++) {
    if (colour[start] || alwaysVisible(program[start]!.op)) continue;
    const stack: [number, number][] = [[start, 0]];
    colour[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const out = succ(top[0]);
      if (top[1] >= out.length) {
        colour[top[0]] = 2;
        stack.pop();
        continue;
      }
      const to = out[top[1]++]!;
      if (alwaysVisible(program[to]!.op) || colour[to] === 2) continue;
      if (colour[to] === 1) return `loop through instruction ${to} never touches memory or exits`;
      colour[to] = 1;
      stack.push([to, 0]);
    }
  }
  return null;
}

// ---------------------------------------------------------------- assembler

export class AsmError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Assembles readable guest code, one instruction per line, `;` or `#` comments, `label:` lines.
 * Besides the instructions above it accepts two macros:
 *   hypercall OP, ARG[, BUFFER]    mov r0, <number of OP>; mov r1, ARG; [mov r2, BUFFER; mov r3, 4;]
 *                                  vmcall (BUFFER: the guest address of a message buffer)
 *   dma DEVICE, read|write, ADDR   program device DEVICE's DMA through its ports (clobbers r6, r7)
 * OP is an ABI name (send, receive, partition-reset, partition-status, audit-read, yield) or a number.
 */
export function assemble(source: string): Instruction[] {
  const lines = source.split('\n');
  const labels = new Map<string, number>();
  const pending: { line: number; build: () => Instruction }[] = [];
  const num = (text: string, line: number): number => {
    const t = text.trim();
    const v = /^-?(0x[0-9a-f]+|\d+)$/i.test(t)
      ? Number(t.startsWith('-') ? -Number(t.slice(1)) : t)
      : Number.NaN;
    if (!Number.isSafeInteger(v) || v < -(2 ** 31) || v > 0xffffffff)
      throw new AsmError(line, `bad number "${t}"`);
    return v >>> 0;
  };
  const reg = (text: string, line: number): number => {
    const m = /^r([0-7])$/i.exec(text.trim());
    if (!m) throw new AsmError(line, `expected a register r0..r7, got "${text.trim()}"`);
    return Number(m[1]);
  };
  const mem = (text: string, line: number): number => {
    const m = /^\[(.+)\]$/.exec(text.trim());
    if (!m) throw new AsmError(line, `expected [address], got "${text.trim()}"`);
    return num(m[1]!, line);
  };
  const target = (text: string, line: number) => () => {
    const t = text.trim();
    const at = labels.get(t);
    if (at !== undefined) return at;
    if (/^\d+$/.test(t)) return Number(t);
    throw new AsmError(line, `unknown label "${t}"`);
  };
  const emit = (line: number, build: () => Instruction) => pending.push({ line, build });
  const ins = (op: OpName, a = 0, b = 0, imm = 0): Instruction => ({ op, a, b, imm });

  lines.forEach((raw, i) => {
    const line = i + 1;
    let text = raw.replace(/[;#].*$/, '').trim();
    const labelMatch = /^([A-Za-z_.][\w.]*):\s*(.*)$/.exec(text);
    if (labelMatch) {
      if (labels.has(labelMatch[1]!)) throw new AsmError(line, `label "${labelMatch[1]}" defined twice`);
      labels.set(labelMatch[1]!, pending.length);
      text = labelMatch[2]!.trim();
    }
    if (!text) return;
    const [mnemonic, ...rest] = text.split(/\s+/);
    const args = rest
      .join(' ')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const want = (n: number) => {
      if (args.length !== n)
        throw new AsmError(line, `${mnemonic} takes ${n} operand(s), got ${args.length}`);
    };
    switch (mnemonic!.toLowerCase()) {
      case 'nop':
      case 'cpuid':
      case 'hlt':
      case 'vmcall':
      case 'rdmsr':
      case 'wrmsr':
      case 'triple': {
        want(0);
        const op = mnemonic!.toLowerCase() as OpName;
        emit(line, () => ins(op));
        break;
      }
      case 'mov': {
        want(2);
        const a = reg(args[0]!, line);
        if (/^r[0-7]$/i.test(args[1]!)) {
          const b = reg(args[1]!, line);
          emit(line, () => ins('movr', a, b));
        } else {
          const v = num(args[1]!, line);
          emit(line, () => ins('mov', a, 0, v));
        }
        break;
      }
      case 'add': {
        want(2);
        const a = reg(args[0]!, line);
        const v = num(args[1]!, line);
        emit(line, () => ins('add', a, 0, v));
        break;
      }
      case 'load': {
        want(2);
        const a = reg(args[0]!, line);
        const addr = mem(args[1]!, line);
        emit(line, () => ins('load', a, 0, addr));
        break;
      }
      case 'store': {
        want(2);
        const addr = mem(args[0]!, line);
        const a = reg(args[1]!, line);
        emit(line, () => ins('store', a, 0, addr));
        break;
      }
      case 'exec': {
        want(1);
        const addr = num(args[0]!, line);
        emit(line, () => ins('exec', 0, 0, addr));
        break;
      }
      case 'out': {
        want(2);
        const port = num(args[0]!, line);
        const a = reg(args[1]!, line);
        emit(line, () => ins('out', a, 0, port));
        break;
      }
      case 'in': {
        want(2);
        const a = reg(args[0]!, line);
        const port = num(args[1]!, line);
        emit(line, () => ins('in', a, 0, port));
        break;
      }
      case 'movcr': {
        want(2);
        const m = /^cr([0-8])$/i.exec(args[0]!);
        if (!m) throw new AsmError(line, `expected cr0..cr8, got "${args[0]}"`);
        const b = reg(args[1]!, line);
        emit(line, () => ins('movcr', Number(m[1]), b));
        break;
      }
      case 'jmp': {
        want(1);
        const t = target(args[0]!, line);
        emit(line, () => ins('jmp', 0, 0, t()));
        break;
      }
      case 'jnz': {
        want(2);
        const a = reg(args[0]!, line);
        const t = target(args[1]!, line);
        emit(line, () => ins('jnz', a, 0, t()));
        break;
      }
      case 'hypercall': {
        if (args.length < 2 || args.length > 3) throw new AsmError(line, 'hypercall takes OP, ARG[, BUFFER]');
        const opText = args[0]!;
        const number = (HYPERCALL_NUMBER as Record<string, number>)[opText] ?? num(opText, line);
        const arg = num(args[1]!, line);
        emit(line, () => ins('mov', 0, 0, number));
        emit(line, () => ins('mov', 1, 0, arg));
        if (args[2] !== undefined) {
          const buffer = num(args[2], line);
          emit(line, () => ins('mov', 2, 0, buffer));
          emit(line, () => ins('mov', 3, 0, MESSAGE_BYTES));
        }
        emit(line, () => ins('vmcall'));
        break;
      }
      case 'dma': {
        want(3);
        const device = num(args[0]!, line);
        const dir = args[1]!.toLowerCase();
        if (dir !== 'read' && dir !== 'write')
          throw new AsmError(line, `expected read or write, got "${args[1]}"`);
        const addr = num(args[2]!, line);
        emit(line, () => ins('mov', 6, 0, addr));
        emit(line, () => ins('out', 6, 0, devicePort(device, PORT_ADDR)));
        emit(line, () => ins('mov', 7, 0, dir === 'read' ? CMD_DMA_READ : CMD_DMA_WRITE));
        emit(line, () => ins('out', 7, 0, devicePort(device, PORT_CMD)));
        break;
      }
      default:
        throw new AsmError(line, `unknown instruction "${mnemonic}"`);
    }
  });
  const program = pending.map((p) => {
    try {
      return p.build();
    } catch (e) {
      if (e instanceof AsmError) throw e;
      throw new AsmError(p.line, String(e));
    }
  });
  const problem = checkProgram(program);
  if (problem) throw new AsmError(lines.length, problem);
  return program;
}
