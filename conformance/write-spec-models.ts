/**
 * Regenerates the models spec/ carries (MC modules, .cfg files, bug models) and spec/manifest.json
 * from the examples: `npm run spec:models`. The conformance suite fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specModels } from '../tla/models.js';
import { SPEC_DIR } from '../tla/paths.js';
import { loadExamples, manifestText } from './examples.js';

const { files, manifest } = specModels(loadExamples());
for (const [name, text] of Object.entries(files)) writeFileSync(join(SPEC_DIR, name), text);
writeFileSync(join(SPEC_DIR, 'manifest.json'), manifestText(manifest));
process.stdout.write(`wrote ${Object.keys(files).length} model files and manifest.json to ${SPEC_DIR}\n`);
