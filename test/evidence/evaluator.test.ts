/**
 * What an evaluator stops on. A property that holds only vacuously is not a pass of its
 * requirement family: the package says "not applicable" for the property and "not demonstrated"
 * for every family resting on it, in evidence.json and in the report, while the overall status
 * stays as the contract fixes it. And the verdict carries its scope: this configuration, over
 * typezero's model, and the separation-kernel requirements the model does not cover.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openEnvelope, STATEMENT } from '../../evidence/attest.js';
import { type CollectOptions, collectEvidence } from '../../evidence/collect.js';
import { notRun, runExplorerEngine } from '../../evidence/engines.js';
import { renderReport } from '../../evidence/html.js';
import { parseRequirementsText } from '../../evidence/integrator.js';
import { EVIDENCE_SCHEMA, validateEvidence } from '../../evidence/schema.js';
import { integratorEvidence } from '../../evidence/traceability.js';
import type { AbstractionEvidence } from '../../evidence/types.js';
import { overallVerdict } from '../../evidence/verdict.js';
import { packageFiles } from '../../evidence/write.js';
import { exampleText, fromYaml } from '../helpers.js';

/** mils-two-domain, once as it is and once without its device (so no DMA can happen). */
const WITH_DEVICE = exampleText('mils-two-domain');
const WITHOUT_DEVICE = WITH_DEVICE.replace(/^devices:\n(?: {2}.*\n)+/m, '');

const collected = new Map<string, ReturnType<typeof collectEvidence>>();

/** The package of one system text, collected once for every test that reads it. */
function collect(text: string) {
  if (!collected.has(text)) collected.set(text, collectOnce(text));
  return collected.get(text)!;
}

async function collectOnce(text: string, abstraction?: CollectOptions['abstraction']) {
  return collectEvidence(
    { config: fromYaml(text), fileName: 'mils.yaml', bytes: Buffer.from(text) },
    {
      maxStates: 100_000,
      seeds: 3,
      steps: 100,
      toolCopy: false,
      // The explorer alone settles baits; the TLA+ engines are not what this is about.
      engines: (config, options) => [
        runExplorerEngine(config, options),
        notRun('tla-checker', 'not needed here'),
        notRun('tlc', 'not needed here'),
      ],
      ...(abstraction ? { abstraction } : {}),
    },
  );
}

describe('vacuous properties in the evidence package', () => {
  it('marks FaultRecovery with no health monitor not applicable, and its family not demonstrated', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    expect(validateEvidence(JSON.parse(JSON.stringify(evidence)))).toEqual([]);
    const recovery = evidence.properties.find((p) => p.name === 'FaultRecovery')!;
    expect(recovery).toMatchObject({ status: 'holds', vacuous: true });
    expect(recovery.vacuityReason).toMatch(/no partition holds partition-control/);
    const memory = evidence.properties.find((p) => p.name === 'MemoryIsolation')!;
    expect(memory).toMatchObject({ status: 'holds', vacuous: false, vacuityReason: null });

    const fail = evidence.requirements.find((r) => r.id === 'REQ-FAIL')!;
    expect(fail.status).toBe('not-demonstrated');
    expect(fail.reason).toMatch(/FaultRecovery/);
    // Every other family rests on exercised properties only.
    for (const r of evidence.requirements.filter((x) => x.id !== 'REQ-FAIL'))
      expect([r.id, r.status, r.reason]).toEqual([r.id, 'met', null]);

    // The status values stay as the contract fixes them; the headline does not say "all hold".
    expect(evidence.verdict.status).toBe('pass');
    expect(evidence.verdict.headline).toMatch(
      /^10 of 11 properties hold .* 1 is not applicable .*FaultRecovery/,
    );
    const report = renderReport(evidence);
    expect(report).toContain('<span class="tag not-applicable">not applicable</span>');
    expect(report).toContain('<span class="tag not-demonstrated">not demonstrated</span>');
    expect(report).not.toMatch(/All 11 properties hold/);
  });

  it('marks properties whose bait is unreachable, and every family that rests on one', async () => {
    const { evidence } = await collect(WITHOUT_DEVICE);
    const vacuous = evidence.properties.filter((p) => p.vacuous).map((p) => p.name);
    expect(vacuous).toEqual(['DmaContainment', 'InterruptIsolation', 'FaultRecovery']);
    expect(evidence.properties.find((p) => p.name === 'DmaContainment')!.vacuityReason).toMatch(
      /a device DMA completes through the IOMMU/,
    );
    const status = Object.fromEntries(evidence.requirements.map((r) => [r.id, r.status]));
    // REQ-PART rests on InterruptIsolation, REQ-DMA on DmaContainment, REQ-FAIL on FaultRecovery.
    expect(status).toEqual({
      'REQ-PART': 'not-demonstrated',
      'REQ-IFC': 'met',
      'REQ-PRIV': 'met',
      'REQ-AUDIT': 'met',
      'REQ-FAIL': 'not-demonstrated',
      'REQ-LAUNCH': 'met',
      'REQ-TIME': 'met',
      'REQ-DMA': 'not-demonstrated',
    });
  });
});

describe('the scope of the verdict', () => {
  it('says what was verified, over what, and what it does not cover', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    expect(evidence.scope.verified).toContain(evidence.system.sha256);
    expect(evidence.scope.model).toMatch(/reference model/);
    expect(evidence.scope.notVerified).toMatch(/not a verdict on any real hypervisor binary/i);
    // The separation-kernel requirements outside the model, each traced to Common Criteria.
    const ids = evidence.notCovered.map((n) => n.id);
    for (const id of ['NC-IMPL', 'NC-TIMING', 'NC-RESIDUE', 'NC-SELFPROT', 'NC-MGMT'])
      expect(ids).toContain(id);
    for (const n of evidence.notCovered) expect(n.references.some((r) => r.startsWith('CC '))).toBe(true);
    // The register names every over-approximation the model makes.
    expect(evidence.assumptions.map((a) => a.id)).toEqual(
      expect.arrayContaining(['A-OVER-1', 'A-OVER-2', 'A-OVER-3']),
    );
    const report = renderReport(evidence);
    // The scope sits right under the verdict banner, before the facts.
    expect(report.indexOf('id="scope"')).toBeGreaterThan(report.indexOf('class="banner'));
    expect(report.indexOf('id="scope"')).toBeLessThan(report.indexOf('class="facts"'));
    for (const id of ids) expect(report).toContain(`data-not-covered="${id}"`);
  });
});

describe('run sizes', () => {
  it('keeps a record per seeded run and computes every figure from the records', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    const emulator = evidence.conformance.emulatorVsModel.seededRuns;
    const walks = evidence.conformance.modelVsSpec.walks;
    for (const [runs, budget] of [
      [emulator, 100],
      [walks, evidence.bounds.specWalkSteps],
    ] as const) {
      expect(runs.budget).toBe(budget);
      expect(runs.records.map((r) => r.seed)).toEqual(runs.records.map((_, i) => i));
      for (const r of runs.records) {
        expect(r.steps).toBeLessThanOrEqual(budget);
        // A run ends early only when the system halts (or a check fails); a full run took its budget.
        expect(r.ended === 'step-budget').toBe(r.steps === budget);
      }
      const steps = runs.records.map((r) => r.steps);
      expect(runs.summary).toMatchObject({
        runs: runs.records.length,
        steps: steps.reduce((a, b) => a + b, 0),
        minSteps: Math.min(...steps),
        maxSteps: Math.max(...steps),
        halted: runs.records.filter((r) => r.ended === 'halted').length,
      });
    }
    // The audit log of two records fills fast under onFull: halt; the package says so.
    expect(emulator.summary.halted).toBeGreaterThan(0);
    const bound = evidence.assumptions.find((a) => a.id === 'B-CONFORMANCE')!.statement;
    expect(bound).toContain(`took ${emulator.summary.steps.toLocaleString('en-US')} steps in all`);
    expect(bound).toMatch(/stopped when the system halted fail-secure/);
    expect(renderReport(evidence)).toContain('data-runs="walks"');
  });
});

describe('a system the emulator cannot hold', () => {
  it('is decided by the other engines, with the emulator comparison and mutants not run and why', async () => {
    const text = WITH_DEVICE.replace(/^ {2}pages: 12$/m, '  pages: 300000');
    // The page-by-page model of 300,000 pages is slow and beside the point here.
    const { evidence } = await collectOnce(text, (config, maxStates) => ({
      status: 'not-run',
      reason: 'not needed here',
      maxStates,
      layout: { pages: config.platform.pages, classes: 0, classCells: 0, pageCells: 0 },
      comparisons: [],
      durationMs: 0,
    }));
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.properties.filter((p) => p.status !== 'holds').map((p) => p.name)).toEqual([]);
    const emulator = evidence.conformance.emulatorVsModel;
    expect(emulator).toMatchObject({ status: 'not-run', runs: 0, stepsChecked: 0, counterexamples: [] });
    const why =
      /^not run: the emulator cannot hold this system: the emulator holds at most 262,144 pages .* needs 300,\d{3}/;
    expect(emulator.reason).toMatch(why);
    expect(evidence.qualification!.mutants).toMatchObject({
      mutants: [],
      killed: 0,
      reason: expect.stringMatching(why),
    });
    // A pass, but not a silent one: the verdict names the comparison that did not run.
    expect(evidence.verdict.status).toBe('pass');
    expect(evidence.verdict.findings).toEqual([`conformance emulator vs model ${emulator.reason}`]);
    expect(evidence.assumptions.find((a) => a.id === 'B-CONFORMANCE')!.statement).toContain(
      'was not checked against the model on this system',
    );
    const report = renderReport(evidence);
    expect(report).toContain('Emulator mutants: not run');
    expect(report).not.toContain('Seeded emulator runs');
  });
});

describe('the soundness argument in the package', () => {
  it('goes into evidence.json and the report, the register cites it, and a failure is an error', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    expect(validateEvidence(JSON.parse(JSON.stringify(evidence)))).toEqual([]);
    const abstraction = evidence.conformance.abstraction!;
    expect(abstraction.status).toBe('passed');
    const entry = evidence.assumptions.find((a) => a.id === 'A-MODEL-1')!;
    expect(entry.statement).toMatch(
      /On this system the comparison was run when the package was made .*label-sliced, the same verdicts and baits .*whole states, the same verdicts and baits \(349 states as classes, 1,933 page by page\)/,
    );
    const report = renderReport(evidence);
    expect(report).toContain(
      '<h3 id="abstraction">Page-class abstraction <span class="tag passed">passed</span>',
    );
    expect(report).toMatch(/<tr data-abstraction="none"><td>whole states<\/td>/);

    // A package made before the test existed still conforms to the schema, and says it has none.
    const { abstraction: _, ...older } = evidence.conformance;
    const old = { ...evidence, conformance: older };
    expect(validateEvidence(JSON.parse(JSON.stringify(old)))).toEqual([]);
    expect(renderReport(old)).toContain('carries no result of it');

    const verdict = (a: AbstractionEvidence) =>
      overallVerdict(evidence.properties, evidence.engines, { ...evidence.conformance, abstraction: a });
    expect(verdict(abstraction).status).toBe('pass');
    const failed = verdict({ ...abstraction, status: 'failed', reason: 'whole states: differs' });
    expect(failed.status).toBe('error');
    expect(failed.findings).toContain('conformance page-class abstraction failed: whole states: differs');
  });
});

describe('tool qualification in the package', () => {
  it('records what ran and what it kills, and carries the schema under its $id, digested like every file', async () => {
    const collected = await collect(WITH_DEVICE);
    const q = collected.evidence.qualification!;
    expect(q.dependencies.source).toBe('package-lock.json');
    expect(q.dependencies.packages.map((p) => p.name)).toContain('ajv');
    expect(q.seededBugs).toMatchObject({ killed: 9, total: 11 });
    expect(q.mutants.total).toBe(10);
    expect(q.testSuite.status).toBe('not-carried');
    expect(q.testSuite.reason).toMatch(/does not carry the results of typezero's own test suite/);

    const files = packageFiles(collected);
    const schema = files.get('schema/evidence.schema.json') as string;
    expect(JSON.parse(schema)).toEqual(EVIDENCE_SCHEMA);
    expect(q.schema).toEqual({
      path: 'schema/evidence.schema.json',
      id: 'urn:typezero:evidence-schema:v1',
      sha256: createHash('sha256').update(schema).digest('hex'),
    });
    expect(files.get('SHA256SUMS')).toContain(`${q.schema.sha256}  schema/evidence.schema.json\n`);
    const opened = openEnvelope(files.get(STATEMENT) as string);
    expect(opened.ok && opened.statement.subject).toContainEqual({
      name: 'schema/evidence.schema.json',
      digest: { sha256: q.schema.sha256 },
    });
    // A package made before qualification was recorded still conforms, and says it has none.
    const { qualification: _, ...older } = collected.evidence;
    expect(validateEvidence(JSON.parse(JSON.stringify(older)))).toEqual([]);
    expect(renderReport(older)).toContain('carries none');

    const report = files.get('report.html') as string;
    expect(report).toContain('<h3 id="seeded-bugs">Seeded model bugs: 9 of 11 killed</h3>');
    expect(report).toMatch(/<tr data-bug="unaudited-refusal">.*by <b>AuditCompleteness<\/b>/);
    expect(report).toContain(`<h3 id="mutants">Emulator mutants: ${q.mutants.killed} of 10 killed</h3>`);
    expect(report).toContain('<a href="#qualification">Qualification</a>');
  });
});

describe('traceability to Common Criteria and the protection profile', () => {
  it('names the elements each family traces to, in evidence.json and in the matrix', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    const ifc = evidence.requirements.find((r) => r.id === 'REQ-IFC')!;
    expect(ifc.sfrs).toContainEqual(
      expect.objectContaining({
        element: 'FDP_IFF.1.2',
        property: 'InformationFlow',
        component: 'Simple security attributes',
      }),
    );
    expect(ifc.skpp?.map((a) => a.area)).toEqual(['Information flow control']);
    const fail = evidence.requirements.find((r) => r.id === 'REQ-FAIL')!;
    expect(fail.sfrs?.map((s) => s.element)).toContain('FPT_FLS.1.1');
    const report = renderReport(evidence);
    expect(report).toMatch(
      /<tr data-requirement="REQ-IFC" data-property="InformationFlow">.*<li data-sfr="FDP_IFF\.1\.2"><b>FDP_IFF\.1\.2<\/b>/,
    );
    expect(report).toMatch(
      /<tr data-requirement="REQ-AUDIT".*CC: <code>FAU_GEN\.1\.1<\/code>, <code>FAU_STG\.4\.1<\/code>/,
    );
    // Packages made before the mapping, or the noninterference check, existed still conform.
    const { noninterference: _, ...before } = evidence;
    const older = {
      ...before,
      requirements: evidence.requirements.map(({ sfrs: _, skpp: __, checks: ___, ...r }) => r),
    };
    expect(validateEvidence(JSON.parse(JSON.stringify(older)))).toEqual([]);
  });
});

describe("the integrator's requirements", () => {
  it('are traced in the matrix, each with its properties and result, and conform to the schema', async () => {
    const { evidence } = await collect(WITH_DEVICE);
    const text =
      'requirements:\n  - id: SSR-1\n    title: Private memory\n    properties: [MemoryIsolation]\n  - id: SSR-2\n    properties: [FaultRecovery, FailSecure]\n';
    const parsed = parseRequirementsText(text, 'ours.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((x) => x.message).join('; '));
    const withOurs = {
      ...evidence,
      integratorRequirements: integratorEvidence(
        { fileName: 'ours.yaml', bytes: Buffer.from(text), requirements: parsed.requirements },
        evidence.properties,
      ),
    };
    expect(validateEvidence(JSON.parse(JSON.stringify(withOurs)))).toEqual([]);
    expect(withOurs.integratorRequirements.requirements.map((r) => [r.id, r.status])).toEqual([
      ['SSR-1', 'met'],
      ['SSR-2', 'not-demonstrated'],
    ]);
    const report = renderReport(withOurs);
    expect(report).toMatch(
      /<tr data-integrator-requirement="SSR-1"><td><b>SSR-1<\/b><div class="small">Private memory<\/div><\/td><td><span class="delta"><b>MemoryIsolation<\/b> <span class="tag holds">holds<\/span><\/span><\/td><td class="small">REQ-PART, REQ-IFC<\/td><td><span class="tag met">met<\/span>/,
    );
    expect(report).toContain('<a href="#integrator-requirements">1 of 2 met</a>');
    expect(renderReport(evidence)).not.toContain('integrator-requirements');
  });
});
