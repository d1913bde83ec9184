/**
 * TLC's standard output, read into a typed result. The messages relied on are TLC's documented
 * end-of-run report (tlc2.output.EC / MP messages, as printed without `-tool`):
 *
 *   Error: Invariant <Name> is violated.
 *   Error: Temporal properties were violated.
 *   Error: Deadlock reached.
 *   Model checking completed. No error has been found.
 *   <g> states generated, <d> distinct states found, <q> states left on queue.
 *   The depth of the complete state graph search is <n>.
 *   Back to state <k>: ...          (a liveness counterexample's loop)
 *   <n>: Stuttering                 (a liveness counterexample that stutters)
 *
 * Counts may carry thousands separators. Any other `Error:` line is a tool failure.
 */

export type TlcVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'invariant'; readonly name: string }
  | { readonly kind: 'liveness' }
  | { readonly kind: 'deadlock' }
  | { readonly kind: 'error'; readonly message: string };

export interface TlcOutput {
  readonly version: string | null;
  readonly verdict: TlcVerdict;
  readonly generatedStates: number | null;
  readonly distinctStates: number | null;
  readonly statesLeft: number | null;
  /** TLC's depth: the number of states on the longest shortest path, the initial state included. */
  readonly depth: number | null;
  /** For a liveness counterexample printed with `Back to state k` (1-based), that k. */
  readonly backToState: number | null;
  readonly stuttering: boolean;
  /** The file the counterexample was written to (`-dumpTrace`), as TLC reports it. */
  readonly traceFile: string | null;
}

const count = (s: string) => Number(s.replace(/[,.\s_]/g, ''));

/** Known headers of a counterexample or the lines that follow an error, not failures. */
const BENIGN_ERRORS = [
  /^Error: The behavior up to this point is:/,
  /^Error: The following behavior constitutes a counter-example:/,
  /^Error: The error occurred when TLC was evaluating the nested/,
];

export function parseTlcOutput(stdout: string): TlcOutput {
  const lines = stdout.split(/\r?\n/);
  let version: string | null = null;
  let verdict: TlcVerdict | null = null;
  let generated: number | null = null;
  let distinct: number | null = null;
  let left: number | null = null;
  let depth: number | null = null;
  let back: number | null = null;
  let stuttering = false;
  let traceFile: string | null = null;
  let firstError: string | null = null;

  const rules: [RegExp, (m: RegExpExecArray, i: number) => void][] = [
    [/^TLC2 Version (\S+)/, (m) => (version ??= m[1]!)],
    [/^Error: Invariant (\S+) is violated/, (m) => (verdict ??= { kind: 'invariant', name: m[1]! })],
    [/^Error: Temporal properties were violated/, () => (verdict ??= { kind: 'liveness' })],
    [/^Error: Deadlock reached/, () => (verdict ??= { kind: 'deadlock' })],
    [/^Model checking completed\. No error has been found/, () => (verdict ??= { kind: 'ok' })],
    [
      /^([\d,.]+) states generated, ([\d,.]+) distinct states found, ([\d,.]+) states left on queue/,
      (m) => {
        generated = count(m[1]!);
        distinct = count(m[2]!);
        left = count(m[3]!);
      },
    ],
    [/^The depth of the complete state graph search is (\d+)/, (m) => (depth = Number(m[1]))],
    [/^Back to state (\d+)/, (m) => (back = Number(m[1]))],
    [/^(?:State )?\d+: Stuttering/, () => (stuttering = true)],
    [/^"?CounterExample written: (.+?)"?$/, (m) => (traceFile = m[1]!)],
    [
      /^Error: (.*)$/,
      (m, i) => {
        if (firstError !== null || BENIGN_ERRORS.some((r) => r.test(m[0]))) return;
        const next = lines[i + 1]?.trim();
        firstError = next && !/^(Error|State|\/\\)/.test(next) ? `${m[1]} ${next}` : m[1]!;
      },
    ],
    [
      /^\*\*\* Errors:/,
      (_m, i) => {
        firstError ??= `SANY: ${lines
          .slice(i + 1, i + 6)
          .map((l) => l.trim())
          .filter(Boolean)
          .join(' ')}`;
      },
    ],
    [/^Parsing or semantic analysis failed/, () => (firstError ??= 'parsing or semantic analysis failed')],
  ];

  for (const [i, line] of lines.entries())
    for (const [pattern, handle] of rules) {
      const m = pattern.exec(line);
      if (m) {
        handle(m, i);
        break;
      }
    }
  const found = verdict as TlcVerdict | null;
  const final: TlcVerdict =
    firstError !== null && (found === null || found.kind === 'ok')
      ? { kind: 'error', message: firstError }
      : (found ?? { kind: 'error', message: 'TLC ended without a result' });
  return {
    version,
    verdict: final,
    generatedStates: generated,
    distinctStates: distinct,
    statesLeft: left,
    depth,
    backToState: back,
    stuttering,
    traceFile,
  };
}

/** TLC's progress lines (`Progress(d) at ...: g states generated ..., n distinct states found ...`). */
export function parseProgress(line: string): { depth: number; distinct: number; queue: number } | null {
  const m =
    /^Progress\((\d+)\) at .*?: ([\d,.]+) states generated.*?, ([\d,.]+) distinct states found.*?, ([\d,.]+) states left on queue/.exec(
      line,
    );
  return m ? { depth: Number(m[1]), distinct: count(m[3]!), queue: count(m[4]!) } : null;
}
