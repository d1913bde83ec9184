import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { has } from '../../model/bits.js';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import type { Event } from '../../model/events.js';
import { buildLayout } from '../../model/layout.js';
import { Flag, init, type State } from '../../model/state.js';
import { step } from '../../model/step.js';
import { eventArb, systemArb } from '../../proofs/arbitraries.js';
import { explore } from '../../proofs/explorer.js';
import type { SystemConfig } from '../../system/config.js';

/** Flags only a hypervisor bug can raise: no system file may cause them. */
const BUG_FLAGS = Flag.Unaudited | Flag.HypercallEscape | Flag.FaultEscape | Flag.HaltEscape;

/** The flags only a bug can raise in `config`. A pass-through device's request past platform memory
 * is blocked with no fault record, so nothing audits it: there a system file raises Unaudited. */
function bugFlags(config: SystemConfig): number {
  return config.devices.some((d) => d.iommu === 'passthrough') ? BUG_FLAGS & ~Flag.Unaudited : BUG_FLAGS;
}

/** A system together with a walk through it: each choice picks one of the events enabled then. */
const walkArb = systemArb().chain((config) => {
  const layout = buildLayout(config);
  return fc.record({
    config: fc.constant(config),
    choices: fc.array(fc.oneof(fc.nat(), eventArb(layout)), { maxLength: 60 }),
  });
});

function walk(config: Parameters<typeof buildLayout>[0], choices: readonly (number | Event)[]) {
  const layout = buildLayout(config);
  const catalog = buildCatalog(layout);
  const steps: { before: State; event: Event; after: State; outcome: string }[] = [];
  let s = init(layout);
  for (const choice of choices) {
    let event: Event;
    if (typeof choice === 'number') {
      const enabled = enabledEvents(layout, catalog, s);
      if (!enabled.length) break;
      event = enabled[choice % enabled.length]!;
    } else event = choice;
    const result = step(layout, s, event);
    steps.push({ before: s, event, after: result.state, outcome: result.outcome });
    s = result.state;
  }
  return { layout, catalog, steps, final: s };
}

function auditFree(s: State) {
  const { auditCount: _c, auditLabel: _l, halted: _h, flags, ...rest } = s;
  // Whether an operation was audited, or its record dropped, is the audit log's business too.
  return { ...rest, flags: flags & ~(Flag.AuditDropped | Flag.Unaudited) };
}

describe('step', () => {
  test.prop([walkArb], { numRuns: 300 })(
    'is total: any event, well-formed or not, returns a state',
    ({ config, choices }) => {
      expect(() => walk(config, choices)).not.toThrow();
    },
  );

  test.prop([walkArb], { numRuns: 300 })(
    'refused operations change nothing but the audit log and the halt it may trigger',
    ({ config, choices }) => {
      for (const { before, after, outcome } of walk(config, choices).steps)
        if (
          outcome === 'refused' &&
          before.hv === after.hv &&
          before.status.every((s, i) => s === after.status[i])
        )
          expect(auditFree(after)).toEqual(auditFree(before));
    },
  );

  test.prop([walkArb], { numRuns: 300 })(
    'never raises the flags only a hypervisor bug can raise',
    ({ config, choices }) => {
      const { final } = walk(config, choices);
      expect(final.flags & bugFlags(config)).toBe(0);
    },
  );

  test.prop([walkArb], { numRuns: 200 })('keeps the state within its bounds', ({ config, choices }) => {
    const { steps, layout } = walk(config, choices);
    for (const { after } of steps) {
      after.observed.forEach((seen, p) => {
        expect(has(seen, p)).toBe(true);
      });
      expect(after.auditCount).toBeLessThanOrEqual(config.audit.capacity);
      after.channels.forEach((q, c) => {
        expect(q.length).toBeLessThanOrEqual(config.channels[c]!.capacity);
      });
      expect(after.frame).toBeLessThan(config.schedule.majorFrame);
      expect(after.cells).toHaveLength(layout.cells.length);
    }
  });

  test.prop([walkArb], { numRuns: 200 })('is deterministic', ({ config, choices }) => {
    expect(walk(config, choices).final).toEqual(walk(config, choices).final);
  });

  test.prop([walkArb], { numRuns: 200 })('enables nothing once halted', ({ config, choices }) => {
    const { final, layout, catalog } = walk(config, choices);
    if (final.halted) expect(enabledEvents(layout, catalog, final)).toEqual([]);
  });
});

describe('properties no system file can break', () => {
  test.prop([systemArb({ maxPartitions: 3 })], { numRuns: 40 })(
    'HypercallAuthorization, FaultContainment and FailSecure hold on every generated system',
    (config) => {
      const result = explore(config, { maxStates: 3000 });
      for (const name of ['HypercallAuthorization', 'FaultContainment', 'FailSecure'] as const)
        expect(result.verdicts.get(name)?.status).not.toBe('violated');
    },
  );
});
