/**
 * The scheduling plan: scheduling partitions (groups of subjects) and the first major frame's
 * minor frames per CPU, read from the policy and then turned into the system file's windows.
 * Further major frames, barriers and the tick rate go to the report.
 */
import type { Loc, MinorFrame, MuenPolicy } from './types.js';
import { attr, child, childrenNamed, fail, parseMuenNumber, type XmlElement } from './xml.js';

const loc = (e: XmlElement): Loc => ({ file: e.file, line: e.line });

export function readScheduling(
  scheduling: XmlElement,
  cpus: number,
  note: (e: XmlElement, construct: string, action: string) => void,
) {
  const partitions = new Map<string, { subjects: string[]; at: Loc }>();
  for (const p of childrenNamed(child(scheduling, 'partitions'), 'partition')) {
    const subjects = childrenNamed(p, 'group').flatMap((g) =>
      childrenNamed(g, 'subject').map((s) => attr(s, 'name')),
    );
    partitions.set(attr(p, 'name'), { subjects, at: loc(p) });
    if (childrenNamed(p, 'group').length > 1)
      note(
        p,
        `scheduling partition "${p.attrs.name}" with several scheduling groups`,
        "approximated: every subject of every group gets a share of each of the partition's minor frames",
      );
  }
  const frames = childrenNamed(scheduling, 'majorFrame');
  const first = frames[0];
  if (!first) fail(scheduling, 'no <majorFrame>');
  for (const other of frames.slice(1))
    note(
      other,
      'a further major frame',
      'left out: only the first major frame becomes the schedule; TemporalIsolation is judged for it alone, and subjects that run only in the others are not scheduled (their actions are not explored)',
    );
  const majorFrame: MinorFrame[][] = Array.from({ length: cpus }, () => []);
  for (const cpu of childrenNamed(first, 'cpu')) {
    const id = Number(parseMuenNumber(attr(cpu, 'id'), cpu));
    if (id >= cpus) fail(cpu, `CPU ${id}, but the hardware has ${cpus} cores`);
    for (const m of childrenNamed(cpu, 'minorFrame')) {
      const partition = attr(m, 'partition');
      if (!partitions.has(partition)) fail(m, `unknown scheduling partition "${partition}"`);
      majorFrame[id]!.push({ partition, ticks: Number(parseMuenNumber(attr(m, 'ticks'), m)), at: loc(m) });
    }
  }
  if (scheduling.attrs.tickRate !== undefined)
    note(
      scheduling,
      `tick rate ${scheduling.attrs.tickRate}`,
      'left out: the model orders windows and does not measure time',
    );
  for (const barrier of childrenNamed(first, 'barriers'))
    note(
      barrier,
      'minor-frame barriers',
      'left out: barriers only delay CPUs to align them, which adds no flow',
    );
  return { partitions, majorFrame };
}

/**
 * The first major frame as windows, with time compressed: the model's verdicts depend on the order
 * of windows and on which run at once on different CPUs, not on their lengths, so every boundary
 * between minor frames (on any CPU) becomes one tick. A scheduling partition's minor frame is
 * split evenly among the subjects of its groups, so each runs at some point of every frame; since
 * frames repeat, any order of their actions is still reachable.
 */
export function compressSchedule(
  policy: MuenPolicy,
  subjectIds: ReadonlyMap<string, string>,
  note: (at: Loc, construct: string, action: string) => void,
) {
  const members = new Map<string, string[]>();
  for (const [name, p] of policy.schedulingPartitions) {
    const ids: string[] = [];
    for (const s of p.subjects) {
      const id = subjectIds.get(s);
      if (id === undefined)
        note(
          p.at,
          `subject "${s}" in scheduling partition "${name}"`,
          "left out: not a subject of the policy (Muen's tools add it, e.g. tau0 or an idle subject); it shares no memory the policy maps",
        );
      else ids.push(id);
    }
    members.set(name, ids);
  }
  const lcm = (a: number, b: number): number => {
    const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
    return (a / gcd(a, b)) * b;
  };
  const d = [...members.values()].reduce((acc, m) => lcm(acc, Math.max(1, m.length)), 1);
  const slots: { cpu: number; partition: string; from: number; to: number; at: Loc }[] = [];
  const points = new Set<number>([0]);
  policy.majorFrame.forEach((frames, cpu) => {
    let t = 0;
    for (const f of frames) {
      const ids = members.get(f.partition)!;
      const unit = (f.ticks * d) / Math.max(1, ids.length);
      for (const [i, id] of ids.entries())
        slots.push({ cpu, partition: id, from: t * d + i * unit, to: t * d + (i + 1) * unit, at: f.at });
      t += f.ticks;
      for (let i = 0; i <= ids.length; i++) points.add(t * d - i * unit);
    }
    points.add(t * d);
  });
  const sorted = [...points].sort((a, b) => a - b);
  const index = new Map(sorted.map((p, i) => [p, i]));
  const cpusOf = new Map<string, number[]>();
  const windows = slots.map((s) => {
    const list = cpusOf.get(s.partition) ?? [];
    if (!list.includes(s.cpu)) list.push(s.cpu);
    cpusOf.set(s.partition, list);
    const start = index.get(s.from)!;
    return { cpu: s.cpu, partition: s.partition, start, length: index.get(s.to)! - start, at: s.at };
  });
  for (const id of subjectIds.values())
    if (!cpusOf.has(id))
      note(
        policy.subjects.find((s) => subjectIds.get(s.name) === id)!.at,
        `subject ${id}`,
        'in no minor frame of the first major frame: it never runs in the model (its devices still act once it launched)',
      );
  return { majorFrame: Math.max(1, sorted.length - 1), windows, cpusOf };
}
