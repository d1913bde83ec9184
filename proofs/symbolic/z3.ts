/**
 * The Z3 solver (npm `z3-solver`, Z3 compiled to WebAssembly with threads), loaded once per
 * process. Scripts go through `eval_smtlib2_string`, which answers Horn queries with Spacer; each
 * session is one Z3 context, so declarations made by one script are seen by the next, and none made
 * in an earlier session (a reused context starts with `(reset)`).
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
 * Loads the solver (a second or more of WebAssembly set-up), so that the time a caller gives a
 * query is spent on the query.
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
 * Raised when the deadline interrupted a script between its `check-sat`s (Z3 then cancels the
 * command it was running, a `push` or a declaration, with an error): the time ran out, nothing more.
 */
export class SolverInterrupted extends Error {}

type Context = ReturnType<Z3Api['mk_context']>;

/**
 * A context left by a closed session, for the next one to take after a `(reset)`: making a context
 * costs about ten times as much as resetting one, and a proof opens several per property.
 */
let idle: Context | null = null;

export class SmtSession {
  /**
   * The context is not handed on when the deadline interrupted a script (whatever Z3 kept of it),
   * or when a script defined a function: Z3's `(reset)` leaves a `define-fun` in the models of
   * later scripts, so Spacer's next invariant would come with a stale second definition.
   */
  private spoiled = false;

  private constructor(
    private readonly api: Z3Api,
    private readonly em: Emscripten,
    private readonly ctx: Context,
  ) {}

  static async open(): Promise<SmtSession> {
    const { api, em } = await load();
    if (idle !== null) {
      const session = new SmtSession(api, em, idle);
      idle = null;
      await session.run('(reset)');
      return session;
    }
    const cfg = api.mk_config();
    const ctx = api.mk_context(cfg);
    api.del_config(cfg);
    return new SmtSession(api, em, ctx);
  }

  /**
   * Runs a script and returns its output, one answer per line for `check-sat`. With `deadlineMs`,
   * a script still running then is interrupted (its pending `check-sat` answers `unknown`).
   */
  async run(script: string, deadlineMs?: number): Promise<string> {
    let interrupted = false;
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(
            () => {
              interrupted = true;
              this.spoiled = true;
              this.api.interrupt(this.ctx);
            },
            Math.max(0, deadlineMs),
          );
    if (script.includes('define-fun')) this.spoiled = true;
    const bytes = new TextEncoder().encode(script);
    const ptr = this.em._malloc(bytes.length + 1);
    this.em.HEAPU8.set(bytes, ptr);
    this.em.HEAPU8[ptr + bytes.length] = 0;
    try {
      const raw = await this.em.async_call(this.em._async_Z3_eval_smtlib2_string, this.ctx, ptr);
      // The interrupt can land in a command other than check-sat (a push, an assert, a
      // define-fun), which Z3 reports as an error; a command it cancelled can make later ones
      // fail too (a function it never defined is then an unknown constant). Once the deadline
      // fired, every error is the deadline's, not a fault of the script, and the answers the
      // script did not reach are simply missing.
      const error = /^\(error "(.*)"\)$/m.exec(raw);
      if (error && interrupted)
        throw new SolverInterrupted(`the solver was interrupted at its deadline: ${error[1]}`);
      if (error) throw new SolverError(`z3 rejected a generated script: ${error[1]}`);
      return raw;
    } finally {
      clearTimeout(timer);
      this.em._free(ptr);
    }
  }

  close(): void {
    if (idle === null && !this.spoiled) idle = this.ctx;
    else this.api.del_context(this.ctx);
  }
}
