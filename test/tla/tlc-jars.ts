/**
 * The TLC jars the `*.tlc.test.ts` files run against, each with the environment that selects it:
 *
 *  1. TYPEZERO_TLC_JARS, colon-separated (CI sets it to both jars in ../shared/tools/tla2tools/);
 *     every jar it names must exist, and Java must run: a missing one fails the tests, never skips;
 *  2. else every tla2tools*.jar in ../shared/tools/tla2tools/ beside the repository;
 *  3. else the jar typezero itself would use (TLA2TOOLS_JAR, then `typezero tools install`'s cache).
 *
 * With none of these the TLC tests are skipped, and the reason is printed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ENV_JAR, type Env } from '../../tla/tlc/jar.js';
import { findJava, findTools } from '../../tla/tlc/java.js';
import { ROOT } from '../helpers.js';

export interface TlcJar {
  /** The jar's file name, for test titles. */
  readonly name: string;
  readonly path: string;
  readonly java: string;
  /** The environment that makes typezero use this jar (small models: the JVM's quick compiler). */
  readonly env: Env;
}

export const SHARED_JARS = resolve(ROOT, '..', 'shared', 'tools', 'tla2tools');
/** Small models finish before the JVM's optimising compiler pays off. */
export const QUICK_JVM = '-XX:TieredStopAtLevel=1';

function configured(): { paths: string[]; required: boolean } | { reason: string } {
  const listed = process.env.TYPEZERO_TLC_JARS;
  if (listed) return { paths: listed.split(':').filter(Boolean), required: true };
  if (existsSync(SHARED_JARS)) {
    const jars = readdirSync(SHARED_JARS)
      .filter((f) => /^tla2tools.*\.jar$/.test(f))
      .sort()
      .map((f) => join(SHARED_JARS, f));
    if (jars.length) return { paths: jars, required: true };
  }
  const tools = findTools();
  return tools.ok ? { paths: [tools.jar], required: false } : { reason: tools.reason };
}

export interface TlcJars {
  readonly jars: readonly TlcJar[];
  /** Why there are none, when there are none. */
  readonly skip: string | null;
}

export function tlcJars(): TlcJars {
  const c = configured();
  if ('reason' in c) return { jars: [], skip: c.reason };
  const missing = c.paths.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`TLC jars not found: ${missing.join(', ')}`);
  const java = findJava();
  if (!java.ok) {
    if (c.required) throw new Error(`TLC jars are present but ${java.reason}`);
    return { jars: [], skip: java.reason };
  }
  return {
    skip: null,
    jars: c.paths.map((path) => ({
      name: basename(path),
      path,
      java: java.path,
      env: { ...process.env, [ENV_JAR]: path, TYPEZERO_TLC_JAVA_OPTS: QUICK_JVM },
    })),
  };
}

export const TLC = tlcJars();
if (TLC.skip) console.log(`TLC tests skipped: ${TLC.skip}`);
