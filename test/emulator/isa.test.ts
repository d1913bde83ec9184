import { describe, expect, it } from 'vitest';
import {
  AsmError,
  assemble,
  checkProgram,
  decode,
  disassemble,
  encode,
  HYPERCALL_NUMBER,
  hypercallArg,
  hypercallNumber,
  hypercallOp,
} from '../../emulator/isa.js';
import { HYPERCALL_OPS } from '../../model/events.js';

describe('guest assembler', () => {
  it('assembles readable code with labels and macros, and round-trips through bytes', () => {
    const program = assemble(`
      start:                    ; poll the inbox
        hypercall receive, 0
        jnz r0, start
        store [0x1000], r1      # keep the message
        dma 2, write, 0x3000
        movcr cr3, r4
        jmp start`);
    expect(program.map(disassemble)).toEqual([
      'mov r0, 2',
      'mov r1, 0',
      'vmcall',
      'jnz r0, 0',
      'store [0x1000], r1',
      'mov r6, 0x3000',
      'out 0xc020, r6',
      'mov r7, 2',
      'out 0xc024, r7',
      'movcr cr3, r4',
      'jmp 0',
    ]);
    const bytes = encode(program);
    expect(bytes.length).toBe(program.length * 8);
    expect(decode(bytes)).toEqual(program);
  });

  it('reports errors with their line', () => {
    expect(() => assemble('nop\nfrob r1')).toThrow(/line 2: unknown instruction "frob"/);
    expect(() => assemble('load r9, [0]')).toThrow(AsmError);
    expect(() => assemble('jmp nowhere\ncpuid')).toThrow(/unknown label "nowhere"/);
  });

  it('rejects programs with a loop that never touches memory or exits', () => {
    expect(() => assemble('a: mov r0, 1\n jmp a\n cpuid')).toThrow(/loop/);
    expect(() => assemble('a: out 0xc004, r0\n jmp a\n cpuid')).toThrow(/loop/);
    expect(() => assemble('mov r0, 1')).toThrow(/no instruction that touches memory/);
    expect(checkProgram(assemble('a: cpuid\n jnz r0, a'))).toBeNull();
  });
});

describe('hypercall ABI', () => {
  it('maps every model op to a number and back, and undefined numbers to unknown ops', () => {
    for (const op of HYPERCALL_OPS) expect(hypercallOp(HYPERCALL_NUMBER[op])).toBe(op);
    for (const op of HYPERCALL_OPS) expect(hypercallNumber(op)).toBe(HYPERCALL_NUMBER[op]);
    expect(hypercallOp(255)).toBe('hypercall-255');
    expect(hypercallNumber('hypercall-255')).toBe(255);
    expect(hypercallOp(0xffffffff)).toBe('hypercall-4294967295');
    expect(hypercallNumber('hypercall-1')).toBeUndefined(); // 1 is send
    expect(hypercallNumber('SEND')).toBeUndefined();
    expect(hypercallArg(0xffffffff)).toBe(-1);
    expect(hypercallArg(3)).toBe(3);
  });
});
