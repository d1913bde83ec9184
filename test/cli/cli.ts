/** Runs the built `typezero` command line as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ROOT } from '../helpers.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function typezero(...args: string[]): CliResult {
  return typezeroWithEnv({}, ...args);
}

/** `typezero` with extra environment variables. */
export function typezeroWithEnv(
  env: Readonly<Record<string, string | undefined>>,
  ...args: string[]
): CliResult {
  const r = spawnSync(process.execPath, [`${ROOT}dist/cli/main.js`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `typezero` in a child process that runs beside the caller and the others it started. */
export function typezeroStarted(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}dist/cli/main.js`, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export const EXAMPLES = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
