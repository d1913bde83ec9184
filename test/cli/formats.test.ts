import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { diagnosed } from '../../cli/check.js';
import { formatJunit } from '../../cli/junit.js';
import { formatSarif } from '../../cli/sarif.js';
import { runExplorer } from '../../proofs/check.js';
import { PROPERTY_NAMES } from '../../proofs/properties.js';
import { loadSystemFile } from '../../system/load.js';
import { exampleText, ROOT } from '../helpers.js';
import { EXAMPLES, typezero } from './cli.js';

/**
 * The SARIF 2.1.0 schema (draft-04), as Microsoft's SARIF SDK ships it. One of its patterns (for
 * `language`) is not a valid unicode regular expression, so patterns are compiled without the u flag.
 */
const SCHEMA = JSON.parse(
  readFileSync(
    createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
    'utf8',
  ),
);
// The package is CommonJS: its class is both the module and its `default`.
const validateSarif = new AjvDraft04.default({
  allErrors: true,
  strict: false,
  unicodeRegExp: false,
}).compile(SCHEMA);

function diagnosedRun(name: string) {
  const file = `examples/${name}.yaml`;
  const loaded = loadSystemFile(`${ROOT}${file}`);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const run = diagnosed(runExplorer(loaded.config, file, { reduction: true }), loaded.positions);
  return { run, file, positions: loaded.positions };
}

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A well-formed XML document as a tree; saxes throws on anything malformed. */
function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attributes: tag.attributes as Record<string, string>,
      children: [],
      text: '',
    };
    if (stack.length) stack.at(-1)!.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('text', (text) => {
    if (stack.length) stack.at(-1)!.text += text;
  });
  parser.on('closetag', () => stack.pop());
  parser.write(xml).close();
  return root!;
}

describe('check --format sarif', () => {
  it.each(EXAMPLES)('%s: a SARIF 2.1.0 log, one result per violated property at its causes', (name) => {
    const { run, file, positions } = diagnosedRun(name);
    const log = JSON.parse(formatSarif(run, file, positions, '0.0.0-test'));
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const sarifRun = log.runs[0];
    expect(sarifRun.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([...PROPERTY_NAMES]);
    const violated = run.report.properties.filter((p) => p.status === 'violated');
    expect(sarifRun.results.map((r: { ruleId: string }) => r.ruleId)).toEqual(violated.map((p) => p.name));
    for (const [i, result] of sarifRun.results.entries()) {
      const property = violated[i]!;
      expect(PROPERTY_NAMES[result.ruleIndex]).toBe(result.ruleId);
      // The causes are the locations, in the report's order and at its lines and columns.
      expect(
        result.locations.map(
          (l: { physicalLocation: { region: { startLine: number; startColumn: number } } }) => [
            l.physicalLocation.region.startLine,
            l.physicalLocation.region.startColumn,
          ],
        ),
      ).toEqual(property.causes!.map((c) => [c.line, c.column]));
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(file);
      // The counterexample is the code flow: one top-level location per state of the trace, and
      // beneath a step the further fields it relied on.
      const steps = result.codeFlows[0].threadFlows[0].locations;
      expect(steps.filter((s: { nestingLevel: number }) => s.nestingLevel === 0)).toHaveLength(
        property.trace!.states.length,
      );
      // Every cause is where some step of the flow points, but for a cycle's causes.
      const stepped = new Set(
        steps
          .map(
            (s: { location: { physicalLocation?: { region: { startLine: number } } } }) =>
              s.location.physicalLocation?.region.startLine,
          )
          .filter(Boolean),
      );
      if (property.name !== 'FaultRecovery')
        for (const cause of property.causes!) expect(stepped.has(cause.line), cause.path).toBe(true);
    }
  });

  it('is what the command line prints, exit code as check', () => {
    const r = typezero('check', 'examples/shared-irq.yaml', '--format', 'sarif');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const log = JSON.parse(r.stdout);
    expect(validateSarif(log)).toBe(true);
    expect(log.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual([
      'InformationFlow',
      'InterruptIsolation',
    ]);
  });

  it('gives a file named with spaces as a URI reference', () => {
    const { run, positions } = diagnosedRun('write-down-channel');
    const log = JSON.parse(formatSarif(run, 'my systems/write down.yaml', positions, '1'));
    expect(log.runs[0].artifacts[0].location.uri).toBe('my%20systems/write%20down.yaml');
    expect(validateSarif(log)).toBe(true);
  });
});

describe('check --format junit', () => {
  it.each(EXAMPLES)('%s: one test case per property; violated fail, vacuous are skipped', (name) => {
    const { run, file } = diagnosedRun(name);
    const suites = parseXml(formatJunit(run, file));
    expect(suites.name).toBe('testsuites');
    const suite = suites.children[0]!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual([...PROPERTY_NAMES]);
    const violated: string[] = run.report.properties
      .filter((p) => p.status === 'violated')
      .map((p) => p.name);
    const vacuous = run.report.properties.filter((p) => p.vacuous).map((p) => p.name);
    const withChild = (child: string) =>
      cases.filter((c) => c.children.some((x) => x.name === child)).map((c) => c.attributes.name);
    expect(withChild('failure')).toEqual(violated);
    expect(withChild('skipped')).toEqual(vacuous);
    expect(Number(suite.attributes.tests)).toBe(PROPERTY_NAMES.length);
    expect(Number(suite.attributes.failures)).toBe(violated.length);
    expect(Number(suite.attributes.skipped)).toBe(vacuous.length);
    for (const c of cases.filter((x) => violated.includes(x.attributes.name!))) {
      const failure = c.children.find((x) => x.name === 'failure')!;
      expect(failure.attributes.message).toMatch(new RegExp(`^${c.attributes.name} violated: `));
      for (const cause of run.report.properties.find((p) => p.name === c.attributes.name)!.causes!)
        expect(failure.text).toContain(`${cause.path} (line ${cause.line}:${cause.column})`);
    }
  });

  it('escapes what XML cannot hold as it is', () => {
    const { run } = diagnosedRun('write-down-channel');
    const xml = formatJunit(run, 'a<b>&"c\'\u0001.yaml');
    expect(parseXml(xml).attributes.name).toBe('typezero check a<b>&"c\'\uFFFD.yaml');
  });
});

describe('check --json and --format', () => {
  it('--json is --format json', () => {
    const strip = (out: string) => ({ ...JSON.parse(out), stats: undefined });
    const a = typezero('check', 'examples/write-down-channel.yaml', '--json');
    const b = typezero('check', 'examples/write-down-channel.yaml', '--format', 'json');
    expect(a.status).toBe(1);
    expect(b.status).toBe(1);
    expect(strip(a.stdout)).toEqual(strip(b.stdout));
    expect(exampleText('write-down-channel')).toContain('expect-causes: channels[0]');
  });

  it('refuses --json with another format, and a format it does not know, in one line', () => {
    for (const args of [
      ['--json', '--format', 'junit'],
      ['--format', 'xml'],
    ]) {
      const r = typezero('check', 'examples/write-down-channel.yaml', ...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
  });
});
