/**
 * spec/manifest.json is the regression record: per model (every example, every bug model) the
 * distinct-state count and the violated properties. The explorer is held to it on every model, and
 * the files in spec/ must be what the generator writes today.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../proofs/explorer.js';
import { CATALOG } from '../proofs/properties.js';
import { specModels } from '../tla/models.js';
import { SPEC_DIR } from '../tla/paths.js';
import { loadExamples, manifestText, readManifest } from './examples.js';

const examples = loadExamples();
const manifest = readManifest();

describe('spec/manifest.json', () => {
  it('has a model for every example and bug models that fail four properties or more', () => {
    const plain = manifest.models.filter((m) => m.bugs.length === 0).map((m) => m.system);
    expect(plain).toEqual(examples.map((e) => e.source));
    const bugModels = manifest.models.filter((m) => m.bugs.length > 0);
    expect(bugModels.every((m) => m.violated.length > 0)).toBe(true);
    expect(new Set(bugModels.flatMap((m) => m.violated)).size).toBeGreaterThanOrEqual(4);
  });

  it.each(manifest.models.map((m) => [m.config, m] as const))(
    '%s: the explorer finds the recorded states and verdicts',
    (_config, m) => {
      const config = examples.find((e) => e.source === m.system)!.config;
      const result = explore(config, { model: { bugs: new Set(m.bugs) } });
      expect(result.distinctStates).toBe(m.distinctStates);
      expect(result.depth).toBe(m.depth);
      const violated = CATALOG.filter((p) => result.verdicts.get(p.name)?.status === 'violated').map(
        (p) => p.name,
      );
      expect(violated).toEqual(m.violated);
    },
  );

  it('and the model files in spec/ are what the generator writes (npm run spec:models)', () => {
    const { files, manifest: fresh } = specModels(examples);
    for (const [name, text] of Object.entries(files))
      expect(readFileSync(join(SPEC_DIR, name), 'utf8'), `spec/${name} is stale`).toBe(text);
    expect(readFileSync(join(SPEC_DIR, 'manifest.json'), 'utf8')).toBe(manifestText(fresh));
  });
});
