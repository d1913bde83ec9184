/**
 * The abstraction test as a package runs it: the class model against the page-by-page model on the
 * packaged system, within the package's bound. How a package records it is in evaluator.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { abstractionCheck, compareSearches, searchOf } from '../../evidence/abstraction.js';
import { runExplorerEngine } from '../../evidence/engines.js';
import type { AbstractionEvidence } from '../../evidence/types.js';
import { explore } from '../../proofs/explorer.js';
import { example } from '../helpers.js';

describe('abstraction test at package time', () => {
  it('compares the class model with page-by-page labels, label-sliced and over whole states', () => {
    const a = abstractionCheck(example('dma-window-overlap'), 100_000);
    expect(a.status).toBe('passed');
    expect(a.comparisons.map((c) => [c.reduction, c.status])).toEqual([
      ['label-slicing', 'passed'],
      ['none', 'passed'],
    ]);
    for (const c of a.comparisons) {
      expect(c.pageModel!.verdicts).toEqual(c.classModel.verdicts);
      expect(c.pageModel!.distinctStates).toBeGreaterThan(c.classModel.distinctStates);
    }
    // The violations it carries are found by both models.
    expect(
      a.comparisons[1]!.classModel.verdicts.filter((v) => v.status === 'violated').map((v) => v.property),
    ).toEqual(['DmaContainment', 'InformationFlow']);
    expect(a.layout.pages).toBe(example('dma-window-overlap').platform.pages);
    expect(a.layout.pageCells).toBeGreaterThan(a.layout.classCells);
  });

  it("reuses the explorer engine's class-model search, with the result of searching it again", () => {
    const config = example('shared-write-down');
    const engine = runExplorerEngine(config, { maxStates: 100_000, source: 'system.yaml' });
    expect(Object.keys(engine.classSearches!)).toEqual(['label-slicing']);
    const untimed = (a: AbstractionEvidence) =>
      a.comparisons.map((c) => ({
        ...c,
        classModel: { ...c.classModel, durationMs: 0 },
        pageModel: c.pageModel && { ...c.pageModel, durationMs: 0 },
      }));
    const reused = abstractionCheck(config, 100_000, undefined, engine.classSearches);
    expect(untimed(reused)).toEqual(untimed(abstractionCheck(config, 100_000)));
    expect(reused.comparisons[0]!.classModel).toBe(engine.classSearches!['label-slicing']);
  });

  it('records a model beyond the bound as not run, with the reason', () => {
    // three-level-guard has 72,032 whole states as classes; label-sliced both models have 318.
    const a = abstractionCheck(example('three-level-guard'), 5000);
    const [sliced, whole] = a.comparisons;
    expect(sliced!.status).toBe('passed');
    expect(whole).toMatchObject({ reduction: 'none', status: 'not-run', pageModel: null });
    expect(whole!.reason).toMatch(
      /^not run: beyond the bound: the class model has more than 5,000 distinct states/,
    );
    expect(a.status).toBe('passed');

    const tiny = abstractionCheck(example('three-level-guard'), 100);
    expect(tiny.status).toBe('not-run');
    expect(tiny.reason).toMatch(
      /label-sliced: not run: beyond the bound.*whole states: not run: beyond the bound/,
    );
  });

  it('fails on a verdict or bait that differs, naming the property', () => {
    const config = example('mils-two-domain');
    const classModel = searchOf(explore(config, { maxStates: 10_000 }));
    const broken = {
      ...classModel,
      distinctStates: classModel.distinctStates + 1,
      verdicts: classModel.verdicts.map((v) =>
        v.property === 'InformationFlow' ? { ...v, status: 'violated' as const } : v,
      ),
    };
    const c = compareSearches('none', classModel, broken, 10_000);
    expect(c.status).toBe('failed');
    expect(c.differences).toEqual(['InformationFlow: holds on the class model, violated page by page']);
    const baits = compareSearches(
      'none',
      classModel,
      { ...classModel, verdicts: classModel.verdicts.map((v) => ({ ...v, bait: !v.bait })) },
      10_000,
    );
    expect(baits.differences).toHaveLength(classModel.verdicts.length);
  });
});
