/**
 * One TLC run: the model's files written to a fresh directory, TLC run there with `-tool`, and its
 * messages read into a typed outcome (tla/tlc/outcome.ts). The command is recorded as run, with
 * the jar by its file name and every other path relative to the run's directory, so that it reads
 * the same on every machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runJava, tlcArgs } from './java.js';
import { EC, parseProgress, parseToolOutput } from './messages.js';
import { readOutcome, type TlcOutcome } from './outcome.js';

export interface TlcRunOptions {
  readonly java: string;
  readonly jar: string;
  /** File name to contents: the modules and the .cfg. */
  readonly files: Readonly<Record<string, string>>;
  readonly module: string;
  readonly config: string;
  readonly workers?: number;
  readonly jvm?: readonly string[];
  readonly timeoutMs?: number;
  readonly onProgress?: (p: { depth: number; distinct: number; queue: number }) => void;
}

export interface TlcRun {
  readonly outcome: TlcOutcome;
  /** TLC's version line (`2.19 of 08 August 2024 (rev: 5a47802)`), when it printed one. */
  readonly version: string | null;
  /** The command, as `java` and its arguments, with the jar named by its file name. */
  readonly command: readonly string[];
}

const META_DIR = 'states';

export async function runTlc(o: TlcRunOptions): Promise<TlcRun> {
  const dir = mkdtempSync(join(tmpdir(), 'typezero-tlc-'));
  try {
    for (const [name, text] of Object.entries(o.files)) writeFileSync(join(dir, name), text);
    const args = (jar: string) =>
      tlcArgs({
        jar,
        module: o.module,
        config: o.config,
        metaDir: META_DIR,
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(o.jvm ? { jvm: o.jvm } : {}),
      });
    // Progress arrives as framed messages; collect each one's lines until it ends.
    let frame: string[] | null = null;
    const onLine = o.onProgress
      ? (line: string) => {
          if (line.startsWith(`@!@!@STARTMSG ${EC.TLC_PROGRESS_STATS}:`)) frame = [];
          else if (frame && line.startsWith('@!@!@ENDMSG')) {
            const p = parseProgress({ code: EC.TLC_PROGRESS_STATS, severity: 0, lines: frame, prefix: '' });
            frame = null;
            if (p) o.onProgress?.(p);
          } else frame?.push(line);
        }
      : undefined;
    const done = await runJava(o.java, args(o.jar), dir, onLine, o.timeoutMs);
    const output = parseToolOutput(done.stdout);
    const versionMessage = output.messages.find((m) => m.code === EC.TLC_VERSION);
    const version = versionMessage?.lines[0]?.replace(/^TLC2 Version\s+/, '').trim() || null;
    return {
      outcome: readOutcome(output, done),
      version,
      command: ['java', ...args(basename(o.jar))],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
