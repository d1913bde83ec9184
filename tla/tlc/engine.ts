/**
 * The `tlc` engine: spec/Hypervisor.tla checked by TLC from tla2tools.jar. Each run writes the spec,
 * the generated MC module and .cfg to a temporary directory, runs TLC there, and reads the verdict
 * from its output and the counterexample from its `-dumpTrace json` file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layout } from '../../model/layout.js';
import type { SystemConfig } from '../../system/config.js';
import {
  type Availability,
  checkWithSpec,
  type Engine,
  EngineError,
  type EngineOptions,
  type EngineRun,
  type SpecBackend,
  type SpecRunRequest,
  type SpecRunResult,
} from '../engine.js';
import { mcConfig, mcModule, mcModuleName, readHypervisorSpec } from '../generate.js';
import { fromJson } from '../state-codec.js';
import type { Env } from './jar.js';
import { findTools, runJava, tlcArgs } from './java.js';
import { parseProgress, parseTlcOutput, type TlcOutput } from './output.js';
import { parseDumpedTrace } from './trace.js';

const BOUND = 'MC_StateBound';
const TRACE_FILE = 'counterexample.json';

/** The files of one TLC run: the spec, the MC module and its .cfg. */
export function tlcFiles(layout: Layout, request: SpecRunRequest, source: string): Record<string, string> {
  const name = mcModuleName(layout.config.system);
  // Emulates --max-states: TLC has no such bound, but stops expanding once it holds this many.
  const bound =
    request.maxStates !== undefined ? [`${BOUND} == TLCGet("distinct") < ${request.maxStates}`] : [];
  return {
    'Hypervisor.tla': readHypervisorSpec(),
    [`${name}.tla`]: mcModule(layout, source, bound),
    [`${name}.cfg`]: mcConfig(layout, {
      substitute: true,
      bugs: request.bugs,
      invariants: [],
      extraInvariants: request.invariants,
      liveness: request.liveness,
      ...(bound.length ? { constraint: BOUND } : {}),
    }),
  };
}

/** The result of one run, from TLC's output and, for a violation, its trace file. */
export function tlcResult(
  layout: Layout,
  output: TlcOutput,
  traceText: string | null,
  maxStates?: number,
): SpecRunResult {
  const distinctStates = output.distinctStates ?? 0;
  // TLC counts the states on the longest path; the explorer counts the steps.
  const depth = Math.max(0, (output.depth ?? 1) - 1);
  const states = () => {
    if (traceText === null)
      throw new EngineError('TLC reported a violation but wrote no counterexample file');
    return parseDumpedTrace(traceText);
  };
  const v = output.verdict;
  switch (v.kind) {
    case 'ok':
      if (maxStates !== undefined && distinctStates >= maxStates)
        return { kind: 'bound', distinctStates, depth };
      return { kind: 'ok', distinctStates, depth };
    case 'invariant': {
      const dumped = states();
      return {
        kind: 'invariant',
        name: v.name,
        states: dumped.states.map((s) => fromJson(layout, s)),
        distinctStates,
      };
    }
    case 'liveness': {
      const dumped = states();
      const decoded = dumped.states.map((s) => fromJson(layout, s));
      const loop =
        dumped.loopTo ??
        (output.backToState !== null
          ? output.backToState - 1
          : output.stuttering
            ? decoded.length - 1
            : null);
      if (loop === null || loop < 0 || loop >= decoded.length)
        throw new EngineError('TLC reported a liveness violation without a loop in its counterexample');
      return { kind: 'liveness', states: [...decoded, decoded[loop]!], loop, distinctStates, depth };
    }
    case 'deadlock':
      throw new EngineError('TLC: the spec deadlocks, which the model never does (a spec error)');
    case 'error':
      throw new EngineError(`TLC: ${v.message}`);
  }
}

export class TlcBackend implements SpecBackend {
  constructor(
    private readonly source: string,
    private readonly env: Env = process.env,
    private readonly onProgress?: (line: string) => void,
  ) {}

  async run(layout: Layout, request: SpecRunRequest): Promise<SpecRunResult> {
    const tools = findTools(this.env);
    if (!tools.ok) throw new EngineError(tools.reason);
    const dir = mkdtempSync(join(tmpdir(), 'typezero-tlc-'));
    try {
      const files = tlcFiles(layout, request, this.source);
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const name = mcModuleName(layout.config.system);
      const run = await runJava(
        tools.java,
        tlcArgs({
          jar: tools.jar,
          module: `${name}.tla`,
          config: `${name}.cfg`,
          traceFile: TRACE_FILE,
          metaDir: join(dir, 'states'),
        }),
        dir,
        (line) => {
          const p = parseProgress(line);
          if (p && this.onProgress)
            this.onProgress(
              `tlc: ${p.distinct.toLocaleString('en-US')} distinct states, depth ${p.depth}, ${p.queue.toLocaleString('en-US')} queued`,
            );
        },
      );
      const output = parseTlcOutput(run.stdout);
      if (output.verdict.kind === 'error' && run.stderr.trim())
        throw new EngineError(`TLC: ${output.verdict.message} (${run.stderr.trim().split('\n')[0]})`);
      const tracePath = join(dir, TRACE_FILE);
      const traceText = existsSync(tracePath) ? readFileSync(tracePath, 'utf8') : null;
      return tlcResult(layout, output, traceText, request.maxStates);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export function tlcEngine(env: Env = process.env): Engine {
  return {
    name: 'tlc',
    async available(): Promise<Availability> {
      const tools = findTools(env);
      return tools.ok ? { ok: true } : { ok: false, reason: tools.reason };
    },
    check(config: SystemConfig, file: string, options: EngineOptions = {}): Promise<EngineRun> {
      return checkWithSpec('tlc', new TlcBackend(file, env, options.onProgress), config, file, options);
    },
  };
}
