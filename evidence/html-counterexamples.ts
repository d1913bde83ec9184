/**
 * The counterexamples of report.html: each violated property's shortest trace as a table of steps
 * and state changes, with the fields of the system file it relied on (its root causes), and the
 * line of the banner that links to them.
 */
import type { ItfTrace, ItfValue } from '../proofs/itf.js';
import { type Html, html } from './markup.js';
import type { Counterexample, Evidence, PropertyEvidence } from './types.js';

/** ITF values as a reviewer reads them: sets in braces, functions as key ↦ value. */
export function showItf(v: ItfValue): string {
  if (typeof v !== 'object' || v === null) return String(v);
  if (Array.isArray(v)) return `⟨${v.map(showItf).join(', ')}⟩`;
  if ('#set' in v && Array.isArray(v['#set']))
    return `{${(v['#set'] as ItfValue[]).map(showItf).join(', ')}}`;
  if ('#map' in v && Array.isArray(v['#map']))
    return `[${(v['#map'] as [ItfValue, ItfValue][]).map(([k, x]) => `${showItf(k)} ↦ ${showItf(x)}`).join(', ')}]`;
  if ('#bigint' in v) return String(v['#bigint']);
  return `[${Object.entries(v)
    .map(([k, x]) => `${k} ↦ ${showItf(x as ItfValue)}`)
    .join(', ')}]`;
}

interface Delta {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

/** What changed between two ITF states, per variable and, for functions, per key. */
export function itfDelta(
  vars: readonly string[],
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Delta[] {
  const out: Delta[] = [];
  for (const name of vars) {
    const a = before[name] as ItfValue | undefined;
    const b = after[name] as ItfValue | undefined;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const ma = asMap(a);
    const mb = asMap(b);
    if (ma && mb) {
      const keys = [...new Set([...ma.keys(), ...mb.keys()])];
      for (const k of keys) {
        const x = ma.get(k);
        const y = mb.get(k);
        if (JSON.stringify(x) !== JSON.stringify(y))
          out.push({
            path: `${name}[${k}]`,
            before: x === undefined ? '—' : showItf(x),
            after: y === undefined ? '—' : showItf(y),
          });
      }
    } else
      out.push({
        path: name,
        before: a === undefined ? '—' : showItf(a),
        after: b === undefined ? '—' : showItf(b),
      });
  }
  return out;
}

function asMap(v: ItfValue | undefined): Map<string, ItfValue> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v) || !('#map' in v)) return null;
  return new Map((v['#map'] as [ItfValue, ItfValue][]).map(([k, x]) => [showItf(k), x]));
}

function traceTable(itf: ItfTrace): Html {
  const rows = itf.states.map((s, i) => {
    const meta = s['#meta'];
    const prev = i > 0 ? itf.states[i - 1] : undefined;
    const changes = prev ? itfDelta(itf.vars, prev, s) : [];
    const loopRow = itf.loop !== undefined && i === itf.loop && i < itf.states.length - 1;
    const what =
      i === 0
        ? html`<td>initial state: nothing measured or launched, audit log empty</td>`
        : html`<td>${meta.description ?? meta.action}</td>`;
    const cells = changes.length
      ? changes.map(
          (d) =>
            html`<span class="delta"><b>${d.path}</b>: <span class="old">${d.before}</span> → <span class="new">${d.after}</span></span>`,
        )
      : i === 0
        ? html`<div class="initial">${itf.vars.map((name) => html`<span class="delta"><b>${name}</b> = ${showItf(s[name] as ItfValue)}</span>`)}</div>`
        : html`<span class="muted">no change</span>`;
    return html`<tr data-step="${i}"><td class="num">${i}</td><td><code>${meta.action}</code>${meta.outcome ? html`<div class="small muted">${meta.outcome}</div>` : ''}</td>${what}<td class="mono small">${cells}</td></tr>${loopRow ? html`<tr class="loop-note"><td colspan="4" class="small muted">the steps below repeat forever</td></tr>` : ''}`;
  });
  return html`<table class="trace">
<thead><tr><th class="num">#</th><th>Action</th><th>What happens</th><th>State changes</th></tr></thead>
<tbody>${rows}${itf.loop !== undefined ? html`<tr><td colspan="4" class="small muted">… and back to the state after step ${itf.loop}, forever</td></tr>` : ''}</tbody>
</table>`;
}

/** The fields of the system file behind the banner's violations, each linked to its list of causes. */
export function causedBy(violated: readonly PropertyEvidence[]): Html {
  const fields = new Map<string, { line: number; properties: string[] }>();
  for (const p of violated)
    for (const c of p.counterexamples[0]!.causes ?? []) {
      const entry = fields.get(c.path) ?? { line: c.line, properties: [] };
      if (!entry.properties.includes(p.name)) entry.properties.push(p.name);
      fields.set(c.path, entry);
    }
  if (fields.size === 0) return html``;
  return html`<p class="cx-causes">Caused by: ${[...fields].map(([path, f], i) => html`${i ? ', ' : ''}<a href="#causes-${f.properties[0]!}"><code>${path}</code></a> (line ${f.line}; ${f.properties.join(', ')})`)}</p>`;
}

/** A counterexample's causes: each field of the system file it relied on, where it is and why. */
function causesList(p: PropertyEvidence, c: Counterexample, anchor: boolean): Html {
  const causes = c.causes ?? [];
  if (causes.length === 0) return html``;
  return html`<div class="causes"${anchor ? html` id="causes-${p.name}"` : ''}><b>Caused by</b> these fields of the system file:
<ul>${causes.map((x) => html`<li><code>${x.path}</code> <span class="muted">(line ${x.line}, column ${x.column})</span>: ${x.explanation}</li>`)}</ul></div>`;
}

function counterexample(p: PropertyEvidence, c: Counterexample, first: boolean): Html {
  return html`<div class="counterexample" data-engine="${c.engine}">
<h3${first ? html` id="cx-${p.name}"` : ''}>${p.name}: counterexample from ${c.engine}, ${c.steps} steps${c.loop !== null ? ', ending in a cycle' : ''}</h3>
<p>${p.summary}</p>
${c.explanation ? html`<p><b>Violation:</b> ${c.explanation}.</p>` : ''}
${causesList(p, c, first)}
${traceTable(c.itf)}
<p class="small muted">As ITF: <code>${c.file}</code>. Highlighted: each variable that changed in the step, old value struck through.</p>
</div>`;
}

export function counterexamples(e: Evidence): Html {
  const withCx = e.properties.filter((p) => p.counterexamples.length);
  return html`<section id="counterexamples">
<h2>Counterexamples</h2>
${withCx.length ? html`<p>Each violated property with the shortest trace found, step by step: the action (the TLA+ action name), what the hypervisor did, and how the state changed.</p>` : html`<p>None: no engine found a violation.</p>`}
${withCx.map((p, k) => {
  const first = p.counterexamples[0]!;
  const same = (c: Counterexample) => JSON.stringify(c.itf.states) === JSON.stringify(first.itf.states);
  // A trace that already stands above, for another property, is shown once: here it is named.
  const earlier = withCx.slice(0, k).find((q) => same(q.counterexamples[0]!));
  if (earlier)
    return html`<div class="counterexample" data-engine="${first.engine}" data-same-as="${earlier.name}">
<h3 id="cx-${p.name}">${p.name}: the same ${first.steps}-step trace as the counterexample to <a href="#cx-${earlier.name}">${earlier.name}</a></h3>
<p>${p.summary}</p>
${first.explanation ? html`<p><b>Violation:</b> ${first.explanation}.</p>` : ''}
${causesList(p, first, true)}
<p class="small muted">The trace above, state for state, violates ${p.name} too. As ITF: ${p.counterexamples.map((c) => html`<code>${c.file}</code> `)}</p>
</div>`;
  return p.counterexamples.map((c, i) =>
    i === 0
      ? counterexample(p, c, true)
      : same(c)
        ? html`<p class="small" data-engine="${c.engine}">${c.engine} found the same ${c.steps}-step counterexample to ${p.name}, state for state: <code>${c.file}</code>.</p>`
        : counterexample(p, c, false),
  );
})}
</section>`;
}
