/**
 * The `tla-checker` engine: spec/Hypervisor.tla checked by the WebAssembly TLA+ model checker,
 * with the system's constants given as values in the .cfg (tla-checker evaluates a definition at
 * each use but holds a .cfg constant as a value, which makes it an order of magnitude faster).
 *
 * Counterexamples come back as text; each is walked again through tla-checker's explore API to
 * get its states as JSON (and so checked to be a behaviour of the spec), then decoded into model
 * states.
 */
import type { Layout } from '../model/layout.js';
import type { State } from '../model/state.js';
import type { SystemConfig } from '../system/config.js';
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
  specAvailability,
} from './engine.js';
import { cfgInvariants, mcConfig, readHypervisorSpec } from './generate.js';
import { fromJson } from './state-codec.js';
import {
  type CheckOutcome,
  checkSpec,
  type DisplayState,
  exploreInit,
  exploreNext,
  type JsonState,
} from './tla-checker.js';

/** The .cfg for one run: every constant as a value, the invariants in order, the property. */
export function checkerConfig(layout: Layout, request: SpecRunRequest): string {
  return mcConfig(layout, {
    substitute: false,
    bugs: request.bugs,
    invariants: [],
    extraInvariants: request.invariants,
    liveness: request.liveness,
  });
}

function sameDisplay(a: DisplayState, b: DisplayState): boolean {
  const keys = Object.keys(b);
  return keys.length > 0 && keys.every((k) => a[k] === b[k]);
}

/**
 * The JSON states of a printed behaviour, found by walking it with the explore API: the first
 * state among the initial states, each next among the successors of the one before.
 */
export function walkDisplayed(
  spec: string,
  cfg: string,
  shown: readonly DisplayState[],
  from?: JsonState,
): JsonState[] {
  const out: JsonState[] = [];
  let candidates = from ? exploreNext(spec, cfg, from).map((t) => t.state) : exploreInit(spec, cfg);
  for (const [i, want] of shown.entries()) {
    const hit = candidates.find((c) => sameDisplay(c.display, want));
    if (!hit)
      throw new EngineError(`tla-checker: state ${i} of its own counterexample is not reachable by the spec`);
    out.push(hit.json);
    if (i < shown.length - 1) candidates = exploreNext(spec, cfg, hit.json).map((t) => t.state);
  }
  return out;
}

/** The greatest breadth-first distance from the initial state in a DOT state graph. */
export function dotDepth(dot: string): number {
  const edges = new Map<number, number[]>();
  for (const m of dot.matchAll(/^\s*s(\d+) -> s(\d+)/gm)) {
    const from = Number(m[1]);
    const list = edges.get(from) ?? [];
    list.push(Number(m[2]));
    edges.set(from, list);
  }
  const dist = new Map<number, number>([[0, 0]]);
  const queue = [0];
  let depth = 0;
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head]!;
    const d = dist.get(at)!;
    depth = Math.max(depth, d);
    for (const to of edges.get(at) ?? [])
      if (!dist.has(to)) {
        dist.set(to, d + 1);
        queue.push(to);
      }
  }
  return depth;
}

export class CheckerBackend implements SpecBackend {
  constructor(private readonly spec: string = readHypervisorSpec()) {}

  async run(layout: Layout, request: SpecRunRequest): Promise<SpecRunResult> {
    const cfg = checkerConfig(layout, request);
    const names = cfgInvariants({ invariants: [], extraInvariants: request.invariants });
    const out = checkSpec(this.spec, cfg, {
      ...(request.maxStates !== undefined ? { maxStates: request.maxStates } : {}),
      exportDot: true,
    });
    const decode = (shown: readonly DisplayState[]): State[] =>
      walkDisplayed(this.spec, cfg, shown).map((j) => fromJson(layout, j));
    return interpret(out, names, decode, (prefix, cycle) => {
      const states = decode(prefix);
      const last = prefix[prefix.length - 1];
      // The cycle starts at the last state of the prefix; walk it on from there and back.
      const rest = last && cycle[0] && sameDisplay(cycle[0], last) ? cycle.slice(1) : cycle;
      const lastJson = walkDisplayed(this.spec, cfg, prefix).at(-1);
      const loopStates = rest.length
        ? walkDisplayed(this.spec, cfg, rest, lastJson).map((j) => fromJson(layout, j))
        : [];
      const loop = states.length - 1;
      return { states: [...states, ...loopStates, states[loop]!], loop };
    });
  }
}

function interpret(
  out: CheckOutcome,
  names: readonly string[],
  decode: (shown: readonly DisplayState[]) => State[],
  lasso: (
    prefix: readonly DisplayState[],
    cycle: readonly DisplayState[],
  ) => { states: State[]; loop: number },
): SpecRunResult {
  const depth = 'dot' in out && out.dot ? dotDepth(out.dot) : 0;
  switch (out.kind) {
    case 'ok':
      return { kind: 'ok', distinctStates: out.distinctStates, depth };
    case 'invariant': {
      const name = names[out.index];
      if (name === undefined)
        throw new EngineError(`tla-checker: reported invariant ${out.index}, which the cfg does not list`);
      return { kind: 'invariant', name, states: decode(out.trace), distinctStates: out.distinctStates };
    }
    case 'liveness': {
      const { states, loop } = lasso(out.prefix, out.cycle);
      return { kind: 'liveness', states, loop, distinctStates: out.distinctStates, depth };
    }
    case 'bound':
      return { kind: 'bound', distinctStates: out.distinctStates, depth };
    case 'deadlock':
      throw new EngineError('tla-checker: the spec deadlocks, which the model never does (a spec error)');
    case 'error':
      throw new EngineError(`tla-checker: ${out.type}: ${out.message.split('\n')[0]}`);
  }
}

export const tlaCheckerEngine: Engine = {
  name: 'tla-checker',
  async available(config?: SystemConfig): Promise<Availability> {
    return specAvailability(config);
  },
  check(config: SystemConfig, file: string, options: EngineOptions = {}): Promise<EngineRun> {
    return checkWithSpec('tla-checker', new CheckerBackend(), config, file, options);
  },
};
