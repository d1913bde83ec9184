/**
 * The traceability matrix of report.html: each requirement family with the Common Criteria
 * elements and protection-profile areas it traces to, the catalog properties that discharge it
 * (each with the part of each element it covers), where each property is defined, which checks
 * ran, and the result.
 */
import { agreementTag, niTag } from './html-noninterference.js';
import { type Html, html, tag } from './markup.js';
import type { Evidence, PropertyEvidence, RequirementEvidence } from './types.js';

/** The family's Common Criteria elements and protection-profile areas, under its statement. */
function tracesTo(r: RequirementEvidence): Html {
  const elements = [...new Set((r.sfrs ?? []).map((s) => s.element))];
  return html`${elements.length ? html`<div class="small">CC: ${elements.map((el, i) => html`${i ? ', ' : ''}<code>${el}</code>`)}</div>` : ''}${r.skpp?.length ? html`<div class="small">SKPP: ${r.skpp.map((a) => a.area).join(', ')}</div>` : ''}`;
}

/** The elements a property speaks to within one family, each with the part it covers. */
function elementsOf(r: RequirementEvidence, property: string): Html {
  const sfrs = (r.sfrs ?? []).filter((s) => s.property === property);
  if (!sfrs.length) return html``;
  return html`<ul class="sfrs small">${sfrs.map((s) => html`<li data-sfr="${s.element}"><b>${s.element}</b> <span class="muted">${s.component}</span>: ${s.covers}</li>`)}</ul>`;
}

/** A property's agreed verdict: a link to its counterexample when violated, not applicable when vacuous. */
export function propertyTag(p: PropertyEvidence): Html {
  if (p.status === 'violated') return html`<a href="#cx-${p.name}">${tag(p.status)}</a>`;
  if (p.vacuous === true)
    return html`<span title="${p.vacuityReason ?? ''}">${tag('not-applicable', 'not applicable')}</span>`;
  return tag(p.status);
}

function checksRun(e: Evidence, p: PropertyEvidence): Html {
  const items = e.engines.map((en) => {
    const v = en.verdicts.find((x) => x.property === p.name)!;
    if (en.status === 'not-run') return html`<span class="delta">${en.engine}: not run</span>`;
    if (en.status === 'failed') return html`<span class="delta">${en.engine}: failed</span>`;
    if (en.engine === 'prove')
      return html`<span class="delta">prove (Z3, no bound on the states): ${v.status}</span>`;
    const how = en.status === 'completed' ? 'exhaustive' : 'bounded';
    return html`<span class="delta">${en.engine} (${how}, ${en.distinctStates?.toLocaleString('en-US')} states): ${v.status}</span>`;
  });
  const cx = e.conformance.emulatorVsModel.counterexamples.find((c) => c.property === p.name);
  return html`${items}${p.bait.reached !== null ? html`<span class="delta" title="${p.tla.bait}: ${p.bait.description}">bait ${p.bait.reached ? 'reached' : html`<b>not reached</b>`}</span>` : ''}${cx ? html`<span class="delta">counterexample on the emulator: ${cx.status}</span>` : ''}`;
}

/** The integrator's own requirements (--requirements), when the package has them. */
function integrator(e: Evidence): Html {
  const file = e.integratorRequirements;
  if (!file) return html``;
  const row = (r: (typeof file.requirements)[number]) => {
    const properties = r.properties.map((name) => e.properties.find((p) => p.name === name)!);
    const families = [...new Set(properties.flatMap((p) => p.requirements))];
    return html`<tr data-integrator-requirement="${r.id}"><td><b>${r.id}</b>${r.title ? html`<div class="small">${r.title}</div>` : ''}</td><td>${properties.map((p) => html`<span class="delta"><b>${p.name}</b> ${propertyTag(p)}</span>`)}</td><td class="small">${families.join(', ')}</td><td>${tag(r.status, r.status.replace('-', ' '))}${r.reason ? html`<div class="small"><b>${r.reason}</b></div>` : ''}</td></tr>`;
  };
  return html`<h3 id="integrator-requirements">Integrator requirements: <code>${file.file}</code></h3>
<p>The requirements file given with <code>--requirements</code> (in this package as <code>${file.path}</code>, SHA-256 <code>${file.sha256}</code>): each requirement, the catalog properties it is mapped to with their verdicts, the requirement families above those properties serve, and the result, settled as a family's is.</p>
<table class="matrix">
<colgroup><col style="width:30%"><col style="width:30%"><col style="width:15%"><col style="width:25%"></colgroup>
<thead><tr><th>Requirement</th><th>Properties</th><th>Families</th><th>Result</th></tr></thead>
<tbody>${file.requirements.map(row)}</tbody>
</table>`;
}

/** The summary's line for the integrator's requirements, when the package has them. */
export function integratorFact(e: Evidence): Html {
  const file = e.integratorRequirements;
  if (!file) return html``;
  const met = file.requirements.filter((r) => r.status === 'met').length;
  return html`<dt>Your requirements</dt><dd><a href="#integrator-requirements">${met} of ${file.requirements.length} met</a> (<code>${file.file}</code>)</dd>`;
}

/** The rows of the checks a family cites besides its properties: the two-run noninterference check. */
function checkRows(e: Evidence, r: RequirementEvidence): Html[] {
  const ni = e.noninterference;
  if (!ni || !r.checks?.length) return [];
  const how =
    ni.status === 'not-run' || ni.status === 'failed'
      ? ni.reason
      : `pairs of runs, ${ni.productStates.toLocaleString('en-US')} pairs of states, at most ${ni.maxStates.toLocaleString('en-US')} per observer`;
  return [
    html`<tr data-requirement="${r.id}" data-check="noninterference"><td><b>Noninterference (two runs)</b><div class="small">Compares two runs instead of following labels through one, so it holds InformationFlow's labels to what a partition can really observe.</div><ul class="sfrs small">${r.checks.map((c) => html`<li data-sfr="${c.element}"><b>${c.element}</b>: ${c.covers}</li>`)}</ul></td><td class="muted small">none: two runs of the TypeScript model</td><td><code>proofs/noninterference.ts</code><br><code><b>checkNoninterference</b></code></td><td class="small"><span class="delta">${how}</span><span class="delta">${agreementTag(ni)}</span></td><td><a href="#noninterference">${niTag(ni.status)}</a></td></tr>`,
  ];
}

export function traceability(e: Evidence): Html {
  const rows = e.requirements.flatMap((r) => [
    ...r.properties.map((m, i) => {
      const p = e.properties.find((x) => x.name === m.property)!;
      const span = r.properties.length + checkRows(e, r).length;
      const head =
        i === 0
          ? html`<td rowspan="${span}"><b>${r.id}</b><br>${r.family}<br>${tag(r.status, r.status.replace('-', ' '))}${r.reason ? html`<div class="small"><b>${r.reason}</b></div>` : ''}<div class="small muted">${r.statement}</div><div class="small muted">${r.references.join(' · ')}</div>${tracesTo(r)}</td>`
          : '';
      return html`<tr data-requirement="${r.id}" data-property="${p.name}">${head}<td><b>${p.name}</b><div class="small">${m.rationale}</div>${elementsOf(r, p.name)}</td><td><code>spec/Hypervisor.tla</code><br><code><b>${p.tla.definition}</b></code></td><td><code>${p.predicate.file}</code><br><code><b>${p.predicate.symbol}</b></code></td><td class="small">${checksRun(e, p)}</td><td>${propertyTag(p)}</td></tr>`;
    }),
    ...checkRows(e, r),
  ]);
  return html`<section id="traceability">
<h2>Traceability matrix</h2>
<p>Each separation-kernel requirement family, the Common Criteria Part 2 elements (v3.1) and the separation-kernel protection profile's areas it traces to, the catalog properties that discharge it on this configuration and why (under each, the elements it speaks to and which part of each it covers), where each property is defined in the TLA+ specification and in the TypeScript model, which checks ran, and the result. Where InformationFlow speaks to FDP_IFF.1.2, the two-run noninterference check is cited beside it with its own result and whether the two agree. The catalogue is <code>evidence/requirements.ts</code> and <code>evidence/sfr.ts</code> in the typezero sources.</p>
<table id="matrix" class="matrix">
<colgroup><col style="width:21%"><col style="width:27%"><col style="width:13%"><col style="width:13%"><col style="width:17%"><col style="width:9%"></colgroup>
<thead><tr><th>Requirement</th><th>Property and rationale</th><th>TLA+ definition</th><th>TypeScript predicate</th><th>Checks run</th><th>Result</th></tr></thead>
<tbody>${rows}</tbody>
</table>
${integrator(e)}
</section>`;
}
