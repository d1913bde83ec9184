/** Runs the built `typezero` command line as a user would. */
import { spawnSync } from 'node:child_process';
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

export const EXAMPLES = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
