/**
 * partition-control over named targets (`partitions[].controls`): the hypercalls, the health-monitor
 * policy, FaultRecovery's pairs and the label slicing follow the partitions a holder controls, and
 * the TLA+ spec agrees with the model on a system that uses it.
 */
import { describe, expect, it } from 'vitest';
import { bit } from '../../model/bits.js';
import { type Event, ExitReason } from '../../model/events.js';
import { buildLayout } from '../../model/layout.js';
import { authorised } from '../../model/monitor.js';
import { explore } from '../../proofs/explorer.js';
import { monitorPairs } from '../../proofs/liveness.js';
import { checkNoninterference } from '../../proofs/noninterference.js';
import { prove } from '../../proofs/prove.js';
import type { SystemConfig } from '../../system/config.js';
import { tlaCheckerEngine } from '../../tla/checker-engine.js';
import { booted, fromYaml, pid } from '../helpers.js';
import { NESTED, TARGETED } from '../targeted-control.js';

const config = fromYaml(TARGETED());
const HIGH = pid(0);
const LOW = pid(1);
const MON = pid(2);
const tick: Event = { type: 'Tick' };
const hc = (partition: number, op: string, arg: number): Event => ({
  type: 'Hypercall',
  partition: pid(partition),
  op,
  arg,
});
const fault = (p: number): Event => ({ type: 'VmExit', partition: pid(p), reason: ExitReason.TripleFault });

/** tla-checker on the spec gives the model's verdicts and distinct states. */
async function expectSpecAgrees(c: SystemConfig): Promise<void> {
  const model = explore(c, {});
  const spec = await tlaCheckerEngine.check(c, 'system.yaml');
  expect(spec.disagreements).toEqual([]);
  expect(spec.report.properties.map((p) => [p.name, p.status])).toEqual(
    [...model.verdicts].map(([name, v]) => [name, v.status]),
  );
  expect(spec.report.stats.distinctStates).toBe(model.distinctStates);
}

describe('partition-control over the partitions a holder controls', () => {
  it('the layout holds the controlled partitions and the holder itself', () => {
    const layout = buildLayout(config);
    expect(layout.controls).toEqual([0, 0, bit(LOW) | bit(MON)]);
    expect(buildLayout(fromYaml(TARGETED(''))).controls[MON]).toBe(0b111);
    expect(layout.healthMonitors).toBe(bit(MON));
    expect(buildLayout(fromYaml(TARGETED(', controls: []'))).healthMonitors).toBe(0);
  });

  it('serves reset and status on a controlled partition, and its own status', () => {
    const atMon = booted(config);
    const status = atMon.run(hc(MON, 'partition-status', LOW));
    expect(status.last?.outcome).toBe('ok');
    expect(status.state.observed[MON]).toBe(bit(MON) | bit(LOW));
    expect(atMon.run(hc(MON, 'partition-status', MON)).last?.outcome).toBe('ok');
    const reset = atMon.run(hc(MON, 'partition-reset', LOW));
    expect(reset.last?.effects).toContainEqual({ kind: 'reset', by: MON, target: LOW });
    expect(reset.state.flags).toBe(0);
  });

  it.each(['partition-status', 'partition-reset'])(
    'refuses %s on a partition it does not control with EPERM, audited, changing nothing else',
    (op) => {
      const atMon = booted(config);
      const d = atMon.run(hc(MON, op, HIGH));
      expect(d.last?.outcome).toBe('refused');
      expect(d.last?.effects).toContainEqual({ kind: 'hypercall', partition: MON, op, status: 'EPERM' });
      expect(d.last?.effects).toContainEqual(
        expect.objectContaining({ kind: 'audit', code: 'hypercall-refused', cause: MON }),
      );
      expect(d.state.observed).toEqual(atMon.state.observed);
      expect(d.state.status).toEqual(atMon.state.status);
      expect(d.state.flags).toBe(0);
    },
  );

  it("HypercallAuthorization's monitor judges control of the target, not the privilege alone", () => {
    const layout = buildLayout(config);
    expect(authorised(layout, MON, 'partition-reset', LOW)).toBe(true);
    expect(authorised(layout, MON, 'partition-reset', HIGH)).toBe(false);
    expect(authorised(layout, MON, 'partition-status', HIGH)).toBe(false);
    expect(authorised(layout, MON, 'partition-status', 2 ** 40)).toBe(false);
    expect(authorised(layout, LOW, 'partition-status', LOW)).toBe(false);
  });

  it('the health monitor resets only the faulted partitions it controls', () => {
    const down = booted(config).run(fault(HIGH), tick, fault(LOW));
    expect(down.state.status).toEqual(['faulted', 'faulted', 'running']);
    const atMon = down.run(tick); // frame 0 starts mon's window
    expect(atMon.last?.effects).toContainEqual({ kind: 'reset', by: MON, target: LOW });
    expect(atMon.state.status).toEqual(['faulted', 'running', 'running']);
    expect(atMon.state.flags).toBe(0);
    expect(atMon.run(tick, tick).state.status[HIGH]).toBe('faulted');
  });

  it('FaultRecovery speaks of each health monitor with the partitions it controls', () => {
    expect(monitorPairs(buildLayout(config))).toEqual([{ partition: LOW, monitor: MON }]);
    expect(monitorPairs(buildLayout(fromYaml(TARGETED(''))))).toEqual([
      { partition: HIGH, monitor: MON },
      { partition: LOW, monitor: MON },
    ]);
  });
});

describe('verdicts', () => {
  const verdicts = (text: string, reduction = false) => {
    const r = explore(fromYaml(text), { reduction });
    expect(r.complete).toBe(true);
    return Object.fromEntries([...r.verdicts].map(([name, v]) => [name, v.status]));
  };

  it('a low monitor that controls every partition reads high through partition-status; one that controls low does not', () => {
    expect(verdicts(TARGETED('')).InformationFlow).toBe('violated');
    const targeted = verdicts(TARGETED());
    expect(Object.values(targeted).every((s) => s === 'holds')).toBe(true);
    expect(verdicts(TARGETED(), true)).toEqual(targeted);
    expect(verdicts(TARGETED(''), true)).toEqual(verdicts(TARGETED('')));
  });

  it('noninterference agrees: the low monitor sees high only when it controls high', () => {
    const violated = (text: string) =>
      checkNoninterference(fromYaml(text), { observers: [MON] }).observers.map((o) => o.status);
    expect(violated(TARGETED(''))).toEqual(['violated']);
    expect(violated(TARGETED())).toEqual(['holds']);
  });

  it('with controls naming no one, FaultRecovery holds vacuously', () => {
    const r = explore(fromYaml(TARGETED(', controls: []')), {});
    expect(r.verdicts.get('FaultRecovery')?.status).toBe('holds');
  });

  it('the TLA+ spec agrees with the model: the same verdicts and distinct states', async () => {
    await expectSpecAgrees(config);
  });
});

describe('nested health monitors: a supervisor restarts a monitor, which restarts its partition in the same tick', () => {
  const byName = (text: string) => {
    const c = fromYaml(text);
    const at = (name: string) => pid(c.partitions.findIndex((p) => p.name === name));
    return { config: c, sup: at('supervisor'), mon: at('monitor'), app: at('app') };
  };

  it.each([true, false])(
    'the monitors take their turns in file order (supervisor first: %s), and no restart is flagged',
    (first) => {
      const { config: c, sup, mon, app } = byName(NESTED(first));
      // monitor and app fault in tick 1; the tick into frame 0 starts both monitors' windows.
      const down = booted(c).run(tick, fault(mon), fault(app));
      expect(down.state.status[mon]).toBe('faulted');
      expect(down.state.status[app]).toBe('faulted');
      const after = down.run(tick);
      expect(after.last?.effects).toContainEqual({ kind: 'reset', by: sup, target: mon });
      expect(after.state.status[mon]).toBe('running');
      // Supervisor first: the restarted monitor takes its turn and restarts app. Monitor first: it
      // was still down at its turn, so app waits for the monitor's next window.
      expect(after.state.status[app]).toBe(first ? 'running' : 'faulted');
      expect(after.last?.effects.some((e) => e.kind === 'reset' && e.target === app)).toBe(first);
      expect(after.state.flags).toBe(0);
      if (!first) expect(after.run(tick, tick).state.status[app]).toBe('running');
    },
  );

  it.each([true, false])('every property holds in either order (supervisor first: %s)', (first) => {
    const model = explore(byName(NESTED(first)).config, {});
    expect(model.complete).toBe(true);
    expect([...model.verdicts].filter(([, v]) => v.status !== 'holds').map(([name]) => name)).toEqual([]);
  });

  it('the spec and the proof agree where the restarted monitor acts (supervisor first)', async () => {
    const { config: c } = byName(NESTED());
    await expectSpecAgrees(c);
    const proved = await prove(c, 'nested.yaml', { properties: ['FaultContainment'], timeoutMs: 60_000 });
    expect(proved.verdicts.map((v) => v.status)).toEqual(['holds']);
  });

  it('a restart no monitor made is still flagged there (the auto-restart seeded bug)', () => {
    const { config: c } = byName(NESTED());
    const r = explore(c, { model: { bugs: new Set(['auto-restart']) } });
    expect(r.verdicts.get('FaultContainment')?.status).toBe('violated');
  });
});
