/**
 * Root causes: for a violated property, the fields of the system file that make its counterexample
 * possible, each with its path, line and column and one sentence. They are read off the
 * counterexample and the layout (which mapping, window, line, channel, privilege, schedule window,
 * launch mode or audit policy each step relied on), never off the system's name.
 *
 * HypercallAuthorization, FaultContainment and FailSecure speak of the hypervisor's own code: no
 * system file can break them, so a violation of one (a seeded bug) has no cause in the file.
 */
import { match } from 'ts-pattern';
import { has, members } from '../model/bits.js';
import { names } from '../model/describe.js';
import { type Layout, resettable, windowCovers } from '../model/layout.js';
import { Flag, isLaunched, runningNow, type State } from '../model/state.js';
import type { ReportedCause } from '../proofs/check.js';
import type { Trace } from '../proofs/explorer.js';
import type { PropertyName } from '../proofs/properties.js';
import { formatPath, type SourcePositions } from '../system/load.js';
import {
  type Blame,
  controlBlame,
  dmaReachBlames,
  eptSource,
  irqRouteBlames,
  listingBlames,
  pageListText,
  pagesText,
  peerBlames,
  spoofBlames,
} from './elements.js';
import { flowBlames } from './flow.js';

export type { Blame } from './elements.js';

/** A root cause as `check --json` reports it (docs/DESIGN.md section 5). */
export type Cause = ReportedCause;

/** The fields behind `trace`, a counterexample to `name`, first relied on first, each field once. */
export function blame(layout: Layout, name: PropertyName, trace: Trace): Blame[] {
  const last = trace.steps.at(-1)!;
  const found = match(name)
    .with('MemoryIsolation', () => memoryBlames(layout, last.state))
    .with('DmaContainment', () => dmaBlames(layout, trace))
    .with('InformationFlow', () =>
      last.state.observed.flatMap((seen, p) =>
        members(seen & ~layout.mayFlowTo[p]!).flatMap((q) => flowBlames(layout, trace, p, q)),
      ),
    )
    .with('MeasuredLaunch', () => launchBlames(layout, last.state))
    .with('AuditCompleteness', () => auditBlames(layout, trace))
    .with('TemporalIsolation', () => scheduleBlames(layout, last.state))
    .with('InterruptIsolation', () => interruptBlames(layout, trace))
    .with('FaultRecovery', () => recoveryBlames(layout, trace))
    .with('HypercallAuthorization', 'FaultContainment', 'FailSecure', () => [])
    .exhaustive();
  // What the last state shows, the last step brought about (FaultRecovery's cycle has no one step).
  const atStep = (b: Blame): Blame =>
    b.step !== undefined || name === 'FaultRecovery' ? b : { ...b, step: trace.steps.length - 1 };
  const seen = new Set<string>();
  return found.map(atStep).filter((b) => {
    const key = formatPath(b.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The blames at their place in the file. */
export function locate(blames: readonly Blame[], positions: SourcePositions): Cause[] {
  return blames.map((b) => {
    const { line, column } = positions(b.path);
    return { path: formatPath(b.path), line, column, explanation: b.explanation };
  });
}

/** `path (line L:C): explanation`, as the human report prints a cause. */
export function formatCause(cause: Cause): string {
  return `${cause.path} (line ${cause.line}:${cause.column}): ${cause.explanation}`;
}

function memoryBlames(layout: Layout, s: State): Blame[] {
  const { config } = layout;
  const blames: Blame[] = [];
  for (let p = 0; p < layout.nPartitions; p++) {
    if (!isLaunched(s, p) || !layout.eptBreach[p]) continue;
    const name = config.partitions[p]!.name;
    const byOrigin = new Map<string, { origin: Blame; pages: number[] }>();
    for (const entry of layout.ept[p]!) {
      if ((entry.rights & ~layout.allowed[p]![entry.page]!) === 0) continue;
      const origin = eptSource(layout, p, entry.gpa);
      if (!origin) continue;
      const key = formatPath(origin.path);
      const group = byOrigin.get(key) ?? { origin, pages: [] };
      group.pages.push(entry.page);
      byOrigin.set(key, group);
    }
    for (const { origin, pages } of byOrigin.values()) {
      let others = 0;
      for (const page of pages) others |= layout.classes[layout.classOf[page]!]!.listers & ~(1 << p);
      const listed = `${pageListText(pages)}, also listed by ${names(layout, others)}`;
      const explanation =
        origin.path[0] === 'partitions'
          ? `${pagesText(config.partitions[p]!.memory[origin.path[3] as number]!)} of ${name}'s memory include ${listed}: a page two partitions list is owned by neither, yet ${name}'s EPT maps it`
          : `${origin.explanation}, with more rights than it may have there: ${listed}`;
      blames.push({ path: origin.path, explanation });
      for (const q of members(others))
        blames.push(...listingBlames(layout, q, pages, `, which ${name} also lists`));
    }
  }
  return blames;
}

function dmaBlames(layout: Layout, trace: Trace): Blame[] {
  const e = trace.steps.at(-1)!.event;
  if (e?.type === 'PeerDma')
    return peerBlames(layout, e.device, e.peer, e.access === 'write' ? 'writes into' : 'reads');
  if (e?.type !== 'Dma') return [];
  const owner = layout.config.devices[e.device]!.owner;
  const verb = e.access === 'write' ? 'writes' : 'reads';
  const listers = layout.classes[layout.classOf[e.page]!]!.listers;
  const shareOwner = has(listers, owner) ? listers & ~(1 << owner) : 0;
  const ownerName = layout.config.partitions[owner]!.name;
  return [
    ...dmaReachBlames(layout, e.device, e.page, verb).map((b) =>
      b.path.at(-1) === 'iommuGroup'
        ? b
        : { ...b, explanation: `${b.explanation}, though ${ownerName} may not write page ${e.page}` },
    ),
    ...members(shareOwner).flatMap((q) =>
      listingBlames(
        layout,
        q,
        [e.page],
        `, which ${ownerName} also lists: so ${ownerName} does not own it alone`,
      ),
    ),
  ];
}

function launchBlames(layout: Layout, s: State): Blame[] {
  return layout.config.partitions
    .filter((p) => isLaunched(s, p.index) && p.launch === 'unmeasured')
    .map((p) => ({
      path: ['partitions', p.index, 'launch'],
      explanation: `unmeasured: ${p.name} launches without its image being measured, so a replaced image would run`,
    }));
}

function auditBlames(layout: Layout, trace: Trace): Blame[] {
  const { config } = layout;
  const at = trace.steps.findIndex((st, i) => {
    const gained = st.state.flags & ~(trace.steps[i - 1]?.state.flags ?? 0);
    return (gained & (Flag.Unaudited | Flag.AuditDropped)) !== 0;
  });
  const st = trace.steps[at];
  if (st === undefined) return [];
  const gained = st.state.flags & ~trace.steps[at - 1]!.state.flags;
  if (gained & Flag.AuditDropped)
    return [
      {
        step: at,
        path: ['audit', 'onFull'],
        explanation: `overwrite: once the log holds its ${config.audit.capacity} records, each new record drops the oldest`,
      },
    ];
  const e = st.event;
  if (e?.type !== 'Dma') return [];
  const device = config.devices[e.device]!;
  return members(layout.group[e.device]!).flatMap((m): Blame[] => {
    const mate = config.devices[m]!;
    if (mate.iommu !== 'passthrough') return [];
    const via = m === e.device ? '' : ` (it shares ${mate.name}'s requester ID)`;
    return [
      {
        path: ['devices', m, 'iommu'],
        explanation: `passthrough: ${device.name}'s ${e.access} of page ${e.page}${via}, past platform memory, is blocked by the platform without a VT-d fault record, so nothing audits it`,
      },
      ...(m === e.device
        ? []
        : [
            {
              path: ['devices', e.device, 'iommuGroup'],
              explanation: `${device.name} shares requester ID ${device.iommuGroup} with the pass-through ${mate.name}`,
            },
          ]),
    ];
  });
}

function ticksText(start: number, length: number): string {
  return length === 1 ? `tick ${start}` : `ticks ${start}-${start + length - 1}`;
}

function scheduleBlames(layout: Layout, s: State): Blame[] {
  const { config } = layout;
  const { majorFrame, windows } = config.schedule;
  const running = runningNow(layout, s);
  const slot = layout.frames[s.frame]!;
  const here = windows
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => has(running, w.partition) && windowCovers(w, s.frame, majorFrame));
  const blames: Blame[] = [];
  for (const { w, i } of here) {
    const partition = config.partitions[w.partition]!;
    const crowd = members(slot.perCpu[w.cpu]! & running & ~(1 << w.partition));
    const wraps = w.start + w.length > majorFrame;
    const foreign = !partition.cpus.includes(w.cpu);
    if (crowd.length === 0 && !((wraps || foreign) && has(slot.misplaced, w.partition))) continue;
    const reasons: string[] = [];
    if (wraps) reasons.push(`runs past the ${majorFrame}-tick major frame, wrapping into tick ${s.frame}`);
    if (foreign)
      reasons.push(`is on CPU ${w.cpu}, which is not among its cpus [${partition.cpus.join(', ')}]`);
    if (crowd.length > 0)
      reasons.push(
        `${reasons.length ? 'where it ' : ''}overlaps the window of ${names(layout, 1 << crowd[0]!)}${crowd.length > 1 ? ' and others' : ''} at tick ${s.frame} on CPU ${w.cpu}, so both can run at once`,
      );
    blames.push({
      path: ['schedule', 'windows', i],
      explanation: `${partition.name}'s window (${ticksText(w.start, w.length)} on CPU ${w.cpu}) ${reasons.join(', ')}`,
    });
  }
  return blames;
}

function interruptBlames(layout: Layout, trace: Trace): Blame[] {
  const e = trace.steps.at(-1)!.event;
  const { config } = layout;
  if (e?.type === 'DeviceIrq')
    return members(layout.irqTargets[e.device]!).flatMap((q) => irqRouteBlames(layout, e.device, q));
  if (e?.type === 'MsiWrite')
    return [
      ...spoofBlames(layout, e.device, e.vector),
      ...members(layout.irqTargets[e.vector]!)
        .filter((q) => q !== config.devices[e.device]!.owner)
        .flatMap((q) => irqRouteBlames(layout, e.vector, q)),
    ];
  return [];
}

function recoveryBlames(layout: Layout, trace: Trace): Blame[] {
  const { config } = layout;
  const at = trace.steps[trace.loop ?? 0]!.state;
  return members(layout.healthMonitors)
    .filter((m) => at.status[m] === 'running' && layout.frames.every((f) => !has(f.starting, m)))
    .flatMap((m): Blame[] => {
      const name = config.partitions[m]!.name;
      const down = members(resettable(layout, m)).filter((p) => at.status[p] === 'faulted');
      if (down.length === 0) return [];
      const downNames = down.map((p) => config.partitions[p]!.name).join(', ');
      const named = config.partitions[m]!.controls !== undefined;
      return [
        {
          path: ['schedule', 'windows'],
          explanation: `no window for ${name}: the health monitor never runs, so ${downNames} stays faulted`,
        },
        ...(named
          ? down.map((p) =>
              controlBlame(
                layout,
                m,
                p,
                `reset ${config.partitions[p]!.name}: it is the health monitor that should`,
              ),
            )
          : [
              {
                path: ['partitions', m, 'privileges'],
                explanation: `partition-control makes ${name} the health monitor that should reset ${downNames}`,
              },
            ]),
      ];
    });
}
