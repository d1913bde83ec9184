/**
 * TLC's own distributed mode, for state spaces beyond one machine: `tlc2.tool.distributed.TLCServer`
 * holds the model, the state queue and the fingerprints, and `tlc2.tool.distributed.TLCWorker`s on
 * any number of machines compute successors, found through Java RMI on one port. The server reads
 * the same files and speaks the same `-tool` messages as TLC, so its result is read into the same
 * typed outcome (tla/tlc/outcome.ts).
 *
 * Two limits of distributed TLC shape how it is used: it checks no temporal property (a PROPERTY in
 * the .cfg is silently ignored, so FaultRecovery is left `unknown`, never `holds`), and its workers
 * expand states concurrently, so a counterexample it finds need not be a shortest one. TLC builds
 * whose fingerprint set is no longer an RMI object (1.8.0 from 2026 on) fail as soon as a worker
 * joins (`NotSerializableException: tlc2.tool.fp.MultiFPSet`); that is detected and said in one line.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { JAVA_TMP_OPTION, runJava } from './java.js';
import { EC, parseToolOutput } from './messages.js';
import { readOutcome, type TlcOutcome } from './outcome.js';
import { inRunDirectory, META_DIR, progressReader, type TlcRun, type TlcRunOptions } from './run.js';

/** TLC's default RMI registry port. */
export const DEFAULT_PORT = 10997;

const PORT_PROPERTY = 'tlc2.tool.distributed.TLCServer.port';
const WORKER_THREADS_PROPERTY = 'tlc2.tool.distributed.TLCWorker.threadCount';

export interface ServerArgs {
  readonly jar: string;
  readonly module: string;
  readonly config: string;
  readonly metaDir: string;
  readonly port: number;
  readonly jvm?: readonly string[];
}

/** The server's command line: TLC's options, less those it rejects (`-workers`, `-lncheck`). */
export function serverArgs(a: ServerArgs): string[] {
  return [
    '-XX:+UseParallelGC',
    JAVA_TMP_OPTION,
    ...(a.jvm ?? []),
    `-D${PORT_PROPERTY}=${a.port}`,
    '-cp',
    a.jar,
    'tlc2.tool.distributed.TLCServer',
    '-tool',
    '-metadir',
    a.metaDir,
    '-config',
    a.config,
    a.module,
  ];
}

/** A worker's command line: it finds the server on `host`:`port` and reads the model from it. */
export function workerArgs(
  jar: string,
  host: string,
  port: number,
  threads?: number,
  jvm: readonly string[] = [],
): string[] {
  return [
    '-XX:+UseParallelGC',
    ...jvm,
    `-D${PORT_PROPERTY}=${port}`,
    ...(threads !== undefined ? [`-D${WORKER_THREADS_PROPERTY}=${threads}`] : []),
    '-cp',
    jar,
    'tlc2.tool.distributed.TLCWorker',
    host,
  ];
}

/** `HOST[:PORT]`, as `typezero tlc-worker` takes it. */
export function parseServerAddress(text: string): { host: string; port: number } | null {
  const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

export interface DistributedOptions extends TlcRunOptions {
  readonly port: number;
  /** Workers to start on this machine once the server is up (others may join from elsewhere). */
  readonly localWorkers: number;
  /** Called once the server waits for workers. */
  readonly onServerReady?: () => void;
}

const SERIALIZATION_FAILURE = /NotSerializableException: (\S+)/;

/** One distributed run: the server in a fresh directory, and `localWorkers` workers beside it. */
export function runDistributedTlc(o: DistributedOptions): Promise<TlcRun> {
  const args = (jar: string) =>
    serverArgs({
      jar,
      module: o.module,
      config: o.config,
      metaDir: META_DIR,
      port: o.port,
      ...(o.jvm ? { jvm: o.jvm } : {}),
    });
  return inRunDirectory(o.files, async (dir) => {
    const abort = new AbortController();
    let workerFailure: string | null = null;
    const workers: ReturnType<typeof spawn>[] = [];
    const startWorkers = () => {
      o.onServerReady?.();
      for (let i = 0; i < o.localWorkers; i++) {
        const worker = spawn(o.java, workerArgs(o.jar, 'localhost', o.port, undefined, [JAVA_TMP_OPTION]), {
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        const read = (chunk: Buffer) => {
          text += chunk.toString('utf8');
          const failed = SERIALIZATION_FAILURE.exec(text);
          if (failed && !workerFailure) {
            workerFailure = `a TLC worker failed: java.io.NotSerializableException: ${failed[1]} (this TLC build's distributed mode is broken; TLC 1.7.4's works)`;
            abort.abort();
          }
        };
        worker.stdout!.on('data', read);
        worker.stderr!.on('data', read);
        workers.push(worker);
      }
    };
    const progress = progressReader(o.onProgress);
    let ready = false;
    const onLine = (line: string) => {
      if (!ready && line.startsWith(`@!@!@STARTMSG ${EC.TLC_DISTRIBUTED_SERVER_RUNNING}:`)) {
        ready = true;
        startWorkers();
      }
      progress?.(line);
    };
    const killWorkers = () => {
      for (const w of workers) w.kill('SIGKILL');
    };
    process.once('exit', killWorkers);
    try {
      const done = await runJava(o.java, args(o.jar), dir, onLine, o.timeoutMs, abort.signal);
      const output = parseToolOutput(done.stdout);
      const outcome: TlcOutcome = workerFailure
        ? { kind: 'exception', message: workerFailure }
        : readOutcome(output, done);
      const version = /TLC Server Version\s+(.+)/.exec(done.stdout)?.[1]?.trim() ?? null;
      return { outcome, version, command: ['java', ...args(basename(o.jar))] };
    } finally {
      killWorkers();
      process.off('exit', killWorkers);
    }
  });
}
