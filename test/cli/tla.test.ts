/** The TLA+ side of the real CLI: engines, tools and pass-throughs, on real example files. */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const emptyCache = mkdtempSync(join(tmpdir(), 'typezero-cli-cache-'));

/** The environment of a machine with no tla2tools.jar: TLA2TOOLS_JAR unset, an empty cache. */
function cliEnv(extraEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TYPEZERO_CACHE_DIR: emptyCache };
  delete env.TLA2TOOLS_JAR;
  return { ...env, ...extraEnv };
}

function typezero(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [`${ROOT}dist/cli/main.js`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: cliEnv(extraEnv),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Without blocking this process, so the loopback server in it can answer the CLI. */
function typezeroAsync(args: string[], extraEnv: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [`${ROOT}dist/cli/main.js`, ...args],
      { cwd: ROOT, encoding: 'utf8', env: cliEnv(extraEnv) },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200);
    res.end('not the pinned jar');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tla2tools.jar`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(emptyCache, { recursive: true, force: true });
});

describe('typezero check --engine tla-checker', () => {
  it('prints the fixed JSON shape with every property once and the ITF counterexample', () => {
    const r = typezero(['check', 'examples/write-down-channel.yaml', '--engine', 'tla-checker', '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['system', 'engine', 'properties', 'stats']);
    expect(report.engine).toBe('tla-checker');
    expect(report.properties).toHaveLength(11);
    const flow = report.properties.find((p: { name: string }) => p.name === 'InformationFlow');
    expect(flow.status).toBe('violated');
    expect(flow.trace['#meta'].format).toBe('ITF');
    expect(flow.trace.states.at(-1)['#meta'].action).toBe('Hypercall');
    expect(flow.causes.map((c: { path: string }) => c.path)).toEqual(['channels[0]']);
    expect(report.stats).toEqual({ distinctStates: 114, depth: 11, durationMs: expect.any(Number) });
  });

  it('prints the human report, with each property exercised or not', () => {
    const r = typezero(['check', 'examples/mils-two-domain.yaml', '--engine', 'tla-checker']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('engine tla-checker: 349 distinct states, depth 13');
    expect(r.stdout).toContain('exercised: a partition faults');
    expect(r.stdout).toContain(
      '10 of 11 properties hold; 1 not applicable here (holds vacuously): FaultRecovery.',
    );
  });

  it('stops at --max-states and reports the unsettled properties as unknown', () => {
    const r = typezero([
      'check',
      'examples/mils-two-domain.yaml',
      '--engine',
      'tla-checker',
      '--json',
      '--max-states',
      '50',
    ]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.properties.every((p: { status: string }) => p.status === 'unknown')).toBe(true);
  });
});

describe('typezero check --engine all', () => {
  it('runs every available engine, says they agree and which one was not run', () => {
    const r = typezero(['check', 'examples/shared-irq.yaml', '--engine', 'all']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /Engines agree: explorer \(480 distinct states, \d+ ms\), tla-checker \(480 distinct states, \d+ ms\), prove \(no states enumerated, \d+ ms\)\./,
    );
    expect(r.stdout).toMatch(/Not run: tlc \(tla2tools\.jar not found: run `typezero tools install`/);
  });

  it('with --json prints one object for the agreed verdicts and notes the skipped engine on stderr', () => {
    const r = typezero(['check', 'examples/mils-two-domain.yaml', '--engine', 'all', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.engine).toBe('all');
    expect(report.stats.distinctStates).toBe(349);
    expect(r.stderr).toMatch(/^tlc not run: /);
  });
});

describe('TLC without a jar', () => {
  it.each([
    [['check', 'examples/mils-two-domain.yaml', '--engine', 'tlc']],
    [['tlc', '-workers', '2', 'Spec.tla']],
    [['sany', 'Spec.tla']],
    [['tools', 'path']],
  ])('typezero %j exits 2 with one line saying what to do', (args) => {
    const r = typezero(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'tla2tools.jar not found: run `typezero tools install` or set TLA2TOOLS_JAR to its path\n',
    );
  });

  it('typezero tools install refuses a jar whose SHA-256 is not the pinned one and installs nothing', async () => {
    const r = await typezeroAsync(['tools', 'install'], { TYPEZERO_TLA2TOOLS_URL: url });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/tla2tools\.jar: .*nothing was installed\n$/,
    );
    expect(readdirSync(emptyCache)).toEqual([]);
  });

  it('a TLA2TOOLS_JAR that does not exist is named', () => {
    const r = typezero(['tools', 'path'], { TLA2TOOLS_JAR: '/nonexistent/tla2tools.jar' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('TLA2TOOLS_JAR is set to /nonexistent/tla2tools.jar, which is not a file\n');
  });
});

describe('typezero spec', () => {
  it('writes the spec, the MC module and its .cfg for any system file, ready for TLC', () => {
    const out = mkdtempSync(join(tmpdir(), 'typezero-spec-'));
    const r = typezero(['spec', 'examples/shared-irq.yaml', '--out', out]);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'Hypervisor.tla',
      'MCshared_irq.cfg',
      'MCshared_irq.tla',
      'SHA256SUMS',
    ]);
    expect(r.stdout).toContain('typezero tlc -config MCshared_irq.cfg MCshared_irq.tla');
    const module = readFileSync(join(out, 'MCshared_irq.tla'), 'utf8');
    expect(module).toMatch(/^---- MODULE MCshared_irq ----\n/);
    expect(module).toContain(
      'MC_IrqTargets_Value ==\n    "disk0" :> {"secret", "unclass"} @@ "nic0" :> {"secret", "unclass"}',
    );
    expect(module).toContain('\nMC_IrqTargets == MC_IrqTargets_Value\n');
    expect(readFileSync(join(out, 'MCshared_irq.cfg'), 'utf8')).toContain(
      '    IrqTargets <- MC_IrqTargets\n',
    );
    rmSync(out, { recursive: true });
  });

  it('rejects a broken system file with exit 2', () => {
    const r = typezero(['spec', 'examples/nonexistent.yaml', '--out', tmpdir()]);
    expect(r.status).toBe(2);
  });
});
