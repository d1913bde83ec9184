/**
 * Does the tool find the bugs it was built to find? Two kill campaigns, cheap and bounded, run when
 * a package is made: every seeded model bug (model/step.ts SEEDED_BUGS) switched on in the explorer,
 * on the packaged system and, where it survives there, on the example it was made for; and every
 * emulator mutant (emulator/machine.ts EMULATOR_MUTANTS) run through the refinement check on the
 * packaged system. A bug is killed by the properties that hold without it and are violated with it;
 * a mutant by the first refinement failure.
 */
import { join } from 'node:path';
import { checkedRun, misconfigRun } from '../conformance/refinement-campaign.js';
import { EMULATOR_MUTANTS, type EmulatorMutant, emulatorCapacityOf } from '../emulator/machine.js';
import { SEEDED_BUGS, type SeededBug } from '../model/step.js';
import { explore } from '../proofs/explorer.js';
import { CATALOG, type PropertyName } from '../proofs/properties.js';
import type { SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile } from '../system/load.js';
import { SPEC_BUGS } from '../tla/generate.js';
import { BUG_MODEL_SYSTEM } from '../tla/models.js';
import { PACKAGE_ROOT } from '../tla/paths.js';
import type { BugAttempt, MutantKills, PropertyStatus, SeededBugKills } from './types.js';

/** Distinct states each seeded-bug search may take (at most the package's bound). */
export const SEEDED_BUG_MAX_STATES = 20_000;
/** The mutant campaign: at most this many of the package's seeds, of at most this many steps. */
export const MUTANT_SEEDS = 16;
export const MUTANT_STEPS = 600;

const LABEL_BUG_NOTE =
  'A label bug: it makes the labels under-approximate a flow without changing what any partition can do, so a catalog property sees it only where no other flow hides it; the test suite catches it by holding labels against values on the system it was made for (test/proofs/ni-labels.test.ts), which the installed tool does not carry.';

/** One search of `config` with `bug` on; killed by every property `holds` says held without it. */
export function bugAttempt(
  config: SystemConfig,
  bug: SeededBug,
  maxStates: number,
  holds: (property: PropertyName) => boolean,
  system: string,
  packaged: boolean,
): BugAttempt {
  const r = explore(config, { maxStates, model: { bugs: new Set([bug]) } });
  const killedBy = CATALOG.map((p) => p.name).filter(
    (name) => holds(name) && r.verdicts.get(name)?.status === 'violated',
  );
  return {
    system,
    packaged,
    status: killedBy.length ? 'killed' : r.complete ? 'survived' : 'bounded',
    killedBy,
    distinctStates: r.distinctStates,
    reason: null,
  };
}

/** The example the hypervisor bugs were made for, and which properties hold on it without them. */
function referenceExample(
  maxStates: number,
): { config: SystemConfig; holds: (p: PropertyName) => boolean } | { reason: string } {
  const file = join(PACKAGE_ROOT, 'examples', `${BUG_MODEL_SYSTEM}.yaml`);
  const loaded = loadSystemFile(file);
  if (!loaded.ok)
    return { reason: `the example is not available: ${loaded.errors.map(formatSystemFileError).join('; ')}` };
  const clean = explore(loaded.config, { maxStates });
  return {
    config: loaded.config,
    holds: (p) => clean.complete && clean.verdicts.get(p)?.status === 'holds',
  };
}

/**
 * Every seeded bug on the packaged system (`verdicts`: the package's settled verdicts), and each
 * hypervisor bug not killed there on the example it was made for.
 */
export function seededBugKills(
  config: SystemConfig,
  verdicts: ReadonlyMap<PropertyName, PropertyStatus | 'disagreement'>,
  packageMaxStates: number,
): SeededBugKills {
  const maxStates = Math.min(packageMaxStates, SEEDED_BUG_MAX_STATES);
  let example: ReturnType<typeof referenceExample> | undefined;
  const reference = () => {
    example ??= referenceExample(maxStates);
    return example;
  };
  const bugs = (Object.keys(SEEDED_BUGS) as SeededBug[]).map((bug): SeededBugKills['bugs'][number] => {
    const { kind, description } = SEEDED_BUGS[bug];
    const attempts = [
      bugAttempt(config, bug, maxStates, (p) => verdicts.get(p) === 'holds', config.system, true),
    ];
    const madeFor = SPEC_BUGS.includes(bug) ? BUG_MODEL_SYSTEM : null;
    if (attempts[0]!.status !== 'killed' && madeFor !== null) {
      const ref = reference();
      attempts.push(
        'reason' in ref
          ? {
              system: madeFor,
              packaged: false,
              status: 'not-run',
              killedBy: [],
              distinctStates: null,
              reason: ref.reason,
            }
          : bugAttempt(ref.config, bug, maxStates, ref.holds, madeFor, false),
      );
    }
    const status = attempts.some((a) => a.status === 'killed')
      ? 'killed'
      : attempts.some((a) => a.status === 'bounded')
        ? 'bounded'
        : 'survived';
    return {
      bug,
      kind,
      description,
      madeFor,
      status,
      attempts,
      note: kind === 'label' ? LABEL_BUG_NOTE : null,
    };
  });
  return {
    maxStates,
    killed: bugs.filter((b) => b.status === 'killed').length,
    total: bugs.length,
    bugs,
  };
}

/**
 * Every emulator mutant through the refinement check on the packaged system: the EPT
 * misconfiguration run, then the package's first seeds (at most MUTANT_SEEDS, of at most
 * MUTANT_STEPS steps) until one fails. A failure kills the mutant only if the same run passes with
 * the real emulator.
 */
export function mutantKills(config: SystemConfig, options: { seeds: number; steps: number }): MutantKills {
  const beyond = emulatorCapacityOf(config);
  if (beyond)
    return {
      seeds: 0,
      steps: 0,
      killed: 0,
      total: Object.keys(EMULATOR_MUTANTS).length,
      mutants: [],
      reason: `not run: the emulator cannot hold this system: ${beyond}`,
    };
  const seeds = Math.min(options.seeds, MUTANT_SEEDS);
  const steps = Math.min(options.steps, MUTANT_STEPS);
  const misconfigPasses = misconfigRun(config).failure === null;
  const clean = new Map<number, boolean>();
  const cleanPasses = (seed: number) => {
    if (!clean.has(seed)) clean.set(seed, checkedRun(config, { seed, steps }).failure === null);
    return clean.get(seed)!;
  };
  const mutants = (Object.keys(EMULATOR_MUTANTS) as EmulatorMutant[]).map(
    (mutant): MutantKills['mutants'][number] => {
      const set = new Set([mutant]);
      const base = { mutant, description: EMULATOR_MUTANTS[mutant] };
      let runs = 0;
      if (misconfigPasses) {
        runs++;
        const failure = misconfigRun(config, set).failure;
        if (failure) return { ...base, status: 'killed', runs, by: 'the EPT-misconfiguration run', failure };
      }
      for (let seed = 0; seed < seeds; seed++) {
        runs++;
        const r = checkedRun(config, { seed, steps, mutants: set });
        if (r.failure && cleanPasses(seed))
          return {
            ...base,
            status: 'killed',
            runs,
            by: `seeded run ${seed}, step ${r.steps}`,
            failure: r.failure,
          };
      }
      return { ...base, status: 'survived', runs, by: null, failure: null };
    },
  );
  return {
    seeds,
    steps,
    killed: mutants.filter((m) => m.status === 'killed').length,
    total: mutants.length,
    mutants,
  };
}
