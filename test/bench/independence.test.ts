import { describe, expect, it } from 'vitest';
import { independenceCensus } from '../../bench/independence.js';
import { example } from '../helpers.js';

describe('independence census', () => {
  it('finds devices whose steps commute with everything else on three-level-guard, never a partition', () => {
    const c = independenceCensus(example('three-level-guard'), 'three-level-guard');
    expect(c.states).toBe(318);
    expect(c.running).toBeLessThan(c.states);
    expect(c.independent).toBeGreaterThan(0);
    expect(c.independent).toBeLessThanOrEqual(c.running);
    expect(Object.keys(c.byComponent).every((k) => k.startsWith('device '))).toBe(true);
    expect(Object.values(c.byComponent).reduce((a, b) => a + b, 0)).toBe(c.independent);
    expect(c.droppable).toBeGreaterThan(0);
    expect(c.droppable).toBeLessThan(c.steps);
  });

  it('finds none where every step of every partition depends on the timer or on another partition', () => {
    const c = independenceCensus(example('write-down-channel'), 'write-down-channel');
    expect(c.running).toBeGreaterThan(0);
    expect(c.independent).toBe(0);
    expect(c.droppable).toBe(0);
  });
});
