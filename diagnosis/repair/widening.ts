/**
 * What an edited system grants that the original did not: a repair must take away, never give.
 * Compared by name, over everything that decides who reaches what: each partition's EPT rights per
 * page, each device's DMA reach and interrupt targets, which device can raise which vector, the
 * privileges and the partitions partition-control reaches, the channels, unmeasured launches, an overwriting audit log, interrupt remapping off,
 * and the partitions themselves (none may go). The schedule grants no access: moving, shortening
 * or adding a window is not counted, so a health monitor may be given time.
 */
import { has, members } from '../../model/bits.js';
import { canSpoof, type Layout } from '../../model/layout.js';

/** One sentence per thing `edited` grants beyond `original`; empty when it grants nothing new. */
export function widening(original: Layout, edited: Layout): string[] {
  const a = original.config;
  const b = edited.config;
  const found: string[] = [];
  const partitionIn = (name: string) => a.partitions.findIndex((p) => p.name === name);
  const deviceIn = (name: string) => a.devices.findIndex((d) => d.name === name);
  const missing = a.partitions.filter((p) => !b.partitions.some((q) => q.name === p.name));
  if (missing.length > 0) found.push(`removes partition ${missing.map((p) => p.name).join(', ')}`);

  const rights = (layout: Layout, p: number): Uint8Array => {
    const out = new Uint8Array(layout.config.platform.pages);
    for (const e of layout.ept[p]!) out[e.page]! |= e.rights;
    return out;
  };
  b.partitions.forEach((p, i) => {
    const k = partitionIn(p.name);
    if (k < 0) {
      found.push(`adds partition ${p.name}`);
      return;
    }
    const before = rights(original, k);
    const after = rights(edited, i);
    if (after.some((r, page) => (r & ~(before[page] ?? 0)) !== 0)) found.push(`widens ${p.name}'s EPT`);
    const was = a.partitions[k]!;
    if (p.privileges.some((x) => !was.privileges.includes(x))) found.push(`gives ${p.name} a privilege`);
    const controlled = (layout: Layout, q: number) =>
      members(layout.controls[q]!).map((t) => layout.config.partitions[t]!.name);
    const controlledBefore = controlled(original, k);
    if (controlled(edited, i).some((name) => !controlledBefore.includes(name)))
      found.push(`widens ${p.name}'s partition control`);
    if (p.launch === 'unmeasured' && was.launch === 'measured') found.push(`launches ${p.name} unmeasured`);
    if (p.downgrader && !was.downgrader) found.push(`makes ${p.name} a downgrader`);
  });
  b.devices.forEach((d, i) => {
    const k = deviceIn(d.name);
    if (k < 0) {
      found.push(`adds device ${d.name}`);
      return;
    }
    if (edited.dmaReach[i]!.some((r, page) => r && !original.dmaReach[k]![page]))
      found.push(`widens ${d.name}'s DMA reach`);
    const targets = (layout: Layout, dev: number) =>
      layout.config.partitions.filter((_, p) => has(layout.irqTargets[dev]!, p)).map((p) => p.name);
    const before = targets(original, k);
    if (targets(edited, i).some((name) => !before.includes(name)))
      found.push(`routes ${d.name}'s interrupts further`);
    b.devices.forEach((v, j) => {
      const kv = deviceIn(v.name);
      if (canSpoof(edited, i, j) && (kv < 0 || !canSpoof(original, k, kv)))
        found.push(`lets ${d.name} raise the vector of ${v.name}`);
    });
  });
  const pairs = (layout: Layout) =>
    new Set(
      layout.config.channels.map(
        (c) => `${layout.config.partitions[c.from]!.name} ${layout.config.partitions[c.to]!.name}`,
      ),
    );
  const channelsBefore = pairs(original);
  for (const pair of pairs(edited))
    if (!channelsBefore.has(pair)) found.push(`adds a channel ${pair.replace(' ', ' to ')}`);
  if (b.audit.onFull === 'overwrite' && a.audit.onFull === 'halt') found.push('lets the audit log overwrite');
  if (b.platform.interruptRemapping === 'off' && a.platform.interruptRemapping === 'enforced')
    found.push('switches interrupt remapping off');
  if (b.platform.acs === 'off' && a.platform.acs === 'enforced')
    found.push('switches access control services off');
  return found;
}
