import { componentSpec } from './components.js';
import { readScheduling } from './schedule.js';
import type {
  DeviceAssignment,
  Domain,
  EventEnd,
  HardwareDevice,
  ImportFiles,
  Loc,
  Mapping,
  MuenPolicy,
  Note,
  Region,
  Subject,
} from './types.js';
import {
  attr,
  child,
  childrenNamed,
  evaluateExpressions,
  expandIncludes,
  fail,
  MuenError,
  parseMuenNumber,
  parseXmlFile,
  readConfig,
  resolveConditionals,
  type Variables,
  type XmlElement,
} from './xml.js';

export type { ImportFiles, Loc, MuenPolicy, Note } from './types.js';

const loc = (e: XmlElement): Loc => ({ file: e.file, line: e.line });

export function readMuenPolicy(files: ImportFiles): MuenPolicy {
  const system = expandIncludes(parseXmlFile(files.policy));
  if (system.name !== 'system') fail(system, 'expected a Muen system policy (root element <system>)');
  const [first, ...more] = files.hardware.map((f) => expandIncludes(parseXmlFile(f)));
  if (!first) throw new MuenError(files.policy, undefined, 'no hardware file given');
  for (const h of [first, ...more])
    if (h.name !== 'hardware') fail(h, 'expected a Muen hardware file (root element <hardware>)');
  const hardware = first;
  for (const h of more)
    for (const section of h.children) {
      const into = child(hardware, section.name);
      if (into) into.children.push(...section.children);
      else hardware.children.push(section);
    }
  const platform = expandIncludes(parseXmlFile(files.platform));
  if (platform.name !== 'platform') fail(platform, 'expected a Muen platform file (root element <platform>)');

  const variables: Variables = new Map();
  readConfig(child(system, 'config'), variables);
  readConfig(child(platform, 'config'), variables);
  evaluateExpressions(childrenNamed(child(system, 'expressions'), 'expression'), variables);
  for (const e of [system, hardware, platform]) resolveConditionals(e, variables);

  const notes: Note[] = [];
  const note = (e: XmlElement, construct: string, action: string) =>
    notes.push({ at: loc(e), construct, action });
  const reader = new PolicyReader(files, variables, note);
  return reader.read(system, hardware, platform, notes);
}

class PolicyReader {
  readonly regions = new Map<string, Region>();
  readonly mappings: Mapping[] = [];
  readonly devices: DeviceAssignment[] = [];
  readonly sources: EventEnd[] = [];
  readonly targets: EventEnd[] = [];
  readonly aliases = new Map<string, string[]>();
  readonly hardware = new Map<string, HardwareDevice>();
  readonly components = new Map<string, XmlElement>();

  constructor(
    readonly files: ImportFiles,
    readonly variables: Variables,
    readonly note: (e: XmlElement, construct: string, action: string) => void,
  ) {}

  read(system: XmlElement, hardware: XmlElement, platform: XmlElement, notes: Note[]): MuenPolicy {
    const processor = child(hardware, 'processor');
    if (!processor) fail(hardware, 'missing <processor>');
    const cpus = Number(parseMuenNumber(attr(processor, 'cpuCores'), processor));
    this.readHardware(hardware);
    this.readPlatform(platform);

    for (const m of childrenNamed(child(system, 'memory'), 'memory')) this.addRegion(m, 'memory');
    for (const c of childrenNamed(child(system, 'channels'), 'channel'))
      this.addRegion(c, 'channel', c.attrs.hasEvent);
    for (const c of childrenNamed(child(system, 'components'), 'component'))
      this.components.set(attr(c, 'name'), c);
    for (const c of childrenNamed(child(system, 'components'), 'library'))
      this.components.set(attr(c, 'name'), c);

    const subjects = childrenNamed(child(system, 'subjects'), 'subject').map((s) => this.readSubject(s));
    const domains = childrenNamed(child(system, 'deviceDomains'), 'domain').map((d) => this.readDomain(d));
    for (const e of childrenNamed(child(system, 'events'), 'event'))
      if (e.attrs.mode === 'kernel' || e.attrs.mode === 'self')
        this.note(
          e,
          `event "${e.attrs.name}" (mode ${e.attrs.mode})`,
          'no subject-to-subject effect: left out, which loses no flow',
        );
    const scheduling = child(system, 'scheduling');
    if (!scheduling)
      fail(
        system,
        'no <scheduling> plan (include the plan, as the Muen build does with scheduling_plans.xml)',
      );
    const { partitions, majorFrame } = readScheduling(scheduling, cpus, this.note);
    this.noteOthers(
      system,
      [
        'config',
        'expressions',
        'memory',
        'channels',
        'components',
        'subjects',
        'deviceDomains',
        'events',
        'scheduling',
        'doc',
      ],
      'system element',
    );

    return {
      name: system.attrs.name ?? '',
      cpus,
      subjects,
      regions: this.regions,
      mappings: this.mappings,
      devices: this.devices,
      hardware: this.hardware,
      domains,
      sources: this.sources,
      targets: this.targets,
      schedulingPartitions: partitions,
      majorFrame,
      notes,
    };
  }

  addRegion(e: XmlElement, kind: Region['kind'], hasEvent?: string): void {
    const name = attr(e, 'name');
    if (this.regions.has(name)) fail(e, `${kind} "${name}" is defined twice`);
    this.regions.set(name, { name, kind, at: loc(e), ...(hasEvent ? { hasEvent } : {}) });
    if (e.attrs.physicalAddress !== undefined)
      this.note(
        e,
        `memory "${name}" at a fixed physical address`,
        'placed like any other region: the model does not distinguish addresses',
      );
  }

  readHardware(hardware: XmlElement): void {
    for (const d of childrenNamed(child(hardware, 'devices'), 'device')) {
      const irqs = childrenNamed(d, 'irq');
      this.hardware.set(attr(d, 'name'), {
        name: attr(d, 'name'),
        at: loc(d),
        irqs: irqs.map((i) => Number(parseMuenNumber(attr(i, 'number'), i))),
        msi: irqs.some((i) => childrenNamed(i, 'msi').length > 0),
      });
    }
  }

  readPlatform(platform: XmlElement): void {
    const mappings = child(platform, 'mappings');
    for (const a of childrenNamed(child(mappings ?? platform, 'aliases'), 'alias'))
      this.aliases.set(attr(a, 'name'), [attr(a, 'physical')]);
    for (const c of childrenNamed(child(mappings ?? platform, 'classes'), 'class'))
      this.aliases.set(
        attr(c, 'name'),
        childrenNamed(c, 'device').map((d) => attr(d, 'physical')),
      );
    for (const k of childrenNamed(platform, 'kernelDiagnostics'))
      this.note(
        k,
        'kernel diagnostics device',
        'used by the kernel only: left out, it is not assigned to any subject',
      );
  }

  /** The hardware devices a physical device name stands for (a device, an alias or a class). */
  hardwareDevices(e: XmlElement, physical: string): string[] {
    if (this.hardware.has(physical)) return [physical];
    const aliased = this.aliases.get(physical);
    if (aliased) {
      for (const d of aliased)
        if (!this.hardware.has(d)) fail(e, `platform alias "${physical}" names the unknown device "${d}"`);
      return aliased;
    }
    return fail(
      e,
      `unknown device "${physical}"; it is neither in the hardware file nor a platform alias or class`,
    );
  }

  region(e: XmlElement, physical: string, subject?: string): string {
    if (this.regions.has(physical)) return physical;
    // Muen's expansion step creates `subject|logical` regions for component memory.
    const [owner, logical] = physical.split('|');
    if (logical !== undefined && (subject === undefined || owner !== undefined)) {
      this.regions.set(physical, { name: physical, kind: 'component', at: loc(e) });
      return physical;
    }
    return fail(e, `unknown memory region or channel "${physical}"`);
  }

  readSubject(s: XmlElement): Subject {
    const name = attr(s, 'name');
    let profile = s.attrs.profile ?? '';
    for (const m of childrenNamed(child(s, 'memory'), 'memory'))
      this.map(name, this.region(m, attr(m, 'physical'), name), m.attrs.writable === 'true', m);
    for (const c of child(s, 'channels')?.children ?? []) this.channel(name, c, attr(c, 'physical'));
    for (const d of childrenNamed(child(s, 'devices'), 'device')) this.device(name, d, attr(d, 'physical'));
    this.readEvents(name, child(s, 'events'), (e) => e.attrs.physical);
    const monitor = child(s, 'monitor');
    for (const m of monitor?.children ?? [])
      this.note(
        m,
        `monitor <${m.name}> of subject "${m.attrs.subject}" by "${name}"`,
        m.name === 'loader'
          ? `left out: the model has no loader, so what ${name} writes into ${m.attrs.subject} is neither declared nor traced`
          : `left out: the model does not let one subject reach another's vCPU state, so this path between ${name} and ${m.attrs.subject} is neither declared nor traced (not safe if the state carries data)`,
      );
    const component = child(s, 'component');
    if (component) profile ||= this.readComponent(name, component);
    this.noteOthers(
      s,
      ['memory', 'channels', 'devices', 'events', 'monitor', 'component', 'doc'],
      `subject "${name}"`,
    );
    return { name, profile: profile || 'native', at: loc(s) };
  }

  map(subject: string, region: string, writable: boolean, e: XmlElement): void {
    this.mappings.push({ subject, region, writable, at: loc(e) });
  }

  channel(subject: string, c: XmlElement, physical: string): void {
    const region = this.region(c, physical, subject);
    if (c.name !== 'reader' && c.name !== 'writer') fail(c, 'expected <reader> or <writer>');
    this.map(subject, region, c.name === 'writer', c);
  }

  device(subject: string, d: XmlElement, physical: string): void {
    this.devices.push({ subject, devices: this.hardwareDevices(d, physical), at: loc(d) });
    for (const r of d.children)
      if (r.name !== 'doc')
        this.note(r, `device resource <${r.name}> of "${physical}" in "${subject}"`, resourceAction(r.name));
  }

  readEvents(
    subject: string,
    events: XmlElement | undefined,
    physical: (e: XmlElement) => string | undefined,
  ): void {
    for (const group of childrenNamed(
      child(events ?? ({ children: [] } as unknown as XmlElement), 'source'),
      'group',
    ))
      for (const e of group.children) {
        const p = physical(e);
        if (p !== undefined) this.sources.push({ subject, event: p, at: loc(e) });
      }
    for (const e of childrenNamed(
      child(events ?? ({ children: [] } as unknown as XmlElement), 'target'),
      'event',
    )) {
      const p = physical(e);
      if (p === undefined) continue;
      const action = e.children.find((a) => a.name !== 'doc')?.name;
      this.targets.push({ subject, event: p, at: loc(e), ...(action ? { action } : {}) });
    }
  }

  /** Maps a component's requirements through the subject's `<map>`s; answers the profile. */
  readComponent(subject: string, ref: XmlElement): string {
    const spec = this.spec(ref, attr(ref, 'ref'));
    const maps = new Map(childrenNamed(ref, 'map').map((m) => [attr(m, 'logical'), m]));
    const physical = (req: XmlElement): string => {
      const logical = attr(req, 'logical');
      const m = maps.get(logical);
      if (!m)
        fail(
          ref,
          `component "${spec.attrs.name}" requires "${logical}" (${req.file}:${req.line}) but the subject does not map it`,
        );
      return attr(m, 'physical');
    };
    for (const part of [spec, ...this.libraries(spec)]) {
      const requires = child(part, 'requires');
      for (const m of childrenNamed(child(requires ?? part, 'memory'), 'memory'))
        this.map(
          subject,
          this.region(m, physical(m), subject),
          m.attrs.writable === 'true',
          maps.get(attr(m, 'logical'))!,
        );
      for (const m of childrenNamed(child(requires ?? part, 'memory'), 'array'))
        for (const el of m.children)
          this.map(
            subject,
            this.region(el, physical(el), subject),
            m.attrs.writable === 'true',
            maps.get(attr(el, 'logical'))!,
          );
      for (const c of child(requires ?? part, 'channels')?.children ?? []) {
        const elements = c.name === 'array' ? c.children : [c];
        for (const el of elements) this.channel(subject, el, physical(el));
      }
      for (const d of childrenNamed(child(requires ?? part, 'devices'), 'device')) {
        const m = maps.get(attr(d, 'logical'));
        if (!m)
          fail(
            ref,
            `component "${spec.attrs.name}" requires device "${attr(d, 'logical')}" but the subject does not map it`,
          );
        this.device(subject, d, attr(m, 'physical'));
      }
      this.readEvents(
        subject,
        child(requires ?? part, 'events'),
        (e) => maps.get(attr(e, 'logical'))?.attrs.physical,
      );
      for (const m of childrenNamed(child(part, 'provides'), 'memory'))
        this.map(
          subject,
          this.region(m, `${subject}|${attr(m, 'logical')}`, subject),
          m.attrs.writable === 'true',
          m,
        );
    }
    return spec.attrs.profile ?? '';
  }

  libraries(spec: XmlElement): XmlElement[] {
    return childrenNamed(child(spec, 'depends'), 'library').map((l) => this.spec(l, attr(l, 'ref')));
  }

  spec(at: XmlElement, name: string): XmlElement {
    return componentSpec(at, name, this.files, this.components, this.variables, this.note);
  }

  readDomain(d: XmlElement): Domain {
    const memory = child(d, 'memory');
    return {
      name: attr(d, 'name'),
      at: loc(d),
      regions: childrenNamed(memory, 'memory').map((m) => ({
        region: this.region(m, attr(m, 'physical')),
        writable: m.attrs.writable === 'true',
        at: loc(m),
      })),
      subjects: childrenNamed(memory, 'mapSubjectMemory').map((m) => ({
        subject: attr(m, 'subject'),
        at: loc(m),
      })),
      devices: childrenNamed(child(d, 'devices'), 'device').map((dev) => {
        if (dev.attrs.mapReservedMemory === 'true')
          this.note(
            dev,
            `mapReservedMemory for "${dev.attrs.physical}"`,
            "left out: the reserved memory regions (RMRRs) lie outside the memory the model tracks; a device reaching them is not judged, which is not safe if they hold another subject's data",
          );
        return { devices: this.hardwareDevices(dev, attr(dev, 'physical')), at: loc(dev) };
      }),
    };
  }

  /** Notes every child of `e` not among `handled`, so that no construct is dropped silently. */
  noteOthers(e: XmlElement, handled: readonly string[], owner: string): void {
    for (const c of e.children)
      if (!handled.includes(c.name)) this.note(c, `<${c.name}> in ${owner}`, otherAction(c.name));
  }
}

function resourceAction(name: string): string {
  switch (name) {
    case 'ioPort':
      return 'left out: I/O ports of a device assigned to this subject alone; the model has no port space (a port shared with another subject would be a channel the model does not see)';
    case 'irq':
      return "mapped: the device's interrupt goes to this subject";
    case 'memory':
      return "left out: device MMIO registers, reachable by the device's owner only; the model tracks RAM";
    case 'pci':
      return "left out: PCI configuration-space emulation, within the device's own owner";
    default:
      return 'left out: a device resource the model has no counterpart for';
  }
}

function otherAction(name: string): string {
  switch (name) {
    case 'vcpu':
      return 'left out: VMX controls and register state; exits the model knows are modelled as guest faults and hypercalls of every kind';
    case 'bootparams':
      return 'left out: the guest kernel command line grants no access';
    case 'sibling':
    case 'siblings':
      return 'left out: sibling subjects share a CPU but no memory the policy does not map';
    case 'platform':
    case 'hardware':
      return 'left out: merged from the hardware and platform files';
    default:
      return 'left out: a construct the import does not map; review it by hand';
  }
}
