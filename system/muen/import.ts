/**
 * `typezero import muen`: a Muen source policy with its hardware and platform files (and the
 * component specifications its subjects use) becomes a typezero system file and an import report.
 */
import { basename, dirname } from 'node:path';
import { formatSystemFileError, parseSystemText } from '../load.js';
import { convertMuen } from './convert.js';
import { type ImportFiles, type Note, readMuenPolicy } from './policy.js';
import { MuenError } from './xml.js';

export { MuenError };

export interface MuenImport {
  readonly yaml: string;
  readonly notes: readonly Note[];
}

export function importMuen(files: ImportFiles, name?: string): MuenImport {
  const policy = readMuenPolicy(files);
  const systemName = (name ?? basename(files.policy).replace(/\.xml$/i, ''))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const converted = convertMuen(policy, {
    name: systemName || 'muen-system',
    base: dirname(files.policy),
    policyFile: files.policy,
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
