/**
 * The tool-qualification section of report.html: the machine and runtimes, the seeded model bugs
 * and emulator mutants the tool killed when the package was made, what it says of its own test
 * suite, the schema the package carries, and every runtime package it ran with.
 */
import { type Html, html, tag } from './markup.js';
import type { Evidence, QualificationEvidence } from './types.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

function bugs(q: QualificationEvidence): Html {
  const s = q.seededBugs;
  const word = {
    killed: 'killed',
    survived: 'survived',
    bounded: 'not killed within the bound',
    'not-run': 'not run',
  };
  const cls = { killed: 'passed', survived: 'failed', bounded: 'bounded', 'not-run': 'not-run' };
  return html`<h3 id="seeded-bugs">Seeded model bugs: ${s.killed} of ${s.total} killed</h3>
<p>Each bug switched on in the explorer, within ${fmt(s.maxStates)} distinct states: on the packaged system, then, where it was not killed there, on the example it was made for. A bug is killed by the properties that hold without it and are violated with it.</p>
<table><thead><tr><th>Bug</th><th>What it does</th><th>Result</th><th>On which system, by which property</th></tr></thead>
<tbody>${s.bugs.map(
    (b) =>
      html`<tr data-bug="${b.bug}"><td><code>${b.bug}</code><div class="small muted">${b.kind} bug</div></td><td class="small">${b.description}${b.note ? html`<div class="muted">${b.note}</div>` : ''}</td><td>${tag(cls[b.status], word[b.status])}</td><td class="small">${b.attempts.map(
        (a) =>
          html`<span class="delta">${a.system}${a.packaged ? ' (packaged)' : ''}: ${word[a.status]}${a.killedBy.length ? html` by <b>${a.killedBy.join(', ')}</b>` : ''}${a.distinctStates === null ? '' : ` (${fmt(a.distinctStates)} states)`}${a.reason ? ` ${a.reason}` : ''}</span>`,
      )}</td></tr>`,
  )}</tbody></table>`;
}

function mutants(q: QualificationEvidence): Html {
  const m = q.mutants;
  if (m.reason !== undefined)
    return html`<h3 id="mutants">Emulator mutants: not run</h3>
<p>${m.reason}.</p>`;
  return html`<h3 id="mutants">Emulator mutants: ${m.killed} of ${m.total} killed</h3>
<p>Each deliberately broken emulator run through the refinement check on the packaged system: the EPT-misconfiguration run, then up to ${m.seeds} seeded runs of at most ${fmt(m.steps)} steps, until a run fails that passes with the real emulator. A mutant that survives breaks something this system does not exercise, or shows a blind spot.</p>
<table><thead><tr><th>Mutant</th><th>What it breaks</th><th>Result</th><th>Killed by</th></tr></thead>
<tbody>${m.mutants.map(
    (x) =>
      html`<tr data-mutant="${x.mutant}"><td><code>${x.mutant}</code></td><td class="small">${x.description}</td><td>${x.status === 'killed' ? tag('passed', 'killed') : tag('failed', 'survived')}</td><td class="small">${x.by ? html`${x.by} (run ${x.runs})<div class="muted">${x.failure}</div>` : `not killed in ${x.runs} runs`}</td></tr>`,
  )}</tbody></table>`;
}

function dependencies(q: QualificationEvidence): Html {
  const d = q.dependencies;
  const source =
    d.source === 'package-lock.json'
      ? html`read from typezero's <code>package-lock.json</code> (SHA-256 <code>${d.lockfileSha256}</code>), with the version found installed at each place`
      : html`read from the installed packages: this typezero has no lockfile (npm does not publish one), so no version was pinned`;
  return html`<h3 id="dependencies">Runtime packages (${d.packages.length})</h3>
<p>Every package typezero ran with, development-only packages left out, ${source}.</p>
<table><thead><tr><th>Package</th><th>Locked</th><th>Installed</th><th>Integrity</th></tr></thead>
<tbody>${d.packages.map(
    (p) =>
      html`<tr data-dependency="${p.path}" class="${p.locked !== null && p.installed !== p.locked ? 'zero' : ''}"><td><code>${p.name}</code>${p.direct ? '' : html` <span class="small muted">(of a dependency)</span>`}</td><td>${p.locked ?? '—'}</td><td>${p.installed ?? 'not installed'}</td><td class="mono small wrap">${p.integrity ?? '—'}</td></tr>`,
  )}</tbody></table>`;
}

export function qualification(e: Evidence): Html {
  const q = e.qualification;
  if (!q)
    return html`<section id="qualification"><h2>Tool qualification</h2><p>This package was made before tool-qualification data was recorded; it carries none.</p></section>`;
  const env = q.environment;
  return html`<section id="qualification">
<h2>Tool qualification</h2>
<table><tbody>
<tr><th>Tool</th><td>typezero ${e.tool.version}${e.tool.gitCommit ? html`, commit <code>${e.tool.gitCommit}</code>${e.tool.gitDirty ? ' (with local modifications)' : ''}` : ', not run from a git checkout'}</td></tr>
<tr><th>Operating system</th><td>${env.os} (${env.platform})</td></tr>
<tr><th>CPU</th><td>${env.cpu.model}, ${env.cpu.count} logical ${env.cpu.count === 1 ? 'CPU' : 'CPUs'}</td></tr>
<tr><th>Node.js</th><td>${env.node}</td></tr>
<tr><th>Java</th><td>${env.java ?? 'not found'}</td></tr>
<tr><th>TLC</th><td>${env.tlc ?? 'did not run'}</td></tr>
<tr><th>Schema</th><td><code>${q.schema.path}</code>, <code>$id</code> <code>${q.schema.id}</code>, SHA-256 <code>${q.schema.sha256}</code></td></tr>
<tr><th>Test suite</th><td>${tag('not-run', 'not carried')} ${q.testSuite.reason}</td></tr>
</tbody></table>
${bugs(q)}
${mutants(q)}
${dependencies(q)}
</section>`;
}
