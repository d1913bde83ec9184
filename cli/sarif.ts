/**
 * `check --format sarif`: the report as SARIF 2.1.0, which code-scanning services and editors read.
 * One rule per catalog property; one result per violated property, located at its root causes in
 * the system file, with its counterexample as a code flow whose steps point at the field each
 * relied on. A property left unknown is a notification of the run, not a result.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { type Blame, blame } from '../diagnosis/causes.js';
import { describeEvent, describeOutcome } from '../model/describe.js';
import type { CheckRun } from '../proofs/check.js';
import { explainViolation } from '../proofs/explain.js';
import type { Trace } from '../proofs/explorer.js';
import { CATALOG } from '../proofs/properties.js';
import { formatPath, type SourcePositions } from '../system/load.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** A file name as a URI reference: relative paths stay relative (with `/`), absolute ones are file: URLs. */
export function fileUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function region(positions: SourcePositions, b: Blame): Sarif.Region {
  const span = positions(b.path);
  return {
    startLine: span.line,
    startColumn: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
  };
}

function physical(file: string, positions: SourcePositions, b?: Blame): Sarif.PhysicalLocation {
  const artifactLocation = { uri: fileUri(file), index: 0 };
  return b === undefined ? { artifactLocation } : { artifactLocation, region: region(positions, b) };
}

/**
 * The counterexample, step by step, each step at the first field it relied on; the other fields
 * it relied on follow it one level deeper.
 */
function codeFlow(
  run: CheckRun,
  trace: Trace,
  blames: readonly Blame[],
  file: string,
  positions: SourcePositions,
): Sarif.CodeFlow {
  const { layout } = run;
  const locations = trace.steps.flatMap((st, i): Sarif.ThreadFlowLocation[] => {
    const text =
      !st.event || !st.result
        ? 'initial state: nothing measured or launched, audit log empty'
        : `${describeEvent(layout, st.event)}: ${describeOutcome(layout, trace.steps[i - 1]!.state, st.event, st.result)}`;
    const loop =
      trace.loop === undefined
        ? ''
        : i === trace.loop
          ? ' (the steps after this one repeat forever)'
          : i === trace.steps.length - 1
            ? ` (back to the state after step ${trace.loop})`
            : '';
    const [first, ...more] = blames.filter((b) => b.step === i);
    return [
      {
        location: {
          message: { text: `${i}. ${text}${loop}` },
          ...(first ? { physicalLocation: physical(file, positions, first) } : {}),
        },
        nestingLevel: 0,
        executionOrder: i,
      },
      ...more.map(
        (b): Sarif.ThreadFlowLocation => ({
          location: {
            message: { text: `step ${i} also relies on ${formatPath(b.path)}: ${b.explanation}` },
            physicalLocation: physical(file, positions, b),
          },
          nestingLevel: 1,
        }),
      ),
    ];
  });
  return { threadFlows: [{ locations }] };
}

export function formatSarif(
  run: CheckRun,
  file: string,
  positions: SourcePositions,
  toolVersion: string,
): string {
  const { report, result, layout } = run;
  const rules = CATALOG.map(
    (p): Sarif.ReportingDescriptor => ({
      id: p.name,
      name: p.name,
      shortDescription: { text: p.summary.split(/(?<=\.) /)[0]! },
      fullDescription: { text: p.summary },
      help: { text: `${p.summary} It is exercised when ${p.bait.description}.` },
      defaultConfiguration: { level: 'error' },
      properties: { kind: p.kind, tla: p.tla },
    }),
  );
  const results: Sarif.Result[] = [];
  const notifications: Sarif.Notification[] = [];
  report.properties.forEach((entry) => {
    const ruleIndex = CATALOG.findIndex((p) => p.name === entry.name);
    if (entry.status === 'unknown')
      notifications.push({
        level: 'warning',
        message: { text: `${entry.name} is unknown: the search stopped before settling it` },
        associatedRule: { id: entry.name, index: ruleIndex },
      });
    if (entry.status !== 'violated') return;
    const verdict = result.verdicts.get(entry.name);
    const trace = verdict?.status === 'violated' ? verdict.trace : undefined;
    const blames = trace ? blame(layout, entry.name, trace) : [];
    const why = trace ? `: ${explainViolation(layout, entry.name, trace)}` : '';
    results.push({
      ruleId: entry.name,
      ruleIndex,
      kind: 'fail',
      level: 'error',
      message: { text: `${entry.name} violated${why}.` },
      locations:
        blames.length > 0
          ? blames.map((b, id) => ({
              id,
              physicalLocation: physical(file, positions, b),
              message: { text: `${formatPath(b.path)}: ${b.explanation}` },
              logicalLocations: [{ fullyQualifiedName: formatPath(b.path), kind: 'member' }],
            }))
          : [{ physicalLocation: physical(file, positions) }],
      ...(trace ? { codeFlows: [codeFlow(run, trace, blames, file, positions)] } : {}),
    });
  });
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'typezero',
            version: toolVersion,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        artifacts: [{ location: { uri: fileUri(file) }, roles: ['analysisTarget'] }],
        columnKind: 'utf16CodeUnits',
        results,
        properties: { system: report.system, engine: report.engine, stats: report.stats },
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
