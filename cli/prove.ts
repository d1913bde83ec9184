/**
 * `typezero prove`: every invariant of the catalog decided by Z3 over the symbolic relation, with
 * no bound on the states (proofs/prove.ts). Exit codes and JSON as `check`; the human report says
 * how each verdict was reached. With `--out`, the proof for the record: the inductive invariants
 * as `IndInv` beside the TLA+ model (tla/ind-inv.ts), for TLC to check in every reachable state,
 * and `proof.json` with the solver's version and time.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { withCauses } from '../diagnosis/report.js';
import { checkOutDir, OutDirError, writeOutDir } from '../evidence/out-dir.js';
import type { PropertyStatus } from '../proofs/check.js';
import { exitCodeOf } from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import type { Verdict } from '../proofs/explorer.js';
import { CATALOG, PROPERTY_NAMES, type PropertyName } from '../proofs/properties.js';
import { DEFAULT_TIMEOUT_MS, type ProofVerdict, type ProveRun, prove } from '../proofs/prove.js';
import {
  budgetUnits,
  RLIMIT_PER_SECOND,
  WALL_CLOCK_FACTOR,
  WALL_CLOCK_FLOOR_MS,
} from '../proofs/prove-budget.js';
import { z3Version } from '../proofs/symbolic/z3.js';
import type { SystemConfig } from '../system/config.js';
import type { SourcePositions } from '../system/load.js';
import { indInvModel, type ProvedInvariant } from '../tla/ind-inv.js';
import { formatCauses, formatTrace } from './check.js';
import { refuseBeyondModel, refuseBeyondSpec } from './engine-limits.js';
import type { Io } from './io.js';
import { withManifest } from './manifest.js';
import { wholeNumber } from './options.js';
import { InputError } from './usage.js';

const STATUS_WORD: Record<PropertyStatus, string> = {
  holds: 'holds',
  violated: 'VIOLATED',
  unknown: 'unknown',
};

interface ProveCliOptions {
  json?: boolean;
  timeout?: number;
  property: PropertyName[];
  out?: string;
  force?: boolean;
}

/** An unusable --out folder is bad input: one sentence, exit 2. */
function guarded(write: () => void): void {
  try {
    write();
  } catch (e) {
    if (e instanceof OutDirError) throw new InputError(`typezero prove: ${e.message}`);
    throw e;
  }
}

function propertyName(value: string, previous: PropertyName[]): PropertyName[] {
  if (!(PROPERTY_NAMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`no property "${value}"; the properties are ${PROPERTY_NAMES.join(', ')}`);
  return previous.includes(value as PropertyName) ? previous : [...previous, value as PropertyName];
}

const variables = (v: ProofVerdict) => {
  const n = v.invariant!.args.length;
  return `${n} state variable${n === 1 ? '' : 's'}`;
};

function note(v: ProofVerdict): string {
  switch (v.method) {
    case 'inductive-invariant':
      return v.invariant!.args.length
        ? `proved: inductive invariant over ${variables(v)}, checked again by SMT`
        : 'proved: the configuration rules out every bad state';
    case 'induction':
      return v.invariant!.args.length
        ? `proved: the property is inductive as it stands, over ${variables(v)} (checked by SMT)`
        : 'proved: the configuration rules out every bad state';
    case 'k-induction':
      return `proved: ${v.k}-inductive (no trace within ${v.k! - 1} steps, and no ${v.k}-step path of good states ends in a bad one)`;
    case 'bmc-trace':
      return `counterexample of ${v.trace!.steps.length - 1} steps (shortest, by bounded model checking)`;
    case 'k-liveness':
      return `proved: no run takes more than ${v.k} Ticks with a controlled partition faulted and its monitor up (an inductive invariant per pair, checked again by SMT)`;
    case 'bmc-lasso':
      return `counterexample of ${v.trace!.steps.length - 1} steps ending in a cycle (a loop found by bounded model checking, replayed by the model)`;
    case 'shared-trace': {
      const steps = v.trace!.steps.length - 1;
      const shortest =
        v.shortestWithin! >= steps - 1
          ? 'shortest, by bounded model checking'
          : `none shorter within ${v.shortestWithin} steps`;
      return `counterexample of ${steps} steps: the trace found for ${v.from} (${shortest})`;
    }
    case 'vacuous':
      return `holds trivially: ${v.reason}`;
    case 'none':
      return v.reason ?? '';
  }
}

/** Lines of an invariant shown under its property before the rest is summed up as "... N more". */
export const INVARIANT_LINES = 4;

/** The invariant of a property proved over some state variables, in the system's terms. */
function invariantLines(v: ProofVerdict): string[] {
  if (!v.invariant?.args.length) return [];
  const text = v.invariant.text;
  if (text.length <= INVARIANT_LINES) return [...text];
  return [...text.slice(0, INVARIANT_LINES - 1), `... ${text.length - (INVARIANT_LINES - 1)} more`];
}

export function formatProve(run: ProveRun, file: string, version: string): string {
  const { report, verdicts, layout } = run;
  const out: string[] = [
    `system ${report.system} (${file})`,
    `engine prove (${version}): ${report.stats.durationMs} ms, no bound on the states`,
    '',
  ];
  const width = Math.max(...verdicts.map((v) => v.name.length));
  const indent = ' '.repeat(12 + width + 2);
  for (const v of verdicts) {
    out.push(`  ${STATUS_WORD[v.status].padEnd(8)}  ${v.name.padEnd(width)}  ${note(v)}`);
    out.push(...invariantLines(v).map((line) => `${indent}${line}`));
  }
  for (const v of verdicts) {
    if (v.status !== 'violated' || !v.trace) continue;
    const summary = CATALOG.find((p) => p.name === v.name)!.summary;
    out.push(
      '',
      `${v.name} violated. ${summary}`,
      ...formatTrace(layout, v.trace),
      `  Violation: ${explainViolation(layout, v.name, v.trace)}.`,
      ...formatCauses(v.name, report.properties.find((p) => p.name === v.name)?.causes),
    );
  }
  const violated = verdicts.filter((v) => v.status === 'violated').length;
  const unknown = verdicts.filter((v) => v.status === 'unknown').length;
  out.push('');
  if (!violated && !unknown) out.push(`All ${verdicts.length} properties hold.`);
  else
    out.push(
      `${[
        violated && `${violated} of ${verdicts.length} properties violated`,
        unknown && `${unknown} unknown`,
      ]
        .filter(Boolean)
        .join(', ')}.`,
    );
  return out.join('\n');
}

/** The proof's report with the root causes of its counterexamples. */
export function proveCauses(run: ProveRun, positions: SourcePositions): ProveRun['report'] {
  const traces = new Map<PropertyName, Verdict>();
  for (const v of run.verdicts) if (v.trace) traces.set(v.name, { status: 'violated', trace: v.trace });
  return withCauses(run.report, run.layout, traces, positions);
}

/** What `--out` writes beside the model: the verdicts, how each was reached, and the solver. */
export function proofRecord(run: ProveRun, file: string, solver: string, timeoutMs: number): string {
  return `${JSON.stringify(
    {
      system: run.report.system,
      source: file,
      solver,
      timeoutMsPerProperty: timeoutMs,
      rlimitPerProperty: budgetUnits(timeoutMs),
      durationMs: run.report.stats.durationMs,
      solverMs: run.report.stats.solverMs,
      properties: run.verdicts.map((v) => ({
        name: v.name,
        status: v.status,
        method: v.method,
        solverMs: v.solverMs,
        rlimit: v.rlimit,
        ...(v.reason ? { reason: v.reason } : {}),
        ...(v.trace ? { traceSteps: v.trace.steps.length - 1 } : {}),
        ...(v.k ? { k: v.k } : {}),
        ...(v.invariant
          ? {
              invariant: {
                tla: `IndInv_${v.name}`,
                variables: v.invariant.args,
                smt: v.invariant.definitions,
              },
            }
          : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

/** The files of `--out`: the TLA+ model with IndInv, its .cfg, proof.json (SHA256SUMS added later). */
function proofFiles(run: ProveRun, file: string, solver: string, timeoutMs: number) {
  const proofs: ProvedInvariant[] = run.verdicts.flatMap((v) =>
    v.invariant
      ? [{ property: v.name, definitions: v.invariant.definitions, args: v.invariant.variables }]
      : [],
  );
  const model = indInvModel(run.layout, file, proofs);
  return {
    model,
    files: new Map([
      ...Object.entries(model.files),
      ['proof.json', proofRecord(run, file, solver, timeoutMs)],
    ]),
  };
}

export function registerProve(
  program: Command,
  io: Io,
  exit: { code: number },
  load: (file: string) => { config: SystemConfig; positions: SourcePositions },
): void {
  program
    .command('prove')
    .description('prove or refute every invariant of a system file with Z3, with no bound on the states')
    .argument('<system-file>', 'system description (YAML or JSON)')
    .option('--json', 'print the report as one JSON object on stdout, traces in ITF')
    .option(
      '--timeout <seconds>',
      `solver budget per property, in seconds of one core: SECONDS x ${RLIMIT_PER_SECOND.toLocaleString('en-US')} Z3 resource units, the same outcome on any machine; stopped as unknown after ${WALL_CLOCK_FACTOR} x SECONDS of wall-clock time, at least ${WALL_CLOCK_FLOOR_MS / 1000} s (default ${DEFAULT_TIMEOUT_MS / 1000})`,
      wholeNumber(1),
    )
    .addOption(
      new Option('--property <name>', 'decide only this property; repeatable')
        .argParser(propertyName)
        .default([] as PropertyName[], 'all'),
    )
    .option(
      '--out <dir>',
      'also write the proof: the TLA+ model with the inductive invariants as IndInv, a .cfg to check it, proof.json',
    )
    .option('--force', 'replace a proof written earlier to the --out folder')
    .action(async (file: string, opts: ProveCliOptions) => {
      const loaded = load(file);
      const config = refuseBeyondModel(loaded.config, file);
      const force = opts.force === true;
      // --out writes the TLA+ model with IndInv, which must list the schedule.
      if (opts.out !== undefined) refuseBeyondSpec(config, file);
      if (opts.out !== undefined) guarded(() => checkOutDir(opts.out!, { what: 'proof', force }));
      const timeoutMs = opts.timeout === undefined ? DEFAULT_TIMEOUT_MS : opts.timeout * 1000;
      const run = await prove(config, file, {
        timeoutMs,
        properties: opts.property.length ? opts.property : undefined,
        onProgress: (name, phase) => io.status(`prove: ${name}: ${phase}`),
      });
      io.status('');
      const solver = await z3Version();
      let wrote = '';
      if (opts.out !== undefined) {
        const { model, files } = proofFiles(run, file, solver, timeoutMs);
        guarded(() => writeOutDir(opts.out!, withManifest(files)));
        wrote = `\nwrote the proof to ${opts.out}; check IndInv in every reachable state with: typezero tlc -config ${model.config} ${model.module} (in ${opts.out})\n`;
      }
      const report = proveCauses(run, loaded.positions);
      io.out(
        opts.json
          ? `${JSON.stringify(report)}\n`
          : `${formatProve({ ...run, report }, file, solver)}\n${wrote}`,
      );
      exit.code = exitCodeOf(run.report);
    });
}
