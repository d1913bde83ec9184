/**
 * Boot images as bytes. A partition image is a header (magic, name, the digest the system file
 * names, a 32-byte data area, the vCPU table) followed by each vCPU's code; the hypervisor image is
 * a header and the core's bytes. The known-good table holds SHA-256 of the genuine images, computed
 * when the integrator provisions the platform: the system file's digests name images we do not have,
 * so the genuine image embeds the file's digest and the known-good value is the digest of that image.
 */
import type { SystemConfig } from '../system/config.js';
import { encode, type Instruction } from './isa.js';

export const IMAGE_NAME = 8;
export const IMAGE_DIGEST = 40;
/** A data area the attacker overwrites (code stays decodable, so an unmeasured victim still runs). */
export const IMAGE_PAYLOAD = 72;
export const IMAGE_PAYLOAD_SIZE = 32;
export const IMAGE_VCPUS = 104;
const HEADER = 108;
const ATTACKER_PAYLOAD = new TextEncoder()
  .encode('tampered by the attacker: evil!!!')
  .slice(0, IMAGE_PAYLOAD_SIZE);

function digestBytes(digest: string): Uint8Array {
  return Uint8Array.from(Buffer.from(digest.slice('sha256:'.length), 'hex'));
}

function header(magic: string, name: string, digest: string): Uint8Array {
  const out = new Uint8Array(HEADER);
  out.set(new TextEncoder().encode(magic).slice(0, 8), 0);
  out.set(new TextEncoder().encode(name).slice(0, 32), IMAGE_NAME);
  out.set(digestBytes(digest), IMAGE_DIGEST);
  return out;
}

export function hypervisorImage(config: SystemConfig): Uint8Array {
  const head = header('TZHYPERV', config.system, config.hypervisor.image);
  const core = new Uint8Array(512);
  for (let i = 0; i < core.length; i++) core[i] = (i * 131 + 7) & 0xff;
  const out = new Uint8Array(head.length + core.length);
  out.set(head);
  out.set(core, head.length);
  return out;
}

/** Layout: header, then per vCPU (offset, instruction count) from byte IMAGE_VCPUS + 4, then code. */
export function partitionImage(
  config: SystemConfig,
  p: number,
  programs: readonly (readonly Instruction[])[],
): Uint8Array {
  const part = config.partitions[p]!;
  const head = header('TZIMAGE1', part.name, part.image);
  const table = new Uint8Array(4 + programs.length * 8);
  const tview = new DataView(table.buffer);
  tview.setUint32(0, programs.length, true);
  const codes = programs.map(encode);
  let offset = HEADER + table.length - 4;
  codes.forEach((code, i) => {
    tview.setUint32(4 + i * 8, offset, true);
    tview.setUint32(8 + i * 8, code.length / 8, true);
    offset += code.length;
  });
  const out = new Uint8Array(offset);
  out.set(head.slice(0, IMAGE_VCPUS));
  out.set(table, IMAGE_VCPUS);
  let at = HEADER + table.length - 4;
  for (const code of codes) {
    out.set(code, at);
    at += code.length;
  }
  return out;
}

export function attackerPayload(): Uint8Array {
  const p = new Uint8Array(IMAGE_PAYLOAD_SIZE);
  p.set(ATTACKER_PAYLOAD);
  return p;
}
