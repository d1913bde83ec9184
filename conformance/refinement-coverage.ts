/**
 * What a conformance run exercised: VM-exit reasons, hypercalls (by ABI name and status), VT-d fault
 * reasons, and model events (by type and outcome), counted from the emulator's labelled steps. The
 * universe is everything the model can produce for a guest, device, attacker or timer; the only
 * outcomes left out are guest events of a partition that is not running, which the model ignores and
 * the emulator cannot even attempt (a vCPU that is not scheduled executes nothing).
 */

import type { StepRecord } from '../emulator/machine.js';
import { exitName } from '../model/describe.js';
import { type Event, ExitReason, HYPERCALL_OPS } from '../model/events.js';
import type { Effect, Outcome } from '../model/step.js';

export const EXIT_UNIVERSE: readonly number[] = [
  ExitReason.ExternalInterrupt,
  ExitReason.TripleFault,
  ExitReason.Cpuid,
  ExitReason.Hlt,
  ExitReason.Vmcall,
  ExitReason.CrAccess,
  ExitReason.IoInstruction,
  ExitReason.Rdmsr,
  ExitReason.Wrmsr,
  ExitReason.EptViolation,
  ExitReason.EptMisconfig,
  ExitReason.PreemptionTimer,
];

export const HYPERCALL_UNIVERSE: readonly string[] = [
  'send OK',
  'send OK (dropped: channel full)',
  'send EINVAL',
  'send EPERM',
  'send EFAULT',
  'receive OK',
  'receive EAGAIN',
  'receive EINVAL',
  'receive EPERM',
  'receive EFAULT',
  'partition-reset OK',
  'partition-reset EINVAL',
  'partition-reset EPERM',
  'partition-status OK',
  'partition-status EINVAL',
  'partition-status EPERM',
  'audit-read OK',
  'audit-read EPERM',
  'yield OK',
  'unknown ENOSYS',
];

/**
 * The fault reasons a run can meet. Not 1 (no root entry): the devices are held while the root
 * entries are absent, before boot and from the halt. Not 4: no run's address reaches 2^48 (a device's
 * DMA register holds 32 bits).
 */
export const VTD_UNIVERSE: readonly number[] = [2, 5, 6];

export const EVENT_UNIVERSE: readonly string[] = [
  'MeasureHypervisor ok',
  'MeasureHypervisor refused',
  'MeasureHypervisor ignored',
  'TamperImage ok',
  'TamperImage ignored',
  'LaunchPartition ok',
  'LaunchPartition refused',
  'LaunchPartition ignored',
  'Tick ok',
  'Tick ignored',
  'GuestAccess ok',
  'GuestAccess faulted',
  'Dma ok',
  'Dma refused',
  'Dma ignored',
  'PeerDma ok',
  'PeerDma ignored',
  'DeviceIrq ok',
  'DeviceIrq ignored',
  'MsiWrite ok',
  'MsiWrite ignored',
  'Hypercall ok',
  'Hypercall refused',
  'Hypercall dropped',
  'VmExit ok',
  'VmExit refused',
  'VmExit faulted',
];

const KNOWN_OPS = new Set<string>(HYPERCALL_OPS);

/**
 * The coverage keys of one step, shared by the emulator's campaign and the model's own reach:
 * the event kind (`<type> <outcome>`) and, for a hypercall, `<op> <status>`.
 */
export function stepKinds(
  event: Event,
  outcome: Outcome,
  effects: readonly Effect[],
): { event: string; hypercall: string | null } {
  let hypercall: string | null = null;
  for (const e of effects)
    if (e.kind === 'hypercall') {
      const op = KNOWN_OPS.has(e.op) ? e.op : 'unknown';
      hypercall = `${op} ${e.status}${outcome === 'dropped' ? ' (dropped: channel full)' : ''}`;
    }
  return { event: `${event.type} ${outcome}`, hypercall };
}

export class Coverage {
  readonly exits = new Map<number, number>();
  readonly hypercalls = new Map<string, number>();
  readonly vtd = new Map<number, number>();
  readonly events = new Map<string, number>();
  steps = 0;
  instructions = 0;

  add(record: StepRecord): void {
    this.steps++;
    this.instructions += record.instructions;
    const kinds = stepKinds(record.event, record.outcome, record.effects);
    bump(this.events, kinds.event);
    if (kinds.hypercall) bump(this.hypercalls, kinds.hypercall);
    for (const note of record.hw) {
      if (note.kind === 'exit') bump(this.exits, note.reason);
      else if (note.kind === 'vtd-fault') bump(this.vtd, note.reason);
    }
  }

  merge(other: Coverage): void {
    for (const [k, v] of other.exits) bump(this.exits, k, v);
    for (const [k, v] of other.hypercalls) bump(this.hypercalls, k, v);
    for (const [k, v] of other.vtd) bump(this.vtd, k, v);
    for (const [k, v] of other.events) bump(this.events, k, v);
    this.steps += other.steps;
    this.instructions += other.instructions;
  }

  /** Members of the universe never exercised, by category. */
  missing(): { exits: number[]; hypercalls: string[]; vtd: number[]; events: string[] } {
    return {
      exits: EXIT_UNIVERSE.filter((r) => !this.exits.has(r)),
      hypercalls: HYPERCALL_UNIVERSE.filter((h) => !this.hypercalls.has(h)),
      vtd: VTD_UNIVERSE.filter((r) => !this.vtd.has(r)),
      events: EVENT_UNIVERSE.filter((e) => !this.events.has(e)),
    };
  }

  report(): string {
    const lines: string[] = [
      `${this.steps.toLocaleString('en-US')} steps, ${this.instructions.toLocaleString('en-US')} guest instructions`,
    ];
    const table = <K>(
      title: string,
      universe: readonly K[],
      counts: Map<K, number>,
      name: (k: K) => string,
    ) => {
      const hit = universe.filter((k) => counts.has(k)).length;
      lines.push('', `${title}: ${hit}/${universe.length}`);
      for (const k of universe)
        lines.push(
          `  ${String(counts.get(k) ?? 0).padStart(9)}  ${name(k)}${counts.has(k) ? '' : '   <- NOT EXERCISED'}`,
        );
    };
    table('VM-exit reasons', EXIT_UNIVERSE, this.exits, exitName);
    table('Hypercalls', HYPERCALL_UNIVERSE, this.hypercalls, String);
    const vtdNames: Record<number, string> = {
      1: 'root entry not present',
      2: 'context entry not present',
      5: 'write denied',
      6: 'read denied',
    };
    table('VT-d fault reasons', VTD_UNIVERSE, this.vtd, (r) => `reason ${r} (${vtdNames[r]})`);
    table('Model events', EVENT_UNIVERSE, this.events, String);
    return lines.join('\n');
  }
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
