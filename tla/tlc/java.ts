/**
 * The JVM boundary: finding java, building the command lines for TLC and SANY from tla2tools.jar,
 * and running them. Everything before the spawn is a pure function, tested without a JVM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Env, findJar } from './jar.js';

export type JavaLocation =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH; checked by running it. */
export function findJava(env: Env = process.env): JavaLocation {
  const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', env: env as NodeJS.ProcessEnv });
  if (probe.error || probe.status !== 0)
    return {
      ok: false,
      reason: `Java not found (${java}): install a Java 11+ runtime (Java 17 recommended) or set JAVA_HOME`,
    };
  return { ok: true, path: java };
}

export type ToolsLocation =
  | { readonly ok: true; readonly java: string; readonly jar: string }
  | { readonly ok: false; readonly reason: string };

export function findTools(env: Env = process.env): ToolsLocation {
  const java = findJava(env);
  if (!java.ok) return java;
  const jar = findJar(env);
  if (!jar.ok) return jar;
  return { ok: true, java: java.path, jar: jar.path };
}

export interface TlcArgs {
  readonly jar: string;
  readonly module: string;
  readonly config: string;
  /** File TLC writes the counterexample to, as JSON. */
  readonly traceFile: string;
  readonly metaDir: string;
  readonly workers?: number;
}

/**
 * The java command line for one TLC run. Liveness is checked once, on the complete state graph
 * (`-lncheck final`), so an invariant violation is always found before a liveness one and the
 * state count of a run that reaches the liveness check is the whole graph's. Deadlock checking
 * stays on: the spec stutters explicitly in halted states, so a deadlock is a spec error.
 */
export function tlcArgs(a: TlcArgs): string[] {
  return [
    '-XX:+UseParallelGC',
    '-cp',
    a.jar,
    'tlc2.TLC',
    '-workers',
    String(a.workers ?? Math.max(1, availableParallelism())),
    '-lncheck',
    'final',
    '-dumpTrace',
    'json',
    a.traceFile,
    '-metadir',
    a.metaDir,
    '-config',
    a.config,
    a.module,
  ];
}

export function sanyArgs(jar: string, args: readonly string[]): string[] {
  return ['-cp', jar, 'tla2sany.SANY', ...args];
}

export function tlcPassThroughArgs(jar: string, args: readonly string[]): string[] {
  return ['-XX:+UseParallelGC', '-cp', jar, 'tlc2.TLC', ...args];
}

export interface Completed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs java in `cwd`, collecting its output and handing each stdout line to `onLine`. */
export function runJava(
  java: string,
  args: readonly string[],
  cwd: string,
  onLine?: (line: string) => void,
): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!onLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
