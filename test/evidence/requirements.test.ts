/** The requirements catalogue covers every property and every separation-kernel requirement family. */
import { describe, expect, it } from 'vitest';
import { REQUIREMENT_IDS, REQUIREMENTS, requirementsOf } from '../../evidence/requirements.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';

describe('requirements catalogue', () => {
  it('has the eight requirement families, once each, in order', () => {
    expect(REQUIREMENTS.map((r) => r.id)).toEqual([...REQUIREMENT_IDS]);
    expect(REQUIREMENTS.map((r) => r.family)).toEqual([
      'Partitioning and memory separation',
      'Information-flow control',
      'Least privilege',
      'Audit',
      'Fail-secure and trusted recovery',
      'Measured launch',
      'Temporal partitioning',
      'DMA protection',
    ]);
  });

  it('maps every family to properties with a rationale, each property once per family', () => {
    for (const r of REQUIREMENTS) {
      expect(r.properties.length, r.id).toBeGreaterThan(0);
      expect(new Set(r.properties.map((m) => m.property)).size, r.id).toBe(r.properties.length);
      for (const m of r.properties) {
        expect(PROPERTY_NAMES).toContain(m.property);
        expect(m.rationale.length, `${r.id} ${m.property}`).toBeGreaterThan(40);
      }
      expect(r.statement.length).toBeGreaterThan(40);
      expect(r.references.length).toBeGreaterThan(0);
    }
  });

  it('traces every property to at least one family', () => {
    for (const p of PROPERTY_NAMES) expect(requirementsOf(p).length, p).toBeGreaterThan(0);
  });
});
