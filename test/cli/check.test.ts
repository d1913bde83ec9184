import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { stateToItf } from '../../proofs/itf.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';
import { example, exampleText, fromYaml } from '../helpers.js';
import { replayItf } from '../itf-replay.js';
import { EXAMPLES, typezero } from './cli.js';

/** The properties an example's header comment says it violates (`# expect-violated: A B` or `none`). */
function predicted(name: string): string[] {
  const line = exampleText(name).match(/^# expect-violated: (.*)$/m);
  if (!line) throw new Error(`examples/${name}.yaml has no expect-violated comment`);
  return line[1]!.trim() === 'none' ? [] : line[1]!.trim().split(/\s+/);
}

describe('typezero check on every example', () => {
  it('has at least three secure and six insecure examples', () => {
    expect(EXAMPLES.filter((e) => predicted(e).length === 0).length).toBeGreaterThanOrEqual(3);
    expect(EXAMPLES.filter((e) => predicted(e).length > 0).length).toBeGreaterThanOrEqual(6);
  });

  it('has an insecure example for every property a system file can break', () => {
    const broken = new Set(EXAMPLES.flatMap(predicted));
    const unbreakable = ['HypercallAuthorization', 'FaultContainment', 'FailSecure'];
    expect([...broken].sort()).toEqual(PROPERTY_NAMES.filter((p) => !unbreakable.includes(p)).sort());
  });

  it.each(EXAMPLES)('%s: every verdict is the one its comment predicts', (name) => {
    const file = `examples/${name}.yaml`;
    const r = typezero('check', file, '--json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    const expected = predicted(name);
    expect(r.status).toBe(expected.length ? 1 : 0);

    expect(Object.keys(report).sort()).toEqual(['engine', 'properties', 'stats', 'system']);
    expect(report.system).toBe(example(name).system);
    expect(report.engine).toBe('explorer');
    const { reduction, ...counts } = report.stats;
    expect(Object.keys(counts).sort()).toEqual(['depth', 'distinctStates', 'durationMs']);
    for (const v of Object.values(counts)) expect(Number.isInteger(v)).toBe(true);
    expect(reduction).toBe('label-slicing');
    expect(report.properties.map((p: { name: string }) => p.name)).toEqual([...PROPERTY_NAMES]);

    const layout = buildLayout(example(name));
    for (const p of report.properties) {
      if (!expected.includes(p.name)) {
        // Vacuity is said beside the status, never instead of it.
        expect(p.status).toBe('holds');
        if (p.vacuous) expect(Object.keys(p).sort()).toEqual(['name', 'reason', 'status', 'vacuous']);
        else expect(p).toEqual({ name: p.name, status: 'holds' });
        continue;
      }
      expect(Object.keys(p).sort()).toEqual(['causes', 'name', 'status', 'trace']);
      expect(p.status).toBe('violated');
      expect(p.causes.length).toBeGreaterThan(0);
      for (const cause of p.causes) {
        expect(Object.keys(cause).sort()).toEqual(['column', 'explanation', 'line', 'path']);
        expect(Number.isInteger(cause.line) && Number.isInteger(cause.column)).toBe(true);
      }
      expect(p.trace['#meta'].format).toBe('ITF');
      expect(p.trace.states[0]['#meta'].action).toBe('Init');
      // The trace is a real run of the model: replaying its events reproduces every state.
      const replayed = replayItf(layout, p.trace);
      replayed.forEach((state, i) => {
        const { '#meta': _meta, ...vars } = p.trace.states[i];
        expect(vars).toEqual(stateToItf(layout, state));
      });
    }
  });
});

describe('typezero check output', () => {
  it('stores states up to symmetry on interchangeable lanes, and says so', () => {
    // The dual-lane system with a voter, the health monitor, that never runs: a faulted lane stays down.
    const text = readFileSync('bench/systems/dual-lane-7p3c.yaml', 'utf8').replace(
      '- { cpu: 2, partition: voter, start: 0, length: 3 }',
      '',
    );
    const file = join(mkdtempSync(join(tmpdir(), 'typezero-sym-')), 'idle-voter.yaml');
    writeFileSync(file, text);
    const r = typezero('check', file, '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.stats.symmetry).toEqual({
      order: 2,
      interchangeable: [
        ['command-a', 'command-b'],
        ['monitor-a', 'monitor-b'],
        ['sensor-a', 'sensor-b'],
      ],
    });
    const layout = buildLayout(fromYaml(text));
    const recovery = report.properties.find((p: { name: string }) => p.name === 'FaultRecovery');
    expect(recovery.status).toBe('violated');
    // The lasso found among representatives is a run of the model.
    const replayed = replayItf(layout, recovery.trace);
    replayed.forEach((state, i) => {
      const { '#meta': _meta, ...vars } = recovery.trace.states[i];
      expect(vars).toEqual(stateToItf(layout, state));
    });
    expect(typezero('check', file).stdout).toContain(
      'distinct states (label-sliced, up to command-a ~ command-b, monitor-a ~ monitor-b, sensor-a ~ sensor-b)',
    );
    const whole = JSON.parse(
      typezero('check', file, '--json', '--no-reduction', '--max-states', '1000').stdout,
    );
    expect(whole.stats.symmetry).toBeUndefined();
  });

  it('walks a counterexample in domain terms', () => {
    const r = typezero('check', 'examples/dma-passthrough.yaml');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}VIOLATED {2}DmaContainment/m);
    expect(r.stdout).toMatch(/^ {2}holds {5}MemoryIsolation/m);
    expect(r.stdout).toContain('nic0 DMA read from page 0 (owned by secret): allowed by IOMMU passthrough');
    expect(r.stdout).toContain(
      'Violation: nic0 completed a DMA read of page 0, which its owner unclass may not write.',
    );
    expect(r.stdout).toMatch(/^ {2}Caused by:\n {4}devices\[0\]\.iommu \(line 33:5\): passthrough: /m);
    expect(r.stdout).toContain('Violation: unclass (UNCLASSIFIED) holds data of secret (SECRET)');
    expect(r.stdout).toContain(
      'nic0 DMA read from page 12 (outside the platform): blocked by the platform with no VT-d fault record',
    );
    expect(r.stdout).toContain('3 of 11 properties violated.');
  });

  it('shows a liveness counterexample as a cycle', () => {
    const r = typezero('check', 'examples/orphan-monitor.yaml');
    expect(r.stdout).toContain('-- the steps below repeat forever --');
    expect(r.stdout).toMatch(/-- back to the state after step \d+ --/);
    expect(r.stdout).toContain(
      'Violation: app stays faulted forever while the health monitor monitor is up.',
    );
  });

  it('says when a property holds only because nothing could exercise it', () => {
    const r = typezero('check', 'examples/mils-two-domain.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}n\/a {7}FaultRecovery +not applicable, holds vacuously: no partition holds partition-control/m,
    );
    expect(r.stdout).toContain(
      '10 of 11 properties hold; 1 not applicable here (holds vacuously): FaultRecovery.',
    );
    expect(r.stdout).not.toContain('All 11 properties hold.');
  });

  it('marks a property vacuous in the JSON when its bait is unreachable, and keeps status holds', () => {
    // Without devices no DMA completes and no device interrupt is injected.
    const dir = mkdtempSync(join(tmpdir(), 'typezero-vacuous-'));
    const file = join(dir, 'no-devices.yaml');
    writeFileSync(file, exampleText('mils-two-domain').replace(/^devices:\n(?: {2}.*\n)+/m, ''));
    const r = typezero('check', file, '--json');
    expect(r.status).toBe(0);
    const byName = new Map(
      JSON.parse(r.stdout).properties.map((p: { name: string }) => [p.name, p] as const),
    );
    expect(byName.get('DmaContainment')).toEqual({
      name: 'DmaContainment',
      status: 'holds',
      vacuous: true,
      reason:
        'nothing exercises it here: no reachable step in which a device DMA completes through the IOMMU',
    });
    expect(byName.get('InterruptIsolation')).toMatchObject({ status: 'holds', vacuous: true });
    expect(byName.get('FaultRecovery')).toMatchObject({ status: 'holds', vacuous: true });
    expect(byName.get('MemoryIsolation')).toEqual({ name: 'MemoryIsolation', status: 'holds' });
    const human = typezero('check', file);
    expect(human.stdout).toContain('8 of 11 properties hold; 3 not applicable here (holds vacuously)');
  });

  it('reports unknown, and exits 1, when --max-states stops the search', () => {
    const r = typezero('check', 'examples/three-level-guard.yaml', '--json', '--max-states', '50');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.stats.distinctStates).toBe(50);
    expect(report.properties.every((p: { status: string }) => p.status === 'unknown')).toBe(true);
  });

  it('prints no progress when stderr is not a terminal', () => {
    expect(typezero('check', 'examples/three-level-guard.yaml', '--json').stderr).toBe('');
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'typezero-cli-'));
  const base = exampleText('mils-two-domain');
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const edit = (from: string, to: string) => {
    if (!base.includes(from)) throw new Error(`no ${from}`);
    return base.replace(from, to);
  };

  it.each([
    ['YAML syntax', edit('cpus: 1\n', 'cpus: [1\n'), /line \d+, column \d+|:\d+:\d+/],
    ['unknown key', edit('  cpus: 1\n', '  cpus: 1\n  cpu: 2\n'), /platform\.cpu.*"cpu"/],
    ['wrong type', edit('pages: 12', 'pages: twelve'), /platform\.pages.*"twelve"/],
    [
      'unknown partition',
      edit('owner: secret', 'owner: secrt'),
      /devices\[0\]\.owner.*"secrt".*secret, unclass/,
    ],
    ['unknown level', edit('level: SECRET', 'level: TOPSECRET'), /partitions\[0\]\.level.*"TOPSECRET"/],
    [
      'unknown CPU',
      edit(
        '    cpus: [0]\n    memory:\n      - { start: 0',
        '    cpus: [3]\n    memory:\n      - { start: 0',
      ),
      /partitions\[0\]\.cpus\[0\]/,
    ],
    ['duplicate name', edit('name: unclass', 'name: secret'), /partitions\[1\]\.name.*"secret"/],
    ['malformed digest', edit('image: sha256:18546b', 'image: sha256:zz546b'), /partitions\[0\]\.image/],
    [
      'page range past the platform',
      edit('{ start: 8, pages: 1 }', '{ start: 11, pages: 3 }'),
      /shared\[0\]\.memory/,
    ],
    ['capacity below 1', edit('capacity: 1 }', 'capacity: 0 }'), /channels\[0\]\.capacity/],
    [
      'window length below 1',
      edit('start: 1, length: 1', 'start: 1, length: 0'),
      /schedule\.windows\[1\]\.length/,
    ],
    ['channel to itself', edit('from: unclass, to: secret', 'from: secret, to: secret'), /channels\[0\]/],
    ['writer also a reader', edit('readers: [secret]', 'readers: [unclass]'), /shared\[0\]\.readers/],
  ])('%s: exits 2 naming the file and the field, with nothing on stdout', (_kind, text, message) => {
    const path = write(`${_kind.replace(/\W+/g, '-')}.yaml`, text);
    for (const command of ['check', 'validate']) {
      const r = typezero(command, path);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\[TZ1\d\d\]/);
    }
  });

  it('rejects JSON syntax errors with a position', () => {
    const r = typezero('check', write('broken.json', '{ "system": "x", }'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.json:1:\d+/);
  });

  it('exits 2 for a missing file, an unknown option and an unknown engine', () => {
    expect(typezero('check', 'no-such-file.yaml').status).toBe(2);
    expect(typezero('check', 'examples/mils-two-domain.yaml', '--frobnicate').status).toBe(2);
    expect(typezero('check', 'examples/mils-two-domain.yaml', '--engine', 'spin').status).toBe(2);
    expect(typezero('check', 'examples/mils-two-domain.yaml', '--max-states', '0').status).toBe(2);
    expect(typezero('nonsense').status).toBe(2);
  });
});

describe('typezero validate', () => {
  it('summarises a valid system', () => {
    const r = typezero('validate', 'examples/three-level-guard.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('system three-level-guard: 2 CPUs, 16 pages');
    expect(r.stdout).toMatch(/guard\s+TOPSECRET\s+bare-metal/);
  });
});
