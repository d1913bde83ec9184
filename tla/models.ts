/**
 * The TLC models of a system file, as files: `MC<system>.tla` and `MC<system>.cfg`, and for a bug
 * model `MC<system>_bug_<bug>.cfg` (the same module with the `Bugs` constant set), in the layout of
 * tlaplus/Examples. spec/ holds them for every example; `typezero spec` writes them for any file.
 */
import { buildLayout, type Layout } from '../model/layout.js';
import type { SeededBug } from '../model/step.js';
import { explore } from '../proofs/explorer.js';
import type { PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import {
  bugSuffix,
  mcConfig,
  mcModule,
  mcModuleName,
  readHypervisorSpec,
  SPEC_BUGS,
  vacuousLiveness,
} from './generate.js';

export interface ModelFiles {
  readonly module: string;
  readonly config: string;
  /** File name to text. */
  readonly files: Readonly<Record<string, string>>;
}

/** The MC module and its .cfg; with `bug`, only the bug model's .cfg (the module is shared). */
export function modelFiles(layout: Layout, source: string, bug?: SeededBug): ModelFiles {
  const name = mcModuleName(layout.config.system);
  const module = `${name}.tla`;
  const config = `${name}${bug ? bugSuffix(bug) : ''}.cfg`;
  const cfg = mcConfig(layout, {
    substitute: true,
    liveness: vacuousLiveness(layout) === null,
    ...(bug ? { bugs: [bug] } : {}),
  });
  const header = bug
    ? `\\* Bug model: the hypervisor with the seeded bug "${bug}" (model/step.ts SeededBug); it must fail.\n`
    : '';
  return {
    module,
    config,
    files: bug ? { [config]: header + cfg } : { [module]: mcModule(layout, source), [config]: cfg },
  };
}

/** Everything TLC needs to check a system file in one directory: the spec, the MC module, the .cfg. */
export function standaloneModel(config: SystemConfig, source: string): ModelFiles {
  const model = modelFiles(buildLayout(config), source);
  return { ...model, files: { 'Hypervisor.tla': readHypervisorSpec(), ...model.files } };
}

/** One model of spec/manifest.json: what checking it must give, by every engine. */
export interface ManifestModel {
  readonly module: string;
  readonly config: string;
  readonly system: string;
  readonly bugs: readonly SeededBug[];
  readonly distinctStates: number;
  readonly depth: number;
  /** Catalog properties the model violates (empty: every property holds). */
  readonly violated: readonly PropertyName[];
}

export interface Manifest {
  readonly spec: 'Hypervisor.tla';
  readonly models: readonly ManifestModel[];
}

/** The example whose bug models spec/ carries, and the bugs (every one the spec mirrors). */
export const BUG_MODEL_SYSTEM = 'mils-two-domain';

/**
 * Every model spec/ carries: one per example, and the bug models. The expected results come from
 * the explorer; the conformance suite holds every engine to them.
 */
export function specModels(examples: readonly { readonly source: string; readonly config: SystemConfig }[]): {
  files: Record<string, string>;
  manifest: Manifest;
} {
  const files: Record<string, string> = {};
  const models: ManifestModel[] = [];
  const add = (source: string, config: SystemConfig, bug?: SeededBug) => {
    const layout = buildLayout(config);
    const m = modelFiles(layout, source, bug);
    Object.assign(files, m.files);
    const result = explore(config, bug ? { model: { bugs: new Set([bug]) } } : {});
    models.push({
      module: m.module,
      config: m.config,
      system: source,
      bugs: bug ? [bug] : [],
      distinctStates: result.distinctStates,
      depth: result.depth,
      violated: [...result.verdicts].filter(([, v]) => v.status === 'violated').map(([name]) => name),
    });
  };
  for (const { source, config } of examples) {
    add(source, config);
    if (config.system === BUG_MODEL_SYSTEM) for (const bug of SPEC_BUGS) add(source, config, bug);
  }
  return { files, manifest: { spec: 'Hypervisor.tla', models } };
}
