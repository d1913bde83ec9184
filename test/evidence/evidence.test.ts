/**
 * `typezero evidence` through the real command line on every example: the package is complete,
 * evidence.json conforms to its schema, and every property, requirement family and engine appears.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIREMENT_IDS } from '../../evidence/requirements.js';
import { validateEvidence } from '../../evidence/schema.js';
import { ENGINE_NAMES, type Evidence } from '../../evidence/types.js';
import { buildLayout } from '../../model/layout.js';
import { type ItfTrace, stateToItf } from '../../proofs/itf.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';
import { EXAMPLES, typezero } from '../cli/cli.js';
import { example, exampleText, ROOT } from '../helpers.js';
import { replayItf } from '../itf-replay.js';

const OUT = mkdtempSync(join(tmpdir(), 'typezero-evidence-'));

function predicted(name: string): string[] {
  const line = exampleText(name)
    .match(/^# expect-violated: (.*)$/m)![1]!
    .trim();
  return line === 'none' ? [] : line.split(/\s+/);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * tla-checker needs minutes for three-level-guard's 72,032 states, so here it is packaged within a
 * bound: the label-sliced explorer (318 states) finishes and settles every property, tla-checker
 * stops at the bound and is recorded as such, not compared.
 */
const BOUNDED: Record<string, number> = { 'three-level-guard': 5000 };

/**
 * The unbounded proof costs seconds of Z3 per property, so it runs here on a secure example and an
 * insecure one (test/evidence/proof.test.ts covers the rest of it); every other package is made
 * with --no-prove and records it as not run.
 */
const PROVED = ['mils-two-domain', 'write-down-channel'];

describe('typezero evidence on every example', () => {
  it.each(EXAMPLES)('%s', { timeout: 300_000 }, (name) => {
    const dir = join(OUT, name);
    const bound = BOUNDED[name];
    const r = typezero(
      'evidence',
      `examples/${name}.yaml`,
      '--out',
      dir,
      '--seeds',
      '8',
      '--steps',
      '1000',
      '--no-tool-copy',
      ...(bound ? ['--max-states', String(bound)] : []),
      ...(PROVED.includes(name) ? [] : ['--no-prove']),
    );
    const expected = predicted(name);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(expected.length ? 1 : 0);
    expect(r.stdout).toMatch(expected.length ? /^FAIL: / : /^PASS: /);

    const text = readFileSync(join(dir, 'evidence.json'), 'utf8');
    const evidence = JSON.parse(text) as Evidence;
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.verdict.exitCode).toBe(r.status);

    // Every property, requirement family and engine appears, each once and in order.
    expect(evidence.properties.map((p) => p.name)).toEqual([...PROPERTY_NAMES]);
    expect(evidence.requirements.map((q) => q.id)).toEqual([...REQUIREMENT_IDS]);
    expect(evidence.engines.map((e) => e.engine)).toEqual([...ENGINE_NAMES]);
    for (const engine of evidence.engines) {
      expect(engine.verdicts.map((v) => v.property)).toEqual([...PROPERTY_NAMES]);
      if (engine.status === 'not-run') expect(engine.reason).toBeTruthy();
      else expect(engine.verdicts.every((v) => v.status !== 'not-checked')).toBe(true);
    }
    const explorer = evidence.engines.find((e) => e.engine === 'explorer')!;
    const checker = evidence.engines.find((e) => e.engine === 'tla-checker')!;
    expect(explorer.status).toBe('completed');
    expect(checker.status).toBe(bound ? 'bounded' : 'completed');
    for (const engine of [explorer, checker]) expect(engine.maxStates).toBe(evidence.bounds.maxStates);
    const proved = PROVED.includes(name);
    const prove = evidence.engines.find((e) => e.engine === 'prove')!;
    if (proved) {
      expect(prove.status).toBe('completed');
      expect(evidence.proof!.status).toBe('ran');
      expect(evidence.proof!.enumeration.status).toBe('passed');
      for (const f of [
        'Hypervisor.tla',
        `MC${name.replace(/-/g, '_')}.tla`,
        `MC${name.replace(/-/g, '_')}_IndInv.cfg`,
      ])
        expect(existsSync(join(dir, 'proof', f)), f).toBe(true);
    } else {
      expect([prove.status, prove.reason]).toEqual(['not-run', 'skipped with --no-prove']);
      expect(existsSync(join(dir, 'proof'))).toBe(false);
    }
    // The explorer decides label-sliced; its whole-state count, searched again, is what tla-checker's
    // must equal.
    const counts = evidence.conformance.modelVsSpec.checks.find(
      (c) => c.name === 'distinct states: tla-checker = explorer',
    )!;
    if (bound) {
      expect(evidence.verdict.findings).toContainEqual(
        expect.stringMatching(/^tla-checker stopped at the state bound/),
      );
      expect(evidence.conformance.modelVsSpec.checks.some((c) => c.status === 'failed')).toBe(false);
    } else {
      expect(counts.status).toBe('passed');
      expect(counts.detail).toMatch(new RegExp(`^${checker.distinctStates} distinct states each`));
      expect(evidence.conformance.modelVsSpec.status).toBe('passed');
    }

    // The TLA+ model travels with the package, for a reviewer to rerun TLC on.
    const mc = `MC${name.replace(/-/g, '_')}`;
    for (const f of ['Hypervisor.tla', `${mc}.tla`, `${mc}.cfg`, 'tla-checker.cfg'])
      expect(existsSync(join(dir, 'spec', f)), f).toBe(true);
    expect(readFileSync(join(dir, 'spec', 'Hypervisor.tla'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'spec', 'Hypervisor.tla'), 'utf8'),
    );

    // The verdicts are the ones the example predicts, each violation with its counterexample on disk.
    const violated = evidence.properties.filter((p) => p.status === 'violated').map((p) => p.name);
    expect(violated.sort()).toEqual([...expected].sort());
    for (const p of evidence.properties) {
      expect(p.counterexamples.length > 0).toBe(p.status === 'violated');
      for (const c of p.counterexamples) {
        const onDisk = JSON.parse(readFileSync(join(dir, c.file), 'utf8'));
        expect(onDisk).toEqual(c.itf);
        expect(c.itf['#meta'].source).toBe(`${name}.yaml`);
      }
      expect(p.counterexamples.map((c) => c.engine)).toEqual(
        bound || !expected.includes(p.name) ? [] : ['explorer', 'tla-checker', ...(proved ? ['prove'] : [])],
      );
    }
    expect(evidence.conformance.emulatorVsModel.status).toBe('passed');
    // Every kind of step the model takes on this system was performed on the emulator.
    const { coverage } = evidence.conformance.emulatorVsModel;
    const exercised = new Set(
      [...coverage.events.items, ...coverage.hypercalls.items].filter((i) => i.count > 0).map((i) => i.key),
    );
    for (const key of [...coverage.modelReaches.events, ...coverage.modelReaches.hypercalls])
      expect(exercised.has(key), key).toBe(true);
    expect(evidence.conformance.emulatorVsModel.counterexamples.map((c) => c.property).sort()).toEqual(
      [...expected].sort(),
    );

    expectNoninterference(name, dir, evidence, expected.includes('InformationFlow'));

    // The system file travels with the package; every listed file and SHA256SUMS check out.
    expect(readFileSync(join(dir, 'system', `${name}.yaml`), 'utf8')).toBe(exampleText(name));
    expect(evidence.system.sha256).toBe(sha256(exampleText(name)));
    for (const f of evidence.files) expect(sha256(readFileSync(join(dir, f.path))), f.path).toBe(f.sha256);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.map((l) => l.slice(66)).sort()).toEqual(
      ['evidence.json', 'report.html', 'statement.dsse.json', ...evidence.files.map((f) => f.path)].sort(),
    );
    for (const line of sums) expect(sha256(readFileSync(join(dir, line.slice(66))))).toBe(line.slice(0, 64));

    // No absolute path leaks into the machine-readable evidence.
    expect(text).not.toContain(OUT);
    expect(text).not.toContain(process.cwd());

    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(report).not.toMatch(/<script|<link|<img|<iframe|url\(/i);
    expect(report).not.toMatch(/(src|href)="(?!#)/);
    for (const p of PROPERTY_NAMES) expect(report).toContain(p);
    for (const id of REQUIREMENT_IDS) expect(report).toContain(id);
  });
});

/**
 * Noninterference in the package: an entry per partition, agreeing with InformationFlow; no view
 * diverges on a system where InformationFlow holds, and each divergence is a pair of runs of the
 * model on disk, shown move by move in the report.
 */
function expectNoninterference(name: string, dir: string, evidence: Evidence, leaks: boolean): void {
  const config = example(name);
  const layout = buildLayout(config);
  const ni = evidence.noninterference!;
  expect(ni.observers.map((o) => o.partition)).toEqual(config.partitions.map((p) => p.name));
  expect(ni.agreement.status).toBe('agrees');
  expect(ni.status).toBe(leaks ? 'violated' : 'holds');
  expect(ni.maxStates).toBe(evidence.bounds.maxStates);
  const report = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(report).toContain('<section id="noninterference">');
  for (const o of ni.observers) {
    if (o.vacuous) expect(o.status).toBe('holds');
    expect(o.traces === null).toBe(o.status !== 'violated');
    if (!o.traces) continue;
    expect(o.moves.length).toBe(o.depth);
    expect(o.interleaving!.length).toBe(o.depth);
    expect(report).toContain(`<div class="ni-pair" data-observer="${o.partition}">`);
    for (const [run, path] of [
      ['first', o.traces.first],
      ['second', o.traces.second],
    ] as const) {
      expect(evidence.files.some((f) => f.path === path)).toBe(true);
      const trace = JSON.parse(readFileSync(join(dir, path), 'utf8')) as ItfTrace;
      const taken = o.interleaving!.filter((s) => s === 'both' || s === run).length;
      expect(trace.states.length - 1).toBe(taken);
      const replayed = replayItf(layout, trace);
      const { '#meta': _, ...last } = trace.states.at(-1)!;
      expect(stateToItf(layout, replayed.at(-1)!)).toEqual(last);
    }
  }
}

describe('typezero evidence: input and target errors', () => {
  it('exits 2 on a broken system file and writes nothing', () => {
    const dir = join(OUT, 'broken');
    const r = typezero('evidence', 'examples/no-such-file.yaml', '--out', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-file\.yaml/);
    expect(r.stdout).toBe('');
    expect(existsSync(dir)).toBe(false);
  });

  it('exits 2 without --out', () => {
    const r = typezero('evidence', 'examples/mils-two-domain.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out/);
  });

  it('exits 2 on a bad bound', () => {
    const r = typezero(
      'evidence',
      'examples/mils-two-domain.yaml',
      '--out',
      join(OUT, 'x'),
      '--max-states',
      '0',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-states/);
  });

  it('records a state bound that stops the search, and exits 1 with unknown verdicts', () => {
    const dir = join(OUT, 'bounded');
    const r = typezero(
      'evidence',
      'examples/three-level-guard.yaml',
      '--out',
      dir,
      '--max-states',
      '200',
      '--seeds',
      '1',
      '--steps',
      '100',
      '--no-tool-copy',
      '--no-prove',
    );
    expect(r.status).toBe(1);
    const evidence = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence;
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.bounds.maxStates).toBe(200);
    const explorer = evidence.engines.find((e) => e.engine === 'explorer')!;
    expect(explorer.status).toBe('bounded');
    expect(explorer.reduction).toBe('label-slicing');
    expect(explorer.distinctStates).toBe(200);
    expect(evidence.properties.every((p) => p.status === 'unknown')).toBe(true);
    expect(evidence.verdict.status).toBe('fail');
    expect(evidence.assumptions.find((a) => a.id === 'B-STATES')!.statement).toMatch(/200/);
    // The same bound stops the self-composition of each observer with anything hidden.
    const ni = evidence.noninterference!;
    expect(ni.status).toBe('unknown');
    expect(ni.agreement.status).toBe('not-compared');
    const undecided = ni.observers.filter((o) => o.status === 'unknown').map((o) => o.partition);
    expect(undecided).toEqual(ni.observers.filter((o) => !o.vacuous).map((o) => o.partition));
    for (const o of ni.observers) if (o.status === 'unknown') expect(o.productStates).toBe(200);
    expect(evidence.verdict.findings).toContain(
      `noninterference not decided within the bound of 200 pairs of states for ${undecided.join(', ')}`,
    );
    expect(evidence.assumptions.find((a) => a.id === 'B-NI')!.statement).toMatch(
      /within 200 pairs of states each; 0 of 2 searches finished/,
    );
  });
});
