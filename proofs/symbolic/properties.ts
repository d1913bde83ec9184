/**
 * proofs/properties.ts over symbolic states: for each invariant of the catalog, the bad states
 * (where its `holds` is false).
 */
import { has, isSubset } from '../../model/bits.js';
import type { Layout } from '../../model/layout.js';
import { Flag } from '../../model/state.js';
import type { PropertyName } from '../properties.js';
import { booted, hvIs, isLaunched, runningNow, type SymState } from './state.js';
import { and, eq, FALSE, int, not, or, type Term, TRUE } from './terms.js';

const flag = (s: SymState, f: number): Term => s.flags[Math.log2(f)]!;

/** The states violating invariant `name`; undefined for the liveness property. */
export function badState(layout: Layout, s: SymState, name: PropertyName): Term | undefined {
  switch (name) {
    case 'MemoryIsolation':
      return or(...s.status.map((_, p) => (layout.eptBreach[p] ? isLaunched(s, p) : FALSE)));
    case 'DmaContainment':
      return flag(s, Flag.DmaEscape);
    case 'InformationFlow':
      return or(
        ...s.observed.flatMap((seen, p) =>
          seen.map((t, q) => (isSubset(1 << q, layout.mayFlowTo[p]!) ? FALSE : t)),
        ),
      );
    case 'MeasuredLaunch':
      return or(
        ...s.status.map((_, p) =>
          and(
            isLaunched(s, p),
            layout.config.partitions[p]!.launch === 'measured'
              ? or(not(hvIs(s, 'ok')), s.tampered[p]!)
              : TRUE,
          ),
        ),
      );
    case 'AuditCompleteness':
      return or(flag(s, Flag.Unaudited), flag(s, Flag.AuditDropped));
    case 'TemporalIsolation':
      return temporalBad(layout, s);
    case 'InterruptIsolation':
      return flag(s, Flag.IrqEscape);
    case 'HypercallAuthorization':
      return flag(s, Flag.HypercallEscape);
    case 'FaultContainment':
      return flag(s, Flag.FaultEscape);
    case 'FailSecure':
      return flag(s, Flag.HaltEscape);
    case 'FaultRecovery':
      return undefined;
  }
}

/** Some misplaced partition runs, or two partitions run on one CPU, at the current frame position. */
function temporalBad(layout: Layout, s: SymState): Term {
  const running = runningNow(layout, s);
  const up = and(not(s.halted), booted(s));
  const at = layout.frames.map((slot, f) => {
    const wrong: Term[] = [];
    for (let p = 0; p < layout.nPartitions; p++) if (has(slot.misplaced, p)) wrong.push(running[p]!);
    for (const candidates of slot.perCpu)
      for (let p = 0; p < layout.nPartitions; p++)
        for (let q = p + 1; q < layout.nPartitions; q++)
          if (has(candidates, p) && has(candidates, q)) wrong.push(and(running[p]!, running[q]!));
    return and(eq(s.frame, int(f)), or(...wrong));
  });
  return and(up, or(...at));
}
