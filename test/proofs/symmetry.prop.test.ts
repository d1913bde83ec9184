/**
 * Symmetry reduction (proofs/symmetry.ts): which renamings are found, that each one commutes with
 * the model on the states it is used on (the lemma the reduction rests on), and that the search up
 * to symmetry gives the whole search's verdicts, counterexample lengths and baits from one state per
 * class, with counterexamples that are runs of the model, in this thread and on workers.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout, type Layout } from '../../model/layout.js';
import type { State } from '../../model/state.js';
import { step } from '../../model/step.js';
import { twoLaneSystemArb } from '../../proofs/arbitraries.js';
import { searchContext } from '../../proofs/expand.js';
import { type ExploreResult, explore } from '../../proofs/explorer.js';
import { inside, isTracked, monitorPairs } from '../../proofs/liveness.js';
import { CATALOG, INVARIANTS } from '../../proofs/properties.js';
import { informationFlowMasks, sliceState } from '../../proofs/slicing.js';
import {
  canonicalizable,
  canonicalize,
  findSymmetry,
  pinnedByResetOrder,
  rename,
} from '../../proofs/symmetry.js';
import type { SystemConfig } from '../../system/config.js';
import { EXAMPLES } from '../cli/cli.js';
import { driver, example, fromYaml, ROOT } from '../helpers.js';
import { walkStates } from './walks.js';

const DUAL_LANE = readFileSync(`${ROOT}bench/systems/dual-lane-7p3c.yaml`, 'utf8');
/** The dual-lane system with each sensor's window running into its command's: TemporalIsolation. */
const OVERLAP = DUAL_LANE.replace(
  'partition: sensor-a, start: 0, length: 1',
  'partition: sensor-a, start: 0, length: 2',
).replace('partition: sensor-b, start: 0, length: 1', 'partition: sensor-b, start: 0, length: 2');
/** The dual-lane system whose voter, the health monitor, never gets a window: a faulted lane stays down. */
const IDLE_VOTER = DUAL_LANE.replace('- { cpu: 2, partition: voter, start: 0, length: 3 }', '');

const twoLanes = twoLaneSystemArb({
  maxPartitions: 2,
  maxDevices: 1,
  maxChannels: 1,
  maxPages: 4,
  maxCpus: 1,
  maxFrame: 2,
});

function names(config: SystemConfig, orbits: readonly (readonly number[])[]): string[][] {
  return orbits.map((o) => o.map((p) => config.partitions[p]!.name));
}

describe('finding symmetries', () => {
  it('dual-lane: the lane swap and nothing else', () => {
    const config = fromYaml(DUAL_LANE);
    const symmetry = findSymmetry(buildLayout(config), null)!;
    expect(symmetry.elements).toHaveLength(1);
    expect(names(config, symmetry.orbits)).toEqual([
      ['command-a', 'command-b'],
      ['monitor-a', 'monitor-b'],
      ['sensor-a', 'sensor-b'],
    ]);
    expect([...symmetry.elements[0]!.device]).toEqual([1, 0]);
    expect([...symmetry.elements[0]!.channel]).toEqual([3, 4, 5, 0, 1, 2]);
  });

  it.each([
    [
      'a capacity',
      DUAL_LANE.replace(
        'vote-b, from: monitor-b, to: voter, capacity: 1',
        'vote-b, from: monitor-b, to: voter, capacity: 2',
      ),
    ],
    [
      'the reach of partition-control',
      DUAL_LANE.replace(
        'controls: [command-a, monitor-a, command-b, monitor-b]',
        'controls: [command-a, monitor-a, command-b]',
      ),
    ],
    ['a DMA window', DUAL_LANE.replace('dma: [{ start: 15, pages: 1 }]', 'dma: [{ start: 14, pages: 2 }]')],
    [
      'a window',
      DUAL_LANE.replace(
        'partition: monitor-b, start: 2, length: 1',
        'partition: monitor-b, start: 2, length: 1 }\n    - { cpu: 1, partition: monitor-b, start: 0, length: 1',
      ),
    ],
  ])('dual-lane with lanes that differ in %s: none', (_what, text) => {
    expect(text).not.toBe(DUAL_LANE);
    expect(findSymmetry(buildLayout(fromYaml(text)), null)).toBeNull();
  });

  it.each([3, 4, 5])('%i lanes: every permutation of the lanes, and nothing else', (k) => {
    const lane = (i: number) => String.fromCharCode(97 + i);
    const partition = (
      name: string,
      kind: string,
      level: string,
      cpu: number,
      start: number,
      pages: number,
    ) =>
      `  - { name: ${name}, kind: ${kind}, level: ${level}, cpus: [${cpu}], memory: [{ start: ${start}, pages: ${pages} }], image: "sha256:${kind === 'rtos' ? 'a' : 'b'}${'0'.repeat(63)}" }`;
    const lanes = Array.from({ length: k }, (_, i) => i);
    const text = [
      'system: lanes',
      `platform: { cpus: ${k + 1}, pages: ${8 * k + 4} }`,
      `hypervisor: { image: "sha256:${'c'.repeat(64)}" }`,
      'levels: [UNCLASSIFIED, SECRET]',
      'partitions:',
      ...lanes.flatMap((i) => [
        partition(`command-${lane(i)}`, 'rtos', 'SECRET', i, 8 * i, 4),
        partition(`monitor-${lane(i)}`, 'bare-metal', 'SECRET', i, 8 * i + 4, 2),
        partition(`sensor-${lane(i)}`, 'bare-metal', 'UNCLASSIFIED', i, 8 * i + 6, 2),
      ]),
      `  - { name: voter, kind: bare-metal, level: SECRET, cpus: [${k}], memory: [{ start: ${8 * k}, pages: 4 }], image: "sha256:${'d'.repeat(64)}", privileges: [partition-control], controls: [${lanes.map((i) => `command-${lane(i)}`).join(', ')}] }`,
      'devices:',
      ...lanes.map(
        (i) =>
          `  - { name: bus-${lane(i)}, owner: sensor-${lane(i)}, irq: ${i + 1}, dma: [{ start: ${8 * i + 7}, pages: 1 }] }`,
      ),
      'channels:',
      ...lanes.flatMap((i) => [
        `  - { name: data-${lane(i)}, from: sensor-${lane(i)}, to: command-${lane(i)}, capacity: 1 }`,
        `  - { name: check-${lane(i)}, from: command-${lane(i)}, to: monitor-${lane(i)}, capacity: 1 }`,
        `  - { name: vote-${lane(i)}, from: monitor-${lane(i)}, to: voter, capacity: 1 }`,
      ]),
      'schedule:',
      '  majorFrame: 3',
      '  windows:',
      ...lanes.flatMap((i) =>
        ['sensor', 'command', 'monitor'].map(
          (role, t) => `    - { cpu: ${i}, partition: ${role}-${lane(i)}, start: ${t}, length: 1 }`,
        ),
      ),
      `    - { cpu: ${k}, partition: voter, start: 0, length: 3 }`,
      'audit: { capacity: 2, onFull: halt }',
    ].join('\n');
    const symmetry = findSymmetry(buildLayout(fromYaml(text)), null)!;
    const factorial = lanes.reduce((f, i) => f * (i + 1), 1);
    expect(symmetry.elements).toHaveLength(factorial - 1);
    // Each renaming moves whole lanes: partition 3i + r goes to 3j + r for one j per i.
    for (const g of symmetry.elements)
      for (let p = 0; p < 3 * k; p++) expect(g.partition[p]! % 3).toBe(p % 3);
    expect(symmetry.orbits).toHaveLength(3);
  });

  it.each(EXAMPLES)('%s: none (no two partitions are configured alike)', (name) => {
    expect(findSymmetry(buildLayout(example(name)), null)).toBeNull();
  });

  test.prop([twoLanes], { numRuns: 100 })(
    'generated two-lane systems: the lane swap, unless a tick resets partitions in an order that matters',
    (config) => {
      const n = config.partitions.length / 2;
      const layout = buildLayout(config);
      const swap = Array.from({ length: 2 * n }, (_, p) => (p + n) % (2 * n)).join();
      const found =
        findSymmetry(layout, null)?.elements.some((g) => [...g.partition].join() === swap) ?? false;
      expect(found).toBe(pinnedByResetOrder(layout) === 0);
    },
  );

  it('two health monitors that may reset the same partition at one tick pin both', () => {
    // Each lane's monitor controls every partition, and their windows start together: which one
    // resets a faulted partition (and so whose label it gets) is decided by index.
    const lanes = DUAL_LANE.replace(
      / {2}- name: monitor-a\n {4}kind: bare-metal\n {4}level: SECRET\n/,
      '  - name: monitor-a\n    kind: bare-metal\n    level: SECRET\n    privileges: [partition-control]\n',
    ).replace(
      / {2}- name: monitor-b\n {4}kind: bare-metal\n {4}level: SECRET\n/,
      '  - name: monitor-b\n    kind: bare-metal\n    level: SECRET\n    privileges: [partition-control]\n',
    );
    const layout = buildLayout(fromYaml(lanes));
    expect(layout.healthMonitors).not.toBe(buildLayout(fromYaml(DUAL_LANE)).healthMonitors);
    expect(pinnedByResetOrder(layout)).not.toBe(0);
    expect(findSymmetry(layout, null)).toBeNull();
  });
});

/** Per step out of `s`: the state reached, renamed by `g` when given, and the baits the step reaches. */
function stepsOf(layout: Layout, s: State, g?: Parameters<typeof rename>[0]): Set<string> {
  const catalog = buildCatalog(layout);
  return new Set(
    enabledEvents(layout, catalog, s).map((e) => {
      const result = step(layout, s, e);
      const baits = CATALOG.filter((p) => p.bait.reached(layout, s, e, result)).map((p) => p.name);
      return JSON.stringify([g ? rename(g, result.state) : result.state, baits]);
    }),
  );
}

/** The lemma on random walks: for every symmetry g and every state s with no partition pending,
 * the steps out of g(s) are the g-images of the steps out of s, reaching the same baits, and g(s) is
 * judged as s is. Also for the symmetries kept with the label slice. Returns the states checked. */
function checkLemma(config: SystemConfig, seed: number): number {
  const layout = buildLayout(config);
  const symmetry = findSymmetry(layout, null);
  if (!symmetry) return 0;
  const masks = informationFlowMasks(layout);
  const sliced = masks ? findSymmetry(layout, masks) : null;
  let checked = 0;
  // From the initial state and from the state right after a boot that launches every partition.
  const booted = driver(config).run(
    { type: 'MeasureHypervisor' },
    ...config.partitions.map((p) => ({ type: 'LaunchPartition' as const, partition: p.index })),
  ).state;
  const states = [...walkStates(layout, {}, seed, 12, 40), ...walkStates(layout, {}, seed, 12, 40, booted)];
  // Every renaming of a state has the state's representative.
  const ctx = searchContext(config, {}, {}, false, true);
  const words = new Uint32Array(ctx.codec.words);
  const representative = (x: State) => {
    ctx.codec.encode(x, words);
    canonicalize(ctx.symmetry!, ctx.codec, x, words, ctx.scratch);
    return words.join();
  };
  for (const s of states) {
    if (!canonicalizable(s)) continue;
    checked++;
    const own = representative(s);
    for (const g of symmetry.elements) {
      const t = rename(g, s);
      expect(representative(t)).toBe(own);
      for (const inv of INVARIANTS)
        expect([inv.name, inv.holds(layout, t)]).toEqual([inv.name, inv.holds(layout, s)]);
      expect(isTracked(layout, t)).toBe(isTracked(layout, s));
      for (const pair of monitorPairs(layout)) {
        const moved = { partition: g.partition[pair.partition]!, monitor: g.partition[pair.monitor]! };
        expect(inside(t, moved)).toBe(inside(s, pair));
      }
      expect(stepsOf(layout, t)).toEqual(stepsOf(layout, s, g));
    }
    for (const g of sliced?.elements ?? [])
      expect(sliceState(masks!, rename(g, s))).toEqual(rename(g, sliceState(masks!, s)));
  }
  return checked;
}

describe('a symmetry commutes with the model', () => {
  it('dual-lane, and its variants that break properties', () => {
    for (const text of [DUAL_LANE, OVERLAP, IDLE_VOTER])
      for (const seed of [1, 2]) expect(checkLemma(fromYaml(text), seed)).toBeGreaterThan(0);
  });

  test.prop([twoLanes, fc.integer({ min: 1, max: 1 << 30 })], { numRuns: 60 })(
    'generated two-lane systems',
    (config, seed) => {
      checkLemma(config, seed);
    },
  );
});

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i]! < b[i]!;
}

/** What must not change under the reduction: verdicts, invariants' counterexample lengths, baits. */
function outcome(result: ExploreResult): unknown {
  return {
    verdicts: [...result.verdicts].map(([name, v]) => [
      name,
      v.status,
      v.status === 'violated' && name !== 'FaultRecovery' ? v.trace.steps.length : null,
    ]),
    baits: [...result.baits],
  };
}

/** Holds the search up to symmetry to the label-sliced one; their counts, or null when that one is cut. */
function checkAgainstSliced(config: SystemConfig, maxStates = Number.POSITIVE_INFINITY) {
  const states: State[] = [];
  const plain = explore(config, { reduction: true, maxStates, visit: (s) => states.push(s) });
  if (!plain.complete) return null;
  const reduced = explore(config, { reduction: true, symmetry: true });
  expect(reduced.complete).toBe(true);
  expect(outcome(reduced)).toEqual(outcome(plain));
  // One stored state per class: as many as the label-sliced search's states have classes, each
  // named here by the least of its renamings' packed words, built the slow way (`rename`); and
  // `canonicalize` gives every member of a class one representative, itself a member.
  const ctx = searchContext(config, {}, {}, true, true);
  const classes = new Map<string, string>();
  const words = new Uint32Array(ctx.codec.words);
  for (const s of states) {
    const renamings = canonicalizable(s)
      ? [s, ...(ctx.symmetry?.elements ?? []).map((g) => rename(g, s))]
      : [s];
    const packed = renamings.map((r) => {
      ctx.codec.encode(r, words);
      return [...words];
    });
    const least = packed.reduce((a, b) => (lexLess(b, a) ? b : a)).join();
    ctx.codec.encode(s, words);
    if (ctx.symmetry) canonicalize(ctx.symmetry, ctx.codec, s, words, ctx.scratch);
    const representative = words.join();
    expect(packed.map((w) => w.join())).toContain(representative);
    if (!classes.has(least)) classes.set(least, representative);
    expect(representative).toBe(classes.get(least));
  }
  expect(reduced.distinctStates).toBe(classes.size);
  expect(reduced.symmetry?.order ?? 1).toBe((ctx.symmetry?.elements.length ?? 0) + 1);
  // Every counterexample is a run of the model; a lasso closes its loop with a Tick in it, one pair down.
  const layout = buildLayout(config);
  const masks = informationFlowMasks(layout);
  const slice = (s: State) => (masks ? sliceState(masks, s) : s);
  for (const [name, v] of reduced.verdicts) {
    if (v.status !== 'violated') continue;
    const steps = v.trace.steps;
    for (let i = 1; i < steps.length; i++)
      expect(step(layout, steps[i - 1]!.state, steps[i]!.event!).state).toEqual(steps[i]!.state);
    if (name !== 'FaultRecovery') {
      expect(INVARIANTS.find((p) => p.name === name)!.holds(layout, steps.at(-1)!.state)).toBe(false);
      continue;
    }
    const loop = v.trace.loop!;
    expect(slice(steps.at(-1)!.state)).toEqual(slice(steps[loop]!.state));
    const cycle = steps.slice(loop);
    expect(cycle.slice(1).some((s) => s.event!.type === 'Tick')).toBe(true);
    expect(monitorPairs(layout).some((pair) => cycle.every((s) => inside(s.state, pair)))).toBe(true);
  }
  return {
    plain: plain.distinctStates,
    reduced: reduced.distinctStates,
    order: reduced.symmetry?.order ?? 1,
  };
}

describe('the search up to symmetry', () => {
  it('dual-lane: the same outcome from about half the states', () => {
    const counts = checkAgainstSliced(fromYaml(DUAL_LANE))!;
    expect(counts.reduced * 1.8).toBeLessThan(counts.plain);
  });

  it.each([
    ['overlap', 'TemporalIsolation', OVERLAP],
    ['idle-voter', 'FaultRecovery', IDLE_VOTER],
  ])('dual-lane %s: %s violated, by a run of the model', (_name, property, text) => {
    const config = fromYaml(text);
    expect(checkAgainstSliced(config)).not.toBeNull();
    const result = explore(config, { reduction: true, symmetry: true });
    expect(result.verdicts.get(property as 'InformationFlow')!.status).toBe('violated');
  });

  test('generated two-lane systems: the same verdicts, counterexample lengths and baits', () => {
    let compared = 0;
    let symmetric = 0;
    fc.assert(
      fc.property(twoLanes, (config) => {
        const counts = checkAgainstSliced(config, 20_000);
        if (counts) compared++;
        if (counts && counts.order > 1) symmetric++;
      }),
      { numRuns: 60, seed: 2026 },
    );
    expect(compared).toBeGreaterThanOrEqual(40);
    expect(symmetric).toBeGreaterThanOrEqual(20);
  });

  it('is off with a seeded bug, and reported with its classes', () => {
    const config = fromYaml(DUAL_LANE);
    expect(
      explore(config, {
        reduction: true,
        symmetry: true,
        maxStates: 1000,
        model: { bugs: new Set(['dma-after-halt']) },
      }).symmetry,
    ).toBeUndefined();
    const result = explore(config, { reduction: true, symmetry: true });
    expect(result.symmetry).toEqual({
      order: 2,
      orbits: [
        [0, 3],
        [1, 4],
        [2, 5],
      ],
    });
  });
});

type Parallel = (config: SystemConfig, options: object) => Promise<ExploreResult>;
const { exploreParallel } = (await import(`${ROOT}dist/proofs/parallel.js`)) as { exploreParallel: Parallel };

describe('the search up to symmetry on workers', () => {
  it.each([
    ['dual-lane', DUAL_LANE],
    ['idle-voter', IDLE_VOTER],
  ])('%s: the in-thread result, lasso included', async (_, text) => {
    const config = fromYaml(text);
    const options = { reduction: true, symmetry: true, rangeSize: 8 };
    const summary = (r: ExploreResult) => ({
      distinctStates: r.distinctStates,
      depth: r.depth,
      verdicts: [...r.verdicts].map(([name, v]) => [
        name,
        v.status === 'violated' ? v.trace.steps.map((s) => JSON.stringify(s.event)) : v.status,
      ]),
    });
    const one = explore(config, options);
    expect(summary(await exploreParallel(config, { ...options, workers: 2 }))).toEqual(summary(one));
  });
});
