/** The SHA256SUMS a folder the tool writes carries (`spec --out`, `prove --out`), over its files. */
import { MANIFEST } from '../evidence/out-dir.js';
import { sha256 } from '../evidence/tool.js';

/** The files with their SHA256SUMS added, in `sha256sum -c` form, sorted by name. */
export function withManifest(files: ReadonlyMap<string, string>): Map<string, string> {
  const sums = [...files.keys()]
    .sort()
    .map((name) => `${sha256(files.get(name)!)}  ${name}\n`)
    .join('');
  return new Map([...files, [MANIFEST, sums]]);
}
