/**
 * "Unbounded proof" in report.html: what prove decided per property, how, in how much solver time,
 * and for each inductive invariant its reading in the system's terms, its TLA+ name in the proof
 * model the package carries, the SMT text Z3 gave, and whether it held in every reachable state the
 * explorer enumerated. Packages made without the proof say why.
 */
import { type Html, html, plural, tag } from './markup.js';
import type { EngineEvidence, Evidence, ProofEvidence, ProofPropertyEvidence } from './types.js';

const METHOD: Record<ProofPropertyEvidence['method'], string> = {
  induction: 'the property is inductive as it stands',
  'inductive-invariant': "Spacer's inductive invariant, checked again by SMT",
  'k-induction':
    'k-induction: no trace within k - 1 steps, and no k-step path of good states ends in a bad one',
  'k-liveness':
    'k-liveness: an inductive invariant bounds by k the Ticks with a controlled partition faulted and its monitor up, so no fair run stays so',
  'bmc-trace': 'a bounded-model-checking trace, replayed by the model',
  'bmc-lasso': 'a loop found by bounded model checking, replayed by the model',
  'shared-trace': "a prefix of another property's trace, replayed by the model",
  vacuous: 'true of the configuration itself',
  none: 'undecided',
};

/** The prove engine's line in the summary. */
export function proveEngineLine(en: EngineEvidence): Html {
  const decided = en.verdicts.filter((v) => v.status === 'holds' || v.status === 'violated').length;
  const word = en.status === 'completed' ? tag('completed', 'decided') : tag('bounded', 'partly decided');
  return html`${word} ${decided} of ${en.verdicts.length} properties with Z3, no bound on the states${en.reason ? html`; <span class="muted">${en.reason}</span>` : ''} (<a href="#proof">unbounded proof</a>)`;
}

function enumerationLine(p: ProofEvidence): Html {
  const e = p.enumeration;
  if (e.status === 'passed')
    return html`${tag('passed')} Every invariant below holds in each of the ${e.states?.toLocaleString('en-US')} reachable states the explorer enumerated (whole states): the proof and the enumeration meet.`;
  if (e.status === 'failed')
    return html`${tag('failed')} <b>An invariant is false in a reachable state, so the proof is wrong:</b> ${e.reason}`;
  return html`${tag('not-run', 'not run')} The invariants were not checked against the enumeration: ${e.reason}.`;
}

function invariantCell(p: ProofPropertyEvidence): Html {
  const inv = p.invariant;
  if (p.method === 'k-liveness')
    return html`<span class="muted">no run takes more than ${plural(p.k ?? 0, 'Tick')} with a controlled partition faulted and its monitor up (one invariant per monitor and partition, checked by SMT; none recorded)</span>`;
  if (!inv)
    return html`<span class="muted">${p.reason ?? (p.trace ? html`counterexample <code>${p.trace}</code>${p.from ? `: the trace found for ${p.from}, no shorter one within ${plural(p.shortestWithin ?? 0, 'step')}` : ''}` : '')}</span>`;
  return html`<ul class="sfrs">${inv.text.map((line) => html`<li>${line}</li>`)}</ul>
<p class="small"><code>${inv.tla}</code> over ${plural(inv.variables.length, 'state variable')}; in every reachable state: ${tag(inv.enumeration, inv.enumeration.replace('-', ' '))}</p>
<details class="small"><summary>As Z3 gave it (SMT-LIB)</summary><pre>${inv.smt}</pre><p class="muted">${inv.variables.map((v, k) => `x!${k} = ${v}`).join(', ')}</p></details>`;
}

export function proofSection(e: Evidence): Html {
  const p = e.proof;
  if (!p)
    return html`<section id="proof"><h2>Unbounded proof</h2><p>This package was made before prove ran at package time; it carries no proof.</p></section>`;
  if (p.status !== 'ran')
    return html`<section id="proof"><h2>Unbounded proof ${tag(p.status === 'failed' ? 'failed' : 'not-run', p.status.replace('-', ' '))}</h2><p>prove ${p.status === 'failed' ? 'failed' : 'did not run'}: ${p.reason}</p></section>`;
  return html`<section id="proof">
<h2>Unbounded proof</h2>
<p>${p.solver} decided each property over a symbolic transition relation generated from the system file, with no bound on the states and ${(p.timeoutMs ?? 0) / 1000} s of solver time per property${p.rlimit ? ` (${p.rlimit.toLocaleString('en-US')} of Z3's resource units, a budget of work that gives the same outcome on any machine)` : ''}: <b>holds</b> by an inductive invariant (true initially, kept by every event, excluding every state that breaks the property) that plain SMT queries checked again, <b>violated</b> by a trace the model's own <code>step</code> replays. What prove leaves unknown rests on the enumerating engines.${p.model ? html` The invariants are TLA+ definitions in <code>${p.model.module}</code>; <code>${p.model.config}</code> has TLC check <code>IndInv</code>, their conjunction, in every reachable state.` : ''}</p>
<p>${enumerationLine(p)}</p>
<table>
<thead><tr><th>Property</th><th>prove</th><th>How</th><th class="num">Solver time</th><th>Inductive invariant, in the system's terms</th></tr></thead>
<tbody>${p.properties.map(
    (x) =>
      html`<tr data-proof="${x.property}"><td><b>${x.property}</b></td><td>${tag(x.status)}</td><td class="small">${METHOD[x.method]}</td><td class="num">${(x.durationMs / 1000).toFixed(1)} s</td><td>${invariantCell(x)}</td></tr>`,
  )}</tbody>
</table>
</section>`;
}
