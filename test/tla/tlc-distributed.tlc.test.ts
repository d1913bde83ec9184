/**
 * `check --engine tlc --tlc-server --local-workers N` over loopback, with real TLC: one server and
 * two workers give plain TLC's verdicts and counts with TLC 1.7.4; a 1.8.0 build, whose
 * distributed mode is broken upstream, fails in one line naming why.
 */
import { describe, expect, it } from 'vitest';
import { typezeroWithEnv } from '../cli/cli.js';
import { TLC } from './tlc-jars.js';

const stable = TLC.jars.find((j) => /^tla2tools-1\.7\./.test(j.name));
const broken = TLC.jars.find((j) => /^tla2tools-1\.8\./.test(j.name));

/** A port per test, so a worker of one never finds the server of another. */
const distributed = (port: number) => ['--engine', 'tlc', '--tlc-server', '--port', String(port)];

describe.skipIf(!stable)('distributed TLC over loopback (1.7.4)', () => {
  it('agrees with plain TLC where every property holds: same verdicts and states, depth within a level', () => {
    const file = 'examples/mils-two-domain.yaml';
    const env = stable!.env;
    const plain = typezeroWithEnv(env, 'check', file, '--engine', 'tlc', '--json');
    const shared = typezeroWithEnv(
      env,
      'check',
      file,
      ...distributed(12001),
      '--local-workers',
      '2',
      '--json',
    );
    expect(shared.status, shared.stderr).toBe(0);
    expect(shared.stderr).toMatch(
      /TLC server ready; on each worker machine run: typezero tlc-worker \S+:12001/,
    );
    const a = JSON.parse(plain.stdout);
    const b = JSON.parse(shared.stdout);
    expect(b.properties).toEqual(a.properties);
    expect(b.stats.distinctStates).toBe(a.stats.distinctStates);
    // The server's depth is the deepest level its workers reported when the queue ran dry: with
    // workers racing it can fall several levels short of plain TLC's breadth-first depth, never past it.
    expect(b.stats.depth).toBeGreaterThan(0);
    expect(b.stats.depth).toBeLessThanOrEqual(a.stats.depth);
  });

  it('finds the violation plain TLC finds, names it, and says what it cannot give', () => {
    const r = typezeroWithEnv(
      stable!.env,
      'check',
      'examples/write-down-channel.yaml',
      ...distributed(12002),
      '--local-workers',
      '2',
      '--json',
    );
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const status = Object.fromEntries(
      report.properties.map((p: { name: string; status: string }) => [p.name, p.status]),
    );
    expect(status.InformationFlow).toBe('violated');
    expect(Object.values(status).filter((s) => s === 'violated')).toHaveLength(1);
    expect(r.stderr).toContain('distributed TLC reports only the last step of each counterexample');
  });

  it('leaves FaultRecovery unknown where a monitor makes it mean something', () => {
    const r = typezeroWithEnv(
      stable!.env,
      'check',
      'examples/orphan-monitor.yaml',
      ...distributed(12003),
      '--local-workers',
      '1',
      '--json',
    );
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.properties.find((p: { name: string }) => p.name === 'FaultRecovery').status).toBe(
      'unknown',
    );
    expect(r.stderr).toContain('FaultRecovery is unknown: distributed TLC checks no temporal property');
  });
});

describe.skipIf(!broken)('distributed TLC with a 1.8.0 build', () => {
  it('fails in one line naming the upstream break', () => {
    const r = typezeroWithEnv(
      broken!.env,
      'check',
      'examples/mils-two-domain.yaml',
      ...distributed(12004),
      '--local-workers',
      '1',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NotSerializableException: tlc2\.tool\.fp\.MultiFPSet.*1\.7\.4/);
  });
});
