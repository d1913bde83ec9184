import { describe, expect, it } from 'vitest';
import { findJava, findTools, sanyArgs, tlcArgs, tlcPassThroughArgs } from '../../tla/tlc/java.js';

describe('the JVM boundary', () => {
  it('builds the TLC command line: message protocol, final liveness check, deadlock checked', () => {
    const args = tlcArgs({
      jar: '/j/tla2tools.jar',
      module: 'MCx.tla',
      config: 'MCx.cfg',
      metaDir: 'states',
      workers: 2,
      jvm: ['-Xmx1g'],
    });
    expect(args).toEqual([
      '-XX:+UseParallelGC',
      '-Djava.io.tmpdir=tmp',
      '-Xmx1g',
      '-cp',
      '/j/tla2tools.jar',
      'tlc2.TLC',
      '-tool',
      '-workers',
      '2',
      '-lncheck',
      'final',
      '-metadir',
      'states',
      '-config',
      'MCx.cfg',
      'MCx.tla',
    ]);
    expect(args).not.toContain('-deadlock');
    // -dumpTrace exists only from 1.8.0; counterexamples come from -tool's messages in every version.
    expect(args).not.toContain('-dumpTrace');
    expect(tlcArgs({ jar: 'j', module: 'M.tla', config: 'M.cfg', metaDir: 's' })).toContain('1');
  });

  it('passes arguments through to TLC and SANY untouched', () => {
    expect(tlcPassThroughArgs('/j.jar', ['-workers', '4', 'Spec.tla'])).toEqual([
      '-XX:+UseParallelGC',
      '-cp',
      '/j.jar',
      'tlc2.TLC',
      '-workers',
      '4',
      'Spec.tla',
    ]);
    expect(sanyArgs('/j.jar', ['Spec.tla'])).toEqual(['-cp', '/j.jar', 'tla2sany.SANY', 'Spec.tla']);
  });

  it('says what to do when there is no Java', () => {
    const r = findJava({ JAVA_HOME: '/nonexistent/jdk', PATH: process.env.PATH });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^Java not found .*install a Java 11\+ runtime/);
    const t = findTools({ JAVA_HOME: '/nonexistent/jdk' });
    expect(t.ok).toBe(false);
  });

  it('with Java but no jar, says how to get the jar', () => {
    const java = findJava();
    const t = findTools({ PATH: process.env.PATH, TYPEZERO_CACHE_DIR: '/nonexistent/cache' });
    if (!java.ok) expect(t.ok).toBe(false);
    else expect(t).toEqual({ ok: false, reason: expect.stringMatching(/typezero tools install/) });
  });
});
