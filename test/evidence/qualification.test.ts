/**
 * Tool qualification as a package records it: the runtime packages from the lockfile (or, for an
 * installed typezero, from what is installed), the machine, and the seeded bugs and emulator
 * mutants the tool kills. How it goes into a package is in evaluator.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dependencyEvidence,
  environmentEvidence,
  installedDependencies,
  lockedDependencies,
} from '../../evidence/environment.js';
import { mutantKills, seededBugKills } from '../../evidence/kills.js';
import { EVIDENCE_SCHEMA } from '../../evidence/schema.js';
import { packageRoot } from '../../evidence/tool.js';
import { SEEDED_BUGS } from '../../model/step.js';
import { explore } from '../../proofs/explorer.js';
import type { PropertyName } from '../../proofs/properties.js';
import type { SystemConfig } from '../../system/config.js';
import { example } from '../helpers.js';

/** A package folder with the given package.json files under it. */
function tree(files: Record<string, object>): string {
  const root = mkdtempSync(join(tmpdir(), 'typezero-deps-'));
  for (const [path, manifest] of Object.entries(files)) {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify(manifest));
  }
  return root;
}

/** The package's settled verdicts, as the explorer gives them on the whole system. */
function verdicts(config: SystemConfig): Map<PropertyName, 'holds' | 'violated' | 'unknown'> {
  return new Map([...explore(config).verdicts].map(([name, v]) => [name, v.status]));
}

describe('runtime packages', () => {
  it('lists what the lockfile pins for run time, with what is installed at each place', () => {
    const root = tree({
      '': { name: 'typezero', dependencies: { a: '^1' } },
      'node_modules/a': { name: 'a', version: '1.2.0' },
      'node_modules/a/node_modules/@s/b': { name: '@s/b', version: '3.0.0' },
    });
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '^1' }, devDependencies: { t: '^1' } },
        'node_modules/a': { version: '1.2.1', integrity: 'sha512-a' },
        'node_modules/a/node_modules/@s/b': { version: '3.0.0', integrity: 'sha512-b' },
        'node_modules/t': { version: '1.0.0', dev: true },
        'node_modules/u': { version: '1.0.0', devOptional: true },
      },
    };
    expect(lockedDependencies(root, JSON.stringify(lock))).toEqual([
      {
        name: 'a',
        path: 'node_modules/a',
        locked: '1.2.1',
        installed: '1.2.0',
        integrity: 'sha512-a',
        direct: true,
      },
      {
        name: '@s/b',
        path: 'node_modules/a/node_modules/@s/b',
        locked: '3.0.0',
        installed: '3.0.0',
        integrity: 'sha512-b',
        direct: false,
      },
    ]);
  });

  it('walks the installed packages as Node resolves them when there is no lockfile', () => {
    const root = tree({
      '': { name: 'typezero', dependencies: { a: '^1', c: '^1' } },
      'node_modules/a': { name: 'a', version: '1.0.0', dependencies: { b: '^2' } },
      'node_modules/b': { name: 'b', version: '2.0.0' },
      'node_modules/c': { name: 'c', version: '1.0.0', dependencies: { b: '^1' } },
      'node_modules/c/node_modules/b': { name: 'b', version: '1.5.0' },
    });
    expect(dependencyEvidence(root).source).toBe('installed');
    expect(installedDependencies(root).map((d) => [d.path, d.installed, d.direct])).toEqual([
      ['node_modules/a', '1.0.0', true],
      ['node_modules/b', '2.0.0', false],
      ['node_modules/c', '1.0.0', true],
      ['node_modules/c/node_modules/b', '1.5.0', false],
    ]);
  });

  it("reads typezero's own lockfile: every dependency it names, as installed", () => {
    const root = packageRoot();
    const d = dependencyEvidence(root);
    expect(d.source).toBe('package-lock.json');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const direct = d.packages.filter((p) => p.direct).map((p) => p.name);
    expect(direct.sort()).toEqual(Object.keys(manifest.dependencies).sort());
    for (const dev of Object.keys(manifest.devDependencies)) expect(direct).not.toContain(dev);
    for (const p of d.packages) expect(p.installed, p.path).toBe(p.locked);
  });
});

describe('the machine', () => {
  it('names the CPU and its count, and Java only where it is found', () => {
    const env = environmentEvidence({ JAVA_HOME: '/nonexistent', PATH: '' }, null);
    expect(env.cpu.count).toBe(cpus().length);
    expect(env.java).toBeNull();
    expect(env.node).toBe(process.version);
  });
});

describe('seeded model bugs', () => {
  it('kills every hypervisor bug on the example it was made for, each by its property', () => {
    const mils = example('mils-two-domain');
    const kills = seededBugKills(mils, verdicts(mils), 100_000);
    expect(kills.total).toBe(Object.keys(SEEDED_BUGS).length);
    const by = Object.fromEntries(kills.bugs.map((b) => [b.bug, b.attempts[0]!.killedBy]));
    expect(by).toMatchObject({
      'refused-send-enqueues': ['HypercallAuthorization'],
      'unaudited-refusal': ['AuditCompleteness'],
      'fault-flushes-inbox': ['FaultContainment'],
      'auto-restart': ['FaultContainment'],
      'tick-after-halt': ['FailSecure'],
      'launch-ignores-mismatch': ['MeasuredLaunch'],
      'unchecked-buffer': ['InformationFlow', 'HypercallAuthorization'],
    });
    for (const b of kills.bugs)
      if (b.kind === 'hypervisor') expect([b.bug, b.status]).toEqual([b.bug, 'killed']);
      else expect([b.bug, b.status, b.note]).toEqual([b.bug, 'survived', expect.stringMatching(/label bug/)]);
    expect(kills.killed).toBe(9);
  });

  it('counts a kill only by a property that held, and falls back to the example the bug was made for', () => {
    // dma-window-overlap has no channel, so a refused send cannot be enqueued there.
    const dma = example('dma-window-overlap');
    const kills = seededBugKills(dma, verdicts(dma), 100_000);
    const send = kills.bugs.find((b) => b.bug === 'refused-send-enqueues')!;
    expect(send.attempts.map((a) => [a.system, a.packaged, a.status])).toEqual([
      ['dma-window-overlap', true, 'survived'],
      ['mils-two-domain', false, 'killed'],
    ]);
    // A property the package already finds violated kills nothing.
    const mils = example('mils-two-domain');
    const violated = verdicts(mils).set('AuditCompleteness', 'violated');
    const audit = seededBugKills(mils, violated, 100_000).bugs.find((b) => b.bug === 'unaudited-refusal')!;
    expect(audit.attempts[0]).toMatchObject({ packaged: true, status: 'survived', killedBy: [] });
    expect(audit.attempts[1]).toMatchObject({
      packaged: false,
      status: 'killed',
      killedBy: ['AuditCompleteness'],
    });
  });

  it('says a search stopped at the bound did not kill, rather than that the bug survived', () => {
    const mils = example('mils-two-domain');
    const kills = seededBugKills(mils, verdicts(mils), 5);
    expect(kills.maxStates).toBe(5);
    expect(new Set(kills.bugs.map((b) => b.status))).toEqual(new Set(['bounded']));
  });
});

describe('emulator mutants', () => {
  it('kills the mutants this system exercises, and says which survive', () => {
    const kills = mutantKills(example('mils-two-domain'), { seeds: 8, steps: 600 });
    expect(kills).toMatchObject({ seeds: 8, steps: 600, total: 10 });
    const survived = kills.mutants.filter((m) => m.status === 'survived').map((m) => m.mutant);
    // Without onFull: overwrite, partition-control or a second device context these break nothing here.
    expect(survived).toEqual([
      'iommu-skips-context-check',
      'audit-overwrite-uncounted',
      'reset-keeps-memory',
    ]);
    expect(kills.killed).toBe(7);
    for (const m of kills.mutants)
      if (m.status === 'killed') expect(m.failure).toMatch(/refinement fails at step \d+/);
      else expect(m.runs).toBe(9);
    expect(kills.mutants.find((m) => m.mutant === 'pcr-extend-without-chain')!.by).toBe(
      'the EPT-misconfiguration run',
    );
  });
});

describe('the schema', () => {
  it('has a real $id', () => {
    const id = (EVIDENCE_SCHEMA as { $id: string }).$id;
    expect(id).toBe('urn:typezero:evidence-schema:v1');
  });
});
