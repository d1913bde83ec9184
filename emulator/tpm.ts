/**
 * A TPM-like PCR bank (SHA-256, 24 PCRs) with the dynamic-launch behaviour the security monitor
 * relies on: at platform reset PCRs 0-16 and 23 read zero and the dynamic PCRs 17-22 read all-ones;
 * a dynamic launch (the measured launch of the hypervisor) zeroes 17-22. Extend is
 * PCR := SHA-256(PCR || digest), so a PCR commits to every measurement in order.
 */
import { createHash } from 'node:crypto';

export const PCR_COUNT = 24;
export const DIGEST_SIZE = 32;
/** Dynamic-launch PCRs. */
export const DYNAMIC_FIRST = 17;
export const DYNAMIC_LAST = 22;
/** Where the security monitor records what (TXT convention: 17 the launch, 18 the MLE). */
export const PCR_LAUNCH = 17;
export const PCR_HYPERVISOR = 18;
export const PCR_PARTITIONS = 19;
export const PCR_UNMEASURED = 20;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface TpmOptions {
  /** Mutant: extend forgets the old PCR value (PCR := H(digest)). */
  readonly extendWithoutChain?: boolean;
}

export class PcrBank {
  private readonly pcrs: Uint8Array[] = [];

  constructor(private readonly options: TpmOptions = {}) {
    this.reset();
  }

  /** Platform reset. */
  reset(): void {
    for (let i = 0; i < PCR_COUNT; i++)
      this.pcrs[i] = new Uint8Array(DIGEST_SIZE).fill(i >= DYNAMIC_FIRST && i <= DYNAMIC_LAST ? 0xff : 0);
  }

  /** Dynamic launch (GETSEC[SENTER]): the dynamic PCRs are zeroed, locality 4. */
  dynamicLaunch(): void {
    for (let i = DYNAMIC_FIRST; i <= DYNAMIC_LAST; i++) this.pcrs[i] = new Uint8Array(DIGEST_SIZE);
  }

  extend(index: number, digest: Uint8Array): Uint8Array {
    if (digest.length !== DIGEST_SIZE) throw new Error(`PCR extend needs a ${DIGEST_SIZE}-byte digest`);
    const next = this.options.extendWithoutChain ? sha256(digest) : sha256(this.pcrs[index]!, digest);
    this.pcrs[index] = next;
    return next;
  }

  read(index: number): Uint8Array {
    return this.pcrs[index]!.slice();
  }
}

/** The PCR value a single extend of `digest` into a freshly zeroed PCR gives. */
export function expectedAfterOneExtend(digest: Uint8Array): Uint8Array {
  return sha256(new Uint8Array(DIGEST_SIZE), digest);
}

export function isAllOnes(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0xff);
}
