/**
 * The package as data and on disk: reproducible bytes apart from the schema's timing fields, never
 * half-written, honest about engines that did not run or disagree, and escaped in its HTML.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Collected, type CollectOptions, collectEvidence } from '../../evidence/collect.js';
import { type EngineOptions, type EngineRun, notRun, runExplorerEngine } from '../../evidence/engines.js';
import { renderReport } from '../../evidence/html.js';
import { OutDirError } from '../../evidence/out-dir.js';
import { timingFieldNames, validateEvidence } from '../../evidence/schema.js';
import type { Evidence } from '../../evidence/types.js';
import { canonicalJson, writePackage } from '../../evidence/write.js';
import type { SeededBug } from '../../model/step.js';
import { explore } from '../../proofs/explorer.js';
import { CATALOG } from '../../proofs/properties.js';
import type { SystemConfig } from '../../system/config.js';
import { typezero, typezeroStarted } from '../cli/cli.js';
import { example, exampleText, fromYaml } from '../helpers.js';
import { systemText } from '../proofs/ni-oracle.js';
import { withoutTiming } from './timing.js';

const OUT = mkdtempSync(join(tmpdir(), 'typezero-package-'));
const QUICK: CollectOptions = { maxStates: 100_000, seeds: 2, steps: 200, toolCopy: false };

function collect(name: string, options: Partial<CollectOptions> = {}): Promise<Collected> {
  const text = exampleText(name);
  return collectEvidence(
    { config: example(name), fileName: `${name}.yaml`, bytes: Buffer.from(text) },
    { ...QUICK, ...options },
  );
}

describe('reproducibility', () => {
  it('marks only durations and the date the package was made as timing fields', async () => {
    expect(timingFieldNames()).toEqual(['date', 'durationMs']);
  });

  it.each([
    // dma-window-overlap packages a diverging pair of runs; orphan-monitor records the check as skipped.
    ['dma-window-overlap', []],
    ['orphan-monitor', ['--no-noninterference']],
  ])(
    '%s: two runs side by side give the same evidence.json bytes apart from timing fields',
    { timeout: 600_000 },
    async (name, flags) => {
      // The proof included: its budget counts the solver's work, not time, so two runs competing for
      // the processor still give AuditCompleteness the same invariant.
      const a = join(OUT, `${name}-a`);
      const b = join(OUT, `${name}-b`);
      const runs = await Promise.all(
        [a, b].map((dir) =>
          typezeroStarted(
            'evidence',
            `examples/${name}.yaml`,
            '--out',
            dir,
            '--seeds',
            '3',
            '--steps',
            '300',
            '--no-tool-copy',
            ...flags,
          ),
        ),
      );
      for (const run of runs) expect(run.status).not.toBe(2);
      const ta = readFileSync(join(a, 'evidence.json'), 'utf8');
      const tb = readFileSync(join(b, 'evidence.json'), 'utf8');
      // Written in canonical form, so comparing canonical forms compares the bytes.
      expect(canonicalJson(JSON.parse(ta))).toBe(ta);
      expect(withoutTiming(ta)).toBe(withoutTiming(tb));
      const files = (dir: string) =>
        (JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence).files;
      for (const f of files(a))
        expect(readFileSync(join(b, f.path)), f.path).toEqual(readFileSync(join(a, f.path)));
      const evidence = JSON.parse(ta) as Evidence;
      expect(evidence.proof?.status).toBe('ran');
      expect(files(a).map((f) => f.path)).toContainEqual(expect.stringMatching(/^proof\/MC.*\.tla$/));
      const ni = evidence.noninterference!;
      const rerun = evidence.reproduce.map((r) => r.command).join('\n');
      if (flags.includes('--no-noninterference')) {
        expect([ni.status, ni.reason]).toEqual(['not-run', 'skipped with --no-noninterference']);
        expect(rerun).toMatch(/ evidence .* --no-noninterference$/m);
        expect(rerun).not.toMatch(/ check .* --noninterference /);
        expect(evidence.assumptions.find((x) => x.id === 'B-NI')!.statement).toBe(
          'Noninterference by self-composition did not run: skipped with --no-noninterference.',
        );
      } else {
        expect(ni.observers.some((o) => o.traces !== null)).toBe(true);
        expect(rerun).toMatch(/ check system\/\S+ --noninterference --json --max-states \d+$/m);
      }
    },
  );
});

describe('writing the package', () => {
  it('replaces an earlier package and leaves no temporary folder', async () => {
    const parent = join(OUT, 'replace');
    const dir = join(parent, 'pkg');
    writePackage(dir, await collect('write-down-channel'));
    writePackage(dir, await collect('mils-two-domain'));
    const evidence = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence;
    expect(evidence.system.name).toBe('mils-two-domain');
    // Nothing of the earlier package survives: mils-two-domain has no counterexample.
    expect(existsSync(join(dir, 'traces'))).toBe(false);
    expect(readdirSync(parent)).toEqual(['pkg']);
  });

  it('refuses to replace a directory that is not a package', async () => {
    const dir = join(OUT, 'foreign');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const collected = await collect('mils-two-domain');
    expect(() => writePackage(dir, collected)).toThrow(OutDirError);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    const r = typezero('evidence', 'examples/mils-two-domain.yaml', '--out', dir, '--seeds', '1');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not empty and holds files typezero did not write/);
  });

  it('keeps the earlier package whole when writing fails half way', async () => {
    const parent = join(OUT, 'crash');
    const dir = join(parent, 'pkg');
    writePackage(dir, await collect('dma-passthrough'));
    const before = readFileSync(join(dir, 'evidence.json'), 'utf8');
    const good = await collect('mils-two-domain');
    // A file and a folder of the same name: the second write fails after others were written.
    const files = new Map(good.files);
    files.set('traces/x', 'a');
    files.set('traces/x/y', 'b');
    expect(() => writePackage(dir, { evidence: good.evidence, files })).toThrow();
    expect(readFileSync(join(dir, 'evidence.json'), 'utf8')).toBe(before);
    expect(readdirSync(parent)).toEqual(['pkg']);
  });

  it('writes nothing when the evidence would not match its schema', async () => {
    const dir = join(OUT, 'invalid');
    const good = await collect('mils-two-domain');
    const bad = { ...good, evidence: { ...good.evidence, properties: good.evidence.properties.slice(1) } };
    expect(() => writePackage(dir, bad)).toThrow(/schema/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('engines that do not run, fail or disagree', () => {
  const withTla =
    (tla: (config: SystemConfig, options: EngineOptions) => EngineRun) =>
    (config: SystemConfig, options: EngineOptions) => [
      runExplorerEngine(config, options),
      tla(config, options),
      notRun('tlc', 'no tla2tools.jar found'),
    ];

  it('records an engine that did not run, with its reason, and does not count it', async () => {
    const { evidence } = await collect('mils-two-domain', {
      engines: withTla(() => notRun('tla-checker', 'not installed')),
    });
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.verdict.status).toBe('pass');
    const tla = evidence.engines[1]!;
    expect(tla).toMatchObject({ engine: 'tla-checker', status: 'not-run', reason: 'not installed' });
    expect(tla.verdicts.every((v) => v.status === 'not-checked')).toBe(true);
    expect(renderReport(evidence)).toContain('not installed');
  });

  it('reports a disagreement between engines as an error (exit 2), and still builds the package', async () => {
    const { evidence } = await collect('mils-two-domain', {
      engines: withTla(() => ({
        engine: 'tla-checker',
        status: 'completed',
        reason: null,
        distinctStates: 1,
        depth: 0,
        durationMs: 1,
        verdicts: new Map(
          CATALOG.map(
            (p) => [p.name, { status: p.name === 'InformationFlow' ? 'violated' : 'holds' }] as const,
          ),
        ),
      })),
    });
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.properties.find((p) => p.name === 'InformationFlow')!.status).toBe('disagreement');
    expect(evidence.verdict).toMatchObject({ status: 'error', exitCode: 2 });
    expect(evidence.verdict.findings[0]).toMatch(/engines disagree on InformationFlow/);
  });

  it('records the TLC jar it ran, with its digest, and how to rerun TLC on the package', async () => {
    const jar = join(OUT, 'tla2tools.jar');
    writeFileSync(jar, 'not really a jar');
    const { evidence, files } = await collect('write-down-channel', {
      env: { TLA2TOOLS_JAR: jar },
      engines: (config, options) => {
        const explorer = runExplorerEngine(config, options);
        return [explorer, notRun('tla-checker', 'not installed'), { ...explorer, engine: 'tlc' }];
      },
    });
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.tool.tlc).toEqual({
      jar: 'tla2tools.jar',
      sha256: createHash('sha256').update('not really a jar').digest('hex'),
      version: null,
      command: null,
    });
    expect([...files.keys()].filter((f) => f.startsWith('spec/')).sort()).toEqual([
      'spec/Hypervisor.tla',
      'spec/MCwrite_down_channel.cfg',
      'spec/MCwrite_down_channel.tla',
      'spec/tla-checker.cfg',
    ]);
    expect(evidence.reproduce.map((r) => r.command)).toContainEqual(
      expect.stringMatching(
        /^cd spec && java .* tlc2\.TLC .*-config MCwrite_down_channel\.cfg MCwrite_down_channel\.tla$/,
      ),
    );
    expect(
      evidence.properties.find((p) => p.name === 'InformationFlow')!.counterexamples.map((c) => c.engine),
    ).toEqual(['explorer', 'tlc']);
  });

  /**
   * boss (HIGH) may reset feed (HIGH, a downgrader) only; feed writes a ring viewer (LOW) reads. A
   * reset by boss clears the ring, so what viewer reads depends on boss: InformationFlow sees it
   * through the cleared cells' labels, unless the seeded label bug drops boss's label from them.
   */
  const clearedRing = systemText(
    [
      { name: 'boss', level: 'HIGH', extra: '    privileges: [partition-control]\n    controls: [feed]' },
      { name: 'feed', level: 'HIGH', extra: '    downgrader: true' },
      { name: 'viewer', level: 'LOW' },
    ],
    'shared:\n  - { name: ring, memory: { start: 3, pages: 1 }, writer: feed, readers: [viewer] }',
  );
  /** The one-run explorer's verdicts as they are with a seeded label bug; no TLA+ engine. */
  const withLabelBug =
    (bug: SeededBug) =>
    (config: SystemConfig, options: EngineOptions): EngineRun[] => {
      const r = explore(config, { maxStates: options.maxStates, model: { bugs: new Set([bug]) } });
      return [
        {
          engine: 'explorer',
          status: r.complete ? 'completed' : 'bounded',
          reason: null,
          distinctStates: r.distinctStates,
          depth: r.depth,
          durationMs: r.durationMs,
          verdicts: new Map(
            CATALOG.map((p) => [p.name, { status: r.verdicts.get(p.name)!.status }] as const),
          ),
          baits: r.baits,
        },
        notRun('tla-checker', 'not installed'),
        notRun('tlc', 'no tla2tools.jar found'),
      ];
    };

  it('reports a label bug InformationFlow cannot see, where a view diverges, as an error (exit 2)', async () => {
    const input = {
      config: fromYaml(clearedRing),
      fileName: 'cleared-ring.yaml',
      bytes: Buffer.from(clearedRing),
    };
    const { evidence } = await collectEvidence(input, {
      ...QUICK,
      engines: withLabelBug('reset-forgets-resetter'),
    });
    expect(validateEvidence(evidence)).toEqual([]);
    // Without the bug the one-run explorer sees the flow; with it, only the two runs do.
    expect(explore(input.config).verdicts.get('InformationFlow')!.status).toBe('violated');
    expect(evidence.properties.find((p) => p.name === 'InformationFlow')!.status).toBe('holds');
    const ni = evidence.noninterference!;
    expect(ni.observers.find((o) => o.partition === 'viewer')).toMatchObject({
      status: 'violated',
      divergence: expect.stringMatching(
        /^viewer reads .*shared region ring\): in the two runs it reads different values$/,
      ),
    });
    expect(ni.agreement.status).toBe('disagrees');
    expect(evidence.verdict).toMatchObject({ status: 'error', exitCode: 2 });
    expect(evidence.verdict.findings[0]).toMatch(
      /^InformationFlow and noninterference disagree: InformationFlow holds, but the view of viewer diverges \(viewer reads /,
    );
    const ifc = evidence.requirements.find((r) => r.id === 'REQ-IFC')!;
    expect(ifc.status).toBe('unknown');
    expect(ifc.reason).toMatch(/^disputed: InformationFlow holds, but /);
    expect(ifc.checks).toEqual([
      expect.objectContaining({ element: 'FDP_IFF.1.2', status: 'violated', agreement: 'disagrees' }),
    ]);
    expect(renderReport(evidence)).toContain('disagrees with InformationFlow');
    // The schema knows the field: a status it does not list, or a trace outside the package, is refused.
    const broken = (change: object) =>
      validateEvidence({ ...evidence, noninterference: { ...ni, ...change } }).join('\n');
    expect(broken({ status: 'diverged' })).toMatch(/^\/noninterference\/status: /m);
    const viewer = ni.observers.find((o) => o.partition === 'viewer')!;
    const outside = { ...viewer, traces: { first: '/etc/passwd', second: viewer.traces!.second } };
    expect(broken({ observers: [outside] })).toMatch(/^\/noninterference\/observers\/0\/traces/m);
  });

  it('reports an engine failure as an error', async () => {
    const { evidence } = await collect('write-down-channel', {
      engines: withTla(() => notRun('tla-checker', 'SANY: parse error', 'failed')),
    });
    expect(validateEvidence(evidence)).toEqual([]);
    expect(evidence.verdict.status).toBe('error');
    expect(evidence.verdict.headline).toMatch(/tla-checker failed: SANY: parse error/);
  });
});

describe('the report escapes what the system file says', () => {
  it('shows a hostile level name as text, never as markup', async () => {
    const hostile = '<img src=x onerror=alert(1)>&"\'';
    const quoted = `'${hostile.replace(/'/g, "''")}'`;
    const yaml = exampleText('write-down-channel').replace(/^(?!#)(.*)UNCLASSIFIED/gm, `$1${quoted}`);
    const config = fromYaml(yaml);
    expect(config.levels[0]).toBe(hostile);
    const { evidence } = await collectEvidence(
      { config, fileName: 'hostile.yaml', bytes: Buffer.from(yaml) },
      QUICK,
    );
    const report = renderReport(evidence);
    expect(report).not.toContain('<img');
    expect(report).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
  });
});
