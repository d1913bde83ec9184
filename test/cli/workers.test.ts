/**
 * `check --workers N`: the same report for every N (apart from timing), and a search that ends at
 * its memory budget, its heap or an interrupt ends cleanly: the violations found so far, the rest
 * unknown, exit 1, one line on stderr, never a V8 abort.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { EXAMPLES, typezero, typezeroWithEnv } from './cli.js';

function report(stdout: string): Record<string, unknown> {
  const r = JSON.parse(stdout) as { stats: Record<string, unknown> };
  delete r.stats.durationMs;
  return r;
}

const LADDER = 'bench/systems/ladder-5p2c-a3-c1.yaml';

describe('check --workers', () => {
  it.each(EXAMPLES)('%s: identical JSON for 1, 2 and 3 workers', (name) => {
    const runs = [1, 2, 3].map((n) =>
      typezero('check', `examples/${name}.yaml`, '--json', '--workers', String(n)),
    );
    for (const r of runs) expect(r.status, r.stderr).not.toBe(2);
    const [one, ...rest] = runs.map((r) => report(r.stdout));
    for (const other of rest) expect(other).toEqual(one);
  });

  it('identical JSON for 1 and 2 workers when a --max-states bound cuts a level', () => {
    const runs = [1, 2].map((n) =>
      typezero('check', LADDER, '--json', '--no-reduction', '--workers', String(n), '--max-states', '50000'),
    );
    for (const r of runs) expect(r.status).toBe(1);
    expect(report(runs[1]!.stdout)).toEqual(report(runs[0]!.stdout));
    expect(report(runs[0]!.stdout)).toMatchObject({
      stats: { distinctStates: 50000, stopped: 'max-states' },
    });
  });

  it('rejects a worker count that is not a whole number >= 1', () => {
    const r = typezero('check', 'examples/mils-two-domain.yaml', '--workers', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--workers.*expected a whole number >= 1/);
  });
});

describe('check --max-memory', () => {
  it('stops cleanly at the budget on a system far larger than it', () => {
    const r = typezero('check', LADDER, '--json', '--no-reduction', '--max-memory', '160m', '--workers', '2');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^explorer: stopped at the memory budget \(160\.0 MiB\) after [\d,]+ distinct states at depth \d+; .*--max-memory.*prove.*tlc\n$/,
    );
    const json = JSON.parse(r.stdout) as { properties: { status: string }[]; stats: { stopped: string } };
    expect(json.stats.stopped).toBe('max-memory');
    expect(json.properties.every((p) => p.status === 'unknown')).toBe(true);
  });

  it('under a small JavaScript heap, a long search ends at its bound, not in a V8 abort', () => {
    const r = typezeroWithEnv(
      { NODE_OPTIONS: '--max-old-space-size=48' },
      'check',
      LADDER,
      '--json',
      '--no-reduction',
      '--workers',
      '1',
      '--max-states',
      '400000',
    );
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      stats: { stopped: expect.stringMatching(/^max-(states|memory)$/) },
    });
  });

  it('reads sizes as people write them and refuses the rest', () => {
    for (const bad of ['lots', '4x', '-1g', '100']) {
      const r = typezero('check', 'examples/mils-two-domain.yaml', '--max-memory', bad);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toMatch(/expected a size of at least 1m/);
    }
    expect(typezero('check', 'examples/mils-two-domain.yaml', '--max-memory', '1.5GiB').status).toBe(0);
  });
});

describe('interrupting check', () => {
  it('SIGINT ends the search cleanly with what it found so far', async () => {
    const child = spawn(
      process.execPath,
      [`${ROOT}dist/cli/main.js`, 'check', LADDER, '--json', '--no-reduction', '--workers', '2'],
      {
        cwd: ROOT,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // Late enough that the command has installed its handler even on a loaded machine; the search
    // itself runs for minutes.
    setTimeout(() => child.kill('SIGINT'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/^explorer: interrupted after [\d,]+ distinct states at depth \d+/);
    expect(JSON.parse(stdout)).toMatchObject({ stats: { stopped: 'interrupted' } });
  });
});
