/** `typezero prove` as a user runs it: the `check` JSON contract, exit codes, bad input. */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { stateToItf } from '../../proofs/itf.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';
import { example } from '../helpers.js';
import { replayItf } from '../itf-replay.js';
import { typezero } from './cli.js';

describe('typezero prove', () => {
  it('reports an insecure example in the check --json shape, with a trace that replays', {
    timeout: 600_000,
  }, () => {
    const r = typezero('prove', 'examples/leaky-audit-reader.yaml', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    const checked = JSON.parse(typezero('check', 'examples/leaky-audit-reader.yaml', '--json').stdout);
    expect(Object.keys(report).sort()).toEqual(['engine', 'properties', 'stats', 'system']);
    expect(report.engine).toBe('prove');
    expect(report.system).toBe(checked.system);
    expect(Object.keys(report.stats).sort()).toEqual([
      'depth',
      'distinctStates',
      'durationMs',
      'methods',
      'solverMs',
    ]);
    expect(report.properties.map((p: { name: string }) => p.name)).toEqual([...PROPERTY_NAMES]);
    expect(report.properties.map((p: { status: string }) => p.status)).toEqual(
      checked.properties.map((p: { status: string }) => p.status),
    );
    expect(report.stats.methods.InformationFlow).toBe('bmc-trace');
    expect(report.stats.methods.MeasuredLaunch).toBe('induction');
    expect(report.stats.methods.AuditCompleteness).toBe('inductive-invariant');
    // Each property proved by an invariant carries it in the system's terms; the others do not.
    for (const p of report.properties as { name: string; invariant?: { text: string[] } }[]) {
      const byInvariant = ['induction', 'inductive-invariant'].includes(report.stats.methods[p.name]);
      expect(p.invariant !== undefined, p.name).toBe(byInvariant);
      if (p.invariant) expect(p.invariant.text.length, p.name).toBeGreaterThan(0);
    }
    const launch = report.properties.find((p: { name: string }) => p.name === 'MeasuredLaunch');
    expect(launch.invariant.text).toContain(
      "if secret is running or faulted, then the hypervisor's measurement is ok and secret's image was not tampered with",
    );
    const audit = report.properties.find((p: { name: string }) => p.name === 'AuditCompleteness');
    expect(audit.invariant.text).toContain('no audit record is ever dropped');
    const violated = report.properties.find((p: { name: string }) => p.name === 'InformationFlow');
    expect(violated.trace['#meta'].format).toBe('ITF');
    const layout = buildLayout(example('leaky-audit-reader'));
    const replayed = replayItf(layout, violated.trace);
    expect(replayed.length).toBe(violated.trace.states.length);
    replayed.forEach((state, i) => {
      const { '#meta': _meta, ...vars } = violated.trace.states[i];
      expect(vars).toEqual(stateToItf(layout, state));
    });
  });

  it('exits 0 when the chosen properties are proved, and prints how', { timeout: 600_000 }, () => {
    const r = typezero(
      'prove',
      'examples/mils-two-domain.yaml',
      '--property',
      'InformationFlow',
      '--property',
      'FaultRecovery',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}holds {5}InformationFlow +proved: (inductive invariant|the property is inductive as it stands) over \d+ state variables/m,
    );
    expect(r.stdout).toMatch(/^ {2}holds {5}FaultRecovery +holds trivially/m);
    // Under the proof, the invariant in the system's terms, indented to the notes' column.
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => /InformationFlow +proved/.test(l));
    const column = lines[at]!.indexOf('proved');
    expect(lines[at + 1]!.slice(0, column).trim()).toBe('');
    expect(lines[at + 1]!.slice(column)).toMatch(/unclass/);
    expect(r.stdout).not.toMatch(/MemoryIsolation/);
    expect(r.stdout).toContain('All 2 properties hold.');
  });

  it('decides FaultRecovery where a health monitor runs: a loop that never recovers, or a proof', {
    timeout: 600_000,
  }, () => {
    const r = typezero('prove', 'examples/orphan-monitor.yaml', '--property', 'FaultRecovery', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.stats.methods.FaultRecovery).toBe('bmc-lasso');
    const [recovery] = report.properties;
    expect(recovery.status).toBe('violated');
    // An ITF lasso: the last state is the state the loop goes back to.
    const { states, loop } = recovery.trace;
    const strip = ({ '#meta': _, ...vars }: Record<string, unknown>) => vars;
    expect(loop).toBeGreaterThan(0);
    expect(strip(states.at(-1))).toEqual(strip(states[loop]));
    const layout = buildLayout(example('orphan-monitor'));
    expect(replayItf(layout, recovery.trace).length).toBe(states.length);
    const human = typezero('prove', 'examples/orphan-monitor.yaml', '--property', 'FaultRecovery');
    expect(human.stdout).toMatch(
      /^ {2}VIOLATED {2}FaultRecovery +counterexample of \d+ steps ending in a cycle/m,
    );
    expect(human.stdout).toMatch(/-- back to the state after step \d+ --/);

    const proved = typezero('prove', 'examples/three-level-guard.yaml', '--property', 'FaultRecovery');
    expect(proved.status).toBe(0);
    expect(proved.stdout).toMatch(/^ {2}holds {5}FaultRecovery +proved: no run takes more than \d+ Ticks/m);
  });

  it('is the engine prove of check, with the same report and exit code', { timeout: 600_000 }, () => {
    const r = typezero('check', 'examples/write-down-channel.yaml', '--engine', 'prove', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    const checked = JSON.parse(typezero('check', 'examples/write-down-channel.yaml', '--json').stdout);
    expect(report.engine).toBe('prove');
    expect(report.stats.methods).toMatchObject({
      InformationFlow: 'bmc-trace',
      AuditCompleteness: 'inductive-invariant',
      FaultRecovery: 'vacuous',
    });
    expect(report.stats.solverMs).toEqual(expect.any(Number));
    expect(report.properties.map((p: { status: string }) => p.status)).toEqual(
      checked.properties.map((p: { status: string }) => p.status),
    );
    const causes = (r: { properties: { name: string; causes?: unknown }[] }) =>
      r.properties.find((p) => p.name === 'InformationFlow')!.causes;
    expect(causes(report)).toEqual(causes(checked));
    const human = typezero('check', 'examples/write-down-channel.yaml', '--engine', 'prove');
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/^ {2}VIOLATED {2}InformationFlow +counterexample of \d+ steps/m);
    expect(human.stdout).toMatch(/^ {2}holds {5}AuditCompleteness +proved: inductive invariant/m);
  });

  it('check --engine prove refuses a state bound, which means nothing to it', () => {
    const r = typezero('check', 'examples/mils-two-domain.yaml', '--engine', 'prove', '--max-states', '10');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^--max-states bounds an enumeration, and --engine prove enumerates nothing/);
  });

  it('exits 2 with a one-line reason on bad input', () => {
    for (const args of [
      ['no-such-file.yaml'],
      ['examples/mils-two-domain.yaml', '--property', 'Isolation'],
      ['examples/mils-two-domain.yaml', '--timeout', '0'],
      ['examples/mils-two-domain.yaml', '--timeout', 'soon'],
    ]) {
      const r = typezero('prove', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(/no-such-file|Isolation|whole number/);
    }
  });
});
