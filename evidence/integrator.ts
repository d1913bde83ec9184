/**
 * An integrator's own requirements, mapped to catalog properties, for `typezero evidence
 * --requirements FILE`: a small YAML (or JSON) file, read and validated the way a system file is
 * (the same error codes, each error naming the file, the line and column and the field), so a
 * package can trace the integrator's requirement IDs, not only typezero's families.
 *
 *   requirements:
 *     - id: SSR-042
 *       title: Guest memory stays private      # optional
 *       properties: [MemoryIsolation, DmaContainment]
 */

import { PROPERTY_NAMES, type PropertyName } from '../proofs/properties.js';
import { type Issue, type Path, SystemFileErrorCode } from '../system/issues.js';
import { formatPath, parseDocumentText, placeIssues, type SystemFileError } from '../system/load.js';
import { readSystemFile } from '../system/read.js';

const Code = SystemFileErrorCode;

/** At most this many requirements, of IDs and titles at most this long. */
export const MAX_REQUIREMENTS = 1000;
export const MAX_ID_LENGTH = 64;
export const MAX_TITLE_LENGTH = 300;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const ROOT_KEYS = ['requirements'];
const ITEM_KEYS = ['id', 'title', 'properties'];

export interface IntegratorRequirement {
  readonly id: string;
  readonly title: string | null;
  readonly properties: readonly PropertyName[];
}

export type RequirementsResult =
  | { readonly ok: true; readonly requirements: readonly IntegratorRequirement[]; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly errors: readonly SystemFileError[] };

export type ParsedRequirements =
  | { readonly ok: true; readonly requirements: readonly IntegratorRequirement[] }
  | { readonly ok: false; readonly errors: readonly SystemFileError[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'bigint' || typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  return `"${String(v)}"`;
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: Path): Issue[] {
  return Object.keys(value)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({
      code: Code.UnknownKey,
      path: [...path, k],
      at: 'key' as const,
      message: `unknown key "${k}" (allowed: ${allowed.join(', ')})`,
    }));
}

/** Problems of one list entry's `properties`, and the properties when there are none. */
function propertiesOf(value: unknown, path: Path, issues: Issue[]): PropertyName[] {
  if (value === undefined) {
    issues.push({
      code: Code.MissingKey,
      path,
      message: 'missing required key "properties" (a list of catalog properties)',
    });
    return [];
  }
  if (!Array.isArray(value)) {
    issues.push({
      code: Code.WrongType,
      path,
      message: `${formatPath(path)} must be a list of catalog properties, got ${typeName(value)}`,
    });
    return [];
  }
  if (value.length === 0)
    issues.push({
      code: Code.BelowMinimum,
      path,
      message: `${formatPath(path)} must name at least one catalog property`,
    });
  const seen = new Set<string>();
  const out: PropertyName[] = [];
  value.forEach((p, i) => {
    const at = [...path, i];
    if (typeof p !== 'string')
      issues.push({
        code: Code.WrongType,
        path: at,
        message: `${formatPath(at)} must be a property name, got ${typeName(p)}`,
      });
    else if (!(PROPERTY_NAMES as readonly string[]).includes(p))
      issues.push({
        code: Code.NotAnOption,
        path: at,
        message: `"${p}" is not a catalog property (one of: ${PROPERTY_NAMES.join(', ')})`,
      });
    else if (seen.has(p))
      issues.push({
        code: Code.DuplicateName,
        path: at,
        message: `${p} is listed twice for this requirement`,
      });
    else {
      seen.add(p);
      out.push(p as PropertyName);
    }
  });
  return out;
}

function requirementOf(
  item: unknown,
  path: Path,
  issues: Issue[],
  ids: Map<string, Path>,
): IntegratorRequirement | null {
  if (!isRecord(item)) {
    issues.push({
      code: Code.WrongType,
      path,
      message: `${formatPath(path)} must be a mapping with the keys id, title (optional) and properties, got ${typeName(item)}`,
    });
    return null;
  }
  const before = issues.length;
  issues.push(...unknownKeys(item, ITEM_KEYS, path));
  const idPath = [...path, 'id'];
  const id = item.id;
  if (id === undefined)
    issues.push({
      code: Code.MissingKey,
      path: idPath,
      message: 'missing required key "id" (your requirement ID)',
    });
  else if (typeof id !== 'string')
    issues.push({
      code: Code.WrongType,
      path: idPath,
      message: `id must be a string (quote it), got ${typeName(id)}`,
    });
  else if (id.length > MAX_ID_LENGTH)
    issues.push({
      code: Code.TooLong,
      path: idPath,
      message: `id has ${id.length} characters; at most ${MAX_ID_LENGTH}`,
    });
  else if (!ID.test(id))
    issues.push({
      code: Code.MalformedName,
      path: idPath,
      message: `id "${id}" must start with a letter or digit and hold only letters, digits and . _ : / -`,
    });
  else if (ids.has(id))
    issues.push({
      code: Code.DuplicateName,
      path: idPath,
      message: `id "${id}" is used twice (first at ${formatPath(ids.get(id)!)})`,
    });
  else ids.set(id, path);

  const titlePath = [...path, 'title'];
  const title = item.title;
  if (title !== undefined && typeof title !== 'string')
    issues.push({
      code: Code.WrongType,
      path: titlePath,
      message: `title must be a string, got ${typeName(title)}`,
    });
  else if (typeof title === 'string' && title.length > MAX_TITLE_LENGTH)
    issues.push({
      code: Code.TooLong,
      path: titlePath,
      message: `title has ${title.length} characters; at most ${MAX_TITLE_LENGTH}`,
    });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  else if (typeof title === 'string' && /[\u0000-\u001f\u007f]/.test(title))
    issues.push({
      code: Code.MalformedName,
      path: titlePath,
      message: 'title must be one line without control characters',
    });

  const properties = propertiesOf(item.properties, [...path, 'properties'], issues);
  if (issues.length > before) return null;
  return { id: id as string, title: (title as string | undefined) ?? null, properties };
}

/** Every problem of the file's content, or its requirements. */
export function parseRequirementsText(text: string, file: string): ParsedRequirements {
  const parsed = parseDocumentText(text, file, { what: 'requirements file', nesting: 3 });
  if (!parsed.ok) return parsed;
  const raw = parsed.raw;
  const issues: Issue[] = [];
  const requirements: IntegratorRequirement[] = [];
  if (!isRecord(raw))
    issues.push({
      code: Code.WrongType,
      path: [],
      message: `the file must be a mapping with the key "requirements", got ${typeName(raw)}`,
    });
  else {
    issues.push(...unknownKeys(raw, ROOT_KEYS, []));
    const list = raw.requirements;
    if (list === undefined)
      issues.push({
        code: Code.MissingKey,
        path: ['requirements'],
        message: 'missing required key "requirements" (a list of your requirements)',
      });
    else if (!Array.isArray(list))
      issues.push({
        code: Code.WrongType,
        path: ['requirements'],
        message: `requirements must be a list, got ${typeName(list)}`,
      });
    else if (list.length === 0)
      issues.push({
        code: Code.BelowMinimum,
        path: ['requirements'],
        message: 'requirements must list at least one requirement',
      });
    else if (list.length > MAX_REQUIREMENTS)
      issues.push({
        code: Code.TooLong,
        path: ['requirements'],
        message: `requirements lists ${list.length} entries; at most ${MAX_REQUIREMENTS}`,
      });
    else {
      const ids = new Map<string, Path>();
      list.forEach((item, i) => {
        const r = requirementOf(item, ['requirements', i], issues, ids);
        if (r) requirements.push(r);
      });
    }
  }
  if (issues.length) return { ok: false, errors: placeIssues(issues, file, parsed.locate) };
  return { ok: true, requirements };
}

/** Reads and validates a requirements file; on success `bytes` are the file exactly as read. */
export function loadRequirementsFile(path: string): RequirementsResult {
  const read = readSystemFile(path, 'a requirements file');
  if (!read.ok)
    return {
      ok: false,
      errors: [
        { code: Code.Unreadable, file: path, path: '', message: `cannot read the file: ${read.reason}` },
      ],
    };
  const parsed = parseRequirementsText(read.text, path);
  return parsed.ok ? { ...parsed, bytes: read.bytes } : parsed;
}
