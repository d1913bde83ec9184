/**
 * Noninterference by self-composition in the package (`noninterference` in evidence.json, the
 * section "Noninterference (two runs)" in the report): per observer partition the result of
 * proofs/noninterference.ts within the package's state bound, each divergence as two ITF traces and
 * move by move, and whether it agrees with InformationFlow's one-run label invariant. A view that
 * diverges where InformationFlow holds, or a leak InformationFlow reports to a partition whose
 * search finished with no divergence, is a disagreement: the package is then an ERROR.
 */
import type { Layout } from '../model/layout.js';
import { noninterferenceReport, witnessMoves } from '../proofs/ni-report.js';
import { checkNoninterference, type NiStatus, type Side } from '../proofs/noninterference.js';
import type { EngineRun } from './engines.js';
import { packageFileName } from './traceability.js';
import type { PropertyEvidence } from './types.js';

export interface NiObserverEvidence {
  readonly partition: string;
  /** holds: no pair of runs changes its view; violated: its view diverges; unknown: not decided within the bound. */
  readonly status: NiStatus;
  /** The partitions it may not learn from: what they do and hold differs between the runs. */
  readonly hidden: readonly string[];
  /** True when nothing is hidden from it, so its `holds` demonstrates nothing. */
  readonly vacuous: boolean;
  /** Why it is vacuous; null otherwise. */
  readonly reason: string | null;
  /** Pairs of states stored by its search. */
  readonly productStates: number;
  /** Moves of the longest stored path, or of the diverging pair. */
  readonly depth: number;
  /** With `violated`: what it sees differently at the last move; else null. */
  readonly divergence: string | null;
  /** With `violated`: the moves of both runs as `check --noninterference` prints them; else empty. */
  readonly moves: readonly string[];
  /** With `violated`: per move, the runs that took it; else null. */
  readonly interleaving: readonly Side[] | null;
  /** With `violated`: the package paths of the two runs as ITF traces; else null. */
  readonly traces: { readonly first: string; readonly second: string } | null;
}

export type NiAgreement = 'agrees' | 'disagrees' | 'not-compared';

export interface NoninterferenceEvidence {
  /** The whole check: violated if a view diverges, unknown if a search stopped at the bound, else holds. */
  readonly status: NiStatus | 'not-run' | 'failed';
  /** Why it did not run, or failed; null when it ran. */
  readonly reason: string | null;
  /** Pairs of states each observer's search could store (the package's --max-states). */
  readonly maxStates: number;
  /** In file order; empty when it did not run. */
  readonly observers: readonly NiObserverEvidence[];
  readonly productStates: number;
  /** Held against InformationFlow's settled verdict, with why, in words. */
  readonly agreement: { readonly status: NiAgreement; readonly detail: string };
  readonly durationMs: number | null;
}

/** The folder of the package holding the diverging pairs. */
export const NI_TRACE_DIR = 'traces/noninterference';

/** The self-composition on the packaged system, without its agreement, and the traces it names. */
export function runNoninterference(
  layout: Layout,
  source: string,
  setting: { readonly maxStates: number } | { readonly skipped: string },
  onProgress?: (line: string) => void,
): { evidence: Omit<NoninterferenceEvidence, 'agreement'>; files: [string, string][] } {
  if ('skipped' in setting) return { evidence: notRun('not-run', setting.skipped, 0), files: [] };
  const { maxStates } = setting;
  const name = (p: number) => layout.config.partitions[p]!.name;
  let result: ReturnType<typeof checkNoninterference>;
  try {
    result = checkNoninterference(layout.config, {
      maxStates,
      ...(onProgress
        ? {
            onProgress: (o, n) =>
              onProgress(
                `noninterference: observer ${name(o)}, ${n.toLocaleString('en-US')} pairs of states`,
              ),
          }
        : {}),
    });
  } catch (e) {
    return { evidence: notRun('failed', e instanceof Error ? e.message : String(e), maxStates), files: [] };
  }
  const report = noninterferenceReport(layout, result, source);
  const files: [string, string][] = [];
  const observers = result.observers.map((o, i): NiObserverEvidence => {
    const r = report.observers[i]!;
    let traces: NiObserverEvidence['traces'] = null;
    if (r.traces) {
      const base = `${NI_TRACE_DIR}/${packageFileName(r.partition)}`;
      traces = { first: `${base}.first.itf.json`, second: `${base}.second.itf.json` };
      files.push([traces.first, `${JSON.stringify(r.traces[0], null, 2)}\n`]);
      files.push([traces.second, `${JSON.stringify(r.traces[1], null, 2)}\n`]);
    }
    return {
      partition: r.partition,
      status: r.status,
      hidden: r.hidden,
      vacuous: r.vacuous === true,
      reason: r.reason ?? null,
      productStates: r.productStates,
      depth: r.depth,
      divergence: r.divergence ?? null,
      moves: o.witness ? witnessMoves(layout, o.witness) : [],
      interleaving: r.interleaving ?? null,
      traces,
    };
  });
  const status: NiStatus = observers.some((o) => o.status === 'violated')
    ? 'violated'
    : observers.some((o) => o.status === 'unknown')
      ? 'unknown'
      : 'holds';
  return {
    evidence: {
      status,
      reason: null,
      maxStates,
      observers,
      productStates: report.stats.productStates,
      durationMs: report.stats.durationMs,
    },
    files,
  };
}

function notRun(
  status: 'not-run' | 'failed',
  reason: string,
  maxStates: number,
): Omit<NoninterferenceEvidence, 'agreement'> {
  return { status, reason, maxStates, observers: [], productStates: 0, durationMs: null };
}

/**
 * The partitions InformationFlow's counterexamples end with holding data the policy keeps from
 * them, over every engine whose counterexample the model followed.
 */
export function leakedTo(layout: Layout, runs: readonly EngineRun[]): Set<string> {
  const to = new Set<string>();
  for (const run of runs) {
    const steps = run.verdicts.get('InformationFlow')?.trace?.steps;
    const last = steps?.[steps.length - 1]?.state;
    if (!last) continue;
    last.observed.forEach((seen, p) => {
      if (seen & ~layout.mayFlowTo[p]!) to.add(layout.config.partitions[p]!.name);
    });
  }
  return to;
}

const names = (os: readonly NiObserverEvidence[]) => os.map((o) => o.partition).join(', ');

/**
 * The two checks held against each other. InformationFlow settled `holds` while a view diverges is
 * a flow its labels miss; a leak it reports to a partition whose search finished with no divergence
 * (or, when no counterexample says to whom, with every search finished and none diverging) is one
 * no pair of runs shows. A divergence where InformationFlow is violated agrees.
 */
export function agreementOf(
  ni: Omit<NoninterferenceEvidence, 'agreement'>,
  informationFlow: PropertyEvidence,
  leaks: ReadonlySet<string>,
): NoninterferenceEvidence['agreement'] {
  if (ni.status === 'not-run' || ni.status === 'failed')
    return { status: 'not-compared', detail: `the self-composition did not run: ${ni.reason}` };
  const flow = informationFlow.status;
  if (flow !== 'holds' && flow !== 'violated')
    return {
      status: 'not-compared',
      detail: `InformationFlow is not settled (${flow}), so there is nothing to hold the self-composition against`,
    };
  const judged = ni.observers.filter((o) => !o.vacuous);
  const diverging = judged.filter((o) => o.status === 'violated');
  const undecided = judged.filter((o) => o.status === 'unknown');
  const complete = judged.filter((o) => o.status === 'holds');
  const pending = undecided.length ? `; not decided within the bound for ${names(undecided)}` : '';
  if (flow === 'holds') {
    if (diverging.length)
      return {
        status: 'disagrees',
        detail: `InformationFlow holds, but the view of ${diverging.map((o) => `${o.partition} diverges (${o.divergence})`).join('; ')}: a flow the labels miss`,
      };
    if (judged.length && undecided.length === judged.length)
      return { status: 'not-compared', detail: `no observer's search finished within the bound${pending}` };
    return {
      status: 'agrees',
      detail: judged.length
        ? `InformationFlow holds and no pair of runs changes what ${names(complete)} observes${pending}`
        : 'InformationFlow holds and nothing is hidden from any partition',
    };
  }
  const contradicted = leaks.size
    ? complete.filter((o) => leaks.has(o.partition))
    : diverging.length + undecided.length === 0
      ? complete
      : [];
  if (contradicted.length)
    return {
      status: 'disagrees',
      detail: `InformationFlow is violated${leaks.size ? ` (data reaches ${[...leaks].join(', ')})` : ''}, but the search for ${names(contradicted)} finished with no pair of runs changing what it observes: the labels charge a flow no two runs show`,
    };
  if (diverging.length)
    return {
      status: 'agrees',
      detail: `InformationFlow is violated and the view of ${names(diverging)} diverges${pending}`,
    };
  return {
    status: 'not-compared',
    detail: `InformationFlow is violated, and no search that could confirm it finished within the bound${pending}`,
  };
}
