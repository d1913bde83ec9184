/**
 * A Muen policy (read by `policy.ts`) as a typezero system file: YAML text whose comments give, for
 * each element, the XML file and line it came from, plus the notes of the import report.
 *
 * Granularity: one abstract page per memory region or channel. Every verdict the model reaches
 * depends on pages only through who may reach them (the memory abstraction of docs/DESIGN.md
 * section 4), and every page of a Muen region has the same accessors: a region is mapped, as a
 * whole, into the same subjects with the same rights and into the same device domains. So the pages
 * of one region form one class and one page stands for it exactly; the sizes and addresses of
 * regions change no verdict.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { MAX_DEVICES, MAX_PARTITIONS } from '../limits.js';
import type { Loc, MuenPolicy, Note } from './policy.js';
import { compressSchedule } from './schedule.js';
import { MuenError } from './xml.js';

export interface Converted {
  readonly yaml: string;
  readonly notes: readonly Note[];
}

interface Placed {
  readonly page: number;
  readonly region: string;
  readonly at: Loc;
}

/**
 * The first interrupt line given to a device without a line of its own (message-signalled, or with
 * none): above the 256 vectors of an x86 CPU, so it shares no line with a real one.
 */
const SYNTHETIC_IRQ_BASE = 4096;

/** A flow policy the user gives instead of the one the Muen policy declares. */
export interface UserFlows {
  readonly file: string;
  /** Subject names, as Muen spells them or as the system file does. */
  readonly flows: readonly { readonly from: readonly string[]; readonly to: readonly string[] }[];
}

export function convertMuen(
  policy: MuenPolicy,
  options: { name: string; base: string; policyFile: string; flows?: UserFlows },
): Converted {
  const notes = [...policy.notes];
  const note = (at: Loc, construct: string, action: string) => notes.push({ at, construct, action });
  const here = (at: Loc) => `${relative(options.base, at.file) || at.file}:${at.line}`;
  const names = new Map<string, string>();
  const nameOf = (muen: string, at: Loc): string => {
    const name =
      muen
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'unnamed';
    const taken = [...names.entries()].find(([m, n]) => n === name && m !== muen);
    if (taken)
      throw new MuenError(
        at.file,
        at.line,
        `"${muen}" and "${taken[0]}" both become "${name}" in typezero's [a-z0-9-]+ names`,
      );
    names.set(muen, name);
    return name;
  };

  const subjects = policy.subjects.map((s) => ({ ...s, id: nameOf(s.name, s.at) }));
  if (subjects.length > MAX_PARTITIONS)
    throw new MuenError(
      subjects[MAX_PARTITIONS]!.at.file,
      subjects[MAX_PARTITIONS]!.at.line,
      `${subjects.length} subjects, but the model supports at most ${MAX_PARTITIONS} partitions`,
    );
  const subjectIds = new Map(subjects.map((s) => [s.name, s.id]));
  const known = (subject: string, at: Loc, what: string): string => {
    const id = subjectIds.get(subject);
    if (id === undefined)
      throw new MuenError(at.file, at.line, `${what} names the unknown subject "${subject}"`);
    return id;
  };

  // Who maps each region, and how.
  const writers = new Map<string, Set<string>>();
  const readers = new Map<string, Set<string>>();
  const firstAt = new Map<string, Loc>();
  for (const m of policy.mappings) {
    const id = known(m.subject, m.at, 'a mapping');
    const into = m.writable ? writers : readers;
    if (!into.has(m.region)) into.set(m.region, new Set());
    into.get(m.region)!.add(id);
    if (!firstAt.has(m.region)) firstAt.set(m.region, m.at);
  }
  const domainRegions = new Set(policy.domains.flatMap((d) => d.regions.map((r) => r.region)));

  const pages = new Map<string, number>();
  const memory = new Map<string, Placed[]>(subjects.map((s) => [s.id, []]));
  const shared: { name: string; page: number; writer: string; readers: string[]; at: Loc; region: string }[] =
    [];
  const place = (region: string) => {
    if (!pages.has(region)) pages.set(region, pages.size);
    return pages.get(region)!;
  };
  for (const region of policy.regions.values()) {
    const w = [...(writers.get(region.name) ?? [])];
    const r = [...(readers.get(region.name) ?? [])].filter((x) => !w.includes(x));
    const at = firstAt.get(region.name) ?? region.at;
    if (w.length === 0 && r.length === 0) {
      if (domainRegions.has(region.name)) place(region.name);
      else if (region.kind !== 'component')
        note(region.at, `${region.kind} "${region.name}"`, 'mapped into no subject: left out');
      continue;
    }
    if (w.length === 0 && r.length > 1) {
      note(
        at,
        `${region.kind} "${region.name}" mapped read-only into ${r.join(', ')} and written by none`,
        "left out: no subject writes it, so it carries no subject's data (its content is fixed at boot); safe for every verdict except a DMA window over it, which is then judged as reaching unassigned memory",
      );
      if (domainRegions.has(region.name)) place(region.name);
      continue;
    }
    const page = place(region.name);
    if (w.length + r.length === 1) {
      memory.get(w[0] ?? r[0]!)!.push({ page, region: region.name, at });
    } else if (w.length === 1) {
      shared.push({
        name: nameOf(`${region.kind === 'channel' ? '' : 'mem-'}${region.name}`, at),
        page,
        writer: w[0]!,
        readers: r,
        at: region.at,
        region: region.name,
      });
    } else {
      for (const s of [...w, ...r]) memory.get(s)!.push({ page, region: region.name, at });
      note(
        at,
        `${region.kind} "${region.name}" writable in ${w.join(', ')}`,
        'mapped: listed in the memory of every subject that maps it, so MemoryIsolation judges it (the model has one writer per shared region)',
      );
    }
  }

  // Flows: channels, and events from one subject to another.
  const flows: { from: string; to: string; why: string; at: Loc }[] = [];
  for (const s of shared) {
    const region = policy.regions.get(s.region)!;
    if (region.kind !== 'channel') continue;
    for (const to of s.readers)
      flows.push({ from: s.writer, to, why: `channel "${s.region}"`, at: region.at });
    if (region.hasEvent)
      note(
        region.at,
        `event of channel "${s.region}" (hasEvent ${region.hasEvent})`,
        'approximated: the notification goes the way the channel does, so it is within the declared flow; the model does not send it',
      );
  }
  // Reset events: each source controls the targets it may reset, and no other subject.
  const controllers = new Map<string, { at: Loc; targets: string[] }>();
  for (const t of policy.targets) {
    const target = known(t.subject, t.at, 'an event target');
    for (const s of policy.sources.filter((x) => x.event === t.event)) {
      const source = known(s.subject, s.at, 'an event source');
      if (source === target) continue;
      flows.push({
        from: source,
        to: target,
        why: `event "${t.event}"${t.action ? ` (${t.action})` : ''}`,
        at: t.at,
      });
      if (t.action === 'reset') {
        const control = controllers.get(source) ?? { at: s.at, targets: [] };
        if (!control.targets.includes(target)) control.targets.push(target);
        controllers.set(source, control);
        note(
          t.at,
          `reset event "${t.event}" from ${source} to ${target}`,
          `mapped: ${source} holds partition-control with ${target} among its controls, so it may reset ${target} and no partition it has no reset event for; approximated: partition control also lets it read ${target}'s status (partition-status), which a Muen reset event does not give, so a finding that data reaches ${source} from ${target} through partition-status may be one Muen does not allow; and as a health monitor it resets ${target} whenever ${target} has faulted, at the start of its own window`,
        );
      } else
        note(
          t.at,
          `event "${t.event}" from ${source} to ${target}${t.action ? ` (${t.action})` : ''}`,
          'approximated: declared as a flow; the model has no subject-to-subject event, so it is not exercised',
        );
    }
  }

  // Devices: owners from subject assignments, DMA windows from device domains. A device several
  // subjects map (a NIC and the device model that emulates its PCI configuration) is owned by the
  // one whose memory its device domain maps: that is the subject its DMA works for.
  const dmaFor = new Map<string, Set<string>>();
  for (const domain of policy.domains)
    for (const d of domain.devices)
      for (const hw of d.devices)
        for (const s of domain.subjects) {
          if (!dmaFor.has(hw)) dmaFor.set(hw, new Set());
          dmaFor.get(hw)!.add(known(s.subject, s.at, 'mapSubjectMemory'));
        }
  const assigned = new Map<string, { subject: string; at: Loc }[]>();
  for (const d of policy.devices) {
    const id = known(d.subject, d.at, 'a device assignment');
    for (const hw of d.devices) {
      const list = assigned.get(hw) ?? [];
      if (!list.some((a) => a.subject === id)) list.push({ subject: id, at: d.at });
      assigned.set(hw, list);
    }
  }
  const owner = new Map<string, { subject: string; at: Loc }>();
  for (const [hw, list] of assigned) {
    const chosen = list.find((a) => dmaFor.get(hw)?.has(a.subject)) ?? list[0]!;
    owner.set(hw, chosen);
    for (const other of list.filter((a) => a !== chosen))
      note(
        other.at,
        `device "${hw}" assigned to ${chosen.subject} and ${other.subject}`,
        `approximated: the model gives a device one owner, ${chosen.subject}${dmaFor.get(hw)?.has(chosen.subject) ? ' (whose memory its device domain maps)' : ' (the first assignment)'}; ${other.subject} keeps no access to it, so what it does with the device is not explored`,
      );
  }
  const dma = new Map<string, { page: number; region: string; at: Loc }[]>();
  for (const domain of policy.domains) {
    const reach = [
      ...domain.regions.map((r) => ({ region: r.region, writable: r.writable, at: r.at })),
      ...domain.subjects.flatMap((s) => {
        const id = known(s.subject, s.at, 'mapSubjectMemory');
        return policy.mappings
          .filter((m) => subjectIds.get(m.subject) === id && policy.regions.get(m.region)?.kind !== 'channel')
          .map((m) => ({ region: m.region, writable: m.writable, at: s.at }));
      }),
    ];
    for (const r of reach)
      if (!pages.has(r.region))
        note(
          r.at,
          `${r.writable ? 'writable' : 'read-only'} DMA mapping of "${r.region}" in device domain "${domain.name}"`,
          r.writable
            ? 'left out: the region is mapped into no subject, so DMA into it reaches no subject'
            : "left out: no subject writes the region, so reading it carries no subject's data, and the IOMMU refuses writes to it",
        );
    for (const d of domain.devices)
      for (const hw of d.devices) {
        if (!owner.has(hw)) {
          note(
            d.at,
            `device "${hw}" in device domain "${domain.name}" but assigned to no subject`,
            "left out: a device no subject owns is not modelled (the model's devices act for their owner)",
          );
          continue;
        }
        dma.set(
          hw,
          reach.flatMap((r) =>
            pages.has(r.region) ? [{ page: pages.get(r.region)!, region: r.region, at: r.at }] : [],
          ),
        );
      }
  }
  const devices = [...owner.entries()].map(([hw, o], i) => {
    const info = policy.hardware.get(hw)!;
    let irq = info.irqs[0];
    if (irq === undefined || info.msi) {
      note(
        info.at,
        `interrupt of "${hw}"`,
        info.msi
          ? 'approximated: message-signalled, so the device gets a line of its own'
          : 'the device has no interrupt line: it gets one of its own no other device uses',
      );
      irq = SYNTHETIC_IRQ_BASE + i;
    }
    if (!dma.has(hw)) dma.set(hw, []);
    return { name: nameOf(hw, info.at), hw, owner: o, irq, at: info.at };
  });
  if (devices.length > MAX_DEVICES)
    throw new MuenError(
      devices[MAX_DEVICES]!.at.file,
      devices[MAX_DEVICES]!.at.line,
      `${devices.length} assigned devices, but the model supports at most ${MAX_DEVICES}`,
    );

  const schedule = compressSchedule(policy, subjectIds, note);

  // The text.
  const lines: string[] = [];
  const out = (line: string, at?: Loc) =>
    lines.push(
      at === undefined ? line : line.includes('  # ') ? `${line}, ${here(at)}` : `${line}  # ${here(at)}`,
    );
  const digest = (what: string) =>
    `sha256:${createHash('sha256').update(`muen-import:${what}`).digest('hex')}`;
  const range = (page: number) => `{ start: ${page}, pages: 1 }`;
  lines.push(
    `# Imported from a Muen system policy by typezero import muen. A comment gives the XML file and line`,
    `# each element came from. One abstract page stands for each memory region or channel.`,
    `# Constructs the model cannot express are listed in the import report (${notes.length} entries).`,
  );
  out(`system: ${options.name}`);
  out('platform:');
  out(`  cpus: ${policy.cpus}`);
  out(`  pages: ${Math.max(1, pages.size)}`);
  out('hypervisor:');
  out(`  image: ${digest('kernel')}`);
  const given = options.flows && userFlows(options.flows, subjectIds);
  out(
    ((given ?? flows).length === 0 ? 'flows: []' : 'flows:') +
      (given ? `  # from ${options.flows!.file}` : ''),
  );
  const seen = new Set<string>();
  for (const f of given ?? []) out(`  - { from: [${f.from.join(', ')}], to: [${f.to.join(', ')}] }`);
  for (const f of flows) {
    const key = `${f.from} ${f.to}`;
    const line = `- { from: ${f.from}, to: ${f.to} }  # ${f.why}${seen.has(key) ? ' (again)' : ''}`;
    // Under the user's flows, what the Muen policy declares is kept for the reader, as comments.
    out(given ? `  # declared by the policy: ${line.slice(2)}` : `  ${line}`, f.at);
    seen.add(key);
  }
  out('partitions:');
  for (const s of subjects) {
    out(`  - name: ${s.id}`, s.at);
    out(
      `    kind: ${s.profile === 'linux' || s.profile === 'vm' ? 'guest-os' : 'bare-metal'}  # profile ${s.profile}`,
    );
    out(
      `    cpus: [${
        schedule.cpusOf
          .get(s.id)
          ?.sort((a, b) => a - b)
          .join(', ') ?? ''
      }]`,
    );
    const mem = memory.get(s.id)!;
    out(mem.length === 0 ? '    memory: []' : '    memory:');
    for (const m of mem) out(`      - ${range(m.page)}  # ${m.region}`, m.at);
    out(`    image: ${digest(s.name)}`);
    const control = controllers.get(s.id);
    if (control) {
      out('    privileges: [partition-control]', control.at);
      out(`    controls: [${control.targets.join(', ')}]  # its reset events' targets`);
    }
  }
  if (devices.length > 0) out('devices:');
  for (const d of devices) {
    out(`  - name: ${d.name}`, d.at);
    out(`    owner: ${d.owner.subject}`, d.owner.at);
    out(`    irq: ${d.irq}`);
    const window = dma.get(d.hw)!;
    out(window.length === 0 ? '    dma: []' : '    dma:');
    for (const w of window) out(`      - ${range(w.page)}  # ${w.region}`, w.at);
  }
  if (shared.length > 0) out('shared:');
  for (const s of shared)
    out(
      `  - { name: ${s.name}, memory: ${range(s.page)}, writer: ${s.writer}, readers: [${s.readers.join(', ')}] }`,
      s.at,
    );
  out('schedule:');
  out(`  majorFrame: ${schedule.majorFrame}`);
  out(schedule.windows.length === 0 ? '  windows: []' : '  windows:');
  for (const w of schedule.windows)
    out(`    - { cpu: ${w.cpu}, partition: ${w.partition}, start: ${w.start}, length: ${w.length} }`, w.at);
  out('audit:  # Muen has no audit log: the smallest fail-secure one');
  out('  capacity: 2');
  out('  onFull: halt');
  note(
    { file: options.policyFile, line: 0 },
    'known-good digests',
    'Muen source policies carry no image measurements: each subject and the kernel get a digest derived from their names, so MeasuredLaunch judges the launch order only',
  );
  note(
    { file: options.policyFile, line: 0 },
    'audit log',
    "Muen has no audit log: the model is given the smallest fail-secure one (capacity 2, halt), so AuditCompleteness and FailSecure judge the model's own log",
  );
  return { yaml: `${lines.join('\n')}\n`, notes };
}

/** The user's flows with every subject resolved to its partition name; an unknown one is an error. */
function userFlows(given: UserFlows, subjectIds: ReadonlyMap<string, string>) {
  const ids = new Set(subjectIds.values());
  const resolve = (name: string, field: string): string => {
    const id = subjectIds.get(name) ?? (ids.has(name) ? name : undefined);
    if (id === undefined)
      throw new MuenError(
        given.file,
        undefined,
        `${field}: unknown subject "${name}"; expected one of: ${[...subjectIds.keys()].join(', ')}`,
      );
    return id;
  };
  return given.flows.map((f, i) => ({
    from: f.from.map((n, j) => resolve(n, `flows[${i}].from${f.from.length > 1 ? `[${j}]` : ''}`)),
    to: f.to.map((n, j) => resolve(n, `flows[${i}].to${f.to.length > 1 ? `[${j}]` : ''}`)),
  }));
}
