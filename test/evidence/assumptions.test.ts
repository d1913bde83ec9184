import { describe, expect, it } from 'vitest';
import { FIXED_ASSUMPTIONS, systemAssumptions } from '../../evidence/assumptions.js';
import { example } from '../helpers.js';

describe('assumptions register', () => {
  it('states the halt channel with the figures of the system', () => {
    const mils = example('mils-two-domain');
    const halt = systemAssumptions(mils).find((a) => a.id === 'A-HALT')!;
    expect(mils.audit.onFull).toBe('halt');
    expect(halt.statement).toContain(`holds ${mils.audit.capacity} records`);
    expect(halt.statement).toContain(`all ${mils.audit.capacity} by itself`);
    expect(halt.statement).toMatch(/log2\(T \+ 1\) bits, once per boot/);
    const overwrite = systemAssumptions(example('audit-overwrite')).find((a) => a.id === 'A-HALT')!;
    expect(overwrite.statement).toMatch(/overwrites the oldest/);
  });

  it('says when devices may act, and that a refused owner is audited, not assumed away', () => {
    const threat = FIXED_ASSUMPTIONS.find((a) => a.id === 'A-THREAT-1')!;
    expect(threat.statement).toMatch(/once every partition has launched or been refused/i);
    expect(threat.statement).toMatch(/fault reason 2/);
    const hw = FIXED_ASSUMPTIONS.find((a) => a.id === 'A-HW-1')!;
    expect(hw.statement).toMatch(/requester ID/);
    expect(hw.statement).toMatch(/access control services/);
  });

  it('records the ACS setting, and says which verdicts it leaves uncovered', () => {
    const acs = (name: string) => systemAssumptions(example(name)).find((a) => a.id === 'A-ACS')!;
    expect(acs('mils-two-domain').title).toMatch(/are on/);
    expect(acs('mils-two-domain').consequence).toMatch(/acs: off/);
    expect(acs('peer-dma').title).toMatch(/are off/);
    expect(acs('peer-dma').statement).toContain('2 of 2 devices name one');
    expect(FIXED_ASSUMPTIONS.find((a) => a.id === 'A-THREAT-1')!.statement).toMatch(/\(A-ACS\)/);
  });

  it('gives every entry an id the evidence schema accepts', () => {
    for (const a of [...FIXED_ASSUMPTIONS, ...systemAssumptions(example('mils-two-domain'))])
      expect(a.id).toMatch(/^[AB]-[A-Z0-9-]+$/);
  });
});
