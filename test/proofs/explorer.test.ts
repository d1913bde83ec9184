import { describe, expect, it } from 'vitest';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout } from '../../model/layout.js';
import { init, type State } from '../../model/state.js';
import { type SeededBug, step } from '../../model/step.js';
import { explore, type Trace } from '../../proofs/explorer.js';
import { CATALOG, type PropertyName } from '../../proofs/properties.js';
import type { SystemConfig } from '../../system/config.js';
import { example } from '../helpers.js';

const SECURE = ['mils-two-domain', 'three-level-guard', 'multicore-devices'];

/** Plain breadth-first search keyed by the whole state as JSON: slow, but obviously right. */
function naiveCount(config: SystemConfig): number {
  const layout = buildLayout(config);
  const catalog = buildCatalog(layout);
  const seen = new Set<string>();
  let frontier: State[] = [init(layout)];
  seen.add(JSON.stringify(frontier[0]));
  while (frontier.length) {
    const next: State[] = [];
    for (const s of frontier)
      for (const e of enabledEvents(layout, catalog, s)) {
        const t = step(layout, s, e).state;
        const key = JSON.stringify(t);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(t);
        }
      }
    frontier = next;
  }
  return seen.size;
}

function violation(config: SystemConfig, name: PropertyName, bugs: SeededBug[] = []): Trace {
  const verdict = explore(config, { model: { bugs: new Set(bugs) } }).verdicts.get(name)!;
  if (verdict.status !== 'violated') throw new Error(`${name} ${verdict.status}`);
  return verdict.trace;
}

describe('explorer', () => {
  it.each(['mils-two-domain', 'multicore-devices', 'dma-passthrough', 'shared-irq'])(
    '%s: counts each distinct state once (canonical keys agree with whole-state equality)',
    (name) => {
      expect(explore(example(name)).distinctStates).toBe(naiveCount(example(name)));
    },
  );

  it('is deterministic: the same counts and the same counterexamples on every run', () => {
    const a = explore(example('shared-irq'));
    const b = explore(example('shared-irq'));
    expect(b.distinctStates).toBe(a.distinctStates);
    expect(b.depth).toBe(a.depth);
    expect(JSON.stringify([...b.verdicts])).toBe(JSON.stringify([...a.verdicts]));
  });

  it('finds a shortest counterexample', () => {
    // Measure, launch both, then one DMA: no run of fewer than four steps reaches secret's memory.
    const trace = violation(example('dma-passthrough'), 'DmaContainment');
    expect(trace.steps.map((s) => s.event?.type ?? 'Init')).toEqual([
      'Init',
      'MeasureHypervisor',
      'LaunchPartition',
      'LaunchPartition',
      'Dma',
    ]);
  });

  it('reports unknown rather than holds when the bound stops the search', () => {
    const r = explore(example('three-level-guard'), { maxStates: 100 });
    expect(r.complete).toBe(false);
    expect(r.distinctStates).toBe(100);
    expect([...r.verdicts.values()].every((v) => v.status === 'unknown')).toBe(true);
  });

  it('reports progress while it searches', () => {
    const seen: number[] = [];
    explore(example('three-level-guard'), {
      onProgress: (p) => seen.push(p.distinctStates),
      progressIntervalMs: 0,
    });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('gives a FaultRecovery counterexample as a fair cycle that keeps the partition down', () => {
    const config = example('orphan-monitor');
    const trace = violation(config, 'FaultRecovery');
    const loop = trace.loop!;
    expect(loop).toBeGreaterThan(0);
    const cycle = trace.steps.slice(loop + 1);
    expect(cycle.some((s) => s.event?.type === 'Tick')).toBe(true);
    expect(trace.steps.at(-1)!.state).toEqual(trace.steps[loop]!.state);
    for (const s of trace.steps.slice(loop)) expect(s.state.status).toEqual(['faulted', 'running']);
  });
});

describe('baits: no property passes vacuously', () => {
  const runs = new Map<string, ReturnType<typeof explore>>();
  const run = (name: string) => {
    if (!runs.has(name)) runs.set(name, explore(example(name)));
    return runs.get(name)!;
  };
  it.each(CATALOG.map((p) => p.name))('%s: its bait is reached on a secure example', (name) => {
    const reached = SECURE.filter((e) => run(e).baits.get(name));
    expect(reached.length).toBeGreaterThan(0);
  });
});

describe('seeded hypervisor bugs are caught', () => {
  it.each([
    ['refused-send-enqueues', 'HypercallAuthorization', 'mils-two-domain'],
    ['status-without-privilege', 'HypercallAuthorization', 'mils-two-domain'],
    ['unaudited-refusal', 'AuditCompleteness', 'mils-two-domain'],
    ['fault-flushes-inbox', 'FaultContainment', 'mils-two-domain'],
    ['auto-restart', 'FaultContainment', 'mils-two-domain'],
    ['dma-after-halt', 'FailSecure', 'mils-two-domain'],
    ['tick-after-halt', 'FailSecure', 'mils-two-domain'],
    ['launch-ignores-mismatch', 'MeasuredLaunch', 'mils-two-domain'],
    ['unchecked-buffer', 'HypercallAuthorization', 'mils-two-domain'],
  ] as const)('%s violates %s on %s', (bug, property, system) => {
    const config = example(system);
    expect(explore(config).verdicts.get(property)?.status).toBe('holds');
    const trace = violation(config, property, [bug]);
    // The counterexample is a run of the buggy model, and the correct model refuses its last step.
    const last = trace.steps.at(-1)!;
    const before = trace.steps.at(-2)!.state;
    const layout = buildLayout(config);
    expect(step(layout, before, last.event!, { bugs: new Set([bug]) }).state).toEqual(last.state);
    expect(step(layout, before, last.event!).state).not.toEqual(last.state);
  });
});
