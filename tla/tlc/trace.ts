/**
 * TLC's `-dumpTrace json` file, read into a behaviour: the state records in order and, for a
 * liveness counterexample, where the lasso loops back. TLC serializes TLCExt!CounterExample with
 * the Json module, in one of two shapes depending on the release:
 *
 *   { "state": [[1, {<vars>}], [2, {<vars>}], ...],
 *     "action": [[[1, {<vars>}], {"name": "Next", "location": {...}}, [2, {<vars>}]], ...] }
 *
 * (the counterexample graph: a back edge to an earlier state index closes a lasso), or the plain
 * sequence of state records `[{<vars>}, {<vars>}, ...]` (TLCExt!ToTrace); either possibly wrapped
 * in a one-element array. Values follow the Json module: sets and sequences as arrays, records and
 * functions as objects keyed by the printed domain element, model values by name.
 */

export interface DumpedTrace {
  /** State records, first to last (for a lasso, up to the state before the loop closes). */
  readonly states: readonly Record<string, unknown>[];
  /** For a lasso: the 0-based index of the state the last state steps back to. */
  readonly loopTo: number | null;
}

export class TraceFormatError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseDumpedTrace(text: string): DumpedTrace {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  // JsonSerialize writes the elements of the tuple it is given: a one-element tuple holding the
  // counterexample (graph or sequence) comes back wrapped in one more array.
  if (
    Array.isArray(json) &&
    json.length === 1 &&
    ((isRecord(json[0]) && 'state' in json[0]) || Array.isArray(json[0]))
  )
    json = json[0];
  if (isRecord(json) && Array.isArray(json.state)) return fromGraph(json.state, json.action);
  if (Array.isArray(json) && json.every(isRecord))
    return { states: json as Record<string, unknown>[], loopTo: null };
  throw new TraceFormatError('expected a counterexample graph {state, action} or a sequence of states');
}

function indexed(entry: unknown): [number, Record<string, unknown>] {
  if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'number' && isRecord(entry[1]))
    return [entry[0], entry[1]];
  throw new TraceFormatError(`expected [index, state], got ${JSON.stringify(entry)?.slice(0, 80)}`);
}

function fromGraph(stateList: unknown[], actions: unknown): DumpedTrace {
  const byIndex = new Map<number, Record<string, unknown>>();
  for (const entry of stateList) {
    const [i, s] = indexed(entry);
    byIndex.set(i, s);
  }
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  if (!indices.length) throw new TraceFormatError('the counterexample has no states');
  indices.forEach((i, k) => {
    if (i !== k + 1)
      throw new TraceFormatError(`state indices must run 1..n, found ${i} at position ${k + 1}`);
  });
  let loopTo: number | null = null;
  if (Array.isArray(actions))
    for (const edge of actions) {
      if (!Array.isArray(edge) || edge.length !== 3)
        throw new TraceFormatError('an action must be [from, action, to]');
      const [from] = indexed(edge[0]);
      const [to] = indexed(edge[2]);
      if (to <= from) loopTo = to - 1;
    }
  return { states: indices.map((i) => byIndex.get(i)!), loopTo };
}
