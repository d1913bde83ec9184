import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { hashWords } from '../../proofs/packed.js';
import { CHUNK_SHIFT, VisitedReader, VisitedSet } from '../../proofs/visited.js';

/** Distinct packed states of `words` words: word 0 is a counter, so no two are equal. */
function states(count: number, words: number, salt: number): Uint32Array {
  const out = new Uint32Array(count * words);
  for (let k = 0; k < count; k++) {
    out[k * words] = k;
    for (let j = 1; j < words; j++) out[k * words + j] = Math.imul(k + salt, 2654435761 + j) >>> (j % 7);
  }
  return out;
}

const find = (r: VisitedReader, all: Uint32Array, k: number) => {
  const n = r.words;
  return r.find(all, k * n, hashWords(all, k * n, n));
};

describe('the visited set', () => {
  // Enough states to grow the table many times over (it starts with 1,024 slots) and to fill
  // more than one chunk of the store.
  const COUNT = (1 << CHUNK_SHIFT) + 5_000;

  test.prop([fc.integer({ min: 1, max: 9 }), fc.integer()], { numRuns: 4 })(
    'finds every state inserted, by its id, and no other, while its table grows',
    (words, salt) => {
      const all = states(COUNT + 1_000, words, salt);
      const set = new VisitedSet(words);
      const wrong: string[] = [];
      for (let k = 0; k < COUNT; k++) {
        if (find(set, all, k) !== -1) wrong.push(`state ${k} found before it was inserted`);
        if (set.insert(all, k * words) !== k) wrong.push(`state ${k} inserted under another id`);
        // Every state so far, checked at powers of two (the growth points lie between them).
        if ((k & (k + 1)) === 0)
          for (let j = 0; j <= k; j++) if (find(set, all, j) !== j) wrong.push(`state ${j} lost after ${k}`);
      }
      for (let k = 0; k < COUNT + 1_000; k++)
        if (find(set, all, k) !== (k < COUNT ? k : -1)) wrong.push(`state ${k} at the end`);
      expect(set.size).toBe(COUNT);
      expect(wrong.slice(0, 5)).toEqual([]);
    },
  );

  test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: COUNT - 1 })], { numRuns: 10 })(
    'a reader holding an older table and store finds states by their ids or not at all, and all of them once it adopts the new ones',
    (words, cut) => {
      const all = states(COUNT, words, cut);
      const set = new VisitedSet(words);
      for (let k = 0; k < cut; k++) set.insert(all, k * words);
      const reader = new VisitedReader(words, set.table);
      reader.adoptChunks(set.chunksFrom(0));
      const adopted = set.chunkCount;
      for (let k = cut; k < COUNT; k++) set.insert(all, k * words);
      const wrong: string[] = [];
      for (let k = 0; k < COUNT; k++) {
        const id = find(reader, all, k);
        if (k < cut ? id !== k : id !== -1 && id !== k)
          wrong.push(`state ${k} found as ${id} before adopting`);
      }
      reader.adoptTable(set.table);
      reader.adoptChunks(set.chunksFrom(adopted));
      for (let k = 0; k < COUNT; k++) if (find(reader, all, k) !== k) wrong.push(`state ${k} after adopting`);
      expect(wrong.slice(0, 5)).toEqual([]);
    },
  );
});
