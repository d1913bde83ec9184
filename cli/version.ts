/** The package's version, as `--version` and the SARIF report's tool driver give it. */
import { readFileSync } from 'node:fs';

/** The version in package.json, from dist/cli/ (built) or cli/ (run from source, as tests do). */
export function version(): string {
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'typezero') return pkg.version;
    } catch {
      // Not this one; try the next place.
    }
  }
  return 'unknown';
}
