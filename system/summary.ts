/** A short plain-text account of a loaded system, printed by `typezero validate`. */
import type { PageRange, PartitionIdx, SystemConfig } from './config.js';

export function summarize(config: SystemConfig): string {
  const name = (p: PartitionIdx): string => config.partitions[p]?.name ?? `#${p}`;
  const lines: string[] = [
    `system ${config.system}: ${plural(config.platform.cpus, 'CPU')}, ${plural(config.platform.pages, 'page')}`,
    `hypervisor image ${config.hypervisor.image}`,
    config.flows === undefined
      ? `levels (lowest first): ${config.levels.join(' < ')}`
      : `declared flows: ${config.flows.map((f) => `${name(f.from)} -> ${name(f.to)}`).join(', ') || 'none'}`,
  ];

  section(
    lines,
    'partitions',
    ['name', 'level', 'kind', 'cpus', 'pages', 'privileges', 'launch', 'downgrader'],
    config.partitions.map((p) => [
      p.name,
      p.level ?? '-',
      p.kind,
      list(p.cpus.map(String)),
      pageRanges(p.memory),
      list(
        p.privileges.map((x) =>
          x === 'partition-control' && p.controls ? `${x}(${p.controls.map(name).join(',')})` : x,
        ),
      ),
      p.launch,
      p.downgrader ? 'yes' : 'no',
    ]),
  );
  section(
    lines,
    'devices',
    ['name', 'owner', 'irq', 'iommu', 'dma'],
    config.devices.map((d) => [d.name, name(d.owner), String(d.irq), d.iommu, pageRanges(d.dma)]),
  );
  section(
    lines,
    'channels',
    ['name', 'from', 'to', 'capacity'],
    config.channels.map((c) => [c.name, name(c.from), name(c.to), String(c.capacity)]),
  );
  section(
    lines,
    'shared regions',
    ['name', 'pages', 'writer', 'readers'],
    config.shared.map((s) => [s.name, pageRanges([s.memory]), name(s.writer), list(s.readers.map(name))]),
  );

  lines.push(`schedule: major frame ${plural(config.schedule.majorFrame, 'tick')}`);
  const perCpu = Array.from({ length: config.platform.cpus }, (_, cpu) => {
    const windows = config.schedule.windows
      .filter((w) => w.cpu === cpu)
      .sort((a, b) => a.start - b.start)
      .map((w) => `${name(w.partition)} ${span(w.start, w.length)}`);
    return [`cpu ${cpu}`, windows.length === 0 ? 'idle' : windows.join(', ')];
  });
  lines.push(...table(perCpu));

  lines.push(`audit: capacity ${config.audit.capacity}, on full ${config.audit.onFull}`);
  return lines.join('\n');
}

function section(lines: string[], title: string, header: string[], rows: string[][]): void {
  if (rows.length === 0) {
    lines.push(`${title}: none`);
    return;
  }
  lines.push(`${title} (${rows.length}):`, ...table([header, ...rows]));
}

/** Rows as indented, left-aligned columns two spaces apart. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '-' : items.join(',');
}

/** Inclusive bounds, so a one-unit span reads as a single number. */
function span(start: number, length: number): string {
  return length === 1 ? String(start) : `${start}-${start + length - 1}`;
}

function pageRanges(ranges: readonly PageRange[]): string {
  if (ranges.length === 0) return '-';
  const total = ranges.reduce((sum, r) => sum + r.pages, 0);
  return `${ranges.map((r) => span(r.start, r.pages)).join(',')} (${total})`;
}
