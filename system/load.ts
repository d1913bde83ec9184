/**
 * Turns a system file (docs/DESIGN.md section 3) into a `SystemConfig`, or into every structural error it
 * contains, each with a stable code, the path of the offending field and its line and column.
 *
 * Error codes (stable: the CLI, tests and users' scripts rely on them):
 *
 *   TZ100  YAML or JSON syntax error (also duplicate mapping keys, unresolved aliases, several documents)
 *   TZ101  the file cannot be read
 *   TZ102  unknown key
 *   TZ103  missing required key
 *   TZ104  unknown reference to a partition or a level
 *   TZ105  wrong type (a string where a number belongs, a mapping where a list belongs, ...)
 *   TZ106  value not among the allowed options (kind, launch, privileges, iommu, onFull)
 *   TZ107  malformed name (system, partition, device, channel or shared-region name not [a-z0-9-]+)
 *   TZ108  malformed digest (not "sha256:" followed by 64 hex digits)
 *   TZ109  number below its minimum (a capacity, length, page count, majorFrame or platform size < 1;
 *          a page, CPU, irq or window start < 0)
 *   TZ110  CPU number >= platform.cpus (partition cpus, schedule window cpu)
 *   TZ111  page range past platform.pages (partition memory, device dma, shared memory)
 *   TZ112  duplicate name (partitions, devices, channels, shared regions)
 *   TZ113  duplicate level
 *   TZ114  channel from a partition to itself
 *   TZ115  shared-region writer also listed as a reader
 *   TZ116  more partitions than the model supports (MAX_PARTITIONS)
 *
 * Insecure but well-formed systems (overlapping memory, passthrough IOMMU, writing down, ...) load
 * without error: judging them is the checker's job, which reports them as property violations.
 */
import { readFileSync } from 'node:fs';
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
} from 'yaml';
import { z } from 'zod';
import type {
  ChannelIdx,
  CpuId,
  DeviceIdx,
  Digest,
  PageRange,
  PartitionIdx,
  SystemConfig,
} from './config.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { digestSchema, MAX_PARTITIONS, nameSchema, type SystemFile, systemFileSchema } from './schema.js';

export const SystemFileErrorCode = {
  Syntax: 'TZ100',
  Unreadable: 'TZ101',
  UnknownKey: 'TZ102',
  MissingKey: 'TZ103',
  UnknownReference: 'TZ104',
  WrongType: 'TZ105',
  NotAnOption: 'TZ106',
  MalformedName: 'TZ107',
  MalformedDigest: 'TZ108',
  BelowMinimum: 'TZ109',
  CpuOutOfRange: 'TZ110',
  PagesPastPlatform: 'TZ111',
  DuplicateName: 'TZ112',
  DuplicateLevel: 'TZ113',
  SelfChannel: 'TZ114',
  WriterIsReader: 'TZ115',
  TooManyPartitions: 'TZ116',
} as const;
export type SystemFileErrorCode = (typeof SystemFileErrorCode)[keyof typeof SystemFileErrorCode];

const Code = SystemFileErrorCode;

export interface SystemFileError {
  code: string;
  file: string;
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type LoadResult = { ok: true; config: SystemConfig } | { ok: false; errors: SystemFileError[] };

type Path = readonly (string | number)[];

/** An error found in the parsed file; `at: 'key'` points at the key itself rather than its value. */
interface Issue {
  readonly code: SystemFileErrorCode;
  readonly path: Path;
  readonly message: string;
  readonly at?: 'key';
}

export function loadSystemFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return failure([
      { code: Code.Unreadable, file: path, path: '', message: `cannot read the file: ${reason}` },
    ]);
  }
  return parseSystemText(text, path);
}

export function parseSystemText(text: string, file: string): LoadResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = lineCounterFor(source);
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const syntaxError = (kind: string, offset: number, message: string): SystemFileError => {
    const at = position(offset);
    return {
      code: Code.Syntax,
      file,
      path: '',
      message: `${kind} syntax error at line ${at.line}, column ${at.column}: ${message}`,
      ...at,
    };
  };

  const isJson = /\.json$/i.test(file);
  if (isJson) {
    const error = findJsonSyntaxError(source);
    if (error) return failure([syntaxError('JSON', error.offset, error.message)]);
  }
  const kind = isJson ? 'JSON' : 'YAML';
  const doc = parseDocument(source, { prettyErrors: false });
  const syntax = [
    ...doc.errors.map((e) => syntaxError(kind, e.pos[0], e.message)),
    ...unresolvedAliases(doc).map((a) => syntaxError(kind, a.offset, `unresolved alias "*${a.name}"`)),
  ];
  if (syntax.length > 0) return failure(syntax);

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // Alias expansion beyond yaml's limit (a resource-exhaustion guard) throws here.
    return failure([syntaxError(kind, 0, e instanceof Error ? e.message : String(e))]);
  }

  const locate = (path: Path, at?: 'key'): number => locateNode(doc, path, at);
  const describeAt = (path: Path): string => {
    const at = position(locate(path));
    return `${formatPath(path)} (line ${at.line}, column ${at.column})`;
  };

  const parsed = systemFileSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap((i) => fromZod(i, raw))),
    ...crossCheck(raw, describeAt),
  ];
  if (parsed.success && issues.length === 0) return { ok: true, config: resolve(parsed.data) };

  const errors = issues
    .map((issue) => ({ issue, offset: locate(issue.path, issue.at) }))
    .sort((a, b) => a.offset - b.offset)
    .map(({ issue, offset }) => ({
      code: issue.code,
      file,
      path: formatPath(issue.path),
      message: issue.message,
      ...position(offset),
    }));
  return failure(errors);
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

/** Offset of the node at `path`, or of its nearest ancestor present in the file (for missing keys). */
function locateNode(doc: Document, path: Path, at?: 'key'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [depth, segment] of path.entries()) {
    const container = isAlias(node) ? node.resolve(doc) : node;
    let keyOffset: number | undefined;
    let next: unknown;
    if (isMap(container)) {
      const pair = container.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return offset;
      keyOffset = rangeStart(pair.key);
      next = pair.value;
    } else if (isSeq(container) && typeof segment === 'number' && segment < container.items.length) {
      next = container.items[segment];
    } else {
      return offset;
    }
    if (at === 'key' && depth === path.length - 1 && keyOffset !== undefined) return keyOffset;
    offset = rangeStart(next) ?? keyOffset ?? offset;
    node = next;
  }
  return offset;
}

function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

// ---------------------------------------------------------------------------------------------
// Shape errors, from the zod schema

type Schema = z.core.$ZodType;

function unwrap(schema: Schema): Schema {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap();
  return s;
}

/** The schema that governs the value at `path`, with defaults unwrapped. */
function schemaAt(path: Path): Schema | undefined {
  let schema: Schema | undefined = systemFileSchema;
  for (const segment of path) {
    const s: Schema = unwrap(schema);
    if (s instanceof z.ZodObject && typeof segment === 'string') schema = s.shape[segment];
    else if (s instanceof z.ZodArray && typeof segment === 'number') schema = s.element;
    else return undefined;
    if (schema === undefined) return undefined;
  }
  return unwrap(schema);
}

function expectation(schema: Schema | undefined): string {
  if (schema === systemFileSchema)
    return `a mapping with the keys ${Object.keys(systemFileSchema.shape).join(', ')}`;
  if (schema instanceof z.ZodType && schema.description !== undefined) return schema.description;
  if (schema instanceof z.ZodObject) return 'a mapping';
  if (schema instanceof z.ZodArray) return 'a list';
  if (schema instanceof z.ZodString) return 'a string';
  if (schema instanceof z.ZodBoolean) return 'true or false';
  if (schema instanceof z.ZodEnum) return `one of: ${schema.options.join(', ')}`;
  if (schema instanceof z.ZodNumber) {
    const kind = schema.isInt ? 'an integer' : 'a number';
    return schema.minValue === null ? kind : `${kind} >= ${schema.minValue}`;
  }
  return 'a different value';
}

function fromZod(issue: z.core.$ZodIssue, raw: unknown): Issue[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const value = valueAt(raw, path);
  const schema = schemaAt(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      return issue.keys.map((key) => ({
        code: Code.UnknownKey,
        path: [...path, key],
        at: 'key',
        message: `unknown key ${quote(key)}; expected one of: ${allowed.join(', ')}`,
      }));
    }
    case 'invalid_type': {
      const key = path.at(-1);
      const parent = valueAt(raw, path.slice(0, -1));
      if (typeof key === 'string' && isRecord(parent) && !Object.hasOwn(parent, key)) {
        return [
          {
            code: Code.MissingKey,
            path,
            message: `missing required key ${quote(key)} (${expectation(schema)})`,
          },
        ];
      }
      return [
        {
          code: Code.WrongType,
          path,
          message: `expected ${expectation(schema)}, got ${describeValue(value)}`,
        },
      ];
    }
    case 'invalid_value':
      return [
        {
          code: Code.NotAnOption,
          path,
          message: `invalid value ${describeValue(value)}; expected one of: ${issue.values.join(', ')}`,
        },
      ];
    case 'invalid_format':
      if (schema === digestSchema) {
        return [
          {
            code: Code.MalformedDigest,
            path,
            message: `malformed digest ${describeValue(value)}; expected "sha256:" followed by 64 hex digits`,
          },
        ];
      }
      if (schema === nameSchema) {
        return [
          {
            code: Code.MalformedName,
            path,
            message: `malformed name ${describeValue(value)}; expected only lower-case letters, digits and "-" ([a-z0-9-]+)`,
          },
        ];
      }
      return [
        {
          code: Code.WrongType,
          path,
          message: `expected ${expectation(schema)}, got ${describeValue(value)}`,
        },
      ];
    case 'too_small':
      return [
        {
          code: Code.BelowMinimum,
          path,
          message: `${label(path)} must be at least ${issue.minimum}, got ${describeValue(value)}`,
        },
      ];
    case 'too_big':
      return [
        {
          code: Code.WrongType,
          path,
          message: `expected ${expectation(schema)} no larger than ${issue.maximum}, got ${describeValue(value)}`,
        },
      ];
    case 'not_multiple_of':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      // The schema uses none of these; kept total so a schema change cannot lose an error.
      return [{ code: Code.WrongType, path, message: `${issue.message}, got ${describeValue(value)}` }];
    default:
      return unreachable(issue);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

/** What a message calls the field at `path`: its key, or "<list> entry" for a list element. */
function label(path: Path): string {
  const key = path.at(-1);
  return typeof key === 'number' ? `${String(path.at(-2) ?? 'list')} entry` : (key ?? 'value');
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `a list ${abbreviate(JSON.stringify(value))}`;
  if (isRecord(value)) return `a mapping ${abbreviate(JSON.stringify(value))}`;
  return String(value);
}

function abbreviate(s: string): string {
  return s.length <= 40 ? s : `${s.slice(0, 39)}…`;
}

// ---------------------------------------------------------------------------------------------
// Raw-value access, for checks that must also run when other parts of the file are broken

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment))
      value = value[segment];
    else return undefined;
  }
  return value;
}

/** The indices of a list, or none when the value is not a list. */
function indices(value: unknown): number[] {
  return Array.isArray(value) ? value.map((_, i) => i) : [];
}

function isPosition(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

// ---------------------------------------------------------------------------------------------
// Cross-field errors: references, duplicates, ranges against the platform

/**
 * Checks that relate fields to each other. Each check looks only at values of the right type, so a
 * field that already has a shape error is not reported again as, say, an unknown reference.
 */
function crossCheck(raw: unknown, describeAt: (path: Path) => string): Issue[] {
  const issues: Issue[] = [];
  const report = (code: SystemFileErrorCode, path: Path, message: string): void => {
    issues.push({ code, path, message });
  };

  const cpuCount = valueAt(raw, ['platform', 'cpus']);
  const pageCount = valueAt(raw, ['platform', 'pages']);

  /**
   * The distinct names a list declares, reporting repeats. Undefined when the list or one of its
   * names is unreadable: references into an incomplete list cannot be judged.
   */
  const declared = (
    listKey: string,
    nameAt: (i: number) => Path,
    duplicate: (name: string, path: Path, first: Path) => void,
  ): string[] | undefined => {
    const list = valueAt(raw, [listKey]);
    if (!Array.isArray(list)) return undefined;
    const first = new Map<string, Path>();
    let complete = true;
    for (let i = 0; i < list.length; i++) {
      const path = nameAt(i);
      const name = valueAt(raw, path);
      if (typeof name !== 'string') {
        complete = false;
        continue;
      }
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, path);
      else duplicate(name, path, earlier);
    }
    return complete ? [...first.keys()] : undefined;
  };
  const declaredNames = (listKey: string, noun: string): string[] | undefined =>
    declared(
      listKey,
      (i) => [listKey, i, 'name'],
      (name, path, first) =>
        report(
          Code.DuplicateName,
          path,
          `duplicate ${noun} name ${quote(name)}; first defined at ${describeAt(first)}`,
        ),
    );

  const levels = declared(
    'levels',
    (i) => ['levels', i],
    (name, path, first) =>
      report(
        Code.DuplicateLevel,
        path,
        `duplicate level ${quote(name)}; first listed at ${describeAt(first)}`,
      ),
  );
  const partitions = declaredNames('partitions', 'partition');
  declaredNames('devices', 'device');
  declaredNames('channels', 'channel');
  declaredNames('shared', 'shared region');

  const oneOf = (names: readonly string[], noun: string): string =>
    names.length === 0 ? `no ${noun} are defined` : `expected one of: ${names.join(', ')}`;
  const isPartition = (name: unknown): name is string =>
    typeof name === 'string' && !!partitions?.includes(name);

  const checkPartitionRef = (path: Path): void => {
    const name = valueAt(raw, path);
    if (partitions === undefined || typeof name !== 'string' || partitions.includes(name)) return;
    report(
      Code.UnknownReference,
      path,
      `unknown partition ${quote(name)}; ${oneOf(partitions, 'partitions')}`,
    );
  };

  const checkCpu = (path: Path): void => {
    const cpu = valueAt(raw, path);
    if (!isCount(cpuCount) || !isPosition(cpu) || cpu < cpuCount) return;
    const valid =
      cpuCount <= 16
        ? `one of: ${Array.from({ length: cpuCount }, (_, i) => i).join(', ')}`
        : `0 to ${cpuCount - 1}`;
    report(
      Code.CpuOutOfRange,
      path,
      `unknown CPU ${cpu}; platform.cpus is ${cpuCount}, so expected ${valid}`,
    );
  };

  const checkPages = (path: Path): void => {
    const start = valueAt(raw, [...path, 'start']);
    const pages = valueAt(raw, [...path, 'pages']);
    if (!isCount(pageCount) || !isPosition(start) || !isCount(pages) || start + pages <= pageCount) return;
    report(
      Code.PagesPastPlatform,
      path,
      `page range { start: ${start}, pages: ${pages} } ends at page ${start + pages - 1}, ` +
        `past the last platform page ${pageCount - 1} (platform.pages is ${pageCount})`,
    );
  };

  const partitionCount = indices(valueAt(raw, ['partitions'])).length;
  if (partitionCount > MAX_PARTITIONS) {
    report(
      Code.TooManyPartitions,
      ['partitions'],
      `${partitionCount} partitions, but at most ${MAX_PARTITIONS} are supported ` +
        `(the model keeps sets of partitions as 31-bit masks)`,
    );
  }
  for (const i of indices(valueAt(raw, ['partitions']))) {
    const level = valueAt(raw, ['partitions', i, 'level']);
    if (levels !== undefined && typeof level === 'string' && !levels.includes(level)) {
      report(
        Code.UnknownReference,
        ['partitions', i, 'level'],
        `unknown level ${quote(level)}; ${oneOf(levels, 'levels')}`,
      );
    }
    for (const j of indices(valueAt(raw, ['partitions', i, 'cpus']))) checkCpu(['partitions', i, 'cpus', j]);
    for (const j of indices(valueAt(raw, ['partitions', i, 'memory'])))
      checkPages(['partitions', i, 'memory', j]);
  }

  for (const i of indices(valueAt(raw, ['devices']))) {
    checkPartitionRef(['devices', i, 'owner']);
    for (const j of indices(valueAt(raw, ['devices', i, 'dma']))) checkPages(['devices', i, 'dma', j]);
  }

  for (const i of indices(valueAt(raw, ['channels']))) {
    checkPartitionRef(['channels', i, 'from']);
    checkPartitionRef(['channels', i, 'to']);
    const from = valueAt(raw, ['channels', i, 'from']);
    if (isPartition(from) && from === valueAt(raw, ['channels', i, 'to'])) {
      report(
        Code.SelfChannel,
        ['channels', i, 'to'],
        `channel from partition ${quote(from)} to itself; "from" and "to" must differ`,
      );
    }
  }

  for (const i of indices(valueAt(raw, ['shared']))) {
    checkPages(['shared', i, 'memory']);
    checkPartitionRef(['shared', i, 'writer']);
    const writer = valueAt(raw, ['shared', i, 'writer']);
    for (const j of indices(valueAt(raw, ['shared', i, 'readers']))) {
      checkPartitionRef(['shared', i, 'readers', j]);
      if (isPartition(writer) && valueAt(raw, ['shared', i, 'readers', j]) === writer) {
        report(
          Code.WriterIsReader,
          ['shared', i, 'readers', j],
          `writer ${quote(writer)} is also listed as a reader; the writer already has read-write access`,
        );
      }
    }
  }

  for (const i of indices(valueAt(raw, ['schedule', 'windows']))) {
    checkCpu(['schedule', 'windows', i, 'cpu']);
    checkPartitionRef(['schedule', 'windows', i, 'partition']);
  }

  return issues;
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
    platform: { cpus: file.platform.cpus, pages: file.platform.pages },
    hypervisor: { image: digest(file.hypervisor.image) },
    levels: [...file.levels],
    partitions: file.partitions.map((p, i) => ({
      index: i as PartitionIdx,
      name: p.name,
      kind: p.kind,
      level: p.level,
      rank: file.levels.indexOf(p.level),
      cpus: distinct(p.cpus) as CpuId[],
      memory: p.memory.map(range),
      image: digest(p.image),
      launch: p.launch,
      privileges: distinct(p.privileges),
      downgrader: p.downgrader,
    })),
    devices: file.devices.map((d, i) => ({
      index: i as DeviceIdx,
      name: d.name,
      owner: partition(d.owner),
      irq: d.irq,
      iommu: d.iommu,
      dma: d.dma.map(range),
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
