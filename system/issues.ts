/**
 * The problems a system file can have, as values: a stable code, the path of the offending field and
 * one sentence. `fromZod` turns the schema's findings into them; cross-check.ts adds the ones that
 * relate fields to each other. load.ts puts each at its line and column.
 */
import { z } from 'zod';
import { digestSchema, levelSchema, nameSchema, systemFileSchema } from './schema.js';

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
  AboveMaximum: 'TZ117',
  TooLong: 'TZ118',
  TwoPolicies: 'TZ119',
  ControlsWithoutPrivilege: 'TZ120',
  SelfControl: 'TZ121',
} as const;
export type SystemFileErrorCode = (typeof SystemFileErrorCode)[keyof typeof SystemFileErrorCode];

const Code = SystemFileErrorCode;

export type Path = readonly (string | number)[];

/** An error found in the parsed file; `at: 'key'` points at the key itself rather than its value. */
export interface Issue {
  readonly code: SystemFileErrorCode;
  readonly path: Path;
  readonly message: string;
  readonly at?: 'key';
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
    const { minValue: min, maxValue: max } = schema;
    if (min !== null && max !== null && Number.isFinite(max)) return `${kind} from ${min} to ${max}`;
    return min === null ? kind : `${kind} >= ${min}`;
  }
  return 'a different value';
}

export function fromZod(issue: z.core.$ZodIssue, raw: unknown): Issue[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const value = valueAt(raw, path);
  const schema = schemaAt(path);
  const key = path.at(-1);
  const parent = valueAt(raw, path.slice(0, -1));
  if (typeof key === 'string' && isRecord(parent) && !Object.hasOwn(parent, key))
    return [
      {
        code: Code.MissingKey,
        path,
        message: `missing required key ${quote(key)} (${expectation(schema)})`,
      },
    ];
  if (typeof value === 'bigint' && schema instanceof z.ZodNumber)
    // An integer beyond what a double holds exactly; the file's digits are kept as they were.
    return [
      value < 0n
        ? {
            code: Code.BelowMinimum,
            path,
            message: `${label(path)} must be at least ${schema.minValue}, got ${value}`,
          }
        : {
            code: Code.AboveMaximum,
            path,
            message: `${label(path)} must be at most ${schema.maxValue}, got ${value}`,
          },
    ];
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
      if (schema === levelSchema) {
        return [
          {
            code: Code.MalformedName,
            path,
            message: `malformed level name ${describeValue(value)}; expected text without control characters or line breaks`,
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
      return [{ code: Code.BelowMinimum, path, message: tooSmall(issue, path, value) }];
    case 'too_big':
      return [
        {
          code: issue.origin === 'number' ? Code.AboveMaximum : Code.TooLong,
          path,
          message: tooBig(issue, path, value),
        },
      ];
    case 'invalid_union':
      return [
        {
          code: Code.WrongType,
          path,
          message: `expected ${expectation(schema)}, got ${describeValue(value)}`,
        },
      ];
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      // The schema uses none of these; kept total so a schema change cannot lose an error.
      return [{ code: Code.WrongType, path, message: `${issue.message}, got ${describeValue(value)}` }];
    default:
      return unreachable(issue);
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall, path: Path, value: unknown): string {
  if (issue.origin === 'array') {
    if (path.length === 1 && path[0] === 'partitions')
      return 'a system needs at least one partition; the list is empty';
    return `${label(path)} needs at least ${issue.minimum} entries, got none`;
  }
  return `${label(path)} must be at least ${issue.minimum}, got ${describeValue(value)}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig, path: Path, value: unknown): string {
  const limits = 'the limits are in docs/DESIGN.md section 3';
  const max = Number(issue.maximum).toLocaleString('en-US');
  if (issue.origin === 'array' && Array.isArray(value))
    return `${label(path)} has ${value.length.toLocaleString('en-US')} entries, at most ${max} are allowed (${limits})`;
  if (issue.origin === 'string' && typeof value === 'string')
    return `${label(path)} is ${value.length.toLocaleString('en-US')} characters long, at most ${max} are allowed (${limits}): ${describeValue(value)}`;
  return `${label(path)} must be at most ${Number(issue.maximum)}, got ${describeValue(value)} (${limits})`;
}

function unreachable(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

/** What a message calls the field at `path`: its key, or "<list> entry" for a list element. */
function label(path: Path): string {
  const key = path.at(-1);
  return typeof key === 'number' ? `${String(path.at(-2) ?? 'list')} entry` : (key ?? 'value');
}

/** A string in double quotes, with every control character escaped (JSON escapes only C0). */
export function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value.length <= 100 ? value : `${value.slice(0, 99)}…`);
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `a list ${abbreviate(json(value))}`;
  if (isRecord(value)) return `a mapping ${abbreviate(json(value))}`;
  return String(value);
}

/** JSON for a message; integers too large for a double are written with their own digits. */
function json(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
}

function abbreviate(s: string): string {
  return s.length <= 40 ? s : `${s.slice(0, 39)}…`;
}

// ---------------------------------------------------------------------------------------------
// Raw-value access, for checks that must also run when other parts of the file are broken

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(raw: unknown, path: Path): unknown {
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
export function indices(value: unknown): number[] {
  return Array.isArray(value) ? value.map((_, i) => i) : [];
}

/** A whole number from 0, and below `limit` when one is given. */
export function isPosition(value: unknown, limit = Number.MAX_SAFE_INTEGER): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < limit;
}

/** A whole number from 1, and at most `limit` when one is given. */
export function isCount(value: unknown, limit = Number.MAX_SAFE_INTEGER): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= limit;
}
