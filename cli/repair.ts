/**
 * `typezero repair SYSTEM [--out FILE] [--json] [--max-states N]`: the smallest verified repair of
 * a failing system file (diagnosis/repair/), printed as the edits and a unified diff, and written
 * to FILE with everything else in it as it was. Exit 0 with a verified repair (or nothing to
 * repair), 1 when none was found within the budget, 2 on bad input.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import {
  type Attempt,
  type Checked,
  DEFAULT_REPAIR_CHECKS,
  DEFAULT_REPAIR_STATES,
  editPositions,
  type RepairResult,
  repair,
} from '../diagnosis/repair/search.js';
import type { SystemConfig } from '../system/config.js';
import { formatPath } from '../system/load.js';
import { readSystemFile } from '../system/read.js';
import { refuseBeyondModel } from './engine-limits.js';
import type { Io } from './io.js';
import { wholeNumber } from './options.js';
import { InputError } from './usage.js';

interface RepairCliOptions {
  out?: string;
  json?: boolean;
  maxStates?: number;
  maxChecks?: number;
}

/** The unified diff of a repair, with the file's name on both sides. */
export function diffOf(file: string, before: string, after: string): string {
  return createTwoFilesPatch(file, file, before, after, undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
}

function statuses(c: Checked) {
  return c.report.properties.map((p) => ({
    name: p.name,
    status: p.status,
    ...(p.vacuous ? { vacuous: true } : {}),
  }));
}

const TRIED_SHOWN = 12;

function triedLines(attempts: readonly Attempt[]): string[] {
  const lines = attempts
    .slice(0, TRIED_SHOWN)
    .map((a) => `  - ${a.edits.map((e) => e.description).join(', then ')}: ${a.outcome}`);
  if (attempts.length > TRIED_SHOWN) lines.push(`  ... and ${attempts.length - TRIED_SHOWN} more`);
  return lines;
}

function write(out: string, text: string): void {
  const temporary = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, out);
  } catch (e) {
    throw new InputError(`cannot write ${out}: ${(e as Error).message}`);
  }
}

interface Printed {
  readonly text: string;
  readonly code: number;
  /** The file `--out` receives, when there is one to write. */
  readonly repaired?: string;
}

/** The outcome as a person reads it and as `--json` gives it. */
function report(file: string, result: RepairResult, opts: RepairCliOptions): Printed {
  const original = result.original;
  const states = (c: Checked) =>
    `explorer, label-sliced: ${c.report.stats.distinctStates.toLocaleString('en-US')} distinct states, exhaustive`;
  const attempts = 'attempts' in result ? result.attempts : [];
  const base = {
    system: original.config.system,
    file,
    status: result.status,
    violated: original.violated,
    attempts: attempts.map((a) => ({ edits: a.edits.map((e) => e.description), outcome: a.outcome })),
  };
  const printed = (json: object, human: string[], code: number, repaired?: string): Printed => ({
    text: opts.json ? JSON.stringify({ ...base, edits: [], diff: '', ...json }) : human.join('\n'),
    code,
    ...(repaired === undefined ? {} : { repaired }),
  });
  switch (result.status) {
    case 'unchanged':
      return printed(
        {},
        [`${file}: every property already holds (${states(original)}); nothing to repair.`],
        0,
        original.text,
      );
    case 'undecided': {
      const reason = `the check of ${file} itself did not finish within ${opts.maxStates ?? DEFAULT_REPAIR_STATES} states, so no repair could be verified; raise --max-states`;
      return printed({ reason }, [`${file}: ${reason}.`], 1);
    }
    case 'not-found':
      return printed(
        { reason: result.reason },
        [
          `${file}: no verified repair: ${result.reason} (${original.violated.join(', ')} violated).`,
          `Tried ${attempts.length} candidate${attempts.length === 1 ? '' : 's'}:`,
          ...triedLines(attempts),
        ],
        1,
      );
    case 'repaired': {
      const located = editPositions(original.text, file, result.edits);
      const diff = diffOf(file, original.text, result.repaired.text);
      const n = result.edits.length;
      const vacuous = result.repaired.report.properties
        .filter((p) => result.newlyVacuous.includes(p.name))
        .map((p) => `  Afterwards ${p.name} holds only vacuously: ${p.reason}.`);
      if (result.loses)
        vacuous.push('  No repair of at most two edits keeps it exercised. Tried:', ...triedLines(attempts));
      return printed(
        {
          edits: located.map(({ edit, line, column }) => ({
            path: formatPath(edit.path),
            line,
            column,
            description: edit.description,
          })),
          verified: {
            engine: 'explorer',
            properties: statuses(result.repaired),
            stats: result.repaired.report.stats,
          },
          newlyVacuous: result.newlyVacuous,
          loses: result.loses,
          diff,
          ...(opts.out ? { out: opts.out } : {}),
        },
        [
          `${file}: ${original.violated.join(', ')} violated; repaired with ${n} edit${n === 1 ? '' : 's'}, verified: every property holds on the edited file (${states(result.repaired)}).`,
          ...located.map(
            ({ edit, line, column }) =>
              `  ${formatPath(edit.path)} (line ${line}:${column}): ${edit.description}`,
          ),
          ...vacuous,
          '',
          diff.trimEnd(),
          '',
          opts.out ? `Wrote the repaired file to ${opts.out}.` : 'Write the repaired file with --out FILE.',
        ],
        0,
        result.repaired.text,
      );
    }
  }
}

export function registerRepair(
  program: Command,
  io: Io,
  exit: { code: number },
  load: (file: string) => { config: SystemConfig },
): void {
  program
    .command('repair')
    .description(
      'find the smallest edits (at most two) after which every property holds, verified by the check; print them and a diff',
    )
    .argument('<system-file>', 'system description (YAML or JSON)')
    .option('--out <file>', 'write the repaired system file here (comments and layout kept)')
    .option('--json', 'print the outcome as one JSON object on stdout')
    .option(
      '--max-states <n>',
      `distinct states each check may store (default ${DEFAULT_REPAIR_STATES.toLocaleString('en-US')})`,
      wholeNumber(1),
    )
    .option(
      '--max-checks <n>',
      `edited systems checked at most (default ${DEFAULT_REPAIR_CHECKS})`,
      wholeNumber(1),
    )
    .action((file: string, opts: RepairCliOptions) => {
      refuseBeyondModel(load(file).config, file);
      const read = readSystemFile(file);
      if (!read.ok) throw new InputError(`${file}: cannot read the file: ${read.reason}`);
      const result = repair(read.text, file, {
        ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
        ...(opts.maxChecks !== undefined ? { maxChecks: opts.maxChecks } : {}),
      });
      if (result.status === 'invalid') throw new InputError(`${file}: ${result.reason}`);
      const { text, code, repaired } = report(file, result, opts);
      if (opts.out !== undefined && repaired !== undefined) write(opts.out, repaired);
      io.out(`${text}\n`);
      exit.code = code;
    });
}
