/**
 * report.html: the evidence package as a certifier reads it, rendered from the evidence data alone.
 * One self-contained file: inline CSS and SVG, no script, no network, no external assets. Every
 * string from the system file or a tool goes through the `html` template, which escapes it.
 */
import { abstractionBlock, abstractionFact } from './html-abstraction.js';
import { baseline } from './html-baseline.js';
import { causedBy, counterexamples } from './html-counterexamples.js';
import { noninterferenceFact, noninterferenceNote, noninterferenceSection } from './html-noninterference.js';
import { proofSection, proveEngineLine } from './html-proof.js';
import { qualification } from './html-qualification.js';
import { reproduce, tool } from './html-tool.js';
import { integratorFact, propertyTag, traceability } from './html-traceability.js';
import { escapeHtml, type Html, html, plural, tag } from './markup.js';
import { describeRuns, type RunRecord, type SeededRuns } from './runs.js';
import type { CoverageTable, EngineEvidence, Evidence } from './types.js';

const STYLE = `
:root { --ink:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa;
  --pass:#1a7f37; --pass-bg:#dafbe1; --fail:#cf222e; --fail-bg:#ffebe9; --warn:#9a6700; --warn-bg:#fff8c5;
  --na:#57606a; --na-bg:#eaeef2; --mark:#fff1a8; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif; color:var(--ink); background:var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
p { margin: 6px 0; }
code, pre, .mono { font-family: ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace; font-size: 12.5px; }
pre { background: var(--soft); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.wrap { word-break: break-all; }
.small { font-size: 12.5px; }
nav { margin: 10px 0 0; font-size: 13px; }
nav a { margin-right: 12px; color: #0969da; text-decoration: none; }
.banner { border: 2px solid; border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
.banner .word { font-size: 28px; font-weight: 800; letter-spacing: .04em; margin-right: 12px; }
.banner .headline { font-size: 16px; font-weight: 600; }
.banner.pass { border-color: var(--pass); background: var(--pass-bg); } .banner.pass .word { color: var(--pass); }
.banner.fail { border-color: var(--fail); background: var(--fail-bg); } .banner.fail .word { color: var(--fail); }
.banner.error { border-color: var(--warn); background: var(--warn-bg); } .banner.error .word { color: var(--warn); }
table.doc-control { width: auto; font-size: 12.5px; margin: 0 0 12px; }
table.doc-control th { white-space: nowrap; }
.scope { overflow-wrap: anywhere; margin: 8px 0 4px; padding: 8px 12px; border-left: 4px solid var(--line); background: var(--soft); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 10px 0 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.tag { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.tag.holds, .tag.met, .tag.passed, .tag.completed, .tag.realised, .tag.pass { color: var(--pass); background: var(--pass-bg); }
.tag.violated, .tag.not-met, .tag.failed, .tag.disagreement, .tag.fail { color: var(--fail); background: var(--fail-bg); }
.tag.unknown, .tag.bounded, .tag.error { color: var(--warn); background: var(--warn-bg); }
.tag.not-run, .tag.not-checked { color: var(--na); background: var(--na-bg); }
.tag.not-applicable, .tag.not-demonstrated { color: var(--warn); background: var(--warn-bg); border: 1px dashed var(--warn); }
tr.changed td.var, span.changed { background: var(--mark); }
.causes { margin: 6px 0 10px; padding: 6px 12px; border-left: 4px solid var(--fail); background: var(--fail-bg); }
.sfrs { margin: 4px 0 0; padding-left: 16px; }
.causes ul { margin: 4px 0 0; padding-left: 20px; }
.delta { display: block; margin: 1px 0; }
.delta b { font-weight: 600; }
.delta .old { color: var(--muted); text-decoration: line-through; }
.delta .new { background: var(--mark); padding: 0 2px; }
tr.loop-note td { border-top: 3px double var(--warn); }
.zero td { color: var(--fail); font-weight: 600; }
tr.muted td { color: var(--muted); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
.grid2 table { margin-top: 4px; }
table.matrix { table-layout: fixed; }
table.matrix code { word-break: break-word; }
svg.schedule, svg.memory { max-width: 100%; height: auto; }
svg text { font-family: system-ui,"DejaVu Sans",sans-serif; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #0003; }
@media (max-width: 900px) { main { padding: 16px 12px 48px; } th, td { padding: 4px 5px; overflow-wrap: anywhere; } .tag { white-space: normal; } .grid2 { grid-template-columns: 1fr; } code { overflow-wrap: anywhere; } nav { display: flex; flex-wrap: wrap; gap: 2px 0; } }
@media print { nav { display: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

const STATUS_WORD: Record<Evidence['verdict']['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
};

export function renderReport(e: Evidence): string {
  const body = html`<main>
<header>
${documentBlock(e)}
<h1>Evidence package: ${e.system.name}</h1>
<p class="muted">Type Zero separation hypervisor configuration <code>${e.system.file}</code> (SHA-256 <code>${e.system.sha256}</code>), checked by typezero ${e.tool.version}${e.tool.gitCommit ? html` at commit <code>${e.tool.gitCommit.slice(0, 12)}</code>${e.tool.gitDirty ? ' with local modifications' : ''}` : ''}.</p>
<nav><a href="#summary">Summary</a><a href="#verdicts">Verdicts</a><a href="#proof">Unbounded proof</a>${e.noninterference ? html`<a href="#noninterference">Noninterference</a>` : ''}<a href="#traceability">Traceability</a><a href="#counterexamples">Counterexamples</a><a href="#coverage">Conformance and coverage</a><a href="#assumptions">Assumptions</a><a href="#not-covered">Not covered</a><a href="#baseline">Configuration baseline</a><a href="#tool">Tool</a><a href="#qualification">Qualification</a><a href="#reproduce">Reproduce</a></nav>
</header>
${summary(e)}
${verdicts(e)}
${proofSection(e)}
${noninterferenceSection(e)}
${traceability(e)}
${counterexamples(e)}
${coverage(e)}
${assumptions(e)}
${notCovered(e)}
${baseline(e)}
${tool(e)}
${qualification(e)}
${reproduce(e)}
</main>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(`typezero evidence: ${e.system.name} (${STATUS_WORD[e.verdict.status]})`)}</title>
<style>${STYLE}${printFooter(e)}</style>
</head>
<body>
${body.text}
</body>
</html>
`;
}

/** A CSS string literal: everything but plain letters, digits and punctuation as hex escapes. */
export function cssString(text: string): string {
  return `"${[...text].map((c) => (/^[A-Za-z0-9 .,:;_@()+=-]$/.test(c) ? c : `\\${c.codePointAt(0)!.toString(16)} `)).join('')}"`;
}

/**
 * Every printed page's footer: the package id, configuration item and date on the left, the page
 * number of the total on the right (CSS paged media margin boxes).
 */
function printFooter(e: Evidence): string {
  const d = e.document;
  const left = `${d.id} · ${d.configurationItem} · ${d.date} · ${STATUS_WORD[e.verdict.status]}`;
  return `
@page { size: A4; margin: 14mm 12mm 18mm;
  @bottom-left { content: ${cssString(left)}; font: 8pt system-ui, sans-serif; color: #57606a; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #57606a; } }
`;
}

/** Document control: what an evaluator cites the package by. */
function documentBlock(e: Evidence): Html {
  const d = e.document;
  return html`<table class="doc-control" id="document"><tbody>
<tr><th>Package ID</th><td class="mono">${d.id}</td><th>Date</th><td>${d.date}</td></tr>
<tr><th>Configuration item</th><td class="mono">${d.configurationItem}</td><th>Producer</th><td>${d.producer}</td></tr>
<tr><th>Produced with</th><td colspan="3">typezero ${e.tool.version}${e.tool.gitCommit ? html`, commit <code>${e.tool.gitCommit}</code>${e.tool.gitDirty ? ' with local modifications' : ''}` : ''}; integrity: <code>SHA256SUMS</code> and the in-toto statement <code>statement.dsse.json</code> (check with <code>typezero evidence verify</code>)</td></tr>
</tbody></table>`;
}

function sliced(en: EngineEvidence): string {
  return en.reduction ? ' (label-sliced)' : '';
}

function engineLine(en: EngineEvidence): Html {
  if (en.engine === 'prove' && (en.status === 'completed' || en.status === 'bounded'))
    return proveEngineLine(en);
  switch (en.status) {
    case 'completed':
      return html`${tag('completed', 'exhaustive')} ${en.distinctStates?.toLocaleString('en-US')} distinct states${sliced(en)}${en.depth === null ? '' : `, depth ${en.depth}`}`;
    case 'bounded':
      return html`${tag('bounded', 'stopped at bound')} ${en.distinctStates?.toLocaleString('en-US')} distinct states${sliced(en)} of at most ${en.maxStates.toLocaleString('en-US')}`;
    case 'not-run':
      return html`${tag('not-run', 'not run')} <span class="muted">${en.reason}</span>`;
    case 'failed':
      return html`${tag('failed')} ${en.reason}`;
  }
}

function summary(e: Evidence): Html {
  const v = e.verdict;
  const counts = (s: string) => e.properties.filter((p) => p.status === s).length;
  const vacuous = e.properties.filter((p) => p.vacuous === true);
  const violated = e.properties.filter((p) => p.counterexamples.length > 0);
  const families = (status: string, label: string) => {
    const named = e.requirements.filter((r) => r.status === status).map((r) => r.family);
    return named.length ? html`; <b>${label}</b>: ${named.join(', ')}` : '';
  };
  const emu = e.conformance.emulatorVsModel;
  const mvs = e.conformance.modelVsSpec;
  return html`<section id="summary">
<div class="banner ${v.status}" data-verdict="${v.status}">
<span class="word">${STATUS_WORD[v.status]}</span> <span class="headline">${v.headline}</span>
${v.findings.length ? html`<ul>${v.findings.map((f) => html`<li>${f}</li>`)}</ul>` : ''}
${violated.length ? html`<p class="cx-links">Counterexamples: ${violated.map((p, i) => html`${i ? ', ' : ''}<a href="#cx-${p.name}">${p.name} (${p.counterexamples[0]!.steps} steps)</a>`)}</p>` : ''}
${causedBy(violated)}
</div>
<p class="scope" id="scope"><b>Scope.</b> ${e.scope.verified} ${e.scope.model} <b>${e.scope.notVerified}</b> <a href="#not-covered">Not covered (${e.notCovered.length})</a></p>
<dl class="facts">
<dt>System</dt><dd><b>${e.system.name}</b>: ${plural(e.system.baseline.partitions.length, 'partition')}, ${plural(e.system.baseline.devices.length, 'device')}, ${plural(e.system.baseline.channels.length, 'channel')}, ${plural(e.system.baseline.platform.cpus, 'CPU')}, ${plural(e.system.baseline.platform.pages, 'page')}</dd>
<dt>Properties</dt><dd>${counts('holds') - vacuous.length} hold, ${vacuous.length ? html`<b>${vacuous.length} not applicable</b> (${vacuous.map((p) => p.name).join(', ')}: ${vacuous.length === 1 ? 'holds' : 'hold'} vacuously), ` : ''}${counts('violated')} violated, ${counts('unknown')} unknown${counts('disagreement') ? html`, <b>${counts('disagreement')} with disagreeing engines</b>` : ''} (of ${e.properties.length})</dd>
<dt>Requirements</dt><dd>${e.requirements.filter((r) => r.status === 'met').length} of ${e.requirements.length} families met${families('not-demonstrated', 'not demonstrated')}${families('not-met', 'not met')}${families('unknown', 'unknown')}</dd>
${integratorFact(e)}
${e.engines.map((en) => html`<dt>Engine ${en.engine}</dt><dd>${engineLine(en)}</dd>`)}
<dt>Emulator vs model</dt><dd>${tag(emu.status, emu.status.replace('-', ' '))} ${emu.runs} runs, ${emu.stepsChecked.toLocaleString('en-US')} steps checked${emu.reason ? html` <span class="muted">${emu.reason}</span>` : ''}</dd>
<dt>Model vs spec</dt><dd>${tag(mvs.status, mvs.status.replace('-', ' '))} ${mvs.checks.filter((c) => c.status === 'passed').length} of ${mvs.checks.length} checks passed${mvs.reason ? html`; <span class="muted">${mvs.reason}</span>` : ''}</dd>
${abstractionFact(e)}
${noninterferenceFact(e)}
<dt>State bound</dt><dd>${e.bounds.maxStates.toLocaleString('en-US')} distinct states per engine</dd>
</dl>
</section>`;
}

function verdicts(e: Evidence): Html {
  return html`<section id="verdicts">
<h2>Verdicts per property and engine</h2>
<table>
<thead><tr><th>Property</th><th>Holds when</th>${e.engines.map((en) => html`<th>${en.engine}</th>`)}<th>Verdict</th><th>Exercised</th></tr></thead>
<tbody>
${e.properties.map(
  (p) => html`<tr data-property="${p.name}"><td><b>${p.name}</b></td><td class="small">${p.summary}</td>
${e.engines.map((en) => {
  const v = en.verdicts.find((x) => x.property === p.name)!;
  return html`<td>${tag(v.status, v.status.replace('-', ' '))}</td>`;
})}
<td>${propertyTag(p)}</td>
<td class="small">${p.bait.note ?? 'not known'}</td></tr>`,
)}
</tbody>
</table>
${noninterferenceNote(e)}
</section>`;
}

/** Seeded runs as they went: the summary from their records, then each run's seed, steps and end. */
function runsBlock(title: string, what: string, runs: SeededRuns | undefined): Html {
  if (!runs) return html``;
  const mark: Record<RunRecord['ended'], string> = {
    'step-budget': '',
    halted: ' halted',
    failed: ' FAILED',
  };
  return html`<div class="runs" data-runs="${what}"><p><b>${title}.</b> ${describeRuns(what, runs)}.</p>
<p class="small mono muted">seed:steps ${runs.records.map((r) => `${r.seed}:${r.steps}${mark[r.ended]}`).join(' · ')}</p></div>`;
}

function coverageTable(title: string, t: CoverageTable, reachable?: ReadonlySet<string>): Html {
  const row = (i: CoverageTable['items'][number]) => {
    const gap = i.count === 0 && reachable?.has(i.key);
    const note = !reachable ? '' : reachable.has(i.key) ? 'yes' : html`<span class="muted">no</span>`;
    return html`<tr class="${gap ? 'zero' : i.count === 0 ? 'muted' : ''}"><td>${i.name}</td><td class="num">${i.count.toLocaleString('en-US')}</td>${reachable ? html`<td>${note}</td>` : ''}</tr>`;
  };
  return html`<div><h3>${title}: ${t.hit} of ${t.total} exercised</h3>
<table class="coverage">
<thead><tr><th>${title.replace(/s$/, '')}</th><th class="num">count</th>${reachable ? html`<th>model takes it here</th>` : ''}</tr></thead>
<tbody>${t.items.map(row)}</tbody>
</table></div>`;
}

/** What the emulator's runs did and covered. */
function emulatorBlock(
  emu: Evidence['conformance']['emulatorVsModel'],
  events: ReadonlySet<string>,
  hypercalls: ReadonlySet<string>,
  missed: readonly string[],
): Html {
  return html`<p>The emulator is a concrete machine (byte memory, real 4-level EPT and VT-d tables, SHA-256 PCRs, guest programs). ${emu.runs} runs (the seeded random runs below, one EPT-misconfiguration run, and ${emu.directedRuns} directed runs that perform the model's shortest path to each kind of step the seeded runs missed): ${emu.stepsChecked.toLocaleString('en-US')} steps and ${emu.guestInstructions.toLocaleString('en-US')} guest instructions, every step checked to refine the model. ${missed.length ? html`<b>Taken by the model here but not exercised by the runs: ${missed.join(', ')}.</b>` : 'The runs exercised every event kind and hypercall outcome the model takes on this system.'}</p>
${emu.failures.length ? html`<ul>${emu.failures.map((f) => html`<li>${f}</li>`)}</ul>` : ''}
${runsBlock('Seeded emulator runs', 'runs', emu.seededRuns)}
${emu.counterexamples.length ? html`<table><thead><tr><th>Counterexample to</th><th>Performed on the emulator</th><th>Detail</th></tr></thead><tbody>${emu.counterexamples.map((c) => html`<tr><td>${c.property}</td><td>${tag(c.status)}</td><td class="small">${c.detail}</td></tr>`)}</tbody></table>` : ''}
<div class="grid2">
${coverageTable('Model events', emu.coverage.events, events)}
${coverageTable('Hypercalls', emu.coverage.hypercalls, hypercalls)}
${coverageTable('VM-exit reasons', emu.coverage.vmExits)}
${coverageTable('VT-d fault reasons', emu.coverage.vtdFaults)}
</div>
<p class="small muted">Red: the model takes it on this system but the runs never did. Grey: not exercised, and the model does not take it here (for example DMA on a system without devices).</p>`;
}

function coverage(e: Evidence): Html {
  const emu = e.conformance.emulatorVsModel;
  const mvs = e.conformance.modelVsSpec;
  const events = new Set(emu.coverage.modelReaches.events);
  const hypercalls = new Set(emu.coverage.modelReaches.hypercalls);
  const missed = [
    ...emu.coverage.events.items.filter((i) => i.count === 0 && events.has(i.key)),
    ...emu.coverage.hypercalls.items.filter((i) => i.count === 0 && hypercalls.has(i.key)),
  ].map((i) => i.name);
  return html`<section id="coverage">
<h2>Conformance and coverage</h2>
<h3>Model vs TLA+ specification ${tag(mvs.status, mvs.status.replace('-', ' '))}</h3>
${mvs.reason ? html`<p>${mvs.reason}</p>` : ''}
${runsBlock('Seeded walks of the model replayed in the spec', 'walks', mvs.walks)}
${mvs.checks.length ? html`<table><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>${mvs.checks.map((c) => html`<tr><td>${c.name}</td><td>${tag(c.status, c.status.replace('-', ' '))}</td><td class="small">${c.detail}</td></tr>`)}</tbody></table>` : ''}
${abstractionBlock(e)}
<h3>Emulator vs model ${tag(emu.status, emu.status.replace('-', ' '))}</h3>
${emu.status === 'not-run' ? html`<p>${emu.reason}.</p>` : emulatorBlock(emu, events, hypercalls, missed)}
</section>`;
}

function assumptions(e: Evidence): Html {
  return html`<section id="assumptions">
<h2>Assumptions register</h2>
<p>What every verdict above takes for granted. Entries B-… are the bounds of this run.</p>
<table>
<thead><tr><th>Id</th><th>Category</th><th>Assumption</th><th>If it does not hold</th></tr></thead>
<tbody>${e.assumptions.map((a) => html`<tr data-assumption="${a.id}"><td><b>${a.id}</b></td><td>${a.category}</td><td><b>${a.title}.</b> ${a.statement}</td><td class="small">${a.consequence}</td></tr>`)}</tbody>
</table>
</section>`;
}

function notCovered(e: Evidence): Html {
  return html`<section id="not-covered">
<h2>Not covered</h2>
<p>Separation-kernel requirements that lie outside typezero's model: no verdict in this package says anything about them, and an evaluation needs other evidence for each.</p>
<table>
<thead><tr><th>Id</th><th>Requirement</th><th>Traces to</th><th>Why it is outside the model, and what is needed instead</th></tr></thead>
<tbody>${e.notCovered.map((n) => html`<tr data-not-covered="${n.id}"><td><b>${n.id}</b></td><td>${n.requirement}</td><td class="small">${n.references.join(' · ')}</td><td class="small">${n.why}</td></tr>`)}</tbody>
</table>
</section>`;
}
