/**
 * Memory operands of hypercalls. `send` and `receive` name a message buffer in the caller's
 * guest-physical memory: the hypervisor copies the message out of it or into it, through the
 * caller's EPT. Before it copies it checks the caller's own rights there (read to send from it,
 * write to receive into it); otherwise the hypervisor would be a confused deputy, writing with its
 * own privilege into memory the caller may only read.
 *
 * The model abstracts an operand to the guest-physical page the buffer lies in (the ABI refuses a
 * buffer that is not one message long, which the model writes as page -1).
 */
import { EPT_R, EPT_W, type EptEntry, type Layout } from './layout.js';

/** The operations that carry a buffer operand, and the EPT right each needs on it. */
export const BUFFER_RIGHT: Readonly<Record<string, number>> = { send: EPT_R, receive: EPT_W };

export function hasBuffer(op: string): boolean {
  return Object.hasOwn(BUFFER_RIGHT, op);
}

/** The caller's EPT entry for its buffer's page, or null when no translation exists. */
export function bufferEntry(layout: Layout, p: number, buffer: number | undefined): EptEntry | null {
  if (buffer === undefined || !Number.isInteger(buffer) || buffer < 0) return null;
  return layout.ept[p]?.[buffer] ?? null;
}

/** The caller may use `buffer` for `op`: the page is mapped with the right the copy needs. */
export function bufferAllowed(layout: Layout, p: number, op: string, buffer: number | undefined): boolean {
  const entry = bufferEntry(layout, p, buffer);
  return entry !== null && (entry.rights & BUFFER_RIGHT[op]!) !== 0;
}

/** The label cell of the buffer's page (-1 for a page only the caller reaches, or none). */
export function bufferCell(layout: Layout, entry: EptEntry): number {
  return layout.classes[layout.classOf[entry.page]!]!.cell;
}

/**
 * The buffers the catalog tries for `op`, among `gpas` (one guest page per memory class and rights,
 * and one unmapped): one the caller may use, preferring a page only it reaches, then one mapped
 * without the right and one unmapped, each refused.
 *
 * One usable buffer is enough. Through a page another partition also reaches, a receive leads to
 * the state of a receive into the caller's own page followed by its write of the shared one, and
 * a send to a state that a read of the shared page followed by a send from its own page exceeds
 * only in labels; so no verdict depends on the other usable pages.
 */
export function bufferCandidates(layout: Layout, p: number, op: string, gpas: readonly number[]): number[] {
  const usable = gpas.filter((g) => bufferAllowed(layout, p, op, g));
  const own = usable.find((g) => bufferCell(layout, bufferEntry(layout, p, g)!) < 0);
  const chosen = own ?? usable[0];
  const withoutRight = gpas.find(
    (g) => bufferEntry(layout, p, g) !== null && !bufferAllowed(layout, p, op, g),
  );
  const unmapped = gpas.find((g) => bufferEntry(layout, p, g) === null);
  return [chosen, withoutRight, unmapped].filter((g): g is number => g !== undefined);
}
