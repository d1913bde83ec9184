/**
 * Runs every available engine and the conformance checks on one system and gathers the results
 * into an `Evidence` value plus the files that go beside it in the package (counterexamples as ITF,
 * the generated TLA+ model, the system file, the tool itself). Nothing here writes to disk, but for
 * the temporary folder the tool is packed in, or reads a clock except for the duration fields, so
 * two runs on the same inputs give the same evidence apart from those.
 */

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { blame, locate } from '../diagnosis/causes.js';
import { buildLayout } from '../model/layout.js';
import { vacuityReason } from '../proofs/check.js';
import { CATALOG, INVARIANTS, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { parseSystemText, type SourcePositions } from '../system/load.js';
import { summarize } from '../system/summary.js';
import { checkerConfig } from '../tla/checker-engine.js';
import { vacuousLiveness } from '../tla/generate.js';
import { tlcFiles } from '../tla/tlc/engine.js';
import { type Env, findJar } from '../tla/tlc/jar.js';
import { abstractionCheck, citeAbstraction } from './abstraction.js';
import { FIXED_ASSUMPTIONS, systemAssumptions } from './assumptions.js';
import { baselineOf } from './baseline.js';
import { documentControl } from './document.js';
import { emulatorConformance } from './emulator-conformance.js';
import { type EngineOptions, type EngineRun, runEngines } from './engines.js';
import {
  agreementOf,
  leakedTo,
  type NoninterferenceEvidence,
  runNoninterference,
} from './noninterference.js';
import { proofEvidence } from './proof.js';
import type { ProveSetting } from './prove-engine.js';
import { qualificationOf, SCHEMA_PATH, schemaText } from './qualification.js';
import { reproductions } from './reproduce.js';
import { REQUIREMENTS, requirementsOf } from './requirements.js';
import { boundAssumptions, noninterferenceAssumption, proofAssumption } from './run-records.js';
import { NOT_COVERED, scopeOf } from './scope.js';
import { modelVsSpec as modelVsSpecOf } from './spec-conformance.js';
import { dependencyVersion, packageRoot, sha256, sourceState, specDigests, toolVersion } from './tool.js';
import { carryTool, NO_TOOL_COPY_REASON, notCarried } from './tool-copy.js';
import {
  integratorEvidence,
  packageFileName,
  type RequirementsInput,
  requirementEvidence,
} from './traceability.js';
import {
  type AbstractionEvidence,
  type Bounds,
  type Counterexample,
  type EngineEvidence,
  EVIDENCE_FORMAT,
  EVIDENCE_FORMAT_VERSION,
  type Evidence,
  type PropertyEvidence,
  type ToolEvidence,
} from './types.js';
import { overallVerdict, settle } from './verdict.js';

/** Defaults sized so every example packages in seconds to minutes on CI. */
export const DEFAULT_MAX_STATES = 200_000;
export const DEFAULT_SEEDS = 48;
export const DEFAULT_STEPS = 2500;
/** Z3 seconds per property for the unbounded proof: enough for most systems, modest for big ones. */
export const DEFAULT_PROVE_TIMEOUT_S = 20;
/** Seeded random walks of the model replayed in the spec, and their length. */
export const SPEC_WALKS = 50;
export const SPEC_WALK_STEPS = 40;

export interface CollectOptions {
  readonly maxStates: number;
  readonly seeds: number;
  readonly steps: number;
  /** What is running now, one line at a time, for a progress line. */
  readonly onProgress?: (line: string) => void;
  /** Who produces the package (default: the login name of the user running typezero). */
  readonly producer?: string;
  /** The configuration item the package is evidence for (default: the system's name and digest). */
  readonly configurationItem?: string;
  /** The environment engines look in (TLA2TOOLS_JAR, JAVA_HOME), and SOURCE_DATE_EPOCH. */
  readonly env?: Env;
  /** Replaces the engines, for tests of how the package reports what engines did. */
  readonly engines?: (config: SystemConfig, options: EngineOptions) => Promise<EngineRun[]> | EngineRun[];
  /** The integrator's own requirements, mapped to catalog properties (--requirements). */
  readonly requirements?: RequirementsInput;
  /**
   * Carry the tool in the package (tool/: its tarball, lockfile and runtime packages), for an
   * offline reproduction; false records it as not carried (--no-tool-copy).
   */
  readonly toolCopy: boolean;
  /** Replaces the abstraction test, for tests of how the package reports its result. */
  readonly abstraction?: (config: SystemConfig, maxStates: number) => AbstractionEvidence;
  /**
   * The unbounded proof (prove) as one more engine: the solver's time per property, or why it is
   * skipped. Not run when absent, so that packages made for other purposes pay nothing for Z3.
   */
  readonly prove?: ProveSetting;
  /**
   * Noninterference by self-composition, within `maxStates` pairs of states per observer: run
   * unless skipped, with the reason (--no-noninterference).
   */
  readonly noninterference?: { readonly skipped: string };
}

export interface SystemInput {
  readonly config: SystemConfig;
  /** The system file's name without directories: its name inside the package. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** Where the file's fields are (the loader's); read from `bytes` as UTF-8 when not given. */
  readonly positions?: SourcePositions;
}

/** Where the fields of the packaged system file are. */
function positionsOf(input: SystemInput): SourcePositions {
  if (input.positions) return input.positions;
  const loaded = parseSystemText(new TextDecoder().decode(input.bytes), input.fileName);
  return loaded.ok ? loaded.positions : () => ({ line: 1, column: 1, endLine: 1, endColumn: 1 });
}

export interface Collected {
  readonly evidence: Evidence;
  /** Package-relative path to contents, for everything but evidence.json and report.html. */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
}

export async function collectEvidence(input: SystemInput, options: CollectOptions): Promise<Collected> {
  const started = performance.now();
  const { config, fileName } = input;
  const files = new Map<string, string | Uint8Array>();
  // The package keeps the file under a name any shell, sha256sum and the schema take as it is.
  const packageName = packageFileName(fileName);
  const systemPath = `system/${packageName}`;
  files.set(systemPath, input.bytes);
  files.set(SCHEMA_PATH, schemaText());
  // First, so that a tool that cannot be carried stops the run before the long work.
  const root = packageRoot();
  const source = sourceState(root);
  if (options.toolCopy) options.onProgress?.('packing the tool and its runtime packages');
  const copy = options.toolCopy ? carryTool(root, source) : null;
  for (const [path, bytes] of copy?.files ?? []) files.set(path, bytes);

  const env = options.env ?? process.env;
  const engineRuns = await (options.engines ?? runEngines)(config, {
    maxStates: options.maxStates,
    source: packageName,
    env,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.prove ? { prove: options.prove } : {}),
  });
  const specRan = engineRuns.some(
    (r) => r.engine !== 'explorer' && (r.status === 'completed' || r.status === 'bounded'),
  );
  if (specRan)
    for (const [path, text] of specFiles(config, packageName, options.maxStates)) files.set(path, text);

  const traceFile = (engine: string, property: PropertyName) => `traces/${engine}/${property}.itf.json`;
  const engines: EngineEvidence[] = engineRuns.map((run) => ({
    engine: run.engine,
    status: run.status,
    reason: run.reason,
    maxStates: options.maxStates,
    distinctStates: run.distinctStates,
    depth: run.depth,
    durationMs: run.durationMs === null ? null : Math.round(run.durationMs),
    verdicts: CATALOG.map((p) => {
      const v = run.verdicts.get(p.name);
      if (!v) return { property: p.name, status: 'not-checked' as const, trace: null, bait: null };
      return {
        property: p.name,
        status: v.status,
        trace: v.itf ? traceFile(run.engine, p.name) : null,
        bait: run.baits?.get(p.name) ?? null,
      };
    }),
    ...(run.reduction ? { reduction: run.reduction } : {}),
  }));

  const ran = engineRuns.filter((r) => r.status === 'completed' || r.status === 'bounded');
  const explorer = engineRuns.find((r) => r.engine === 'explorer');
  const layout = buildLayout(config);
  const proved = proofEvidence(
    layout,
    engineRuns.find((r) => r.engine === 'prove'),
    packageName,
    (p) => traceFile('prove', p),
  );
  for (const [path, text] of proved.files) files.set(path, text);
  const positions = positionsOf(input);
  const explorerBaits = explorer?.status === 'completed' ? explorer.baits : undefined;
  const properties: PropertyEvidence[] = CATALOG.map((p) => {
    const counterexamples: Counterexample[] = [];
    for (const run of ran) {
      const v = run.verdicts.get(p.name);
      if (v?.status !== 'violated' || !v.itf) continue;
      const file = traceFile(run.engine, p.name);
      files.set(file, `${JSON.stringify(v.itf, null, 2)}\n`);
      counterexamples.push({
        engine: run.engine,
        file,
        steps: v.itf.states.length - 1,
        loop: v.itf.loop ?? null,
        explanation: v.explanation ?? null,
        causes: v.trace ? locate(blame(layout, p.name, v.trace), positions) : [],
        itf: v.itf,
      });
    }
    const status = settle(ran, p.name);
    const reason = status === 'holds' ? vacuityReason(layout, p.name, explorerBaits?.get(p.name)) : null;
    const exercised = explorerBaits?.get(p.name) === true;
    return {
      name: p.name,
      kind: p.kind,
      summary: p.summary,
      tla: { module: 'Hypervisor', definition: p.tla, bait: p.bait.tla },
      predicate:
        p.kind === 'invariant'
          ? { file: 'proofs/properties.ts', symbol: `CATALOG ${p.name}.holds` }
          : { file: 'proofs/liveness.ts', symbol: 'findFaultRecoveryViolation' },
      requirements: requirementsOf(p.name),
      bait: baitEvidence(p.bait.description, explorer?.baits?.get(p.name) ?? null, reason),
      status,
      vacuous: status !== 'holds' ? null : reason !== null ? true : exercised ? false : null,
      vacuityReason: reason,
      counterexamples,
    };
  });

  options.onProgress?.('noninterference (self-composition)');
  const selfComposed = runNoninterference(
    layout,
    packageName,
    options.noninterference ?? { maxStates: options.maxStates },
    options.onProgress,
  );
  for (const [path, text] of selfComposed.files) files.set(path, text);
  const noninterference: NoninterferenceEvidence = {
    ...selfComposed.evidence,
    agreement: agreementOf(
      selfComposed.evidence,
      properties.find((p) => p.name === 'InformationFlow')!,
      leakedTo(layout, ran),
    ),
  };

  const requirements = REQUIREMENTS.map((r) => requirementEvidence(r, properties, noninterference));
  const integrator = options.requirements ? integratorEvidence(options.requirements, properties) : null;
  if (integrator) files.set(integrator.path, options.requirements!.bytes);

  options.onProgress?.('emulator vs model');
  const emulatorVsModel = emulatorConformance(config, options, explorer);
  options.onProgress?.('model vs spec');
  const modelVsSpec = modelVsSpecOf(config, engineRuns, { walks: SPEC_WALKS, walkSteps: SPEC_WALK_STEPS });
  const abstraction = (
    options.abstraction ?? ((c, n) => abstractionCheck(c, n, options.onProgress, explorer?.classSearches))
  )(config, options.maxStates);

  const bounds: Bounds = {
    maxStates: options.maxStates,
    conformanceSeeds: options.seeds,
    conformanceSteps: options.steps,
    specWalks: SPEC_WALKS,
    specWalkSteps: SPEC_WALK_STEPS,
  };
  const tool: ToolEvidence = {
    name: 'typezero',
    version: toolVersion(root),
    gitCommit: source.commit,
    gitDirty: source.dirty,
    repository: source.repository,
    copy: copy?.evidence ?? notCarried(NO_TOOL_COPY_REASON),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tlaChecker: dependencyVersion('tla-checker'),
    tlc: tlcEvidence(
      engineRuns.find((r) => r.engine === 'tlc'),
      env,
    ),
    specFiles: specDigests(),
  };

  const qualification = qualificationOf({
    config,
    verdicts: new Map(properties.map((p) => [p.name, p.status])),
    maxStates: options.maxStates,
    seeds: options.seeds,
    steps: options.steps,
    env,
    tlcVersion: tool.tlc?.version ?? null,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });

  const verdict = overallVerdict(
    properties,
    engines,
    { modelVsSpec, emulatorVsModel, abstraction },
    proved.proof,
    noninterference,
  );
  const evidence: Evidence = {
    format: EVIDENCE_FORMAT,
    formatVersion: EVIDENCE_FORMAT_VERSION,
    document: documentControl(
      {
        system: { name: config.system, sha256: sha256(input.bytes) },
        tool,
        bounds,
        ...(options.producer !== undefined ? { producer: options.producer } : {}),
        ...(options.configurationItem !== undefined ? { configurationItem: options.configurationItem } : {}),
      },
      env,
    ),
    verdict,
    scope: scopeOf({ name: config.system, file: fileName, sha256: sha256(input.bytes) }),
    system: {
      name: config.system,
      file: fileName,
      sha256: sha256(input.bytes),
      summary: summarize(config),
      baseline: baselineOf(config),
    },
    tool,
    bounds,
    engines,
    properties,
    requirements,
    conformance: { modelVsSpec, emulatorVsModel, abstraction },
    assumptions: [
      ...FIXED_ASSUMPTIONS.map((a) => (a.id === 'A-MODEL-1' ? citeAbstraction(a, abstraction) : a)),
      ...systemAssumptions(config),
      ...boundAssumptions(bounds, engines, emulatorVsModel, modelVsSpec),
      proofAssumption(proved.proof),
      noninterferenceAssumption(noninterference),
    ],
    qualification,
    proof: proved.proof,
    noninterference,
    ...(integrator ? { integratorRequirements: integrator } : {}),
    notCovered: NOT_COVERED.map((n) => ({ ...n, references: [...n.references] })),
    files: [...files.entries()]
      .map(([path, content]) => ({ path, sha256: sha256(content) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    reproduce: reproductions({
      systemPath,
      bounds,
      engines,
      paths: [...files.keys()],
      requirementsPath: integrator?.path ?? null,
      configurationItem: options.configurationItem ?? null,
      tool,
      proof: proved.proof,
      noninterference,
    }),
    durationMs: Math.round(performance.now() - started),
  };
  return { evidence, files };
}

function baitEvidence(
  description: string,
  reached: boolean | null,
  vacuity: string | null,
): PropertyEvidence['bait'] {
  const note =
    vacuity !== null
      ? `not applicable, holds vacuously: ${vacuity}`
      : reached === null
        ? null
        : reached
          ? `exercised: ${description}`
          : `never exercised by the explorer: ${description}`;
  return { description, reached, note };
}

/** The TLA+ model as TLC and tla-checker check it, for a reviewer to rerun by hand. */
function specFiles(config: SystemConfig, fileName: string, maxStates: number): [string, string][] {
  const layout = buildLayout(config);
  const request = {
    invariants: INVARIANTS.map((p) => p.tla),
    liveness: vacuousLiveness(layout) === null,
    bugs: [],
    maxStates,
  };
  return [
    ...Object.entries(tlcFiles(layout, request, fileName)).map(([name, text]): [string, string] => [
      `spec/${name}`,
      text,
    ]),
    ['spec/tla-checker.cfg', checkerConfig(layout, request)],
  ];
}

/** The jar TLC ran from (its digest computed here), TLC's version line and command, when it ran. */
function tlcEvidence(run: EngineRun | undefined, env: Env): ToolEvidence['tlc'] {
  if (!run || run.status === 'not-run') return null;
  const found = findJar(env);
  const jar = run.tool?.jar ?? (found.ok ? found.path : null);
  if (jar === null || !existsSync(jar)) return null;
  return {
    jar: basename(jar),
    sha256: sha256(readFileSync(jar)),
    version: run.tool?.version ?? null,
    command: run.tool ? [...run.tool.command] : null,
  };
}
