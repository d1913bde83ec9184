/**
 * The layers of the tree point one way (system -> model -> proofs/emulator -> diagnosis -> tla ->
 * conformance -> evidence -> cli, bench beside cli): a module imports only from its own layer or
 * those before it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const RANK: Record<string, number> = {
  system: 0,
  model: 1,
  proofs: 2,
  emulator: 2,
  diagnosis: 2.5,
  tla: 3,
  conformance: 4,
  evidence: 5,
  cli: 6,
  bench: 6,
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

describe('layering', () => {
  it('no module imports from a later layer', () => {
    const wrong: string[] = [];
    for (const layer of Object.keys(RANK))
      for (const file of sources(layer)) {
        const text = readFileSync(join(ROOT, file), 'utf8');
        for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
          const target = relative(ROOT, join(ROOT, file, '..', m[1]!)).split('/')[0]!;
          if (target in RANK && RANK[target]! > RANK[layer]!) wrong.push(`${file} imports ${m[1]}`);
        }
      }
    expect(wrong).toEqual([]);
  });
});
