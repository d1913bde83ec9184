/**
 * The solver (npm `z3-solver`, Z3 compiled to WebAssembly with threads), loaded once per process.
 * Scripts go through `eval_smtlib2_string`, which answers Horn queries with Spacer.
 *
 * Every session is a fresh Z3 context, so what a script answers depends on the script alone: a
 * context reused after a `(reset)` keeps the numbering of the terms an earlier script made, and
 * Spacer then finds another (equally valid) invariant for the same clauses. Every `check-sat` runs
 * under a budget of Z3's resource units (`rlimit`), which count the solver's work, not time: the
 * same script answers the same on every machine under any load. Time is only the safety net: once
 * a query passes its wall-clock limit the session is interrupted and the answer is not used.
 *
 * The script is copied into the WebAssembly heap here rather than handed to the binding's
 * `eval_smtlib2_string`: that one passes it on the caller's stack to a solver thread that may read
 * it after the stack was reused, and Z3 then reports symbols no script contains.
 */
import { init } from 'z3-solver';

type Z3Api = Awaited<ReturnType<typeof init>>['Z3'];

/** The parts of the Emscripten module this file uses. */
interface Emscripten {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _async_Z3_eval_smtlib2_string(ctx: unknown, script: number): void;
  async_call(f: (ctx: unknown, script: number) => void, ctx: unknown, script: number): Promise<string>;
}

interface Loaded {
  readonly api: Z3Api;
  readonly em: Emscripten;
}

let loading: Promise<Loaded> | null = null;

function load(): Promise<Loaded> {
  loading ??= init().then((z3) => ({ api: z3.Z3, em: z3.em as Emscripten }));
  return loading;
}

/**
 * Loads the solver (a second or more of WebAssembly set-up), so that the time a caller measures is
 * spent on its queries.
 */
export async function loadSolver(): Promise<void> {
  await load();
}

export async function z3Version(): Promise<string> {
  return (await load()).api.get_full_version();
}

/** Raised when Z3 answers a script with an error: the generated text is at fault, never the system. */
export class SolverError extends Error {}

/**
 * Raised when a script ran past the wall-clock limit: the solver was interrupted, and whatever it
 * answered is not an answer. Never caught by the engines, so that no verdict, invariant or
 * method depends on when the limit fired.
 */
export class SolverInterrupted extends Error {}

/** The wall-clock safety net: a point in time (`performance.now()`), and how it is described. */
export interface WallClock {
  readonly deadline: number;
  /** The limit it stands for, in milliseconds, for the reason given when it is hit. */
  readonly limitMs: number;
}

export const NO_WALL_CLOCK: WallClock = {
  deadline: Number.POSITIVE_INFINITY,
  limitMs: Number.POSITIVE_INFINITY,
};

/** The reason an answer given when the wall clock ran out has: the limit, not the solver. */
export function wallClockReason(clock: WallClock): string {
  return `the wall-clock limit of ${clock.limitMs / 1000} s was hit before the solver's budget ran out: the solver ran far slower here than the budget assumes`;
}

/**
 * Resource units (Z3's `rlimit`) a proof may still spend. A slice draws on the budget it was cut
 * from: what a query spends is charged to both.
 */
export class Budget {
  private spent = 0;

  constructor(
    readonly units: number,
    private readonly parent?: Budget,
  ) {}

  get left(): number {
    return Math.max(0, this.units - this.spent);
  }

  /** A part of what is left, at most `units`. */
  slice(units: number): Budget {
    return new Budget(Math.min(Math.floor(units), this.left), this);
  }

  charge(units: number): void {
    this.spent += units;
    this.parent?.charge(units);
  }
}

type Context = ReturnType<Z3Api['mk_context']>;

/** The resource count `(get-info :rlimit)` reports, as the last line of the output. */
const RLIMIT = /^\(:rlimit (\d+)\)\s*$/;

export class SmtSession {
  /** Resource units the context has counted so far, as of the last script. */
  private count = 0;

  private constructor(
    private readonly api: Z3Api,
    private readonly em: Emscripten,
    private readonly ctx: Context,
    private readonly clock: WallClock,
  ) {}

  static async open(clock: WallClock = NO_WALL_CLOCK): Promise<SmtSession> {
    const { api, em } = await load();
    const cfg = api.mk_config();
    const ctx = api.mk_context(cfg);
    api.del_config(cfg);
    return new SmtSession(api, em, ctx, clock);
  }

  /**
   * Runs a script and returns its output, one answer per line for `check-sat`. A script still
   * running at the wall-clock limit is interrupted and raises `SolverInterrupted`, as does one
   * started after it.
   */
  async run(script: string): Promise<string> {
    const wait = this.clock.deadline - performance.now();
    if (wait <= 0) throw new SolverInterrupted(wallClockReason(this.clock));
    let interrupted = false;
    const timer = Number.isFinite(wait)
      ? setTimeout(() => {
          interrupted = true;
          this.api.interrupt(this.ctx);
        }, Math.ceil(wait))
      : undefined;
    const bytes = new TextEncoder().encode(script);
    const ptr = this.em._malloc(bytes.length + 1);
    this.em.HEAPU8.set(bytes, ptr);
    this.em.HEAPU8[ptr + bytes.length] = 0;
    try {
      const raw = await this.em.async_call(this.em._async_Z3_eval_smtlib2_string, this.ctx, ptr);
      // The interrupt can land in any command, a check-sat (which then answers unknown) or a push,
      // an assert, a define-fun (which Z3 reports as an error, and later commands may fail for it).
      if (interrupted) throw new SolverInterrupted(wallClockReason(this.clock));
      const error = /^\(error "(.*)"\)$/m.exec(raw);
      if (error) throw new SolverError(`z3 rejected a generated script: ${error[1]}`);
      return raw;
    } finally {
      clearTimeout(timer);
      this.em._free(ptr);
    }
  }

  /**
   * Runs a script whose `check-sat`s may each spend what `budget` has left when it starts, charges
   * the budget what the whole script spent, and returns the output. A `check-sat` that runs out
   * answers `unknown`; with nothing left it is given one unit (0 would mean no limit at all). Only
   * the `check-sat`s are limited: Z3 applies the limit to every command that runs while it is set,
   * and a `push` cut short by it would leave the scopes of the script out of step.
   */
  async check(script: string, budget: Budget): Promise<string> {
    const limited = script.replaceAll(
      '(check-sat)',
      `(set-option :rlimit ${Math.max(1, budget.left)})(check-sat)(set-option :rlimit 0)`,
    );
    const raw = await this.run(`${limited}\n(get-info :rlimit)`);
    const last = raw.lastIndexOf('(:rlimit ');
    const counted = RLIMIT.exec(raw.slice(last));
    if (last < 0 || !counted) throw new SolverError(`z3 reported no resource count: ${raw}`);
    budget.charge(Number(counted[1]) - this.count);
    this.count = Number(counted[1]);
    return raw.slice(0, last);
  }

  close(): void {
    this.api.del_context(this.ctx);
  }
}
