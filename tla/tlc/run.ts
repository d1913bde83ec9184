/**
 * One TLC run: the model's files written to a fresh directory, TLC run there with `-tool`, and its
 * messages read into a typed outcome (tla/tlc/outcome.ts). The command is recorded as run, with
 * the jar by its file name and every other path relative to the run's directory, so that it reads
 * the same on every machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { JAVA_TMP_DIR, runJava, tlcArgs } from './java.js';
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

export const META_DIR = 'states';

export async function runTlc(o: TlcRunOptions): Promise<TlcRun> {
  const args = (jar: string) =>
    tlcArgs({
      jar,
      module: o.module,
      config: o.config,
      metaDir: META_DIR,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.jvm ? { jvm: o.jvm } : {}),
    });
  return inRunDirectory(o.files, async (dir) => {
    const done = await runJava(o.java, args(o.jar), dir, progressReader(o.onProgress), o.timeoutMs);
    const output = parseToolOutput(done.stdout);
    const versionMessage = output.messages.find((m) => m.code === EC.TLC_VERSION);
    const version = versionMessage?.lines[0]?.replace(/^TLC2 Version\s+/, '').trim() || null;
    return {
      outcome: readOutcome(output, done),
      version,
      command: ['java', ...args(basename(o.jar))],
    };
  });
}

/** Writes the model's files to a fresh directory, runs `body` there, and removes the directory. */
export async function inRunDirectory<T>(
  files: Readonly<Record<string, string>>,
  body: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'typezero-tlc-'));
  try {
    mkdirSync(join(dir, JAVA_TMP_DIR));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A line reader that hands each progress message (framed over several lines) to `onProgress`. */
export function progressReader(
  onProgress: TlcRunOptions['onProgress'],
): ((line: string) => void) | undefined {
  if (!onProgress) return undefined;
  let frame: string[] | null = null;
  return (line: string) => {
    if (line.startsWith(`@!@!@STARTMSG ${EC.TLC_PROGRESS_STATS}:`)) frame = [];
    else if (frame && line.startsWith('@!@!@ENDMSG')) {
      const p = parseProgress({ code: EC.TLC_PROGRESS_STATS, severity: 0, lines: frame, prefix: '' });
      frame = null;
      if (p) onProgress(p);
    } else frame?.push(line);
  };
}
