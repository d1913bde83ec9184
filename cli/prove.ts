/**
 * `typezero prove`: every invariant of the catalog decided by Z3 over the symbolic relation, with
 * no bound on the states (proofs/prove.ts). Exit codes and JSON as `check`; the human report says
 * how each verdict was reached.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { PropertyStatus } from '../proofs/check.js';
import { exitCodeOf } from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import { CATALOG, PROPERTY_NAMES, type PropertyName } from '../proofs/properties.js';
import { DEFAULT_TIMEOUT_MS, type ProofVerdict, type ProveRun, prove } from '../proofs/prove.js';
import { z3Version } from '../proofs/symbolic/z3.js';
import type { SystemConfig } from '../system/config.js';
import { formatTrace } from './check.js';
import type { Io } from './io.js';
import { wholeNumber } from './options.js';

const STATUS_WORD: Record<PropertyStatus, string> = {
  holds: 'holds',
  violated: 'VIOLATED',
  unknown: 'unknown',
};

function propertyName(value: string, previous: PropertyName[]): PropertyName[] {
  if (!(PROPERTY_NAMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`no property "${value}"; the properties are ${PROPERTY_NAMES.join(', ')}`);
  return previous.includes(value as PropertyName) ? previous : [...previous, value as PropertyName];
}

function note(v: ProofVerdict): string {
  switch (v.method) {
    case 'inductive-invariant':
      return v.invariant!.args.length
        ? `proved: inductive invariant over ${v.invariant!.args.length} state variables, checked again by SMT`
        : 'proved: the configuration rules out every bad state';
    case 'bmc-trace':
      return `counterexample of ${v.trace!.steps.length - 1} steps (shortest, by bounded model checking)`;
    case 'vacuous':
      return 'holds trivially: no partition holds partition-control';
    case 'none':
      return v.reason ?? '';
  }
}

export function formatProve(run: ProveRun, file: string, version: string): string {
  const { report, verdicts, layout } = run;
  const out: string[] = [
    `system ${report.system} (${file})`,
    `engine prove (${version}): ${report.stats.durationMs} ms, no bound on the states`,
    '',
  ];
  const width = Math.max(...verdicts.map((v) => v.name.length));
  for (const v of verdicts)
    out.push(`  ${STATUS_WORD[v.status].padEnd(8)}  ${v.name.padEnd(width)}  ${note(v)}`);
  for (const v of verdicts) {
    if (v.status !== 'violated' || !v.trace) continue;
    const summary = CATALOG.find((p) => p.name === v.name)!.summary;
    out.push(
      '',
      `${v.name} violated. ${summary}`,
      ...formatTrace(layout, v.trace),
      `  Violation: ${explainViolation(layout, v.name, v.trace)}.`,
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

export function registerProve(
  program: Command,
  io: Io,
  exit: { code: number },
  load: (file: string) => SystemConfig,
): void {
  program
    .command('prove')
    .description('prove or refute every invariant of a system file with Z3, with no bound on the states')
    .argument('<system-file>', 'system description (YAML or JSON)')
    .option('--json', 'print the report as one JSON object on stdout, traces in ITF')
    .option(
      '--timeout <seconds>',
      `solver time per property (default ${DEFAULT_TIMEOUT_MS / 1000})`,
      wholeNumber(1),
    )
    .addOption(
      new Option('--property <name>', 'decide only this property; repeatable')
        .argParser(propertyName)
        .default([] as PropertyName[], 'all'),
    )
    .action(async (file: string, opts: { json?: boolean; timeout?: number; property: PropertyName[] }) => {
      const config = load(file);
      const run = await prove(config, file, {
        timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
        properties: opts.property.length ? opts.property : undefined,
        onProgress: (name, phase) => io.status(`prove: ${name}: ${phase}`),
      });
      io.status('');
      io.out(
        opts.json ? `${JSON.stringify(run.report)}\n` : `${formatProve(run, file, await z3Version())}\n`,
      );
      exit.code = exitCodeOf(run.report);
    });
}
