/**
 * Packed states: encoding is a bijection on reachable states. Decoding an encoded state gives it
 * back field for field; two states encode to the same words exactly when they are equal; and the
 * incremental encoding of a successor (from its predecessor's words) equals its full encoding.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout } from '../../model/layout.js';
import { sameState } from '../../model/state.js';
import { step } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { StateCodec, widthFor } from '../../proofs/packed.js';
import { EXAMPLES } from '../cli/cli.js';
import { example } from '../helpers.js';
import { randomWalk } from '../tla/walks.js';

function checkWalk(config: Parameters<typeof buildLayout>[0], seed: number): void {
  const layout = buildLayout(config);
  const codec = new StateCodec(layout);
  const catalog = buildCatalog(layout);
  const states = randomWalk(layout, seed, 400);
  const packed = states.map((s) => {
    const words = new Uint32Array(codec.words);
    codec.encode(s, words);
    return words;
  });
  states.forEach((s, i) => {
    const back = codec.decode(packed[i]!);
    expect(back).toEqual(s);
    expect(sameState(back, s)).toBe(true);
    // Every successor: the incremental encoding from s's words is the full encoding.
    for (const e of enabledEvents(layout, catalog, s)) {
      const next = step(layout, s, e).state;
      const full = new Uint32Array(codec.words);
      codec.encode(next, full);
      const incremental = new Uint32Array(codec.words);
      codec.encodeFrom(next, s, packed[i]!, 0, incremental);
      expect(incremental).toEqual(full);
      expect(codec.decode(full)).toEqual(next);
    }
  });
  // Equal words exactly for equal states.
  for (let i = 0; i < states.length; i += 7)
    for (let j = i + 1; j < states.length; j += 5)
      expect(packed[i]!.every((w, k) => w === packed[j]![k])).toBe(sameState(states[i]!, states[j]!));
}

describe('packed states', () => {
  test.each(EXAMPLES)('%s: round trip on random walks', (name) => {
    for (const seed of [1, 2, 3]) checkWalk(example(name), seed);
  });

  test.prop([systemArb(), fc.integer({ min: 1, max: 1 << 30 })], { numRuns: 60 })(
    'generated systems: round trip on a random walk',
    (config, seed) => checkWalk(config, seed),
  );

  test('field widths come from the layout', () => {
    expect([0, 1, 2, 3, 4, 7, 8].map(widthFor)).toEqual([0, 1, 2, 2, 3, 3, 4]);
    const layout = buildLayout(example('three-level-guard'));
    const codec = new StateCodec(layout);
    expect(codec.words).toBe(Math.ceil(codec.bits / 32));
  });
});
