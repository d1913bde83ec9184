/**
 * The JVM boundary: finding java, building the command lines for TLC and SANY from tla2tools.jar,
 * and running them. Everything before the spawn is a pure function, tested without a JVM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type Env, findJar } from './jar.js';

export type JavaLocation =
  /** `version`: what `java -version` printed first (the version line and the runtime's build). */
  | { readonly ok: true; readonly path: string; readonly version: string }
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
  const version = `${probe.stderr}${probe.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join('; ');
  return { ok: true, path: java, version };
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

/**
 * The JVM's temporary directory, relative to the run directory TLC runs in: TLC 1.8.0 leaves empty
 * `tlc-*` directories in the temporary directory at every run, and here they go with the run's.
 */
export const JAVA_TMP_DIR = 'tmp';
export const JAVA_TMP_OPTION = `-Djava.io.tmpdir=${JAVA_TMP_DIR}`;

export interface TlcArgs {
  readonly jar: string;
  readonly module: string;
  readonly config: string;
  /** TLC's working files (state queue, fingerprints); one fresh directory per run. */
  readonly metaDir: string;
  readonly workers?: number;
  /** JVM options placed before `-cp` (heap size, say), after `-XX:+UseParallelGC` and the temporary directory. */
  readonly jvm?: readonly string[];
}

/**
 * The java command line for one TLC run, the same for every TLC version: `-tool` makes TLC frame
 * every report as a numbered message (tla/tlc/messages.ts), counterexamples included, so nothing
 * depends on options only some versions have (`-dumpTrace` is 1.8.0's). Liveness is checked once,
 * on the complete state graph (`-lncheck final`), so an invariant violation is always found before
 * a liveness one and the state count of a run that reaches the liveness check is the whole
 * graph's. Deadlock checking stays on: the spec stutters explicitly in halted states, so a
 * deadlock is a spec error. TLC checks with one worker unless told otherwise: a breadth-first
 * search with one worker finds a shortest counterexample, the one the explorer finds.
 */
export function tlcArgs(a: TlcArgs): string[] {
  return [
    '-XX:+UseParallelGC',
    JAVA_TMP_OPTION,
    ...(a.jvm ?? []),
    '-cp',
    a.jar,
    'tlc2.TLC',
    '-tool',
    '-workers',
    String(a.workers ?? 1),
    '-lncheck',
    'final',
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
  readonly signal: string | null;
  /** The run was killed because it outlived its time limit: that limit, in milliseconds. */
  readonly timedOutAt: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs java in `cwd`, collecting its output and handing each stdout line to `onLine`; with a
 * timeout, the JVM is killed (SIGKILL) once it has run that long, and on `signal`'s abort at once.
 */
export function runJava(
  java: string,
  args: readonly string[],
  cwd: string,
  onLine?: (line: string) => void,
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    // A JVM must not outlive the process that started it (a test that timed out, say).
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timedOutAt: number | null = null;
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => {
            timedOutAt = timeoutMs;
            child.kill('SIGKILL');
          }, timeoutMs)
        : null;
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
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      process.off('exit', killOnExit);
      resolve({ code, signal, timedOutAt, stdout, stderr });
    });
  });
}
