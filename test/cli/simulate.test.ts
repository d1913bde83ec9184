import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../cli/simulate.js';
import { example } from '../helpers.js';
import { EXAMPLES, typezero } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'typezero-simulate-'));

describe('typezero simulate', () => {
  it.each(EXAMPLES)('%s: runs, logs, and refines the model at every step (exit 0)', (name) => {
    const r = typezero('simulate', `examples/${name}.yaml`, '--steps', '120', '--seed', '7');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^system [a-z0-9-]+ \(examples\/.*\): 120 steps from seed 7/);
    expect(r.stdout).toContain('security monitor measures the hypervisor image');
    expect(r.stdout).toMatch(/Refinement holds: every one of the \d+ steps matches the model\./);
  });

  it('is deterministic in the seed', () => {
    const a = typezero('simulate', 'examples/three-level-guard.yaml', '--steps', '80', '--seed', '3');
    const b = typezero('simulate', 'examples/three-level-guard.yaml', '--steps', '80', '--seed', '3');
    const c = typezero('simulate', 'examples/three-level-guard.yaml', '--steps', '80', '--seed', '4');
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('runs given guest programs and shows their exits, hypercalls, DMA and data', () => {
    const r = typezero(
      'simulate',
      'examples/mils-two-domain.yaml',
      '--steps',
      '60',
      '--program',
      'unclass=emulator/guests/mils-unclass.s',
      '--program',
      'secret=emulator/guests/mils-secret.s',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'except unclass from emulator/guests/mils-unclass.s, secret from emulator/guests/mils-secret.s',
    );
    expect(r.stdout).toContain('cpu0 unclass: VMCALL send(0) -> OK');
    expect(r.stdout).toMatch(/cpu0 secret: VMCALL receive\(0\) -> OK \[\d+\]/);
    expect(r.stdout).toMatch(/nic0 DMA read 0x2000 -> host 0x2000 \(domain 1\)/);
    expect(r.stdout).toMatch(/VM exits: .*VMCALL \(exit 18\)/);
  });

  it('audits and shows a faulting guest', () => {
    const file = join(dir, 'bad.s');
    writeFileSync(file, 'store [0x4000], r0   ; the ring is read-only for secret\n');
    const r = typezero(
      'simulate',
      'examples/mils-two-domain.yaml',
      '--steps',
      '30',
      '--program',
      `secret=${file}`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('EPT violation (exit 48): write at gpa 0x4000');
    expect(r.stdout).toMatch(/#1 ept-violation \(secret\)/);
  });

  it.each([
    [['examples/no-such.yaml'], /no-such\.yaml/],
    [['examples/mils-two-domain.yaml', '--steps', '0'], /--steps.*expected a whole number >= 1/s],
    [['examples/mils-two-domain.yaml', '--seed', 'x'], /expected a whole number >= 0, got "x"/],
    [
      ['examples/mils-two-domain.yaml', '--program', 'nobody=x.s'],
      /no partition "nobody" \(partitions: secret, unclass\)/,
    ],
    [['examples/mils-two-domain.yaml', '--program', 'secret'], /expected PARTITION=FILE/],
    [['examples/mils-two-domain.yaml', '--program', 'secret=/no/such.s'], /cannot read \/no\/such\.s/],
  ])('rejects bad input with exit 2: %j', (args, message) => {
    const r = typezero('simulate', ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('rejects guest code that does not assemble, with its line (exit 2)', () => {
    const file = join(dir, 'broken.s');
    writeFileSync(file, 'cpuid\nfly r1\n');
    const r = typezero('simulate', 'examples/mils-two-domain.yaml', '--program', `secret=${file}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: line 2: unknown instruction "fly"`);
  });

  it('names the step where a broken emulator stops refining the model', () => {
    const file = join(dir, 'reader-writes.s');
    writeFileSync(file, 'store [0x4000], r0\n');
    const prog = file;
    const result = simulate(
      example('mils-two-domain'),
      'mils-two-domain.yaml',
      { steps: 50, seed: 1, programs: [`secret=${prog}`], mutants: new Set(['ept-ignores-write-bit']) },
      (m) => new Error(m),
      () => {},
    );
    expect(result.mismatch).toMatch(
      /^refinement fails at step \d+ \(GuestAccess: secret writes guest-physical page 4/,
    );
    expect(result.mismatch).toContain('outcome: model faulted, emulator ok');
  });
});
