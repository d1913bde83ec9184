import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PcrBank, sha256 } from '../../emulator/tpm.js';

const h = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
};

describe('PCR bank', () => {
  it('reads zero in static PCRs and all-ones in dynamic PCRs 17-22 at reset', () => {
    const tpm = new PcrBank();
    for (let i = 0; i < 24; i++)
      expect(
        tpm.read(i).every((b) => b === (i >= 17 && i <= 22 ? 0xff : 0)),
        `PCR${i}`,
      ).toBe(true);
  });

  it('zeroes the dynamic PCRs at dynamic launch and leaves the others', () => {
    const tpm = new PcrBank();
    tpm.extend(0, sha256(new Uint8Array([1])));
    const pcr0 = tpm.read(0);
    tpm.dynamicLaunch();
    for (let i = 17; i <= 22; i++) expect(tpm.read(i).every((b) => b === 0)).toBe(true);
    expect(tpm.read(0)).toEqual(pcr0);
  });

  it('extends as SHA-256(PCR || digest), so the value commits to the order of measurements', () => {
    const tpm = new PcrBank();
    tpm.dynamicLaunch();
    const a = h(new TextEncoder().encode('a'));
    const b = h(new TextEncoder().encode('b'));
    tpm.extend(18, a);
    tpm.extend(18, b);
    expect(tpm.read(18)).toEqual(h(h(new Uint8Array(32), a), b));
    const other = new PcrBank();
    other.dynamicLaunch();
    other.extend(18, b);
    other.extend(18, a);
    expect(other.read(18)).not.toEqual(tpm.read(18));
    expect(() => tpm.extend(18, new Uint8Array(20))).toThrow(/32-byte/);
  });
});
