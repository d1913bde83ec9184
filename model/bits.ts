/**
 * Sets of small indices (partitions, devices) as 31-bit masks: the model's labels, observed sets and
 * pending-interrupt vectors are all such sets, and masks keep states small and cheap to compare.
 */
export type Bits = number;

export const EMPTY: Bits = 0;

export function bit(i: number): Bits {
  return 1 << i;
}

export function has(set: Bits, i: number): boolean {
  return (set & (1 << i)) !== 0;
}

export function isSubset(a: Bits, b: Bits): boolean {
  return (a & ~b) === 0;
}

export function members(set: Bits): number[] {
  const out: number[] = [];
  for (let i = 0; set !== 0; i++, set >>>= 1) if (set & 1) out.push(i);
  return out;
}
