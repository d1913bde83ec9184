/** Where the package's own files are, whether running from dist/ or from the sources. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'spec', 'Hypervisor.tla'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('typezero: cannot find the package root (spec/Hypervisor.tla)');
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();
export const SPEC_DIR = join(PACKAGE_ROOT, 'spec');
export const HYPERVISOR_TLA = join(SPEC_DIR, 'Hypervisor.tla');
