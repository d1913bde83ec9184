/**
 * `typezero evidence --requirements FILE`: the integrator's requirement IDs mapped to catalog
 * properties, validated like a system file (file, line and column, field, a stable code; exit 2
 * before any engine runs), settled from the properties' verdicts and shown in the matrix.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequirementsText } from '../../evidence/integrator.js';
import { integratorEvidence } from '../../evidence/traceability.js';
import type { PropertyEvidence } from '../../evidence/types.js';
import { formatSystemFileError } from '../../system/load.js';
import { typezero } from '../cli/cli.js';

const OUT = mkdtempSync(join(tmpdir(), 'typezero-integrator-'));

const GOOD = `# Our system security requirements
requirements:
  - id: SSR-042
    title: Guest memory stays private
    properties: [MemoryIsolation, DmaContainment]
  - id: "SSR-7.1"
    properties:
      - FaultRecovery
`;

function errors(text: string, file = 'reqs.yaml'): string[] {
  const r = parseRequirementsText(text, file);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatSystemFileError);
}

describe('the requirements file', () => {
  it('reads IDs, optional titles and catalog properties, in file order', () => {
    expect(parseRequirementsText(GOOD, 'reqs.yaml')).toEqual({
      ok: true,
      requirements: [
        {
          id: 'SSR-042',
          title: 'Guest memory stays private',
          properties: ['MemoryIsolation', 'DmaContainment'],
        },
        { id: 'SSR-7.1', title: null, properties: ['FaultRecovery'] },
      ],
    });
  });

  it.each([
    [
      'an unknown property',
      GOOD.replace('DmaContainment', 'DmaIsolation'),
      'reqs.yaml:5:35: requirements[0].properties[1]: "DmaIsolation" is not a catalog property',
      'TZ106',
    ],
    [
      'a duplicate id',
      GOOD.replace('"SSR-7.1"', 'SSR-042'),
      'reqs.yaml:6:9: requirements[1].id: id "SSR-042" is used twice (first at requirements[0])',
      'TZ112',
    ],
    [
      'a missing properties key',
      GOOD.replace('    properties:\n      - FaultRecovery\n', ''),
      'reqs.yaml:6:5: requirements[1].properties: missing required key "properties"',
      'TZ103',
    ],
    [
      'an unknown key',
      GOOD.replace('    title:', '    titel:'),
      'reqs.yaml:4:5: requirements[0].titel: unknown key "titel" (allowed: id, title, properties)',
      'TZ102',
    ],
    [
      'a number for an id',
      GOOD.replace('"SSR-7.1"', '7.1'),
      'reqs.yaml:6:9: requirements[1].id: id must be a string (quote it), got the number 7.1',
      'TZ105',
    ],
    [
      'a malformed id',
      GOOD.replace('"SSR-7.1"', '"SSR 7"'),
      'reqs.yaml:6:9: requirements[1].id: id "SSR 7" must start with a letter or digit',
      'TZ107',
    ],
    [
      'an empty property list',
      GOOD.replace('[MemoryIsolation, DmaContainment]', '[]'),
      'reqs.yaml:5:17: requirements[0].properties: requirements[0].properties must name at least one catalog property',
      'TZ109',
    ],
    [
      'a property listed twice',
      GOOD.replace('DmaContainment]', 'MemoryIsolation]'),
      'reqs.yaml:5:35: requirements[0].properties[1]: MemoryIsolation is listed twice',
      'TZ112',
    ],
    [
      'no requirements',
      'requirements: []\n',
      'reqs.yaml:1:15: requirements: requirements must list at least one requirement',
      'TZ109',
    ],
    [
      'a list at the top',
      '- id: A\n',
      'reqs.yaml:1:1: the file must be a mapping with the key "requirements", got a list',
      'TZ105',
    ],
    ['a syntax error', 'requirements: [\n', 'reqs.yaml:2:1: YAML syntax error at line 2, column 1', 'TZ100'],
  ])('names the file, line and column, field and code for %s', (_label, text, message, code) => {
    const [first] = errors(text);
    expect(first).toContain(message);
    expect(first).toMatch(new RegExp(`\\[${code}\\]$`));
  });

  it('reports every problem of the file at once, in file order', () => {
    const text = GOOD.replace('DmaContainment', 'Dma').replace('"SSR-7.1"', 'SSR-042');
    expect(errors(text).map((e) => e.split(': ')[0])).toEqual(['reqs.yaml:5:35', 'reqs.yaml:6:9']);
  });
});

function property(name: PropertyEvidence['name'], status: PropertyEvidence['status'], vacuous = false) {
  return {
    name,
    status,
    vacuous: status === 'holds' ? vacuous : null,
    vacuityReason: vacuous ? 'no monitor' : null,
  };
}

describe('in the package', () => {
  it('settles each requirement from its properties, as a family is settled', () => {
    const properties = [
      property('MemoryIsolation', 'holds'),
      property('DmaContainment', 'violated'),
      property('FaultRecovery', 'holds', true),
    ] as unknown as PropertyEvidence[];
    const parsed = parseRequirementsText(GOOD, 'reqs.yaml');
    if (!parsed.ok) throw new Error('bad fixture');
    const e = integratorEvidence(
      { fileName: 'our reqs.yaml', bytes: Buffer.from(GOOD), requirements: parsed.requirements },
      properties,
    );
    expect(e.path).toBe('requirements/our_reqs.yaml');
    expect(e.requirements.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['SSR-042', 'not-met', 'violated: DmaContainment'],
      ['SSR-7.1', 'not-demonstrated', expect.stringMatching(/FaultRecovery \(no monitor\)/)],
    ]);
  });

  it('refuses a bad file before any work, writing nothing', () => {
    const file = join(OUT, 'bad.yaml');
    writeFileSync(file, GOOD.replace('DmaContainment', 'Dma'));
    const dir = join(OUT, 'never');
    const r = typezero('evidence', 'examples/mils-two-domain.yaml', '--out', dir, '--requirements', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${file}:5:35: requirements[0].properties[1]: "Dma" is not a catalog property (one of: MemoryIsolation, DmaContainment, InformationFlow, MeasuredLaunch, AuditCompleteness, TemporalIsolation, InterruptIsolation, HypercallAuthorization, FaultContainment, FailSecure, FaultRecovery) [TZ106]\n`,
    );
    expect(existsSync(dir)).toBe(false);
    const missing = typezero(
      'evidence',
      'examples/mils-two-domain.yaml',
      '--out',
      dir,
      '--requirements',
      join(OUT, 'none.yaml'),
    );
    expect([missing.status, missing.stderr]).toEqual([
      2,
      `${join(OUT, 'none.yaml')}: cannot read the file: no such file [TZ101]\n`,
    ]);
  });
});
