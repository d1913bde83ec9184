/**
 * Test oracles for the self-composition: labels held against values, and witnesses held against
 * the definition of docs/DESIGN.md section 7.
 */
import { expect } from 'vitest';
import { type Bits, has, members } from '../../model/bits.js';
import { buildLayout, type Layout } from '../../model/layout.js';
import { init } from '../../model/state.js';
import { type ModelOptions, step } from '../../model/step.js';
import { explore } from '../../proofs/explorer.js';
import { actorOf, contentsDiffer, type PairContext, type PairState } from '../../proofs/ni-pair.js';
import { type NiWitness, searchObserver } from '../../proofs/noninterference.js';
import type { SystemConfig } from '../../system/config.js';
import { fromYaml } from '../helpers.js';

/**
 * The partitions InformationFlow finds holding data the policy keeps from them, in some state the
 * one-run explorer reaches (null when the search did not finish within `maxStates`).
 */
export function leaksTo(config: SystemConfig, maxStates?: number): Set<number> | null {
  const layout = buildLayout(config);
  const r = explore(config, {
    ...(maxStates ? { maxStates } : {}),
    witness: (_b, _e, res) =>
      res.state.observed.flatMap((seen, p) => (seen & ~layout.mayFlowTo[p]! ? [String(p)] : [])),
  });
  return r.complete ? new Set([...r.witnesses.keys()].map(Number)) : null;
}

/**
 * Labels over-approximate dependence, place by place: in every product state within the bound,
 * a low partition whose history differs between the runs holds, in one run at least, the label of a
 * partition hidden from the observer, and so does every memory class a low reader can read whose
 * contents differ. Returns the first few places where that fails, for every observer.
 */
export function labelDefects(config: SystemConfig, model: ModelOptions = {}, maxStates = 5000): string[] {
  const layout = buildLayout(config);
  const defects: string[] = [];
  const name = (p: number) => config.partitions[p]!.name;
  for (const observer of config.partitions.map((p) => p.index)) {
    if (layout.mayFlowTo[observer] === (1 << layout.nPartitions) - 1) continue;
    const visit = (ctx: PairContext, p: PairState) => {
      if (defects.length >= 5) return;
      const hidden = ~ctx.low & ((1 << layout.nPartitions) - 1);
      const covered = (a: Bits, b: Bits) => ((a | b) & hidden) !== 0;
      for (const q of members(ctx.readers))
        if (has(p.differ, q) && !covered(p.first.observed[q]!, p.second.observed[q]!))
          defects.push(
            `observer ${name(observer)}: ${name(q)}'s view differs, its labels hold no hidden partition`,
          );
      layout.classes.forEach((cls, i) => {
        if (!ctx.readable[i] || !contentsDiffer(p, i)) return;
        const label = (run: typeof p.first) =>
          cls.cell >= 0 ? run.cells[cls.cell]! : run.observed[members(cls.accessors)[0]!]!;
        if (!covered(label(p.first), label(p.second)))
          defects.push(
            `observer ${name(observer)}: host page ${cls.pages[0]} differs, its labels hold no hidden partition`,
          );
      });
    };
    searchObserver(layout, observer, { model, maxStates, labels: true, visit });
  }
  return defects;
}

/**
 * A witness is a pair of runs of the model from the initial state: the interleaving takes each run's
 * steps in order; a shared move is the same event in both; an event of a low partition or of the
 * environment that one run takes alone is one the other run cannot take there; an event of a
 * hidden partition is taken by one run at a time; and neither run ends halted unless both do.
 */
export function expectValidWitness(layout: Layout, low: Bits, w: NiWitness, model: ModelOptions = {}): void {
  let a = 0;
  let b = 0;
  let stateA = init(layout);
  let stateB = init(layout);
  for (const side of w.sides) {
    const stepA = side !== 'second' ? w.first.steps[++a]! : null;
    const stepB = side !== 'first' ? w.second.steps[++b]! : null;
    const e = (stepA ?? stepB)!.event!;
    if (stepA && stepB) expect(stepB.event).toEqual(stepA.event);
    const actor = actorOf(layout, e);
    const isLow = actor === null || has(low, actor);
    if (!isLow) expect(side).not.toBe('both');
    if (isLow && side === 'first') expect(step(layout, stateB, e, model).outcome).toBe('ignored');
    if (isLow && side === 'second') expect(step(layout, stateA, e, model).outcome).toBe('ignored');
    for (const [taken, before] of [
      [stepA, stateA],
      [stepB, stateB],
    ] as const)
      if (taken) {
        const replayed = step(layout, before, taken.event!, model);
        expect(replayed.outcome).not.toBe('ignored');
        expect(JSON.stringify(replayed.state)).toBe(JSON.stringify(taken.state));
      }
    if (stepA) stateA = stepA.state;
    if (stepB) stateB = stepB.state;
  }
  expect(a).toBe(w.first.steps.length - 1);
  expect(b).toBe(w.second.steps.length - 1);
  expect(stateA.halted).toBe(stateB.halted);
}

const digest = (n: number) => `sha256:${String(n).padStart(2, '0').repeat(32)}`;

export interface Part {
  name: string;
  level: 'LOW' | 'HIGH';
  extra?: string;
}

/** A one-CPU system with a window per partition, in order, and whatever else `rest` declares. */
export function system(parts: Part[], rest = '', audit = '{ capacity: 2, onFull: halt }'): SystemConfig {
  return fromYaml(systemText(parts, rest, audit));
}

/** The system file of `system`. */
export function systemText(parts: Part[], rest = '', audit = '{ capacity: 2, onFull: halt }'): string {
  const partitions = parts
    .map(
      (p, i) => `
  - name: ${p.name}
    kind: rtos
    level: ${p.level}
    cpus: [0]
    memory: [{ start: ${2 * i}, pages: 2 }]
    image: "${digest(i + 1)}"
${p.extra ?? ''}`,
    )
    .join('');
  const windows = parts
    .map((p, i) => `    - { cpu: 0, partition: ${p.name}, start: ${i}, length: 1 }`)
    .join('\n');
  return `system: ni
platform: { cpus: 1, pages: ${2 * parts.length + 2} }
hypervisor: { image: "${digest(0)}" }
levels: [LOW, HIGH]
partitions:${partitions}
${rest}
schedule:
  majorFrame: ${parts.length}
  windows:
${windows}
audit: ${audit}
`;
}

export const index = (config: SystemConfig, name: string) =>
  config.partitions.find((p) => p.name === name)!.index;
