/** Distributed TLC's command lines and addresses, without a JVM (tla/tlc/distributed.ts). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, parseServerAddress, serverArgs, workerArgs } from '../../tla/tlc/distributed.js';
import { parseToolOutput } from '../../tla/tlc/messages.js';
import { readOutcome } from '../../tla/tlc/outcome.js';

describe('distributed TLC', () => {
  it('runs the server with the model, its port as a system property, and no option it rejects', () => {
    const args = serverArgs({
      jar: 'tla2tools.jar',
      module: 'MC.tla',
      config: 'MC.cfg',
      metaDir: 'states',
      port: 4000,
    });
    expect(args).toContain('-Dtlc2.tool.distributed.TLCServer.port=4000');
    expect(args.slice(args.indexOf('-cp'))).toEqual([
      '-cp',
      'tla2tools.jar',
      'tlc2.tool.distributed.TLCServer',
      '-tool',
      '-metadir',
      'states',
      '-config',
      'MC.cfg',
      'MC.tla',
    ]);
    // The server answers "unrecognized option" to these and stops.
    expect(args).not.toContain('-workers');
    expect(args).not.toContain('-lncheck');
  });

  it('points a worker at the server host and port', () => {
    expect(workerArgs('j.jar', 'build-7', 4000, 3)).toEqual([
      '-XX:+UseParallelGC',
      '-Dtlc2.tool.distributed.TLCServer.port=4000',
      '-Dtlc2.tool.distributed.TLCWorker.threadCount=3',
      '-cp',
      'j.jar',
      'tlc2.tool.distributed.TLCWorker',
      'build-7',
    ]);
  });

  it('reads HOST[:PORT], the port defaulting to TLC own', () => {
    expect(parseServerAddress('build-7')).toEqual({ host: 'build-7', port: DEFAULT_PORT });
    expect(parseServerAddress('10.0.0.2:4000')).toEqual({ host: '10.0.0.2', port: 4000 });
    for (const bad of ['', 'host:', 'host:0', 'host:70000', 'a b', 'host:12:13'])
      expect(parseServerAddress(bad)).toBeNull();
  });

  it('reads a violation the server does not name as an invariant with no name', () => {
    const state = (n: number, label: string) =>
      `@!@!@STARTMSG 2217:4 @!@!@\n${n}: ${label}\n/\\ frame = ${n - 1}\n\n@!@!@ENDMSG 2217 @!@!@`;
    const text = [
      '@!@!@STARTMSG 2121:1 @!@!@\nThe behavior up to this point is:\n@!@!@ENDMSG 2121 @!@!@',
      state(1, '<Initial predicate>'),
      state(2, '<Next line 1, col 1 to line 2, col 2 of module Hypervisor>'),
      '@!@!@STARTMSG 2199:0 @!@!@\n166 states generated, 37 distinct states found, 0 states left on queue.\n@!@!@ENDMSG 2199 @!@!@',
    ].join('\n');
    const outcome = readOutcome(parseToolOutput(text), {
      code: 0,
      signal: null,
      timedOutAt: null,
      stderr: '',
    });
    expect(outcome).toMatchObject({ kind: 'invariant', name: '', stats: { distinctStates: 37 } });
    expect(outcome.kind === 'invariant' && outcome.states.map((s) => s.values)).toEqual([
      { frame: 0 },
      { frame: 1 },
    ]);
  });
});
