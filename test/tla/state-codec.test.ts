import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { init } from '../../model/state.js';
import { mcConfig, readHypervisorSpec } from '../../tla/generate.js';
import {
  DecodeError,
  differingVariables,
  fromJson,
  SPEC_VARIABLES,
  stateKey,
  toCheckerJson,
} from '../../tla/state-codec.js';
import { exploreNext } from '../../tla/tla-checker.js';
import { example } from '../helpers.js';
import { randomWalk } from './walks.js';

describe("model states in the spec's terms", () => {
  it.each(['three-level-guard', 'mils-two-domain', 'shared-irq', 'audit-overwrite'])(
    '%s: tla-checker JSON round-trips every state of random walks',
    (name) => {
      const layout = buildLayout(example(name));
      for (let seed = 1; seed <= 20; seed++)
        for (const s of randomWalk(layout, seed, 40)) {
          const back = fromJson(layout, toCheckerJson(layout, s));
          expect(stateKey(back)).toBe(stateKey(s));
        }
    },
  );

  it('the JSON it writes is the JSON tla-checker reads and writes: successors decode to model states', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const spec = readHypervisorSpec();
    const cfg = mcConfig(layout, { substitute: false, liveness: false });
    const walk = randomWalk(layout, 7, 12);
    for (const s of walk.slice(0, 6)) {
      const successors = exploreNext(spec, cfg, toCheckerJson(layout, s));
      expect(successors.length).toBeGreaterThan(0);
      for (const t of successors) expect(() => fromJson(layout, t.state.json)).not.toThrow();
    }
  });

  it("reads TLC's JSON dialect (tla/tlc/value.ts): sequences as arrays, other functions as objects", () => {
    const layout = buildLayout(example('mils-two-domain'));
    const tlc = {
      hv: 'ok',
      hvTampered: false,
      tampered: [],
      status: { secret: 'running', unclass: 'faulted' },
      observed: { secret: ['secret', 'unclass'], unclass: ['unclass'] },
      pendingIrq: { secret: ['nic0'], unclass: [] },
      frame: 1,
      cells: { '0': ['unclass'] },
      channels: { up: [['unclass'], ['unclass']] },
      auditCount: 2,
      auditLabel: ['unclass'],
      halted: true,
      flags: ['AuditDropped', 'Unaudited'],
    };
    const s = fromJson(layout, tlc);
    expect(s.status).toEqual(['running', 'faulted']);
    expect(s.observed).toEqual([0b11, 0b10]);
    expect(s.pendingIrq).toEqual([1, 0]);
    expect(s.cells).toEqual([0b10]);
    expect(s.channels).toEqual([[0b10, 0b10]]);
    expect(s.flags).toBe(0b1100);
  });

  it('names the variable when a state does not fit the system', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const json = toCheckerJson(layout, init(layout));
    expect(() => fromJson(layout, { ...json, status: { secret: 'running' } })).toThrow(/variable status/);
    expect(() => fromJson(layout, { ...json, observed: { secret: ['nobody'], unclass: [] } })).toThrow(
      DecodeError,
    );
    const { frame: _, ...missing } = json;
    expect(() => fromJson(layout, missing)).toThrow(/frame missing/);
  });

  it('reports differing variables in declaration order', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const a = init(layout);
    const b = { ...a, frame: 1, hv: 'ok' as const };
    expect(differingVariables(a, b)).toEqual(['hv', 'frame']);
    expect(SPEC_VARIABLES[0]).toBe('hv');
  });
});
