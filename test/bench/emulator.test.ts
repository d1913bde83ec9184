import { describe, expect, it } from 'vitest';
import { formatEmulatorBench, runEmulatorBench } from '../../bench/emulator.js';

describe('emulator benchmark', () => {
  it('measures the same run bare and with online refinement, and reports the overhead', async () => {
    const rows = await runEmulatorBench({ steps: 3000, systems: ['bench/emulator-soak.yaml'] });
    expect(rows.map((r) => r.mode)).toEqual(['emulator', 'emulator+refinement']);
    const [bare, checked] = rows as [(typeof rows)[0], (typeof rows)[0]];
    expect(bare.steps).toBe(3000);
    expect(checked.steps).toBe(bare.steps);
    expect(checked.vmExits).toBe(bare.vmExits);
    expect(checked.instructions).toBe(bare.instructions);
    expect(bare.vmExits).toBeGreaterThan(1000);
    expect(bare.vmExitsPerSecond).toBeCloseTo((bare.vmExits * 1000) / bare.ms);
    expect(checked.overhead).toBeCloseTo(checked.ms / bare.ms);
    expect(formatEmulatorBench(rows)).toMatch(/emulator-soak\s+emulator\+refinement\s+3,000/);
  });
});
