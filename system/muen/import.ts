/**
 * `typezero import muen`: a Muen source policy with its hardware and platform files (and the
 * component specifications its subjects use) becomes a typezero system file and an import report.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parse } from 'yaml';
import { formatSystemFileError, parseSystemText } from '../load.js';
import { convertMuen, type UserFlows } from './convert.js';
import { type ImportFiles, type Note, readMuenPolicy } from './policy.js';
import { MuenError } from './xml.js';

export { MuenError };

export interface MuenImport {
  readonly yaml: string;
  readonly notes: readonly Note[];
}

export function importMuen(files: ImportFiles, name?: string, flowsFile?: string): MuenImport {
  const policy = readMuenPolicy(files);
  const flows = flowsFile === undefined ? undefined : readFlowsFile(flowsFile);
  const systemName = (name ?? basename(files.policy).replace(/\.xml$/i, ''))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const converted = convertMuen(policy, {
    name: systemName || 'muen-system',
    base: dirname(files.policy),
    policyFile: files.policy,
    ...(flows ? { flows } : {}),
  });
  // The system file must load: anything else is a fault of the import, not of the policy.
  const loaded = parseSystemText(converted.yaml, 'imported system');
  if (!loaded.ok)
    throw new Error(
      `the imported system does not load: ${loaded.errors.map(formatSystemFileError).join('; ')}`,
    );
  return converted;
}

/** One line per note: `file:line: construct: what the import did`. */
export function formatReport(notes: readonly Note[], base: (file: string) => string): string {
  return notes
    .map(
      (n) =>
        `${n.at.line > 0 ? `${base(n.at.file)}:${n.at.line}` : base(n.at.file)}: ${n.construct}: ${n.action}`,
    )
    .join('\n');
}

/**
 * A flow policy of the user's own: a YAML file holding `flows:`, a list of `{ from, to }` with a
 * subject or a list of subjects at each end, as in a system file.
 */
function readFlowsFile(file: string): UserFlows {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MuenError(file, undefined, `cannot read the flows: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = (raw as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(list)) throw new MuenError(file, undefined, 'flows: expected a list of { from, to }');
  const end = (value: unknown, field: string): string[] => {
    const names = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
      throw new MuenError(file, undefined, `${field}: expected a subject name or a non-empty list of them`);
    return names;
  };
  return {
    file,
    flows: list.map((f: unknown, i) => {
      const entry = (f ?? {}) as { from?: unknown; to?: unknown };
      return { from: end(entry.from, `flows[${i}].from`), to: end(entry.to, `flows[${i}].to`) };
    }),
  };
}
