/**
 * The configuration-baseline section of report.html: the platform, known-good digests, partitions,
 * the memory map and the schedule as pictures (inline SVG that scales down to a narrow window),
 * devices, channels and shared regions, and the system as typezero reads it. What lets data cross
 * the policy is flagged red where it stands: a DMA window over pages its device's owner may not
 * write, a channel or shared region that carries data downwards (or against the declared flows),
 * a privilege that moves data between partitions the policy keeps apart.
 */
import { has } from '../model/bits.js';
import { flowClosure } from '../model/policy.js';
import { colourOf, type Html, html, plural } from './markup.js';
import type { Baseline, Evidence, PageRun } from './types.js';

type BaselinePartition = Baseline['partitions'][number];

function ranges(rs: readonly { start: number; pages: number }[]): string {
  if (!rs.length) return '—';
  return rs.map((r) => (r.pages === 1 ? `${r.start}` : `${r.start}–${r.start + r.pages - 1}`)).join(', ');
}

function scheduleSvg(b: Baseline): Html {
  const frame = b.schedule.majorFrame;
  const lastEnd = Math.max(frame, ...b.schedule.windows.map((w) => w.start + w.length));
  const left = 64;
  const width = 880;
  const unit = width / lastEnd;
  const laneH = 30;
  const lanes: { cpu: number; row: number }[] = [];
  const placed: { w: Baseline['schedule']['windows'][number]; lane: number; clash: boolean }[] = [];
  for (let cpu = 0; cpu < b.platform.cpus; cpu++) {
    const rows: { start: number; end: number }[][] = [];
    const windows = b.schedule.windows.filter((w) => w.cpu === cpu).sort((x, y) => x.start - y.start);
    for (const w of windows) {
      let row = rows.findIndex((r) => r.every((o) => w.start >= o.end || w.start + w.length <= o.start));
      if (row < 0) {
        row = rows.length;
        rows.push([]);
      }
      rows[row]!.push({ start: w.start, end: w.start + w.length });
      placed.push({ w, lane: lanes.length + row, clash: false });
    }
    const n = Math.max(rows.length, 1);
    for (let r = 0; r < n; r++) lanes.push({ cpu, row: r });
    if (rows.length > 1) for (const p of placed) if (p.w.cpu === cpu) p.clash = true;
  }
  const height = 30 + lanes.length * laneH + 24;
  const x = (t: number) => left + t * unit;
  const ticks = Array.from({ length: lastEnd + 1 }, (_, t) => t).filter(
    (t) => lastEnd <= 40 || t % Math.ceil(lastEnd / 20) === 0 || t === frame,
  );
  const partitionCpus = new Map(b.partitions.map((p) => [p.name, p.cpus]));
  return html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Schedule per CPU over the major frame" width="${left + width + 20}" height="${height}" viewBox="0 0 ${left + width + 20} ${height}" class="schedule">
<rect x="${left}" y="20" width="${frame * unit}" height="${lanes.length * laneH}" fill="#f6f8fa" stroke="#d0d7de"/>
${lastEnd > frame ? html`<rect x="${x(frame)}" y="20" width="${(lastEnd - frame) * unit}" height="${lanes.length * laneH}" fill="#ffebe9"/>` : ''}
${ticks.map((t) => html`<line x1="${x(t)}" y1="16" x2="${x(t)}" y2="${20 + lanes.length * laneH}" stroke="${t === frame ? '#cf222e' : '#d0d7de'}" stroke-width="${t === frame ? 2 : 1}"/><text x="${x(t)}" y="12" font-size="10" text-anchor="middle" fill="#57606a">${t}</text>`)}
${lanes.map((l, i) => (l.row === 0 ? html`<text x="4" y="${20 + i * laneH + 19}" font-size="12" fill="#1b1f24">CPU ${l.cpu}</text>` : ''))}
${placed.map(({ w, lane, clash }) => {
  const misplaced = !(partitionCpus.get(w.partition) ?? []).includes(w.cpu);
  const bad = clash || misplaced || w.start + w.length > frame;
  return html`<g><title>${`${w.partition} on CPU ${w.cpu}, ticks ${w.start} to ${w.start + w.length - 1}${clash ? ', overlaps another window' : ''}${misplaced ? ', on a CPU the partition may not use' : ''}${w.start + w.length > frame ? ', runs past the major frame' : ''}`}</title><rect x="${x(w.start) + 1}" y="${20 + lane * laneH + 3}" width="${Math.max(w.length * unit - 2, 2)}" height="${laneH - 6}" rx="3" fill="${colourOf(b, w.partition)}" stroke="${bad ? '#cf222e' : '#0000'}" stroke-width="${bad ? 3 : 0}" stroke-dasharray="${misplaced ? '5 3' : ''}"/><text x="${x(w.start) + 6}" y="${20 + lane * laneH + 19}" font-size="12" fill="#ffffff">${w.partition}</text></g>`;
})}
<line x1="${x(frame)}" y1="16" x2="${x(frame)}" y2="${20 + lanes.length * laneH}" stroke="#cf222e" stroke-width="2"/>
<text x="${left}" y="${height - 6}" font-size="11" fill="#57606a">ticks of the major frame (${frame}); red line: end of frame; red outline: overlap, past the frame, or a CPU the partition may not use</text>
</svg>`;
}

/** Devices whose DMA window covers the run though their owner may not write it (owns it alone, or writes it as a shared region). */
function foreignDma(b: Baseline, r: PageRun): string[] {
  return r.dmaWindows.filter((name) => {
    const owner = b.devices.find((d) => d.name === name)?.owner;
    const ownsAlone = r.owners.length === 1 && r.owners[0] === owner;
    const writes = b.shared.some((s) => r.shared.includes(s.name) && s.writer === owner);
    return !ownsAlone && !writes;
  });
}

function memorySvg(b: Baseline): Html {
  const left = 10;
  const width = 940;
  const unit = width / b.platform.pages;
  return html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Memory map" width="${left + width + 20}" height="64" viewBox="0 0 ${left + width + 20} 64" class="memory">
${b.memoryMap.map((r) => {
  const fill =
    r.owners.length === 1
      ? colourOf(b, r.owners[0]!)
      : r.owners.length > 1
        ? '#cf222e'
        : r.shared.length
          ? '#ffffff'
          : '#eaeef2';
  const label = r.owners.length ? r.owners.join('+') : r.shared.length ? r.shared.join('+') : '';
  const foreign = foreignDma(b, r);
  const reach = foreign.length ? `; reaches pages its owner may not write: ${foreign.join(', ')}` : '';
  return html`<g${foreign.length ? html` data-foreign-dma="${foreign.join(' ')}"` : ''}><title>${`pages ${ranges([r])}: ${r.owners.length ? `owned by ${r.owners.join(', ')}` : 'unowned'}${r.shared.length ? `; shared region ${r.shared.join(', ')}` : ''}${r.dmaWindows.length ? `; DMA window of ${r.dmaWindows.join(', ')}` : ''}${reach}`}</title><rect x="${left + r.start * unit}" y="6" width="${r.pages * unit}" height="28" fill="${fill}" stroke="#57606a" stroke-width="0.5" stroke-dasharray="${r.shared.length ? '3 2' : ''}"/>${r.dmaWindows.length ? html`<rect x="${left + r.start * unit + 1}" y="36" width="${r.pages * unit - 2}" height="5" fill="${foreign.length ? '#cf222e' : '#1b1f24'}"/>` : ''}${r.pages * unit > 34 ? html`<text x="${left + r.start * unit + 4}" y="24" font-size="11" fill="${r.owners.length === 1 ? '#ffffff' : '#1b1f24'}">${label}</text>` : ''}</g>`;
})}
<text x="${left}" y="56" font-size="11" fill="#57606a">page 0 … ${b.platform.pages - 1}; bar under a run: a device's DMA window, red where its owner may not write the pages; dashed: shared region; red run: listed by more than one partition</text>
</svg>`;
}

export function baseline(e: Evidence): Html {
  const b = e.system.baseline;
  const rank = (level: string) => b.levels.indexOf(level);
  const levelOf = (name: string) => b.partitions.find((p) => p.name === name)?.level ?? '';
  const downgrader = (name: string) => b.partitions.find((p) => p.name === name)?.downgrader ?? false;
  /** A partition by name, with its level when the policy is a level order. */
  const who = (name: string) => (b.flows ? name : `${name} (${levelOf(name)})`);
  const index = (name: string) => b.partitions.findIndex((p) => p.name === name);
  const allowed =
    b.flows &&
    flowClosure(
      b.partitions.length,
      b.flows.map((f) => ({ from: index(f.from), to: index(f.to) })),
    );
  const mayFlow = (from: string, to: string): boolean =>
    allowed
      ? has(allowed[index(to)]!, index(from))
      : rank(levelOf(to)) >= rank(levelOf(from)) || downgrader(from);
  const direction = (from: string, to: string): Html => {
    if (allowed)
      return mayFlow(from, to) ? html`declared` : html`<b style="color:var(--fail)">not declared</b>`;
    const d = rank(levelOf(to)) - rank(levelOf(from));
    if (d > 0) return html`up`;
    if (d === 0) return html`same level`;
    return downgrader(from) ? html`down, through a downgrader` : html`<b style="color:var(--fail)">down</b>`;
  };
  const names = b.partitions.map((p) => p.name);
  /** Partitions whose data a privilege carries to or from `p` against the policy (partition-control: those it controls). */
  const against = (p: BaselinePartition, privilege: string): string[] =>
    privilege === 'audit-read'
      ? names.filter((q) => !mayFlow(q, p.name))
      : (p.controls ?? names).filter((q) => q !== p.name && (!mayFlow(q, p.name) || !mayFlow(p.name, q)));
  const privileges = (p: BaselinePartition): Html =>
    p.privileges.length
      ? html`${p.privileges.map((x, i) => {
          const wrong = against(p, x);
          const shown =
            x === 'partition-control' && p.controls ? `${x} over ${p.controls.join(', ') || 'none'}` : x;
          return html`${i ? ', ' : ''}${wrong.length ? html`<b style="color:var(--fail)" data-flags-privilege="${x}" title="${`${x} carries data between ${p.name} and ${wrong.join(', ')}, which the policy does not allow`}">${shown}</b>` : shown}`;
        })}`
      : html`—`;
  return html`<section id="baseline">
<h2>Configuration baseline</h2>
<p>Platform: ${plural(b.platform.cpus, 'CPU')}, ${plural(b.platform.pages, 'host page')} of 4 KiB. ${b.flows ? html`Policy: the declared flows ${b.flows.map((f) => `${f.from} → ${f.to}`).join(', ') || '(none)'} and every path of them` : html`Levels, lowest first: ${b.levels.join(' < ')}`}. Audit log: ${b.audit.capacity} records, on full: ${b.audit.onFull}.</p>
<h3>Known-good digests</h3>
<table><thead><tr><th>Component</th><th>Known-good SHA-256 measurement</th></tr></thead>
<tbody>${b.digests.map((d) => html`<tr><td>${d.component}</td><td class="mono">${d.digest}</td></tr>`)}</tbody></table>
<h3>Partitions</h3>
<table><thead><tr><th>Name</th><th>Kind</th><th>Level</th><th>CPUs</th><th>Memory (pages)</th><th>Launch</th><th>Privileges</th><th>Downgrader</th></tr></thead>
<tbody>${b.partitions.map((p) => html`<tr><td><span class="legend"><i style="background:${colourOf(b, p.name)}"></i></span>${p.name}</td><td>${p.kind}</td><td>${p.level ?? '—'}</td><td>${p.cpus.join(', ') || '—'}</td><td>${ranges(p.memory)}</td><td>${p.launch}</td><td>${privileges(p)}</td><td>${p.downgrader ? 'yes' : 'no'}</td></tr>`)}</tbody></table>
<h3>Memory map</h3>
${memorySvg(b)}
<table><thead><tr><th>Pages</th><th>Owned by</th><th>Shared region</th><th>DMA window of</th></tr></thead>
<tbody>${b.memoryMap.map((r) => html`<tr class="${r.owners.length > 1 ? 'zero' : ''}"><td>${ranges([r])}</td><td>${r.owners.join(', ') || html`<span class="muted">unassigned</span>`}</td><td>${r.shared.join(', ') || '—'}</td><td>${r.dmaWindows.length ? html`${r.dmaWindows.map((d, i) => html`${i ? ', ' : ''}${foreignDma(b, r).includes(d) ? html`<b style="color:var(--fail)">${d}</b> (its owner may not write these pages)` : d}`)}` : '—'}</td></tr>`)}</tbody></table>
<h3>Device assignments</h3>
${b.devices.length ? html`<table><thead><tr><th>Device</th><th>Owner (VT-d domain)</th><th>IRQ line</th><th>IOMMU</th><th>DMA window (pages)</th></tr></thead><tbody>${b.devices.map((d) => html`<tr><td>${d.name}</td><td>${d.owner}</td><td>${d.irq}</td><td>${d.iommu === 'passthrough' ? html`<b style="color:var(--fail)">passthrough</b>` : d.iommu}</td><td>${ranges(d.dma)}</td></tr>`)}</tbody></table>` : html`<p class="muted">No devices.</p>`}
<h3>Channels and shared regions</h3>
${b.channels.length ? html`<table><thead><tr><th>Channel</th><th>From</th><th>To</th><th>Direction</th><th>Capacity</th></tr></thead><tbody>${b.channels.map((c) => html`<tr><td>${c.name}</td><td>${who(c.from)}</td><td>${who(c.to)}</td><td>${direction(c.from, c.to)}</td><td>${c.capacity}</td></tr>`)}</tbody></table>` : html`<p class="muted">No channels.</p>`}
${b.shared.length ? html`<table><thead><tr><th>Shared region</th><th>Pages</th><th>Writer</th><th>Readers</th><th>Direction</th></tr></thead><tbody>${b.shared.map((s) => html`<tr><td>${s.name}</td><td>${ranges([s])}</td><td>${who(s.writer)}</td><td>${s.readers.map(who).join(', ')}</td><td>${s.readers.map((r, i) => html`${i ? ', ' : ''}${s.readers.length > 1 ? `${r}: ` : ''}${direction(s.writer, r)}`)}</td></tr>`)}</tbody></table>` : html`<p class="muted">No shared regions.</p>`}
<h3>Schedule</h3>
<p>Major frame of ${b.schedule.majorFrame} ticks, repeating; one synchronised preemption timer advances every CPU.</p>
${scheduleSvg(b)}
<h3>The system as typezero reads it</h3>
<pre>${e.system.summary}</pre>
</section>`;
}
