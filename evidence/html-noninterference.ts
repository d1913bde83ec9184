/**
 * "Noninterference (two runs)" in report.html: per observer partition whether two runs that differ
 * only in what is hidden from it can change what it observes, each diverging pair move by move as
 * `check --noninterference` prints it, and whether the check agrees with InformationFlow. Also the
 * summary's line for it, the note under the verdicts, and its tag in the traceability matrix.
 */
import { type Html, html, plural, tag } from './markup.js';
import type { NoninterferenceEvidence } from './noninterference.js';
import type { Evidence } from './types.js';

const RESULT: Record<NoninterferenceEvidence['status'], [string, string]> = {
  holds: ['holds', 'no divergence'],
  violated: ['violated', 'divergence'],
  unknown: ['unknown', 'not decided'],
  'not-run': ['not-run', 'not run'],
  failed: ['failed', 'failed'],
};

/** The check's result as a tag: no divergence, divergence, not decided, not run, failed. */
export function niTag(status: NoninterferenceEvidence['status']): Html {
  const [cls, word] = RESULT[status];
  return tag(cls, word);
}

const AGREEMENT: Record<NoninterferenceEvidence['agreement']['status'], Html> = {
  agrees: tag('passed', 'agrees with InformationFlow'),
  disagrees: tag('failed', 'disagrees with InformationFlow'),
  'not-compared': tag('not-run', 'not compared with InformationFlow'),
};

export function agreementTag(ni: NoninterferenceEvidence): Html {
  return AGREEMENT[ni.agreement.status];
}

function observed(ni: NoninterferenceEvidence): string {
  const of = (s: string) => ni.observers.filter((o) => o.status === s && !o.vacuous).map((o) => o.partition);
  const diverging = of('violated');
  const undecided = of('unknown');
  const judged = ni.observers.filter((o) => !o.vacuous).length;
  return [
    diverging.length && `the view of ${diverging.join(', ')} diverges`,
    undecided.length && `not decided within the bound for ${undecided.join(', ')}`,
    !diverging.length &&
      !undecided.length &&
      `no view diverges (${plural(judged, 'observer')} with anything hidden)`,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The summary's line. */
export function noninterferenceFact(e: Evidence): Html {
  const ni = e.noninterference;
  if (!ni) return html``;
  const what = ni.observers.length ? observed(ni) : (ni.reason ?? '');
  return html`<dt>Noninterference</dt><dd>${niTag(ni.status)} ${what}; ${agreementTag(ni)} (<a href="#noninterference">two runs</a>)</dd>`;
}

/** Under the verdicts: InformationFlow is held against the two-run check. */
export function noninterferenceNote(e: Evidence): Html {
  const ni = e.noninterference;
  if (!ni) return html``;
  return html`<p id="ni-note">InformationFlow, a label invariant over one run, is held against the two-run <a href="#noninterference">noninterference check</a>: ${agreementTag(ni)} ${ni.agreement.detail}.</p>`;
}

function observerRow(o: NoninterferenceEvidence['observers'][number], bound: number): Html {
  const detail = o.vacuous
    ? html`<span class="muted">not applicable: ${o.reason}</span>`
    : o.status === 'violated'
      ? html`${o.divergence} (after ${plural(o.depth, 'move')}, below)`
      : o.status === 'unknown'
        ? html`stopped at the bound of ${bound.toLocaleString('en-US')} pairs of states`
        : html`no pair of runs differing in ${o.hidden.join(', ')} changes what it observes`;
  return html`<tr data-observer="${o.partition}"><td><b>${o.partition}</b></td><td>${o.hidden.join(', ') || html`<span class="muted">nothing</span>`}</td><td>${o.vacuous ? tag('not-applicable', 'not applicable') : niTag(o.status)}</td><td class="num">${o.productStates.toLocaleString('en-US')}</td><td class="small">${detail}</td></tr>`;
}

function pair(o: NoninterferenceEvidence['observers'][number]): Html {
  if (o.status !== 'violated' || !o.traces) return html``;
  return html`<div class="ni-pair" data-observer="${o.partition}"><h3>${o.partition}'s view diverges</h3>
<p>Two runs that differ only in what ${o.partition} may not learn from (${o.hidden.join(', ')}): each move says which run took it, and each run's outcome where they differ. The runs as ITF traces: <code>${o.traces.first}</code> and <code>${o.traces.second}</code>.</p>
<pre>${o.moves.join('\n')}
Divergence: ${o.divergence}.</pre></div>`;
}

export function noninterferenceSection(e: Evidence): Html {
  const ni = e.noninterference;
  if (!ni) return html``;
  const intro = html`<p>InformationFlow follows labels through one run. This check compares two runs (self-composition): for each partition, the observer, runs that do the same in everything it may learn from while the partitions hidden from it act, and hold data, differently in each. If what the observer sees can differ, information reached it from a hidden partition, and the pair of runs shows how. It reads no label, so it checks on its own that the labels miss no flow. Each observer's search stops at ${ni.maxStates.toLocaleString('en-US')} pairs of states.</p>`;
  if (ni.status === 'not-run' || ni.status === 'failed')
    return html`<section id="noninterference">
<h2>Noninterference (two runs)</h2>
${intro}
<p>${niTag(ni.status)} ${ni.reason}.</p>
</section>`;
  return html`<section id="noninterference">
<h2>Noninterference (two runs)</h2>
${intro}
<p><b>Against InformationFlow:</b> ${agreementTag(ni)} ${ni.agreement.detail}.</p>
<table>
<thead><tr><th>Observer</th><th>Hidden from it</th><th>Result</th><th class="num">Pairs of states</th><th>Detail</th></tr></thead>
<tbody>${ni.observers.map((o) => observerRow(o, ni.maxStates))}</tbody>
</table>
${ni.observers.map(pair)}
</section>`;
}
