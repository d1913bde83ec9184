/**
 * `typezero prove --out`: the proof written beside the TLA+ model, and TLC checking `IndInv` in
 * every reachable state of the spec with every jar, so the proof and the enumeration meet.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLC } from '../tla/tlc-jars.js';
import { typezero, typezeroWithEnv } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'typezero-prove-out-'));
const out = join(dir, 'proof');
let proved: ReturnType<typeof typezero>;

beforeAll(() => {
  proved = typezero('prove', 'examples/mils-two-domain.yaml', '--json', '--out', out);
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('typezero prove --out', () => {
  it('writes the model with IndInv, its .cfg and proof.json, and the same JSON as without --out', () => {
    expect(proved.status).toBe(0);
    expect(JSON.parse(proved.stdout).engine).toBe('prove');
    expect(readdirSync(out).sort()).toEqual([
      'Hypervisor.tla',
      'MCmils_two_domain.tla',
      'MCmils_two_domain_IndInv.cfg',
      'SHA256SUMS',
      'proof.json',
    ]);
    const record = JSON.parse(readFileSync(join(out, 'proof.json'), 'utf8'));
    expect(record.solver).toMatch(/^Z3 \d+\.\d+/);
    expect(record.properties).toHaveLength(11);
    const flow = record.properties.find((p: { name: string }) => p.name === 'InformationFlow');
    expect(flow).toMatchObject({
      status: 'holds',
      method: 'inductive-invariant',
      solverMs: expect.any(Number),
    });
    expect(flow.invariant.tla).toBe('IndInv_InformationFlow');
    expect(flow.invariant.variables).toContain('observed[unclass][secret]');
    const module = readFileSync(join(out, 'MCmils_two_domain.tla'), 'utf8');
    expect(module).toMatch(/^IndInv == IndInv_MemoryIsolation \/\\ .*IndInv_FailSecure$/m);
    expect(readFileSync(join(out, 'MCmils_two_domain_IndInv.cfg'), 'utf8')).toMatch(
      /INVARIANT\n {4}TypeOK\n {4}IndInv\n/,
    );
  });

  it('refuses a folder it did not write, before any work, and writes nothing', () => {
    const r = typezero('prove', 'examples/mils-two-domain.yaml', '--out', 'examples');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^typezero prove: /);
  });

  describe.skipIf(TLC.jars.length === 0)('TLC checks IndInv', () => {
    it.each(TLC.jars.map((j) => [j.name, j] as const))(
      'in every reachable state, with %s',
      { timeout: 600_000 },
      (_name, jar) => {
        const r = typezeroWithEnv(
          jar.env as Record<string, string>,
          'tlc',
          '-workers',
          '1',
          '-metadir',
          join(dir, `states-${_name}`),
          '-config',
          join(out, 'MCmils_two_domain_IndInv.cfg'),
          join(out, 'MCmils_two_domain.tla'),
        );
        expect(r.stdout).toContain('Model checking completed. No error has been found.');
        expect(r.stdout).toMatch(/\b349 distinct states found/);
        expect(r.status).toBe(0);
      },
    );
  });
});
