/**
 * The configuration baseline: the system file as a reviewer audits it, by name rather than by
 * index, plus the memory map every platform page falls into.
 */
import type { SystemConfig } from '../system/config.js';
import type { Baseline, PageRun } from './types.js';

export function baselineOf(config: SystemConfig): Baseline {
  const name = (p: number) => config.partitions[p]!.name;
  const range = (r: { start: number; pages: number }) => ({ start: r.start, pages: r.pages });
  return {
    platform: { cpus: config.platform.cpus, pages: config.platform.pages },
    levels: [...config.levels],
    ...(config.flows === undefined
      ? {}
      : { flows: config.flows.map((f) => ({ from: name(f.from), to: name(f.to) })) }),
    digests: [
      { component: 'hypervisor', digest: config.hypervisor.image },
      ...config.partitions.map((p) => ({ component: p.name, digest: p.image })),
    ],
    partitions: config.partitions.map((p) => ({
      name: p.name,
      kind: p.kind,
      ...(p.level === undefined ? {} : { level: p.level }),
      cpus: [...p.cpus],
      memory: p.memory.map(range),
      launch: p.launch,
      privileges: [...p.privileges],
      ...(p.controls === undefined ? {} : { controls: p.controls.map(name) }),
      downgrader: p.downgrader,
    })),
    devices: config.devices.map((d) => ({
      name: d.name,
      owner: name(d.owner),
      irq: d.irq,
      iommu: d.iommu,
      dma: d.dma.map(range),
    })),
    channels: config.channels.map((c) => ({
      name: c.name,
      from: name(c.from),
      to: name(c.to),
      capacity: c.capacity,
    })),
    shared: config.shared.map((s) => ({
      name: s.name,
      start: s.memory.start,
      pages: s.memory.pages,
      writer: name(s.writer),
      readers: s.readers.map(name),
    })),
    schedule: {
      majorFrame: config.schedule.majorFrame,
      windows: config.schedule.windows.map((w) => ({
        cpu: w.cpu,
        partition: name(w.partition),
        start: w.start,
        length: w.length,
      })),
    },
    audit: { capacity: config.audit.capacity, onFull: config.audit.onFull },
    memoryMap: memoryMap(config),
  };
}

function covers(r: { start: number; pages: number }, page: number): boolean {
  return page >= r.start && page < r.start + r.pages;
}

/** Consecutive pages with the same owners, shared regions and DMA windows, in page order. */
export function memoryMap(config: SystemConfig): PageRun[] {
  const runs: PageRun[] = [];
  let key = '';
  for (let page = 0; page < config.platform.pages; page++) {
    const owners = config.partitions.filter((p) => p.memory.some((r) => covers(r, page))).map((p) => p.name);
    const shared = config.shared.filter((s) => covers(s.memory, page)).map((s) => s.name);
    const dmaWindows = config.devices.filter((d) => d.dma.some((r) => covers(r, page))).map((d) => d.name);
    const k = JSON.stringify([owners, shared, dmaWindows]);
    const last = runs.at(-1);
    if (last && k === key) runs[runs.length - 1] = { ...last, pages: last.pages + 1 };
    else runs.push({ start: page, pages: 1, owners, shared, dmaWindows });
    key = k;
  }
  return runs;
}
