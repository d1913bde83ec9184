/**
 * The tool-qualification section of a package (DO-330 style): the packages and machine the tool
 * ran with, whether it kills the seeded model bugs and the emulator mutants it was built to find,
 * what it says of its own test suite, and the JSON Schema of evidence.json, shipped in the package.
 */
import type { PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import type { Env } from '../tla/tlc/jar.js';
import { dependencyEvidence, environmentEvidence } from './environment.js';
import { mutantKills, seededBugKills } from './kills.js';
import { EVIDENCE_SCHEMA } from './schema.js';
import { packageRoot, sha256 } from './tool.js';
import type { PropertyStatus, QualificationEvidence } from './types.js';

/** Where the package keeps the schema its evidence.json was validated against. */
export const SCHEMA_PATH = 'schema/evidence.schema.json';

export const TEST_SUITE_NOT_CARRIED =
  "This package does not carry the results of typezero's own test suite: the installed tool holds no record of a test run of the build that produced it (CI prints a summary but keeps no results file with the build), so none is claimed here. The seeded-bug and mutant kills below were run now, on this machine.";

/** The schema as the package carries it. */
export function schemaText(): string {
  return `${JSON.stringify(EVIDENCE_SCHEMA, null, 2)}\n`;
}

export interface QualificationInput {
  readonly config: SystemConfig;
  /** The package's settled verdict per property: a seeded bug is killed only by one that holds. */
  readonly verdicts: ReadonlyMap<PropertyName, PropertyStatus | 'disagreement'>;
  readonly maxStates: number;
  readonly seeds: number;
  readonly steps: number;
  readonly env: Env;
  readonly tlcVersion: string | null;
  readonly onProgress?: (line: string) => void;
}

export function qualificationOf(input: QualificationInput): QualificationEvidence {
  const started = performance.now();
  input.onProgress?.('tool qualification: seeded model bugs');
  const seededBugs = seededBugKills(input.config, input.verdicts, input.maxStates);
  input.onProgress?.('tool qualification: emulator mutants');
  const mutants = mutantKills(input.config, input);
  return {
    dependencies: dependencyEvidence(packageRoot()),
    environment: environmentEvidence(input.env, input.tlcVersion),
    seededBugs,
    mutants,
    testSuite: { status: 'not-carried', reason: TEST_SUITE_NOT_CARRIED },
    schema: {
      path: SCHEMA_PATH,
      id: (EVIDENCE_SCHEMA as { $id: string }).$id,
      sha256: sha256(schemaText()),
    },
    durationMs: Math.round(performance.now() - started),
  };
}
