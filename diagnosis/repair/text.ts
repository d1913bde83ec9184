/**
 * Edits of a system file that keep everything else as it was, byte for byte: comments, key order,
 * flow or block style, quoting, blank lines. The yaml package's Document gives each node's source
 * range; an edit replaces, removes or adds only the text of the nodes it changes, so a repaired
 * file differs from the original in exactly the lines the repair touches.
 */
import { type Document, isMap, isNode, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import type { Path } from '../../system/load.js';

/** A value a repair writes: a number, or a name or keyword (never needing quotes in YAML). */
export type Value = string | number;

export type EditOp =
  /** Set the scalar at `path`. */
  | { readonly op: 'set'; readonly path: Path; readonly value: Value }
  /** Remove the list item or mapping key at `path`. */
  | { readonly op: 'delete'; readonly path: Path }
  /** Remove every item of the list at `path` equal to `value`. */
  | { readonly op: 'remove'; readonly path: Path; readonly value: Value }
  /** Replace the list item at `path` by these mappings, in flow style. */
  | { readonly op: 'split'; readonly path: Path; readonly items: readonly Record<string, Value>[] }
  /** Add this mapping, in flow style, at the end of the list at `path`. */
  | { readonly op: 'append'; readonly path: Path; readonly item: Record<string, Value> }
  /** Add `key` with a flow list of `values` to the mapping at `path`, right after its entry `after`. */
  | {
      readonly op: 'insert';
      readonly path: Path;
      readonly after: string;
      readonly key: string;
      readonly values: readonly Value[];
    };

/** Text from `from` to `to` replaced by `insert`, offsets in the text as it was before. */
export interface Splice {
  readonly from: number;
  readonly to: number;
  readonly insert: string;
}

/** The text with `ops` applied one after the other; null when one does not fit the text. */
export function applyOps(text: string, ops: readonly EditOp[], json: boolean): string | null {
  return applyOpsTraced(text, ops, json)?.text ?? null;
}

/** `applyOps`, with the splices it made, in order, each on the text the one before left. */
export function applyOpsTraced(
  text: string,
  ops: readonly EditOp[],
  json: boolean,
): { text: string; splices: Splice[] } | null {
  let current = text;
  const splices: Splice[] = [];
  for (const op of ops) {
    const next = applyOp(current, op, json, splices);
    if (next === null) return null;
    current = next;
  }
  return { text: current, splices };
}

/** Where `offset` of the text after `splices` was in the text before them. */
export function offsetBefore(offset: number, splices: readonly Splice[]): number {
  let at = offset;
  for (const s of [...splices].reverse()) {
    if (at <= s.from) continue;
    at = at >= s.from + s.insert.length ? at - s.insert.length + (s.to - s.from) : s.from;
  }
  return at;
}

function applyOp(text: string, op: EditOp, json: boolean, splices: Splice[]): string | null {
  if (op.op === 'remove') {
    // One item at a time, the last first, each on the text the one before left.
    let current = text;
    for (let found = true; found; ) {
      const seq = parse(current)?.getIn(op.path, true);
      if (!isSeq(seq)) return null;
      const last = seq.items.findLastIndex(
        (item) => isScalar(item) && String(item.value) === String(op.value),
      );
      found = last >= 0;
      if (found) {
        const next = applyOp(current, { op: 'delete', path: [...op.path, last] }, json, splices);
        if (next === null) return null;
        current = next;
      } else if (current === text) return null;
    }
    return current;
  }
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const source = text.slice(bom.length);
  const doc = parse(source);
  const splice = doc === null ? null : spliceFor(doc, source, op, json);
  if (splice === null) return null;
  // New lines end as the file's lines do.
  const insert = source.includes('\r\n') ? splice.insert.replace(/\n/g, '\r\n') : splice.insert;
  splices.push({ from: bom.length + splice.from, to: bom.length + splice.to, insert });
  return bom + source.slice(0, splice.from) + insert + source.slice(splice.to);
}

function parse(source: string): Document | null {
  const doc = parseDocument(source.startsWith('\uFEFF') ? source.slice(1) : source);
  return doc.errors.length > 0 ? null : doc;
}

function range(node: unknown): [number, number, number] | null {
  return isNode(node) && node.range ? [node.range[0], node.range[1], node.range[2]] : null;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

/** The offset just past the line that holds `at - 1` (a node's last character). */
function lineEnd(text: string, at: number): number {
  if (at > 0 && text[at - 1] === '\n') return at;
  const nl = text.indexOf('\n', at);
  return nl === -1 ? text.length : nl + 1;
}

/** What stands before a block list item's content: its indentation and dash. */
function dashPrefix(text: string, itemStart: number): string {
  const dash = text.lastIndexOf('-', itemStart);
  return `${text.slice(lineStart(text, dash), dash)}- `;
}

function scalarText(value: Value, json: boolean, like?: Scalar): string {
  if (typeof value === 'number') return String(value);
  const quote = like?.type === 'QUOTE_DOUBLE' || json ? '"' : like?.type === 'QUOTE_SINGLE' ? "'" : '';
  return `${quote}${value}${quote}`;
}

function flowMapText(item: Record<string, Value>, json: boolean): string {
  const entries = Object.entries(item).map(([k, v]) =>
    json ? `"${k}": ${scalarText(v, true)}` : `${k}: ${scalarText(v, false)}`,
  );
  return json ? `{${entries.join(', ')}}` : `{ ${entries.join(', ')} }`;
}

function spliceFor(doc: Document, text: string, op: EditOp, json: boolean): Splice | null {
  switch (op.op) {
    case 'set': {
      const node = doc.getIn(op.path, true);
      const at = range(node);
      if (!isScalar(node) || at === null) return null;
      return { from: at[0], to: at[1], insert: scalarText(op.value, json, node) };
    }
    case 'delete':
      return removal(doc, text, op.path);
    case 'split': {
      const seq = doc.getIn(op.path.slice(0, -1), true);
      const at = range(doc.getIn(op.path, true));
      if (!isSeq(seq) || at === null || op.items.length === 0) return null;
      const texts = op.items.map((i) => flowMapText(i, json));
      const separator = seq.flow ? ', ' : `\n${dashPrefix(text, at[0])}`;
      return { from: at[0], to: at[1], insert: texts.join(separator) };
    }
    case 'append':
      return appended(doc, text, op.path, flowMapText(op.item, json));
    case 'insert': {
      const list = `[${op.values.map((v) => scalarText(v, json)).join(', ')}]`;
      return inserted(doc, text, op.path, op.after, json ? `"${op.key}": ${list}` : `${op.key}: ${list}`);
    }
    default:
      return null;
  }
}

/** Adding `entry` (key and value) to the mapping at `path` after its key `after`, in the mapping's own style. */
function inserted(doc: Document, text: string, path: Path, after: string, entry: string): Splice | null {
  const map = doc.getIn(path, true);
  if (!isMap(map)) return null;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === after);
  const key = range(pair?.key);
  const value = range(pair?.value) ?? key;
  if (key === null || value === null) return null;
  if (map.flow) return { from: value[1], to: value[1], insert: `, ${entry}` };
  const end = lineEnd(text, value[1]);
  const newline = end === text.length && !text.endsWith('\n') ? '\n' : '';
  const indent = ' '.repeat(key[0] - lineStart(text, key[0]));
  return { from: end, to: end, insert: `${newline}${indent}${entry}\n` };
}

/** The start and the end of the value of each entry of a list or mapping, in order. */
function entries(parent: unknown): { start: number; end: number; nodeEnd: number }[] | null {
  const spans = isSeq(parent)
    ? parent.items.map((item) => range(item))
    : isMap(parent)
      ? parent.items.map((pair) => {
          const k = range(pair.key);
          const v = range(pair.value) ?? k;
          return k && v ? ([k[0], v[1], v[2]] as [number, number, number]) : null;
        })
      : null;
  if (spans === null || spans.some((s) => s === null)) return null;
  return (spans as [number, number, number][]).map(([start, end, nodeEnd]) => ({ start, end, nodeEnd }));
}

/** Removing a list item or a mapping entry, with its separator (flow style) or its lines (block). */
function removal(doc: Document, text: string, path: Path): Splice | null {
  const parent = doc.getIn(path.slice(0, -1), true);
  const key = path.at(-1);
  const spans = entries(parent);
  if (spans === null || !(isSeq(parent) || isMap(parent))) return null;
  const index = isSeq(parent)
    ? typeof key === 'number' && key < spans.length
      ? key
      : -1
    : parent.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(key));
  const span = spans[index];
  if (span === undefined) return null;
  if (parent.flow) {
    if (spans.length === 1) return { from: span.start, to: span.end, insert: '' };
    if (index < spans.length - 1) return { from: span.start, to: spans[index + 1]!.start, insert: '' };
    return { from: spans[index - 1]!.end, to: span.end, insert: '' };
  }
  if (isSeq(parent) && spans.length === 1) {
    // A block list losing its only item becomes an empty flow list after its key.
    const holder = doc.getIn(path.slice(0, -2), true);
    const pair = isMap(holder)
      ? holder.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path.at(-2)))
      : undefined;
    const keyEnd = range(pair?.key)?.[1];
    if (keyEnd === undefined) return null;
    return { from: keyEnd, to: lineEnd(text, span.nodeEnd), insert: ': []\n' };
  }
  return { from: lineStart(text, span.start), to: lineEnd(text, span.nodeEnd), insert: '' };
}

/** Adding a mapping at the end of a list, in the list's own style. */
function appended(doc: Document, text: string, path: Path, item: string): Splice | null {
  const seq = doc.getIn(path, true);
  const spans = entries(seq);
  const at = range(seq);
  if (!isSeq(seq) || spans === null || at === null) return null;
  const last = spans.at(-1);
  if (seq.flow) {
    if (last === undefined) {
      const open = text.indexOf('[', at[0]);
      return { from: open + 1, to: open + 1, insert: item };
    }
    return { from: last.end, to: last.end, insert: `, ${item}` };
  }
  if (last === undefined) return null;
  const end = lineEnd(text, last.nodeEnd);
  const newline = end === text.length && !text.endsWith('\n') ? '\n' : '';
  return { from: end, to: end, insert: `${newline}${dashPrefix(text, last.start)}${item}\n` };
}
