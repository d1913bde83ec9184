/**
 * The page-class abstraction checked on the packaged system, at package time: the model explores
 * one memory cell per class of interchangeable pages, with no label where one partition alone
 * reaches a page (model/layout.ts); here the same system is searched again with one labelled cell
 * per host page, and the verdicts, baits and state counts of the two are compared, as the test
 * suite does on the examples (test/proofs/abstraction.prop.test.ts). The comparison runs twice:
 * over whole states, as that test does, and label-sliced, as the package's explorer decides; each
 * within the package's state bound, and a search that does not finish within it leaves that
 * comparison not run, with the reason.
 */
import { buildLayout } from '../model/layout.js';
import { type ExploreResult, explore } from '../proofs/explorer.js';
import { CATALOG } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import type { Assumption } from './assumptions.js';
import type {
  AbstractionComparison,
  AbstractionEvidence,
  AbstractionReduction,
  AbstractionSearch,
  CheckStatus,
} from './types.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

/** One search of the class model or the page-by-page model, in the package's terms. */
export function searchOf(result: ExploreResult): AbstractionSearch {
  return {
    complete: result.complete,
    distinctStates: result.distinctStates,
    depth: result.depth,
    verdicts: CATALOG.map((p) => ({
      property: p.name,
      status: result.verdicts.get(p.name)?.status ?? 'unknown',
      bait: result.baits.get(p.name) ?? false,
    })),
    durationMs: Math.round(result.durationMs),
  };
}

function stopped(what: string, s: AbstractionSearch, maxStates: number): string {
  return `not run: beyond the bound: the ${what} has more than ${fmt(maxStates)} distinct states (the search stopped at ${fmt(s.distinctStates)})`;
}

/**
 * The comparison of two finished searches: every verdict and every bait the same, and the page
 * model no smaller than the class model. A search stopped at the bound leaves it not run.
 */
export function compareSearches(
  reduction: AbstractionReduction,
  classModel: AbstractionSearch,
  pageModel: AbstractionSearch | null,
  maxStates: number,
): AbstractionComparison {
  const notRun = (reason: string): AbstractionComparison => ({
    reduction,
    status: 'not-run',
    reason,
    classModel,
    pageModel,
    differences: [],
  });
  if (!classModel.complete) return notRun(stopped('class model', classModel, maxStates));
  if (!pageModel) return notRun('not run: the class model was not searched to the end');
  if (!pageModel.complete) return notRun(stopped('page-by-page model', pageModel, maxStates));
  const differences: string[] = [];
  for (const c of classModel.verdicts) {
    const p = pageModel.verdicts.find((v) => v.property === c.property);
    if (!p) {
      differences.push(`${c.property}: not checked on the page-by-page model`);
      continue;
    }
    if (p.status !== c.status)
      differences.push(`${c.property}: ${c.status} on the class model, ${p.status} page by page`);
    if (p.bait !== c.bait)
      differences.push(
        `${c.property}: bait ${c.bait ? 'reached' : 'not reached'} on the class model, ${p.bait ? 'reached' : 'not reached'} page by page`,
      );
  }
  if (pageModel.distinctStates < classModel.distinctStates)
    differences.push(
      `the page-by-page model has fewer states (${fmt(pageModel.distinctStates)}) than the class model (${fmt(classModel.distinctStates)}): the classes split behaviour the pages do not`,
    );
  return {
    reduction,
    status: differences.length ? 'failed' : 'passed',
    reason: differences.length
      ? `the abstraction changed ${differences.length === 1 ? 'a result' : `${differences.length} results`}: ${differences[0]}`
      : null,
    classModel,
    pageModel,
    differences,
  };
}

/** The comparisons together: failed if one failed, passed if one passed and none failed. */
export function abstractionStatus(comparisons: readonly AbstractionComparison[]): {
  status: CheckStatus;
  reason: string | null;
} {
  const failed = comparisons.find((c) => c.status === 'failed');
  if (failed) return { status: 'failed', reason: `${label(failed.reduction)}: ${failed.reason}` };
  if (comparisons.some((c) => c.status === 'passed')) return { status: 'passed', reason: null };
  return {
    status: 'not-run',
    reason: comparisons.map((c) => `${label(c.reduction)}: ${c.reason}`).join('; '),
  };
}

export function label(reduction: AbstractionReduction): string {
  return reduction === 'label-slicing' ? 'label-sliced' : 'whole states';
}

/**
 * Both comparisons on one system, each search within `maxStates` distinct states. `known` holds
 * class-model searches already made within the same bound (the explorer engine's), which are not
 * searched again.
 */
export function abstractionCheck(
  config: SystemConfig,
  maxStates: number,
  onProgress?: (line: string) => void,
  known: Partial<Record<AbstractionReduction, AbstractionSearch>> = {},
): AbstractionEvidence {
  const started = performance.now();
  const comparisons: AbstractionComparison[] = [];
  // Label-sliced first: it is the cheaper and it is how the package's explorer decides.
  for (const reduction of ['label-slicing', 'none'] as const) {
    const search = (precise: boolean) =>
      searchOf(explore(config, { maxStates, layout: { precise }, reduction: reduction === 'label-slicing' }));
    let classModel = known[reduction];
    if (!classModel) {
      onProgress?.(`abstraction test (${label(reduction)}): class model`);
      classModel = search(false);
    }
    onProgress?.(`abstraction test (${label(reduction)}): page-by-page model`);
    const pageModel = classModel.complete ? search(true) : null;
    comparisons.push(compareSearches(reduction, classModel, pageModel, maxStates));
  }
  const classes = buildLayout(config);
  const pages = buildLayout(config, { precise: true });
  return {
    ...abstractionStatus(comparisons),
    maxStates,
    layout: {
      pages: config.platform.pages,
      classes: classes.classes.length,
      classCells: classes.cells.length,
      pageCells: pages.cells.length,
    },
    comparisons,
    durationMs: Math.round(performance.now() - started),
  };
}

/** What the comparison showed on this system, for the register's abstraction entry. */
export function abstractionFinding(a: AbstractionEvidence): string {
  const sizes = (c: AbstractionComparison) =>
    c.pageModel
      ? `${fmt(c.classModel.distinctStates)} states as classes, ${fmt(c.pageModel.distinctStates)} page by page`
      : `${fmt(c.classModel.distinctStates)} states as classes`;
  const each = a.comparisons
    .map((c) =>
      c.status === 'passed'
        ? `${label(c.reduction)}, the same verdicts and baits (${sizes(c)})`
        : `${label(c.reduction)}, ${c.status === 'failed' ? `FAILED: ${c.reason}` : c.reason}`,
    )
    .join('; ');
  return `On this system the comparison was run when the package was made (${fmt(a.layout.pages)} pages in ${fmt(a.layout.classes)} classes, ${fmt(a.layout.classCells)} of them labelled, against ${fmt(a.layout.pageCells)} labelled pages): ${each}. See conformance.abstraction in evidence.json.`;
}

/** The register's abstraction entry, citing the comparison run on this system. */
export function citeAbstraction(entry: Assumption, a: AbstractionEvidence): Assumption {
  return { ...entry, statement: `${entry.statement} ${abstractionFinding(a)}` };
}
