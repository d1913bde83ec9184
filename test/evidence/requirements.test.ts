/** The requirements catalogue covers every property and every separation-kernel requirement family. */
import { describe, expect, it } from 'vitest';
import { REQUIREMENT_IDS, REQUIREMENTS, requirementsOf } from '../../evidence/requirements.js';
import { SFR_ELEMENTS, SFR_MAPPINGS, SKPP_AREAS } from '../../evidence/sfr.js';
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

  it('traces every property of every family to Common Criteria elements, saying what part each covers', () => {
    for (const r of REQUIREMENTS) {
      const mappings = SFR_MAPPINGS[r.id];
      // Only properties the family rests on speak to its elements, and each of them speaks to one.
      for (const m of mappings)
        expect(
          r.properties.map((p) => p.property),
          `${r.id} ${m.element}`,
        ).toContain(m.property);
      for (const p of r.properties)
        expect(
          mappings.filter((m) => m.property === p.property).length,
          `${r.id} ${p.property}`,
        ).toBeGreaterThan(0);
      for (const m of mappings) {
        expect(m.element).toMatch(/^F[A-Z]{2}_[A-Z]{3}\.\d\.\d$/);
        expect(Object.keys(SFR_ELEMENTS)).toContain(m.element);
        // The family's references name the CC family of every element it traces to.
        expect(r.references, `${r.id} ${m.element}`).toContain(`CC ${m.element.slice(0, 7)}`);
        expect(m.covers.length, `${r.id} ${m.element}`).toBeGreaterThan(30);
      }
      expect(new Set(mappings.map((m) => `${m.element} ${m.property}`)).size).toBe(mappings.length);
      expect(SKPP_AREAS[r.id].length, r.id).toBeGreaterThan(0);
    }
    // Every element cited is used.
    const used = new Set(Object.values(SFR_MAPPINGS).flatMap((ms) => ms.map((m) => m.element)));
    expect([...used].sort()).toEqual(Object.keys(SFR_ELEMENTS).sort());
  });
});
