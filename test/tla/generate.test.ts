import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../model/enabled.js';
import { buildLayout } from '../../model/layout.js';
import {
  cfgInvariants,
  constantDefinitions,
  mcConfig,
  mcModule,
  mcModuleName,
  readHypervisorSpec,
  withDefinitions,
} from '../../tla/generate.js';
import { exploreInit } from '../../tla/tla-checker.js';
import { fn } from '../../tla/tla-text.js';
import { EXAMPLES } from '../cli/cli.js';
import { example } from '../helpers.js';

/** The names Hypervisor.tla declares in its CONSTANTS statement, in order. */
function declaredConstants(spec: string): string[] {
  const block = /^CONSTANTS\n((?:[ \t]+.*\n)+)/m.exec(spec)![1]!;
  return block
    .split('\n')
    .map((l) => /^\s+([A-Za-z]\w*),?/.exec(l)?.[1])
    .filter((x): x is string => !!x);
}

describe('MC module and cfg generation', () => {
  const spec = readHypervisorSpec();

  it('defines exactly the constants Hypervisor.tla declares, in its order', () => {
    const names = constantDefinitions(buildLayout(example('three-level-guard'))).map(([k]) => k);
    expect(names).toEqual(declaredConstants(spec));
  });

  it.each(EXAMPLES)('%s: the tla-checker cfg gives every constant a value the checker accepts', (name) => {
    const layout = buildLayout(example(name));
    const states = exploreInit(spec, mcConfig(layout, { substitute: false }));
    expect(states).toHaveLength(1);
    expect(states[0]!.json.hv).toBe('pending');
  });

  it('the TLC cfg substitutes every constant from the MC module, which names each value once', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const cfg = mcConfig(layout, { substitute: true });
    const module = mcModule(layout, 'examples/mils-two-domain.yaml');
    for (const k of declaredConstants(spec)) {
      expect(cfg).toContain(`    ${k} <- MC_${k}\n`);
      expect(module).toContain(`\nMC_${k}_Value ==\n`);
      expect(module).toContain(`\nMC_${k} == MC_${k}_Value\n`);
      expect(module.indexOf(`\nMC_${k}_Value ==`)).toBeLessThan(module.indexOf(`\nMC_${k} ==`));
    }
    expect(module.startsWith(`---- MODULE ${mcModuleName('mils-two-domain')} ----`)).toBe(true);
    expect(module).toContain('EXTENDS Hypervisor, TLC');
    expect(cfg).toContain('    Bugs = {}\n');
    expect(cfg).toContain('SPECIFICATION Spec\n');
    expect(cfg).toContain('PROPERTY\n    FaultRecoveryProp\n');
  });

  it('lists TypeOK first and then the requested invariants, so positions map back to names', () => {
    expect(cfgInvariants({})).toEqual([
      'TypeOK',
      'MemoryIsolationInv',
      'DmaContainmentInv',
      'InformationFlowInv',
      'MeasuredLaunchInv',
      'AuditCompletenessInv',
      'TemporalIsolationInv',
      'InterruptIsolationInv',
      'HypercallAuthorizationInv',
      'FaultContainmentInv',
      'FailSecureInv',
    ]);
    expect(cfgInvariants({ invariants: [], extraInvariants: ['BaitFailSecure'] })).toEqual([
      'TypeOK',
      'BaitFailSecure',
    ]);
    const cfg = mcConfig(buildLayout(example('mils-two-domain')), {
      substitute: false,
      bugs: ['auto-restart'],
      liveness: false,
    });
    expect(cfg).toContain('Bugs = {"auto-restart"}');
    expect(cfg).not.toContain('PROPERTY');
  });

  it('gives the spec the model catalog of candidate events, per partition and device', () => {
    const layout = buildLayout(example('shared-irq'));
    const catalog = buildCatalog(layout);
    const defs = new Map(constantDefinitions(layout));
    const count = (v: string, key: string) => {
      const m = new RegExp(`"${key}" :> \\{([^}]*)\\}`).exec(v);
      return m && m[1]!.trim() ? m[1]!.split('>>,').length : 0;
    };
    layout.config.partitions.forEach((p, i) => {
      const events = catalog.guest[i]!;
      expect(count(defs.get('GuestCandidates')!, p.name)).toBe(
        events.filter((e) => e.type === 'GuestAccess').length,
      );
      expect(count(defs.get('HypercallCandidates')!, p.name)).toBe(
        events.filter((e) => e.type === 'Hypercall').length,
      );
    });
    layout.config.devices.forEach((d, i) => {
      expect(count(defs.get('DmaCandidates')!, d.name)).toBe(
        catalog.device[i]!.filter((e) => e.type === 'Dma').length,
      );
    });
  });

  it('writes functions in the syntax a .cfg accepts: no parentheses, no function as a value', () => {
    expect(fn([])).toBe('<<>>');
    expect(
      fn([
        ['1', '{"a"}'],
        ['2', '<<>>'],
      ]),
    ).toBe('1 :> {"a"} @@ 2 :> <<>>');
    expect(() => fn([['1', '2 :> 3']])).toThrow(/bare function/);
  });

  it('inlines definitions and extra variables into the one module tla-checker reads', () => {
    const text = withDefinitions(spec, ['Extra == 1'], 'TraceHypervisor', ['behaviour', 'position']);
    expect(text).toMatch(/^---- MODULE TraceHypervisor ----$/m);
    expect(text).toContain('VARIABLES\n    behaviour, position,\n    hv,');
    expect(text.trimEnd().endsWith(`Extra == 1\n${'='.repeat(77)}`)).toBe(true);
    expect(text.match(/^VARIABLES/gm)).toHaveLength(1);
  });
});
