/**
 * The abstraction test in report.html: the class model against the page-by-page model on the
 * packaged system, one row per comparison, with the verdicts that differ when one does. Packages
 * made before the test existed carry no result, and the report says so.
 */
import { label } from './abstraction.js';
import { type Html, html, plural, tag } from './markup.js';
import type { AbstractionComparison, AbstractionSearch, Evidence } from './types.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

function size(s: AbstractionSearch | null): string {
  if (!s) return 'not searched';
  return `${fmt(s.distinctStates)} states${s.complete ? `, depth ${s.depth}` : ' (stopped at the bound)'}`;
}

/** One line for the summary's facts. */
export function abstractionFact(e: Evidence): Html {
  const a = e.conformance.abstraction;
  if (!a) return html`<dt>Abstraction test</dt><dd>${tag('not-run', 'not run')} not in this package</dd>`;
  const passed = a.comparisons.filter((c) => c.status === 'passed').length;
  return html`<dt>Abstraction test</dt><dd>${tag(a.status, a.status.replace('-', ' '))} ${passed} of ${a.comparisons.length} comparisons with page-by-page labels ran and agreed${a.reason ? html`; <span class="muted">${a.reason}</span>` : ''}</dd>`;
}

function row(c: AbstractionComparison): Html {
  return html`<tr data-abstraction="${c.reduction}"><td>${label(c.reduction)}</td><td>${tag(c.status, c.status.replace('-', ' '))}</td><td class="num">${size(c.classModel)}</td><td class="num">${size(c.pageModel)}</td><td class="small">${c.status === 'passed' ? 'the same verdict and bait for every property' : c.reason}${c.differences.length > 1 ? html`<ul>${c.differences.map((d) => html`<li>${d}</li>`)}</ul>` : ''}</td></tr>`;
}

/** The subsection under "Conformance and coverage". */
export function abstractionBlock(e: Evidence): Html {
  const a = e.conformance.abstraction;
  if (!a)
    return html`<h3>Page-class abstraction ${tag('not-run', 'not run')}</h3><p>This package was made before the abstraction test ran at package time; it carries no result of it.</p>`;
  return html`<h3 id="abstraction">Page-class abstraction ${tag(a.status, a.status.replace('-', ' '))}</h3>
<p>The model explores one memory cell per class of interchangeable pages and gives no label to a page only one partition reaches (register A-MODEL-1). Here the packaged system was searched again with one labelled cell per host page, within the same bound of ${fmt(a.maxStates)} distinct states, and the verdicts and baits compared: ${plural(a.layout.pages, 'host page')} in ${fmt(a.layout.classes)} ${a.layout.classes === 1 ? 'class' : 'classes'}, ${fmt(a.layout.classCells)} labelled in the class model and ${fmt(a.layout.pageCells)} page by page.</p>
<table><thead><tr><th>Search</th><th>Result</th><th class="num">Class model</th><th class="num">Page by page</th><th>Detail</th></tr></thead>
<tbody>${a.comparisons.map(row)}</tbody></table>`;
}
