/**
 * The history monitor: after each step it records, in `State.flags`, the facts about that step that
 * the action properties need (DmaContainment, InterruptIsolation, AuditCompleteness,
 * HypercallAuthorization, FaultContainment, FailSecure), so every property is a state invariant,
 * as in spec/Hypervisor.tla. It judges the step from the outside, by comparing the states before and
 * after against what the configuration allows, so a bug in a handler cannot hide from it.
 */
import { type Bits, EMPTY, has } from './bits.js';
import type { Event } from './events.js';
import { type Layout, resettable } from './layout.js';
import { bufferAllowed, hasBuffer } from './operands.js';
import { Flag, type PartitionStatus, type State, sameState, withChanges } from './state.js';
import type { StepResult } from './step.js';

export function monitor(layout: Layout, before: State, event: Event, result: StepResult): number {
  const after = result.state;
  let flags = after.flags;
  // The event was not enabled: nothing happened. (A step that changes nothing can still be one to
  // flag, e.g. DMA into memory only its owner's device reaches, but that its owner does not own.)
  if (result.outcome === 'ignored') return flags;
  // Anything but the history flags changing after the halt escapes it.
  if (before.halted && !sameState(before, withChanges(after, { flags: before.flags })))
    flags |= Flag.HaltEscape;

  const denied = result.outcome === 'refused' || result.outcome === 'faulted' || result.outcome === 'dropped';
  if (denied && !result.effects.some((e) => e.kind === 'audit')) flags |= Flag.Unaudited;

  switch (event.type) {
    case 'Dma':
      if (result.outcome === 'ok' && !layout.ownerWritable[event.device]![event.page])
        flags |= Flag.DmaEscape;
      break;
    case 'PeerDma':
      // A peer's buffer is no page the owner may write; a peer of the same owner acts for it.
      if (
        result.outcome === 'ok' &&
        layout.config.devices[event.device]!.owner !== layout.config.devices[event.peer]!.owner
      )
        flags |= Flag.DmaEscape;
      break;
    case 'DeviceIrq':
    case 'MsiWrite': {
      const owner = layout.config.devices[event.device]!.owner;
      for (const e of result.effects)
        if ((e.kind === 'inject' || e.kind === 'pend') && e.partition !== owner) flags |= Flag.IrqEscape;
      break;
    }
    case 'Hypercall':
      if (result.outcome === 'refused' && !sameState(before, after, true)) flags |= Flag.HypercallEscape;
      if (result.outcome === 'ok' && !authorised(layout, event.partition, event.op, event.arg))
        flags |= Flag.HypercallEscape;
      // A message copied through a buffer the caller may not read (send) or write (receive).
      if (
        result.outcome === 'ok' &&
        hasBuffer(event.op) &&
        !bufferAllowed(layout, event.partition, event.op, event.buffer)
      )
        flags |= Flag.HypercallEscape;
      break;
    default:
      break;
  }

  if (result.outcome === 'faulted') {
    const p = (event as { partition: number }).partition;
    const expected: State = withChanges(before, {
      status: before.status.map((s, i) => (i === p ? 'faulted' : s)),
    });
    if (!sameState(expected, after, true)) flags |= Flag.FaultEscape;
  }
  if (restartedWithoutReset(layout, before, event, after)) flags |= Flag.FaultEscape;
  return flags;
}

const PRIVILEGED: Record<string, 'partition-control' | 'audit-read'> = {
  'partition-reset': 'partition-control',
  'partition-status': 'partition-control',
  'audit-read': 'audit-read',
};

/** `p` holds the privilege `op` needs and, for partition control, controls the target `arg`. */
export function authorised(layout: Layout, p: number, op: string, arg: number): boolean {
  const needed = PRIVILEGED[op];
  if (needed === undefined) return true;
  if (!layout.config.partitions[p]!.privileges.includes(needed)) return false;
  if (needed !== 'partition-control') return true;
  return Number.isInteger(arg) && arg >= 0 && arg < layout.nPartitions && has(layout.controls[p]!, arg);
}

/** A partition went from faulted to running other than by a partition-reset hypercall or the reset
 * of a health monitor that controls it, at the start of the monitor's window. */
function restartedWithoutReset(layout: Layout, before: State, event: Event, after: State): boolean {
  // Steps that change no partition's status share the status list.
  if (before.status === after.status) return false;
  if (event.type === 'Hypercall' && event.op === 'partition-reset') return false;
  const recovered = event.type === 'Tick' ? restartable(layout, after.frame, before.status) : EMPTY;
  return before.status.some((s, p) => s === 'faulted' && after.status[p] === 'running' && !has(recovered, p));
}

/**
 * The partitions the health monitors may restart in a tick into `frame` from partitions in
 * `status`: those controlled by a monitor whose window starts there and that is up at its turn.
 * The monitors take their turns in file order, so a monitor is up at its turn if it was running,
 * or if it was faulted and a monitor that took its turn before it controls it (and so restarted
 * it). Without the second case a supervisor that restarts a faulted monitor, which then restarts
 * its own faulted partition in the same tick, would be taken for a restart without a reset.
 */
export function restartable(layout: Layout, frame: number, status: readonly PartitionStatus[]): Bits {
  const starting = layout.frames[frame]!.starting;
  let recovered = EMPTY;
  for (let m = 0; m < layout.nPartitions; m++)
    if (has(starting, m) && (status[m] === 'running' || (status[m] === 'faulted' && has(recovered, m))))
      recovered |= resettable(layout, m);
  return recovered;
}
