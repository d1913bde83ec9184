/**
 * Turns a system file (docs/DESIGN.md section 3) into a `SystemConfig`, or into every structural error it
 * contains, each with a stable code, the path of the offending field and its line and column.
 *
 * Error codes (stable: the CLI, tests and users' scripts rely on them):
 *
 *   TZ100  YAML or JSON syntax error (also duplicate mapping keys, unresolved aliases, several documents)
 *   TZ101  the file cannot be read (missing, not a regular file, larger than 1 MiB, not text)
 *   TZ102  unknown key
 *   TZ103  missing required key (also: neither "levels" nor "flows"; a partition without a level
 *          under "levels")
 *   TZ104  unknown reference to a partition or a level (also: a partition level under "flows")
 *   TZ105  wrong type (a string where a number belongs, a mapping where a list belongs, ...)
 *   TZ106  value not among the allowed options (kind, launch, privileges, iommu, onFull,
 *          interruptRemapping, acs)
 *   TZ107  malformed name (system, partition, device, channel or shared-region name not [a-z0-9-]+;
 *          a level name with control characters or line breaks)
 *   TZ108  malformed digest (not "sha256:" followed by 64 hex digits)
 *   TZ109  number below its minimum (a capacity, length, page count, majorFrame or platform size < 1;
 *          a page, CPU, irq or window start < 0), or an empty partitions list
 *   TZ110  CPU number >= platform.cpus (partition cpus, schedule window cpu)
 *   TZ111  page range past platform.pages (partition memory, device dma, shared memory)
 *   TZ112  duplicate name (partitions, devices, channels, shared regions; a partition listed twice in
 *          a partition's controls)
 *   TZ113  duplicate level
 *   TZ114  channel from a partition to itself
 *   TZ115  shared-region writer also listed as a reader
 *   TZ116  more partitions or devices than the model supports (MAX_PARTITIONS, MAX_DEVICES)
 *   TZ117  number above its maximum (system/limits.ts)
 *   TZ118  list with more entries, or name with more characters, than its maximum (system/limits.ts)
 *   TZ119  both "levels" and "flows" given (a system states its flow policy with exactly one)
 *   TZ120  "controls" on a partition without the partition-control privilege
 *   TZ121  a partition's "controls" naming the partition itself
 *
 * Insecure but well-formed systems (overlapping memory, passthrough IOMMU, writing down, ...) load
 * without error: judging them is the checker's job, which reports them as property violations.
 */
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  visit,
} from 'yaml';
import type {
  ChannelIdx,
  CpuId,
  DeviceIdx,
  Digest,
  FlowConfig,
  PageRange,
  PartitionIdx,
  SystemConfig,
} from './config.js';
import { crossCheck } from './cross-check.js';
import { fromZod, type Issue, type Path, SystemFileErrorCode } from './issues.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { readSystemFile } from './read.js';
import { type SystemFile, systemFileSchema } from './schema.js';
import { aliasBombAt, MAX_DEPTH, normalizeIntegers, tooDeep } from './yaml-guards.js';

export { type Path, SystemFileErrorCode };

const Code = SystemFileErrorCode;

export interface SystemFileError {
  code: string;
  file: string;
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Where a field of the file is: its first character, and the character just past it (1-based). */
export interface SourceSpan {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * The span of the field at `path` in a loaded file: from its key (or, for a list item, the item)
 * to the end of its value. A path the file leaves out (a default) gives its nearest ancestor's.
 */
export type SourcePositions = (path: Path) => SourceSpan;

export type LoadResult =
  | { ok: true; config: SystemConfig; positions: SourcePositions; bytes?: Uint8Array }
  | { ok: false; errors: SystemFileError[] };

/** Loads a system file from disk; on success `bytes` are the file exactly as read. */
export function loadSystemFile(path: string): LoadResult {
  const read = readSystemFile(path);
  if (!read.ok)
    return failure([
      { code: Code.Unreadable, file: path, path: '', message: `cannot read the file: ${read.reason}` },
    ]);
  const loaded = parseSystemText(read.text, path);
  return loaded.ok ? { ...loaded, bytes: read.bytes } : loaded;
}

/** The yaml options: integers as bigints (so none loses digits), no warnings on the process. */
const YAML_OPTIONS = { prettyErrors: false, intAsBigInt: true, logLevel: 'error', uniqueKeys: true } as const;

/** What a document is, for its messages: its name and how deep it nests at most. */
export interface DocumentKind {
  /** e.g. `system file`. */
  readonly what: string;
  readonly nesting: number;
}

/** A YAML or JSON document read for validation: its value, and where each of its fields is. */
export type ParsedDocument =
  | {
      readonly ok: true;
      readonly raw: unknown;
      /** Line and column of the field at `path` (its key with `at: 'key'`), or of its nearest ancestor in the file. */
      readonly locate: (path: Path, at?: 'key') => { line: number; column: number };
      readonly positions: SourcePositions;
    }
  | { readonly ok: false; readonly errors: SystemFileError[] };

/**
 * Reads one YAML (or, by its name, JSON) document: syntax errors, several documents, unresolved
 * aliases, alias bombs and deep nesting are errors with their line and column; integers stay exact.
 */
export function parseDocumentText(text: string, file: string, kind: DocumentKind): ParsedDocument {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = lineCounterFor(source);
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const isJson = /\.json$/i.test(file);
  const format = isJson ? 'JSON' : 'YAML';
  const syntaxError = (offset: number, message: string): SystemFileError => {
    const at = position(offset);
    return {
      code: Code.Syntax,
      file,
      path: '',
      message: `${format} syntax error at line ${at.line}, column ${at.column}: ${message}`,
      ...at,
    };
  };
  const failed = (errors: SystemFileError[]): ParsedDocument => ({ ok: false, errors });

  if (isJson) {
    const error = findJsonSyntaxError(source);
    if (error) return failed([syntaxError(error.offset, error.message)]);
  }
  const deep = tooDeep(source);
  if (deep !== -1)
    return failed([
      syntaxError(
        deep,
        `nested more than ${MAX_DEPTH} levels deep; a ${kind.what} nests at most ${kind.nesting}`,
      ),
    ]);

  let doc: Document;
  let raw: unknown;
  try {
    const all = parseAllDocuments(source, YAML_OPTIONS);
    // A file of comments only holds no document: read it as one empty document.
    const docs = all.length > 0 ? (all as Document[]) : [parseDocument(source, YAML_OPTIONS)];
    doc = docs[0]!;
    if (docs.length > 1) {
      const second = docs[1]!.range?.[0] ?? 0;
      return failed([
        syntaxError(
          second,
          `a second document starts here (the file holds ${docs.length}); a ${kind.what} is a single YAML document`,
        ),
      ]);
    }
    const syntax = [
      ...doc.errors.map((e) => syntaxError(e.pos[0], e.message)),
      ...unresolvedAliases(doc).map((a) => syntaxError(a.offset, `unresolved alias "*${a.name}"`)),
    ];
    if (syntax.length > 0) return failed(syntax);
    try {
      raw = normalizeIntegers(doc.toJS({ maxAliasCount: 100 }));
    } catch (e) {
      if (e instanceof RangeError) throw e;
      // Alias expansion beyond the limit (an alias bomb) throws here.
      return failed([
        syntaxError(
          aliasBombAt(doc),
          'aliases here expand to too many nodes (more than 100 alias expansions)',
        ),
      ]);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return failed([syntaxError(0, 'the file nests too deeply to be read')]);
  }
  const document = doc;
  return {
    ok: true,
    raw,
    locate: (path, at) => position(locateNode(document, path, at)),
    positions: (path) => {
      const [start, stop] = spanOf(document, path);
      let end = stop;
      while (end > start && /\s/.test(source[end - 1]!)) end--;
      const from = position(start);
      const to = position(end);
      return { ...from, endLine: to.line, endColumn: to.column };
    },
  };
}

/** Issues found in a parsed document, each at its line and column, in the order they stand in the file. */
export function placeIssues(
  issues: readonly Issue[],
  file: string,
  locate: (path: Path, at?: 'key') => { line: number; column: number },
): SystemFileError[] {
  return issues
    .map((issue) => ({ issue, at: locate(issue.path, issue.at) }))
    .sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
    .map(({ issue, at }) => ({
      code: issue.code,
      file,
      path: formatPath(issue.path),
      message: issue.message,
      ...at,
    }));
}

export function parseSystemText(text: string, file: string): LoadResult {
  const parsed = parseDocumentText(text, file, { what: 'system file', nesting: 4 });
  if (!parsed.ok) return parsed;
  const { raw, locate, positions } = parsed;
  const describeAt = (path: Path): string => {
    const at = locate(path);
    return `${formatPath(path)} (line ${at.line}, column ${at.column})`;
  };

  const result = systemFileSchema.safeParse(raw);
  const issues = [
    ...(result.success ? [] : result.error.issues.flatMap((i) => fromZod(i, raw))),
    ...crossCheck(raw, describeAt),
  ];
  if (result.success && issues.length === 0) return { ok: true, config: resolve(result.data), positions };
  return failure(placeIssues(issues, file, locate));
}

export function formatSystemFileError(e: SystemFileError): string {
  const where = e.line === undefined ? e.file : `${e.file}:${e.line}:${e.column ?? 1}`;
  const path = e.path === '' ? '' : `${e.path}: `;
  return `${where}: ${path}${e.message.replace(/\s*\n\s*/g, ' ')} [${e.code}]`;
}

function failure(errors: SystemFileError[]): LoadResult {
  return { ok: false, errors };
}

// ---------------------------------------------------------------------------------------------
// Positions

function lineCounterFor(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

function unresolvedAliases(doc: Document): { name: string; offset: number }[] {
  const found: { name: string; offset: number }[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined) found.push({ name: alias.source, offset: alias.range?.[0] ?? 0 });
    },
  });
  return found;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}

/** The steps of `path` the file holds, outermost first: each one's node and, in a mapping, its key's offset. */
function walk(doc: Document, path: Path): { key: number | undefined; node: unknown }[] {
  const steps: { key: number | undefined; node: unknown }[] = [];
  let node: unknown = doc.contents;
  for (const segment of path) {
    const container = isAlias(node) ? node.resolve(doc) : node;
    let key: number | undefined;
    if (isMap(container)) {
      const pair = container.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      key = rangeStart(pair.key);
      node = pair.value;
    } else if (isSeq(container) && typeof segment === 'number' && segment < container.items.length) {
      node = container.items[segment];
    } else break;
    steps.push({ key, node });
  }
  return steps;
}

/** Offset of the node at `path`, or of its nearest ancestor present in the file (for missing keys). */
function locateNode(doc: Document, path: Path, at?: 'key'): number {
  let offset = rangeStart(doc.contents) ?? 0;
  for (const [depth, step] of walk(doc, path).entries()) {
    if (at === 'key' && depth === path.length - 1 && step.key !== undefined) return step.key;
    offset = rangeStart(step.node) ?? step.key ?? offset;
  }
  return offset;
}

/**
 * Offsets of the field at `path`: from its key (a list item: the item itself) to the end of its
 * value; a field the file leaves out spans its nearest ancestor present in the file.
 */
function spanOf(doc: Document, path: Path): [number, number] {
  let span: [number, number] = [rangeStart(doc.contents) ?? 0, rangeEnd(doc.contents) ?? 0];
  for (const step of walk(doc, path)) {
    const start = step.key ?? rangeStart(step.node);
    if (start === undefined) break;
    span = [start, rangeEnd(step.node) ?? start];
  }
  return span;
}

function rangeEnd(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[1] : undefined;
}

/** A field path as messages print it: `devices[0].dma[1]`. */
export function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

// ---------------------------------------------------------------------------------------------
// Resolution of a well-formed file

function resolve(file: SystemFile): SystemConfig {
  const indexByName = new Map(file.partitions.map((p, i) => [p.name, i as PartitionIdx]));
  const partition = (name: string): PartitionIdx => {
    const index = indexByName.get(name);
    if (index === undefined) throw new Error(`unresolved partition "${name}" survived validation`);
    return index;
  };
  const range = (r: PageRange): PageRange => ({ start: r.start, pages: r.pages });
  const digest = (d: string): Digest => d.toLowerCase() as Digest;
  // The file lists sets; a repeated entry adds nothing.
  const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

  return {
    system: file.system,
    platform: {
      cpus: file.platform.cpus,
      pages: file.platform.pages,
      interruptRemapping: file.platform.interruptRemapping,
      acs: file.platform.acs,
    },
    hypervisor: { image: digest(file.hypervisor.image) },
    levels: [...(file.levels ?? [])],
    ...(file.flows === undefined ? {} : { flows: resolveFlows(file.flows, partition) }),
    partitions: file.partitions.map((p, i) => ({
      index: i as PartitionIdx,
      name: p.name,
      kind: p.kind,
      ...(file.levels === undefined || p.level === undefined
        ? {}
        : { level: p.level, rank: file.levels.indexOf(p.level) }),
      cpus: distinct(p.cpus) as CpuId[],
      memory: p.memory.map(range),
      image: digest(p.image),
      launch: p.launch,
      privileges: distinct(p.privileges),
      ...(p.controls === undefined ? {} : { controls: p.controls.map(partition) }),
      downgrader: p.downgrader,
    })),
    devices: file.devices.map((d, i) => ({
      index: i as DeviceIdx,
      name: d.name,
      owner: partition(d.owner),
      irq: d.irq,
      iommu: d.iommu,
      dma: d.dma.map(range),
      iommuGroup: d.iommuGroup ?? null,
      rootPort: d.rootPort ?? null,
    })),
    channels: file.channels.map((c, i) => ({
      index: i as ChannelIdx,
      name: c.name,
      from: partition(c.from),
      to: partition(c.to),
      capacity: c.capacity,
    })),
    shared: file.shared.map((s) => ({
      name: s.name,
      memory: range(s.memory),
      writer: partition(s.writer),
      readers: distinct(s.readers.map(partition)),
    })),
    schedule: {
      majorFrame: file.schedule.majorFrame,
      windows: file.schedule.windows.map((w) => ({
        cpu: w.cpu as CpuId,
        partition: partition(w.partition),
        start: w.start,
        length: w.length,
      })),
    },
    audit: { capacity: file.audit.capacity, onFull: file.audit.onFull },
  };
}

/** The declared flows as pairs of partitions, groups expanded and repeats dropped, in file order. */
function resolveFlows(
  flows: NonNullable<SystemFile['flows']>,
  partition: (name: string) => PartitionIdx,
): FlowConfig[] {
  const group = (end: string | readonly string[]) => (typeof end === 'string' ? [end] : end).map(partition);
  const seen = new Set<string>();
  const pairs: FlowConfig[] = [];
  for (const flow of flows)
    for (const from of group(flow.from))
      for (const to of group(flow.to)) {
        const key = `${from} ${to}`;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push({ from, to });
      }
  return pairs;
}
