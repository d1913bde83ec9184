/**
 * prove's inductive invariants as TLA+ (tla/ind-inv.ts), checked by tla-checker in every reachable
 * state of the spec: the proof and the enumeration meet. A negated invariant must fail there, so the
 * check is not one that always passes.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { prove } from '../../proofs/prove.js';
import { mcConfig, readHypervisorSpec, withDefinitions } from '../../tla/generate.js';
import { indInvDefinitions, type ProvedInvariant, TranslationError } from '../../tla/ind-inv.js';
import { checkSpec } from '../../tla/tla-checker.js';
import { example } from '../helpers.js';

async function invariants(name: string): Promise<ProvedInvariant[]> {
  const run = await prove(example(name), `${name}.yaml`, { timeoutMs: 60_000 });
  return run.verdicts.flatMap((v) =>
    v.invariant
      ? [{ property: v.name, definitions: v.invariant.definitions, args: v.invariant.variables }]
      : [],
  );
}

function check(name: string, definitions: string[], invariant: string) {
  const layout = buildLayout(example(name));
  const spec = withDefinitions(readHypervisorSpec(), definitions);
  const cfg = mcConfig(layout, {
    substitute: false,
    invariants: [],
    extraInvariants: [invariant],
    liveness: false,
  });
  return checkSpec(spec, cfg);
}

describe('IndInv: the inductive invariants in TLA+', () => {
  it.each([
    ['mils-two-domain', 349, 10],
    ['write-down-channel', 114, 9],
  ])(
    '%s: IndInv holds in each of its %i reachable states',
    { timeout: 300_000 },
    async (name, states, proved) => {
      const found = await invariants(name);
      expect(found).toHaveLength(proved);
      expect(found.some((p) => p.args.length > 3)).toBe(true);
      const layout = buildLayout(example(name));
      const definitions = indInvDefinitions(layout, found);
      expect(check(name, definitions, 'IndInv')).toEqual({ kind: 'ok', distinctStates: states });
      // Every invariant over more than the configuration is violated, negated, where the spec starts.
      const wide = found.find((p) => p.args.length > 3)!;
      const negated = [...definitions, `NotIndInv == ~IndInv_${wide.property}`];
      expect(check(name, negated, 'NotIndInv')).toMatchObject({ kind: 'invariant', index: 1 });
    },
  );

  it('refuses a definition it cannot translate', () => {
    const layout = buildLayout(example('mils-two-domain'));
    const odd = {
      property: 'FailSecure' as const,
      args: [0],
      definitions: '(define-fun Inv ((x!0 Int)) Bool (bvult x!0 1))',
    };
    expect(() => indInvDefinitions(layout, [odd])).toThrow(TranslationError);
    const two = { ...odd, definitions: '(define-fun Inv ((x!0 Int) (x!1 Int)) Bool (<= x!0 x!1))' };
    expect(() => indInvDefinitions(layout, [two])).toThrow(/takes 2 arguments, not 1/);
  });
});
