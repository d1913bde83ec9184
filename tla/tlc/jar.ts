/**
 * Where tla2tools.jar is and how to get it. The jar is found through TLA2TOOLS_JAR, then in the user
 * cache; `typezero tools install` downloads the pinned release and keeps it only if its SHA-256 is
 * the pinned one: it writes a temporary file next to the destination and renames it into place
 * after the digest matches, so a failed or forged download leaves nothing installed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** The pinned release: TLC2 Version 2.19 of 08 August 2024 (rev: 5a47802). */
export const PINNED_TLA2TOOLS = {
  version: '1.7.4',
  url: 'https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar',
  sha256: '936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88',
} as const;

/** Environment: the jar to use, a different download URL (tests), a different cache directory. */
export const ENV_JAR = 'TLA2TOOLS_JAR';
export const ENV_URL = 'TYPEZERO_TLA2TOOLS_URL';
export const ENV_CACHE = 'TYPEZERO_CACHE_DIR';

export type Env = Readonly<Record<string, string | undefined>>;

export function cacheDir(env: Env = process.env): string {
  if (env[ENV_CACHE]) return env[ENV_CACHE];
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'typezero');
}

export function cachedJarPath(env: Env = process.env): string {
  return join(cacheDir(env), `tla2tools-${PINNED_TLA2TOOLS.version}.jar`);
}

export type JarLocation =
  | { readonly ok: true; readonly path: string; readonly source: 'env' | 'cache' }
  | { readonly ok: false; readonly reason: string };

/** TLA2TOOLS_JAR when set (it must then exist), else the cached pinned jar. */
export function findJar(env: Env = process.env): JarLocation {
  const explicit = env[ENV_JAR];
  if (explicit) {
    if (existsSync(explicit) && statSync(explicit).isFile())
      return { ok: true, path: explicit, source: 'env' };
    return { ok: false, reason: `${ENV_JAR} is set to ${explicit}, which is not a file` };
  }
  const cached = cachedJarPath(env);
  if (existsSync(cached)) return { ok: true, path: cached, source: 'cache' };
  return {
    ok: false,
    reason: `tla2tools.jar not found: run \`typezero tools install\` or set ${ENV_JAR} to its path`,
  };
}

export class InstallError extends Error {}

export interface InstallOptions {
  readonly url?: string;
  readonly sha256?: string;
  readonly destination?: string;
  readonly env?: Env;
  readonly fetch?: typeof fetch;
}

export interface Installed {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** Downloads the jar, verifies its SHA-256 and installs it atomically. */
export async function installJar(options: InstallOptions = {}): Promise<Installed> {
  const env = options.env ?? process.env;
  const url = options.url ?? env[ENV_URL] ?? PINNED_TLA2TOOLS.url;
  const expected = (options.sha256 ?? PINNED_TLA2TOOLS.sha256).toLowerCase();
  const destination = options.destination ?? cachedJarPath(env);
  const doFetch = options.fetch ?? fetch;
  mkdirSync(dirname(destination), { recursive: true });
  const temporary = `${destination}.download-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    let response: Response;
    try {
      response = await doFetch(url, { redirect: 'follow' });
    } catch (e) {
      throw new InstallError(`cannot download ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!response.ok || !response.body)
      throw new InstallError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const hash = createHash('sha256');
    let bytes = 0;
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await pipeline(body, createWriteStream(temporary, { flags: 'wx' }));
    const actual = hash.digest('hex');
    if (actual !== expected)
      throw new InstallError(
        `checksum mismatch for ${url}: expected SHA-256 ${expected}, got ${actual}; nothing was installed`,
      );
    renameSync(temporary, destination);
    return { path: destination, sha256: actual, bytes };
  } finally {
    rmSync(temporary, { force: true });
  }
}
