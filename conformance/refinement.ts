/**
 * Refinement of the model by the emulator: an abstraction function from a concrete machine
 * (emulator/machine.ts) to a model `State` (model/state.ts) for the same `Layout`, and a checker
 * that holds every labelled emulator step to the model: for a step labelled e,
 *   abstraction(after) == model.step(abstraction(before), e).state,
 * and the step's outcome and effects equal the model's (effects compared as multisets).
 *
 * How each field is recovered:
 *   hv          from the PCR bank: PCR17 all-ones means no dynamic launch yet (pending); otherwise
 *               PCR18 equal to one extend of the known-good digest means ok, anything else failed.
 *   hvTampered, tampered
 *               SHA-256 of the image bytes in memory differs from the known-good table.
 *   status      the partition control blocks; observed: ghost labels.
 *   pendingIrq  the virtual IRR words of the control blocks (one bit per device vector).
 *   frame       the preemption timers' frame positions (all CPUs must agree).
 *   cells       per labelled class, the union of its pages' ghost labels (emulator/machine.ts
 *               explains why the union is exactly the model's label).
 *   channels    queue lengths from the rings in memory, each message's label from the ghost slot.
 *   auditCount  the audit ring's count; auditLabel: the ghost union of every label written to it.
 *   halted      the hypervisor's global page.
 *   flags       history, not state: AuditDropped is the audit ring's lost-record counter; every other
 *               flag accumulates from model/monitor.ts run on (abstraction(before), e, the emulator's
 *               own outcome, effects and abstraction(after)), so the monitor judges the emulator's
 *               step exactly as it judges the model's.
 *
 * The static structures are checked beside the state: walking each launched partition's EPT in
 * memory must give exactly the layout's EPT, and walking the VT-d root, context and second-level
 * tables must give exactly each device's IOMMU reach (model/layout.ts). And the premise that lets
 * the model drop labels of private classes is checked too: a page only one partition reaches never
 * holds data that partition has not observed.
 */

import { enumerateEpt } from '../emulator/ept.js';
import { type Machine, type StepRecord, sourceIdOf } from '../emulator/machine.js';
import { PAGE_SIZE } from '../emulator/memory.js';
import {
  expectedAfterOneExtend,
  isAllOnes,
  PCR_HYPERVISOR,
  PCR_LAUNCH,
  sameBytes,
  sha256,
} from '../emulator/tpm.js';
import { enumerateSecondLevel, TT_PASSTHROUGH } from '../emulator/vtd.js';
import { has, members } from '../model/bits.js';
import type { Event } from '../model/events.js';
import type { Layout } from '../model/layout.js';
import { monitor } from '../model/monitor.js';
import {
  Flag,
  type HypervisorStatus,
  init,
  type PartitionStatus,
  type State,
  sameState,
} from '../model/state.js';
import { type Effect, type ModelOptions, type Outcome, type StepResult, step } from '../model/step.js';

/** The model state the machine stands for, given the history flags so far. */
export function abstractState(m: Machine, flags: number): State {
  const layout = m.layout;
  const n = layout.nPartitions;
  const hv: HypervisorStatus = isAllOnes(m.tpm.read(PCR_LAUNCH))
    ? 'pending'
    : sameBytes(m.tpm.read(PCR_HYPERVISOR), expectedAfterOneExtend(m.knownGoodDigest(null)))
      ? 'ok'
      : 'failed';
  let tampered = 0;
  for (let p = 0; p < n; p++) if (imageTampered(m, p)) tampered |= 1 << p;
  const frame = m.frameOf(0);
  const cells = layout.cells.map((cls) => {
    let label = 0;
    for (const page of cls.pages) label |= m.ghost.pageLabel[page]!;
    return label;
  });
  const channels = layout.config.channels.map((_, c) =>
    m.channelQueue(c).map((msg) => m.ghost.channelLabels[c]![msg.slot]!),
  );
  return {
    hv,
    hvTampered: imageTampered(m, null),
    tampered,
    status: layout.config.partitions.map((p) => m.status(p.index) as PartitionStatus),
    observed: m.ghost.observed.slice(),
    pendingIrq: layout.config.partitions.map((p) => m.vIrr(p.index)),
    frame,
    cells,
    channels,
    auditCount: m.auditCount(),
    auditLabel: m.ghost.auditLabel,
    halted: m.halted,
    flags: flags | (m.auditLost() > 0 ? Flag.AuditDropped : 0),
  };
}

const digestCache = new WeakMap<Machine, Map<number | null, { gen: number; tampered: boolean }>>();

/** The image's SHA-256 differs from the known-good table (cached while its pages are unwritten). */
function imageTampered(m: Machine, p: number | null): boolean {
  const img = p === null ? m.hvImage : m.images[p]!;
  const first = img.addr / PAGE_SIZE;
  const pages = Array.from({ length: Math.ceil(img.length / PAGE_SIZE) }, (_, i) => first + i);
  const gen = m.mem.generationOf(pages);
  let cache = digestCache.get(m);
  if (!cache) {
    cache = new Map();
    digestCache.set(m, cache);
  }
  const hit = cache.get(p);
  if (hit && hit.gen === gen) return hit.tampered;
  const tampered = !sameBytes(sha256(m.imageBytes(p)), m.knownGoodDigest(p));
  cache.set(p, { gen, tampered });
  return tampered;
}

/** Differences between what the tables in memory say and what the layout says they must. */
export function checkMappings(m: Machine): string[] {
  const { layout } = m;
  const problems: string[] = [];
  for (let p = 0; p < layout.nPartitions; p++) {
    const name = layout.config.partitions[p]!.name;
    const root = m.eptRoot(p);
    const launched = m.status(p) === 'running' || m.status(p) === 'faulted';
    if (!launched) {
      if (root) problems.push(`${name} is not launched but has an EPT`);
      continue;
    }
    if (!root) {
      problems.push(`${name} is launched without an EPT`);
      continue;
    }
    const found = enumerateEpt(m.mem, root);
    if ('misconfig' in found) {
      problems.push(`${name}'s EPT has a misconfigured entry at 0x${found.misconfig.toString(16)}`);
      continue;
    }
    const want = layout.ept[p]!.map((e) => `${e.gpa}->${e.page}:${e.rights}`).join(' ');
    const got = found.map((e) => `${e.gpaPage}->${e.hostPage}:${e.rights}`).join(' ');
    if (want !== got) problems.push(`${name}'s EPT maps [${got}], the layout says [${want}]`);
  }
  const booted = m.booted && !m.halted;
  for (let d = 0; d < layout.nDevices; d++) {
    const dev = layout.config.devices[d]!;
    const ctx = m.iommu.readContext(sourceIdOf(layout.requester[d]!));
    const launched = (p: number) => m.status(p) === 'running' || m.status(p) === 'faulted';
    const ownersLaunched = members(layout.groupOwners[d]!).every(launched);
    if (!booted || !ownersLaunched) {
      if (ctx?.present) problems.push(`${dev.name} has a present context entry before its owners run`);
      continue;
    }
    if (!ctx?.present) {
      problems.push(`${dev.name} has no context entry although its owners run`);
      continue;
    }
    const reach = new Uint8Array(layout.config.platform.pages);
    if (ctx.translationType === TT_PASSTHROUGH) reach.fill(1);
    else
      for (const e of enumerateSecondLevel(m.mem, ctx.slptptr)) {
        if (e.iovaPage !== e.hostPage)
          problems.push(`${dev.name} maps iova page ${e.iovaPage} to ${e.hostPage}`);
        if (e.hostPage < reach.length) reach[e.hostPage] = 1;
        else problems.push(`${dev.name} reaches host page ${e.hostPage} past platform memory`);
      }
    const want = layout.dmaReach[d]!.join('');
    if (reach.join('') !== want)
      problems.push(`${dev.name} reaches [${reach.join('')}], the layout says [${want}]`);
  }
  return problems;
}

/** Private classes: every page's label is contained in what its only accessor observed. */
export function checkPrivateLabels(m: Machine): string[] {
  const problems: string[] = [];
  for (const cls of m.layout.classes) {
    if (cls.cell >= 0) continue;
    const seen = cls.accessors === 0 ? cls.initial : m.ghost.observed[Math.log2(cls.accessors)]!;
    for (const page of cls.pages) {
      const label = m.ghost.pageLabel[page]!;
      if ((label & ~seen) !== 0)
        problems.push(
          `private page ${page} holds data (${label}) its only accessor has not observed (${seen})`,
        );
    }
  }
  return problems;
}

function sameEffect(a: Effect, b: Effect): boolean {
  const ka = Object.keys(a) as (keyof Effect)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Same effects, compared as multisets (the fast path takes them in the same order). */
function sameEffects(a: readonly Effect[], b: readonly Effect[]): boolean {
  if (a.length !== b.length) return false;
  if (a.every((e, i) => sameEffect(e, b[i]!))) return true;
  return sortedEffects(a).join('\n') === sortedEffects(b).join('\n');
}

/** Field-by-field differences, in words. */
export function stateDiff(expected: State, actual: State): string[] {
  const out: string[] = [];
  for (const key of Object.keys(expected) as (keyof State)[]) {
    const e = JSON.stringify(expected[key]);
    const a = JSON.stringify(actual[key]);
    if (e !== a) out.push(`${key}: model ${e}, emulator ${a}`);
  }
  return out;
}

function effectKey(e: Effect): string {
  return JSON.stringify(e, Object.keys(e).sort());
}

function sortedEffects(effects: readonly Effect[]): string[] {
  return effects.map(effectKey).sort();
}

export interface Mismatch {
  readonly step: number;
  readonly event: Event;
  readonly problems: readonly string[];
}

export interface CheckerOptions {
  /** Model options (seeded model bugs); the emulator is always compared with the model as given. */
  readonly model?: ModelOptions;
  /** Skip the static-structure walk (EPT/VT-d), e.g. while a test has corrupted an entry. */
  readonly skipMappings?: boolean;
}

/**
 * Online refinement checking: feed it every step record in order. It keeps the abstract state the
 * run has reached (the model's own `step` from the abstraction of the previous concrete state).
 */
export class RefinementChecker {
  readonly layout: Layout;
  state: State;
  private flags = 0;
  private mappingsGen = -1;
  skipMappings: boolean;

  constructor(
    readonly machine: Machine,
    private readonly options: CheckerOptions = {},
  ) {
    this.layout = machine.layout;
    this.skipMappings = options.skipMappings ?? false;
    const initial = init(this.layout);
    this.state = abstractState(machine, 0);
    const diff = stateDiff(initial, this.state);
    if (diff.length)
      throw new Error(`the fresh machine does not abstract to the model's initial state: ${diff.join('; ')}`);
  }

  /** Checks one step; returns what disagrees, or null. The checker moves on to the emulator's state. */
  check(record: StepRecord): Mismatch | null {
    const before = this.state;
    const expected: StepResult = step(this.layout, before, record.event, this.options.model ?? {});
    let concrete = abstractState(this.machine, this.flags);
    // The model returns the very state object when a step changes nothing; so does the abstraction.
    if (sameState(before, concrete)) concrete = before;
    const emulated: StepResult = { state: concrete, outcome: record.outcome, effects: record.effects };
    const flags = monitor(this.layout, before, record.event, emulated);
    const actual: State = flags === concrete.flags ? concrete : { ...concrete, flags };
    this.flags = flags;
    this.state = actual;

    const problems = sameState(expected.state, actual) ? [] : stateDiff(expected.state, actual);
    if (expected.outcome !== record.outcome)
      problems.push(`outcome: model ${expected.outcome}, emulator ${record.outcome}`);
    if (!sameEffects(expected.effects, record.effects)) {
      const want = sortedEffects(expected.effects);
      const got = sortedEffects(record.effects);
      problems.push(`effects: model [${want.join(', ')}], emulator [${got.join(', ')}]`);
    }
    if (!this.skipMappings) {
      const gen = this.machine.mem.generationOf(this.machine.tablePages) + this.machine.tablePages.size;
      if (gen !== this.mappingsGen || record.event.type === 'LaunchPartition') {
        problems.push(...checkMappings(this.machine));
        this.mappingsGen = gen;
      }
    }
    problems.push(...checkPrivateLabels(this.machine));
    problems.push(...checkPendingLabels(this.machine));
    return problems.length ? { step: record.index, event: record.event, problems } : null;
  }
}

/** A pending interrupt's label at injection contains its label when raised. */
function checkPendingLabels(m: Machine): string[] {
  const problems: string[] = [];
  const { config } = m.layout;
  for (let q = 0; q < config.partitions.length; q++) {
    const pending = m.vIrr(q);
    if (!pending) continue;
    for (let d = 0; d < config.devices.length; d++) {
      if (!has(pending, d)) continue;
      const owner = config.devices[d]!.owner;
      const now = config.partitions[owner]!.downgrader ? 1 << owner : m.ghost.observed[owner]!;
      const raised = m.ghost.raisedLabel[q]![d]!;
      if ((raised & ~now) !== 0)
        problems.push(`pending interrupt of ${config.devices[d]!.name} lost part of its label`);
    }
  }
  return problems;
}

export function formatMismatch(m: Mismatch, describe: (e: Event) => string): string {
  return [
    `refinement fails at step ${m.step} (${m.event.type}: ${describe(m.event)}):`,
    ...m.problems.map((p) => `  ${p}`),
  ].join('\n');
}

export type { Outcome };
