/**
 * The self-composition held against InformationFlow (evidence/noninterference.ts): which pairs of
 * verdicts agree, which disagree (an ERROR package), and which cannot be compared.
 */
import { describe, expect, it } from 'vitest';
import { agreementOf, runNoninterference } from '../../evidence/noninterference.js';
import type { PropertyEvidence } from '../../evidence/types.js';
import { buildLayout } from '../../model/layout.js';
import { example } from '../helpers.js';

const flow = (status: PropertyEvidence['status']) => ({ status }) as PropertyEvidence;
const selfComposed = (name: string, maxStates = 200_000) =>
  runNoninterference(buildLayout(example(name)), `${name}.yaml`, { maxStates }).evidence;

describe('noninterference against InformationFlow', () => {
  const secure = selfComposed('mils-two-domain');
  const leaky = selfComposed('write-down-channel');

  it('agrees where both find nothing, and where a view diverges that InformationFlow finds a leak to', () => {
    expect(secure.status).toBe('holds');
    expect(agreementOf(secure, flow('holds'), new Set()).status).toBe('agrees');
    expect(agreementOf(leaky, flow('violated'), new Set(['unclass']))).toEqual({
      status: 'agrees',
      detail: 'InformationFlow is violated and the view of unclass diverges',
    });
  });

  it('disagrees where InformationFlow holds and a view diverges', () => {
    expect(agreementOf(leaky, flow('holds'), new Set()).detail).toMatch(
      /^InformationFlow holds, but the view of unclass diverges \(unclass VMCALL receive .*\): a flow the labels miss$/,
    );
  });

  it('disagrees where InformationFlow reports a leak to a partition whose search finished with no divergence', () => {
    expect(agreementOf(secure, flow('violated'), new Set(['unclass']))).toEqual({
      status: 'disagrees',
      detail:
        'InformationFlow is violated (data reaches unclass), but the search for unclass finished with no pair of runs changing what it observes: the labels charge a flow no two runs show',
    });
    // Without a counterexample saying to whom, only when every search finished and none diverged.
    expect(agreementOf(secure, flow('violated'), new Set()).status).toBe('disagrees');
  });

  it('compares nothing the bound left undecided, nor an unsettled or skipped side', () => {
    const bounded = selfComposed('mils-two-domain', 10);
    expect(bounded.status).toBe('unknown');
    expect(agreementOf(bounded, flow('violated'), new Set(['unclass'])).status).toBe('not-compared');
    expect(agreementOf(bounded, flow('holds'), new Set()).status).toBe('not-compared');
    expect(agreementOf(leaky, flow('disagreement'), new Set()).status).toBe('not-compared');
    const skipped = runNoninterference(buildLayout(example('mils-two-domain')), 'm.yaml', {
      skipped: 'skipped with --no-noninterference',
    }).evidence;
    expect(skipped).toMatchObject({ status: 'not-run', observers: [], maxStates: 0 });
    expect(agreementOf(skipped, flow('holds'), new Set()).detail).toBe(
      'the self-composition did not run: skipped with --no-noninterference',
    );
  });
});
