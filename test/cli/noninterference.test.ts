/**
 * `typezero check --noninterference` (docs/DESIGN.md sections 5 and 7): the `noninterference`
 * object beside the unchanged report, its traces as runs of the model, the human lines, and the
 * exit codes (3 when only the bound leaves it unsettled).
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { stateToItf } from '../../proofs/itf.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';
import { example } from '../helpers.js';
import { replayItf } from '../itf-replay.js';
import { typezero } from './cli.js';

interface Observer {
  partition: string;
  status: string;
  hidden: string[];
  vacuous?: true;
  productStates: number;
  depth: number;
  divergence?: string;
  interleaving?: string[];
  traces?: { states: unknown[] }[];
  stopped?: string;
}

function check(name: string, ...args: string[]) {
  const r = typezero('check', `examples/${name}.yaml`, '--noninterference', '--workers', '1', ...args);
  return { ...r, report: args.includes('--json') ? JSON.parse(r.stdout) : null };
}

describe('typezero check --noninterference', () => {
  it('adds one entry per observer, a divergence with both runs as traces of the model', () => {
    const r = check('write-down-channel', '--json');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    // The report of section 5 is all there, unchanged.
    expect(Object.keys(r.report).sort()).toEqual([
      'engine',
      'noninterference',
      'properties',
      'stats',
      'system',
    ]);
    expect(r.report.properties.map((p: { name: string }) => p.name)).toEqual([...PROPERTY_NAMES]);
    const [secret, unclass] = r.report.noninterference.observers as [Observer, Observer];
    expect(secret).toMatchObject({ partition: 'secret', status: 'holds', hidden: [], vacuous: true });
    expect(unclass).toMatchObject({ partition: 'unclass', status: 'violated', hidden: ['secret'] });
    expect(unclass.divergence).toMatch(/^unclass VMCALL receive on channel down into guest page 0 .*: /);

    const layout = buildLayout(example('write-down-channel'));
    const [first, second] = unclass.traces!;
    const taken = (run: string) => unclass.interleaving!.filter((s) => s === 'both' || s === run).length;
    expect(first!.states.length - 1).toBe(taken('first'));
    expect(second!.states.length - 1).toBe(taken('second'));
    expect(unclass.interleaving!.length).toBe(unclass.depth);
    for (const trace of [first, second]) {
      const replayed = replayItf(layout, trace as never);
      const { '#meta': _, ...last } = trace!.states.at(-1) as Record<string, unknown>;
      expect(stateToItf(layout, replayed.at(-1)!)).toEqual(last);
    }
  });

  it('leaves the report as it was without the flag', () => {
    const r = typezero('check', 'examples/write-down-channel.yaml', '--json', '--workers', '1');
    expect(JSON.parse(r.stdout).noninterference).toBeUndefined();
  });

  it('prints one line per observer and the divergence move by move', () => {
    const r = check('write-down-channel');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}n\/a {7}secret {3}not applicable: nothing is hidden from it/m);
    expect(r.stdout).toMatch(
      /^ {2}VIOLATED {2}unclass {2}its view diverges after 6 moves \(hidden from it: secret\)$/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}4\. \[first run\] secret VMCALL send on channel down from guest page 0 \(.*\): returns OK$/m,
    );
    expect(r.stdout).toMatch(/second run: returns EAGAIN$/m);
    expect(r.stdout).toMatch(/^ {2}Divergence: unclass VMCALL receive on channel down into .*: .*\.$/m);
    expect(r.stdout).toMatch(/^Noninterference: 1 of 1 observers violated\.$/m);
  });

  it('exits 0 where every observer holds', () => {
    const r = check('mils-two-domain');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}holds {5}unclass {2}no pair of runs differing in secret changes what it observes$/m,
    );
  });

  it('exits 3 when the bound leaves an observer unsettled and nothing else failed', () => {
    const r = check('mils-two-domain', '--json', '--max-states', '200');
    expect(r.report.properties.every((p: { status: string }) => p.status === 'holds')).toBe(true);
    expect(r.report.noninterference.observers[1]).toMatchObject({
      partition: 'unclass',
      status: 'unknown',
      productStates: 200,
      stopped: 'max-states',
    });
    expect(r.status).toBe(3);
  });

  it('refuses another engine in one line, exit 2', () => {
    const r = typezero(
      'check',
      'examples/mils-two-domain.yaml',
      '--noninterference',
      '--engine',
      'tla-checker',
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('--noninterference goes with --engine explorer\n');
  });

  it('refuses a report format it has no place in, exit 2', () => {
    const r = typezero('check', 'examples/mils-two-domain.yaml', '--noninterference', '--format', 'sarif');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('--noninterference goes with --format human or json, not sarif\n');
  });
});
