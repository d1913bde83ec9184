/**
 * The Z3 solver (npm `z3-solver`, Z3 compiled to WebAssembly with threads), loaded once per
 * process. Scripts go through `eval_smtlib2_string`, which answers Horn queries with Spacer; each
 * session is one Z3 context, so declarations made by one script are seen by the next.
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

export async function z3Version(): Promise<string> {
  return (await load()).api.get_full_version();
}

/** Raised when Z3 answers a script with an error: the generated text is at fault, never the system. */
export class SolverError extends Error {}

export class SmtSession {
  private constructor(
    private readonly api: Z3Api,
    private readonly em: Emscripten,
    private readonly ctx: ReturnType<Z3Api['mk_context']>,
  ) {}

  static async open(): Promise<SmtSession> {
    const { api, em } = await load();
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
              this.api.interrupt(this.ctx);
            },
            Math.max(0, deadlineMs),
          );
    const bytes = new TextEncoder().encode(script);
    const ptr = this.em._malloc(bytes.length + 1);
    this.em.HEAPU8.set(bytes, ptr);
    this.em.HEAPU8[ptr + bytes.length] = 0;
    try {
      const raw = await this.em.async_call(this.em._async_Z3_eval_smtlib2_string, this.ctx, ptr);
      // The interrupt can land in a command other than check-sat (a push, an assert), which Z3
      // reports as an error: that is the deadline, not a fault of the script, and the answers the
      // script did not reach are simply missing.
      const out = interrupted ? raw.replace(/^\(error "[^"\n]*canceled"\)$/gm, '') : raw;
      const error = /^\(error "(.*)"\)$/m.exec(out);
      if (error) throw new SolverError(`z3 rejected a generated script: ${error[1]}`);
      return out;
    } finally {
      clearTimeout(timer);
      this.em._free(ptr);
    }
  }

  close(): void {
    this.api.del_context(this.ctx);
  }
}
