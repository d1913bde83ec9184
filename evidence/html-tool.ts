/**
 * The tool sections of report.html: the tool and environment (version, commit, repository, the
 * tool copy the package carries with every tarball's digest, the package's files), and how to
 * reproduce the package from its own folder.
 */
import { type Html, html } from './markup.js';
import type { Evidence } from './types.js';

export function tool(e: Evidence): Html {
  const t = e.tool;
  return html`<section id="tool">
<h2>Tool and environment</h2>
<table><tbody>
<tr><th>typezero</th><td>${t.version}${t.gitCommit ? html`, commit <code>${t.gitCommit}</code>${t.gitDirty ? ' (with local modifications)' : ''}` : ''}</td></tr>
${t.repository ? html`<tr><th>Repository</th><td>${t.repository.url === null ? 'none recorded: package.json names none and the checkout has no git remote' : html`<code>${t.repository.url}</code> (from ${t.repository.source === 'package.json' ? 'package.json' : 'the git remote'})`}</td></tr>` : ''}
${carried(t)}
<tr><th>Node.js</th><td>${t.node} on ${t.platform}</td></tr>
<tr><th>tla-checker</th><td>${t.tlaChecker ?? 'not installed'}</td></tr>
<tr><th>Z3 (prove)</th><td>${e.proof?.solver ?? 'not used'}</td></tr>
<tr><th>TLC</th><td>${t.tlc ? html`${t.tlc.jar}, TLC2 Version ${t.tlc.version ?? 'unknown'} (SHA-256 <code>${t.tlc.sha256}</code>)${t.tlc.command ? html`<br>last run: <code>${t.tlc.command.join(' ')}</code>` : ''}` : 'not used'}</td></tr>
${t.specFiles.map((f) => html`<tr><th>${f.path}</th><td class="mono">${f.sha256}</td></tr>`)}
</tbody></table>
<h3>Files in this package</h3>
<table><thead><tr><th>File</th><th>SHA-256</th></tr></thead>
<tbody>${e.files.map((f) => html`<tr><td><code>${f.path}</code></td><td class="mono">${f.sha256}</td></tr>`)}</tbody></table>
<p class="small muted">evidence.json and report.html are listed with every other file in SHA256SUMS.</p>
</section>`;
}

/** The tool the package carries under tool/, or why it does not. */
function carried(t: Evidence['tool']): Html | string {
  const copy = t.copy;
  if (!copy) return '';
  if (copy.status !== 'carried' || !copy.tarball)
    return html`<tr><th>Tool copy</th><td>not carried: ${copy.reason ?? ''}</td></tr>`;
  const rows = [copy.tarball, ...(copy.lockfile ? [copy.lockfile] : []), ...copy.dependencies];
  return html`<tr><th>Tool copy</th><td>carried in <code>tool/</code> for an offline reproduction: typezero's npm tarball, its lockfile and ${copy.dependencies.length} runtime packages<table class="small"><tbody>${rows.map((r) => html`<tr><td><code>${r.path}</code></td><td class="mono">${r.sha256}</td></tr>`)}</tbody></table></td></tr>`;
}

export function reproduce(e: Evidence): Html {
  const intro =
    e.tool.copy?.status === 'carried'
      ? html`<p>From this package's directory, in a POSIX shell with Node and npm: the first command installs the typezero this package carries (<code>tool/</code>) into a new folder beside it, <code>&lt;package&gt;.tool</code>, with no network, and the others run it; the rerun goes to <code>&lt;package&gt;.rerun</code>, so the package itself stays as it was written.</p>`
      : html`<p>This package does not carry the tool${e.tool.copy?.reason ? html` (${e.tool.copy.reason})` : ''}. With typezero ${e.tool.version} installed by other means and on PATH, from this package's directory:</p>`;
  return html`<section id="reproduce">
<h2>How to reproduce</h2>
${intro}
<table><thead><tr><th>Reproduces</th><th>Command</th></tr></thead>
<tbody>${e.reproduce.map((r) => html`<tr><td>${r.what}</td><td><pre>${r.command}</pre></td></tr>`)}</tbody></table>
<p class="small muted">Collected in ${(e.durationMs / 1000).toFixed(1)} s.</p>
</section>`;
}
