/**
 * The forms `check` prints its report in (`--format`): human (the default), json (the fixed
 * `check --json` object), sarif (SARIF 2.1.0) and junit (JUnit XML).
 */
import type { CheckRun } from '../proofs/check.js';
import type { SourcePositions } from '../system/load.js';
import { formatHuman } from './check.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { version } from './version.js';

export const REPORT_FORMATS = ['human', 'json', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report of a diagnosed run in `format`; `human` replaces the default human report. */
export function renderReport(
  format: ReportFormat,
  run: CheckRun,
  file: string,
  positions: SourcePositions,
  human?: () => string,
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(run.report);
    case 'sarif':
      return formatSarif(run, file, positions, version());
    case 'junit':
      return formatJunit(run, file);
    default:
      return human ? human() : formatHuman(run, file);
  }
}
