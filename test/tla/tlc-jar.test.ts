import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cachedJarPath,
  ENV_CACHE,
  ENV_JAR,
  ENV_URL,
  findJar,
  InstallError,
  installJar,
  PINNED_TLA2TOOLS,
} from '../../tla/tlc/jar.js';

const FAKE_JAR = Buffer.from('PK\u0003\u0004 not really tla2tools, but bytes with a known digest');
const FAKE_SHA = createHash('sha256').update(FAKE_JAR).digest('hex');

let server: Server;
let base: string;
const served: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/tla2tools.jar') {
      res.writeHead(200, { 'content-type': 'application/java-archive' });
      res.end(FAKE_JAR);
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/tla2tools.jar' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'typezero-jar-test-'));
}

describe('tla2tools.jar download and checksum (loopback server only)', () => {
  it('pins a release and its SHA-256', () => {
    expect(PINNED_TLA2TOOLS.url).toBe(
      `https://github.com/tlaplus/tlaplus/releases/download/v${PINNED_TLA2TOOLS.version}/tla2tools.jar`,
    );
    expect(PINNED_TLA2TOOLS.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('installs the jar when its digest matches, following redirects', async () => {
    const dir = tempDir();
    const destination = join(dir, 'tla2tools.jar');
    const installed = await installJar({ url: `${base}/moved`, sha256: FAKE_SHA, destination });
    expect(installed).toEqual({ path: destination, sha256: FAKE_SHA, bytes: FAKE_JAR.length });
    expect(readFileSync(destination)).toEqual(FAKE_JAR);
    expect(readdirSync(dir)).toEqual(['tla2tools.jar']);
    rmSync(dir, { recursive: true });
  });

  it('a wrong checksum leaves nothing installed and no temporary file behind', async () => {
    const dir = tempDir();
    const destination = join(dir, 'tla2tools.jar');
    await expect(
      installJar({ url: `${base}/tla2tools.jar`, sha256: '0'.repeat(64), destination }),
    ).rejects.toThrow(/checksum mismatch.*nothing was installed/);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it('the pinned checksum refuses any other jar, at the URL the environment gives', async () => {
    const dir = tempDir();
    const env = { [ENV_URL]: `${base}/tla2tools.jar`, [ENV_CACHE]: dir };
    await expect(installJar({ env })).rejects.toThrow(
      new RegExp(`expected SHA-256 ${PINNED_TLA2TOOLS.sha256}`),
    );
    expect(existsSync(cachedJarPath(env))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it('an HTTP error installs nothing', async () => {
    const dir = tempDir();
    const destination = join(dir, 'tla2tools.jar');
    await expect(installJar({ url: `${base}/missing`, sha256: FAKE_SHA, destination })).rejects.toThrow(
      /HTTP 404/,
    );
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it('a refused connection is an install error', async () => {
    const dir = tempDir();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      installJar({
        url: `http://127.0.0.1:${port}/tla2tools.jar`,
        sha256: FAKE_SHA,
        destination: join(dir, 'j.jar'),
      }),
    ).rejects.toThrow(InstallError);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});

describe('finding the jar', () => {
  it('TLA2TOOLS_JAR first, then the user cache', () => {
    const dir = tempDir();
    const jar = join(dir, 'mine.jar');
    writeFileSync(jar, FAKE_JAR);
    const cache = join(dir, 'cache');
    expect(findJar({ [ENV_JAR]: jar, [ENV_CACHE]: cache })).toEqual({ ok: true, path: jar, source: 'env' });
    const none = findJar({ [ENV_CACHE]: cache });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toMatch(/typezero tools install.*TLA2TOOLS_JAR/);
    rmSync(dir, { recursive: true });
  });

  it('a TLA2TOOLS_JAR that is not a file is reported as such', () => {
    const r = findJar({ [ENV_JAR]: '/nonexistent/tla2tools.jar' });
    expect(r).toEqual({
      ok: false,
      reason: 'TLA2TOOLS_JAR is set to /nonexistent/tla2tools.jar, which is not a file',
    });
  });

  it('the cache follows XDG_CACHE_HOME and is versioned by the pinned release', () => {
    expect(cachedJarPath({ XDG_CACHE_HOME: '/x/cache' })).toBe(
      `/x/cache/typezero/tla2tools-${PINNED_TLA2TOOLS.version}.jar`,
    );
  });

  it('served only what the tests asked for', () => {
    expect(served.every((u) => ['/tla2tools.jar', '/moved', '/missing'].includes(u))).toBe(true);
  });
});
