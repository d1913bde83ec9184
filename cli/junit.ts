/**
 * `check --format junit`: the report as JUnit XML for CI dashboards. One test suite, the system;
 * one test case per catalog property: a violated one fails with its explanation, counterexample and
 * root causes; an unknown one is an error (the search stopped first); one that holds vacuously is
 * skipped, with the reason it does not apply.
 */

import { formatCause } from '../diagnosis/causes.js';
import type { CheckRun } from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import { CATALOG } from '../proofs/properties.js';
import { formatTrace } from './check.js';

/** Text as XML 1.0 character data or an attribute value: markup escaped, forbidden characters replaced. */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (pairs: Record<string, string | number>): string =>
  Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join('');

export function formatJunit(run: CheckRun, file: string): string {
  const { report, result, layout } = run;
  const count = (status: string) => report.properties.filter((p) => p.status === status).length;
  const skipped = report.properties.filter((p) => p.status === 'holds' && p.vacuous).length;
  const seconds = (report.stats.durationMs / 1000).toFixed(3);
  const suite = {
    name: report.system,
    tests: report.properties.length,
    failures: count('violated'),
    errors: count('unknown'),
    skipped,
    time: seconds,
  };
  const classname = `typezero.${report.system}`;
  const cases = CATALOG.map((p) => {
    const entry = report.properties.find((e) => e.name === p.name)!;
    const open = `    <testcase${attrs({ name: p.name, classname })}`;
    if (entry.status === 'holds' && !entry.vacuous) return `${open}/>`;
    if (entry.status === 'holds')
      return `${open}>\n      <skipped${attrs({ message: `not applicable, holds vacuously: ${entry.reason ?? ''}` })}/>\n    </testcase>`;
    if (entry.status === 'unknown')
      return `${open}>\n      <error${attrs({ message: 'unknown: the search stopped before settling it', type: 'unknown' })}/>\n    </testcase>`;
    const verdict = result.verdicts.get(p.name);
    const trace = verdict?.status === 'violated' ? verdict.trace : undefined;
    const message = trace
      ? `${p.name} violated: ${explainViolation(layout, p.name, trace)}`
      : `${p.name} violated`;
    const body = [
      p.summary,
      ...(trace ? formatTrace(layout, trace) : []),
      ...(entry.causes?.length ? ['Caused by:', ...entry.causes.map((c) => `  ${formatCause(c)}`)] : []),
    ].join('\n');
    return `${open}>\n      <failure${attrs({ message, type: 'violated' })}>${xmlText(body)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `typezero check ${file}`, tests: suite.tests, failures: suite.failures, errors: suite.errors, skipped, time: seconds })}>`,
    `  <testsuite${attrs(suite)}>`,
    `    <properties>`,
    `      <property${attrs({ name: 'engine', value: report.engine })}/>`,
    `      <property${attrs({ name: 'system-file', value: file })}/>`,
    `      <property${attrs({ name: 'distinct-states', value: report.stats.distinctStates })}/>`,
    `    </properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}
