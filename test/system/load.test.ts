import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { SystemConfig } from '../../system/config.js';
import {
  formatSystemFileError,
  loadSystemFile,
  parseSystemText,
  SystemFileErrorCode,
} from '../../system/load.js';
import { at, atValue, BASE, errorsOf, H, loaded, onlyError, patch, S, U } from './fixtures.js';

const EXPECTED: SystemConfig = {
  system: 'mils-two-domain',
  platform: { cpus: 2, pages: 32, interruptRemapping: 'enforced', acs: 'enforced' },
  hypervisor: { image: `sha256:${H}` },
  levels: ['UNCLASSIFIED', 'SECRET'],
  partitions: [
    {
      index: 0,
      name: 'secret',
      kind: 'guest-os',
      level: 'SECRET',
      rank: 1,
      cpus: [0],
      memory: [{ start: 0, pages: 8 }],
      image: `sha256:${S}`,
      launch: 'measured',
      privileges: [],
      downgrader: false,
    },
    {
      index: 1,
      name: 'unclass',
      kind: 'rtos',
      level: 'UNCLASSIFIED',
      rank: 0,
      cpus: [1],
      memory: [{ start: 8, pages: 8 }],
      image: `sha256:${U}`,
      launch: 'measured',
      privileges: [],
      downgrader: false,
    },
  ],
  devices: [
    {
      index: 0,
      name: 'nic0',
      owner: 0,
      irq: 11,
      iommu: 'enforced',
      dma: [{ start: 2, pages: 2 }],
      iommuGroup: null,
      rootPort: null,
    },
  ],
  channels: [{ index: 0, name: 'up', from: 1, to: 0, capacity: 2 }],
  shared: [{ name: 'ring', memory: { start: 20, pages: 1 }, writer: 1, readers: [0] }],
  schedule: {
    majorFrame: 10,
    windows: [
      { cpu: 0, partition: 0, start: 0, length: 5 },
      { cpu: 1, partition: 1, start: 0, length: 10 },
    ],
  },
  audit: { capacity: 16, onFull: 'halt' },
} as unknown as SystemConfig;

const BASE_JSON = `{
  "system": "mils-two-domain",
  "platform": { "cpus": 2, "pages": 32 },
  "hypervisor": { "image": "sha256:${H}" },
  "levels": ["UNCLASSIFIED", "SECRET"],
  "partitions": [
    { "name": "secret", "kind": "guest-os", "level": "SECRET", "cpus": [0],
      "memory": [{ "start": 0, "pages": 8 }], "image": "sha256:${S}" },
    { "name": "unclass", "kind": "rtos", "level": "UNCLASSIFIED", "cpus": [1],
      "memory": [{ "start": 8, "pages": 8 }], "image": "sha256:${U}" }
  ],
  "devices": [{ "name": "nic0", "owner": "secret", "irq": 11, "dma": [{ "start": 2, "pages": 2 }] }],
  "channels": [{ "name": "up", "from": "unclass", "to": "secret", "capacity": 2 }],
  "shared": [{ "name": "ring", "memory": { "start": 20, "pages": 1 }, "writer": "unclass", "readers": ["secret"] }],
  "schedule": {
    "majorFrame": 10,
    "windows": [
      { "cpu": 0, "partition": "secret", "start": 0, "length": 5 },
      { "cpu": 1, "partition": "unclass", "start": 0, "length": 10 }
    ]
  },
  "audit": { "capacity": 16, "onFull": "halt" }
}
`;

describe('valid systems', () => {
  test('the YAML file loads with defaults filled in and references resolved to indices', () => {
    expect(loaded(parseSystemText(BASE, 'sys.yaml'))).toEqual(EXPECTED);
  });

  test('the same system as JSON loads to an equal config', () => {
    expect(loaded(parseSystemText(BASE_JSON, 'sys.json'))).toEqual(EXPECTED);
  });

  test('minified JSON and block-style YAML load to the same config', () => {
    const raw: unknown = JSON.parse(BASE_JSON);
    expect(loaded(parseSystemText(JSON.stringify(raw), 'sys.json'))).toEqual(EXPECTED);
    expect(loaded(parseSystemText(stringify(raw), 'sys.yaml'))).toEqual(EXPECTED);
  });

  test('explicit values override the defaults', () => {
    const config = loaded(
      parseSystemText(
        patch(
          [
            'cpus: [1], memory',
            'cpus: [1], launch: unmeasured, privileges: [audit-read], downgrader: true, memory',
          ],
          ['irq: 11,', 'irq: 11, iommu: passthrough,'],
        ),
        'sys.yaml',
      ),
    );
    expect(config.partitions[1]).toMatchObject({
      launch: 'unmeasured',
      privileges: ['audit-read'],
      downgrader: true,
    });
    expect(config.devices[0]?.iommu).toBe('passthrough');
  });

  test('platform.acs and a device root port are read as written', () => {
    const config = loaded(
      parseSystemText(
        patch(['pages: 32 }', 'pages: 32, acs: off }'], ['irq: 11,', 'irq: 11, rootPort: rp0,']),
        'sys.yaml',
      ),
    );
    expect(config.platform.acs).toBe('off');
    expect(config.devices[0]?.rootPort).toBe('rp0');
    const bad = patch(['irq: 11,', 'irq: 11, rootPort: Port0,']);
    expect(onlyError(bad)).toMatchObject({ code: 'TZ107', path: 'devices[0].rootPort' });
  });

  test('devices, channels and shared may be omitted', () => {
    const text = BASE.replace(/^devices:\n.*\nchannels:\n.*\nshared:\n.*\n/m, '');
    expect(text).not.toContain('devices');
    const config = loaded(parseSystemText(text, 'sys.yaml'));
    expect(config.devices).toEqual([]);
    expect(config.channels).toEqual([]);
    expect(config.shared).toEqual([]);
  });

  test('a digest in upper-case hex is accepted and normalised to lower case', () => {
    const config = loaded(parseSystemText(patch([`sha256:${H}`, `sha256:${'AB'.repeat(32)}`]), 'sys.yaml'));
    expect(config.hypervisor.image).toBe(`sha256:${'ab'.repeat(32)}`);
  });

  test('repeated entries in cpus, privileges and readers collapse', () => {
    const config = loaded(
      parseSystemText(
        patch(
          ['cpus: [0],', 'cpus: [0, 0], privileges: [audit-read, audit-read],'],
          ['readers: [secret]', 'readers: [secret, secret]'],
        ),
        'sys.yaml',
      ),
    );
    expect(config.partitions[0]).toMatchObject({ cpus: [0], privileges: ['audit-read'] });
    expect(config.shared[0]?.readers).toEqual([0]);
  });

  test('a byte-order mark does not disturb parsing', () => {
    expect(loaded(parseSystemText(`\uFEFF${BASE}`, 'sys.yaml'))).toEqual(EXPECTED);
  });

  test('loadSystemFile reads YAML and JSON files from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'typezero-load-'));
    writeFileSync(join(dir, 'sys.yaml'), BASE);
    writeFileSync(join(dir, 'sys.json'), BASE_JSON);
    expect(loaded(loadSystemFile(join(dir, 'sys.yaml')))).toEqual(EXPECTED);
    expect(loaded(loadSystemFile(join(dir, 'sys.json')))).toEqual(EXPECTED);
  });
});

describe('syntax errors (TZ100)', () => {
  test('a YAML syntax error gives line and column', () => {
    const text = patch(['platform: { cpus: 2, pages: 32 }', 'platform: { cpus: 2, pages: 32']);
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.code).toBe('TZ100');
    expect(errors[0]).toMatchObject({ file: 'sys.yaml', path: '', line: 3, column: 1 });
    expect(errors[0]?.message).toMatch(/^YAML syntax error at line 3, column 1: /);
  });

  test('a duplicate key in a mapping is a syntax error at the second key', () => {
    const text = patch([
      'audit: { capacity: 16, onFull: halt }',
      'audit: { capacity: 16, capacity: 8, onFull: halt }',
    ]);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ100', ...at(text, 'capacity: 8') });
    expect(e.message).toContain('unique');
  });

  test('an alias to an undefined anchor is a syntax error', () => {
    const text = patch(['readers: [secret]', 'readers: *nobody']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ100', ...at(text, '*nobody') });
    expect(e.message).toContain('"*nobody"');
  });

  test('a JSON file gets a JSON syntax error with line and column', () => {
    const text = BASE_JSON.replace('"halt" }', '"halt", }');
    const e = onlyError(text, 'sys.json');
    expect(e).toMatchObject({ code: 'TZ100', file: 'sys.json', ...at(text, ', }') });
    expect(e.message).toBe(
      `JSON syntax error at line ${e.line}, column ${e.column}: trailing comma before "}"`,
    );
  });

  test('YAML-only syntax in a .json file is rejected', () => {
    const text = BASE_JSON.replace('"system": "mils-two-domain"', "'system': 'mils-two-domain'");
    const e = onlyError(text, 'sys.json');
    expect(e).toMatchObject({ code: 'TZ100', line: 2, column: 3 });
    expect(e.message).toContain(`unexpected "'"; expected a double-quoted key`);
  });

  test('errors in a valid JSON file get the line and column of the JSON node', () => {
    const text = BASE_JSON.replace('"owner": "secret"', '"owner": "secrt"');
    expect(onlyError(text, 'sys.json')).toMatchObject({
      code: 'TZ104',
      file: 'sys.json',
      path: 'devices[0].owner',
      message: 'unknown partition "secrt"; expected one of: secret, unclass',
      ...at(text, '"secrt"'),
    });
  });

  test('a duplicate key in JSON is reported too', () => {
    const text = BASE_JSON.replace('"cpus": 2,', '"cpus": 2, "cpus": 3,');
    expect(onlyError(text, 'sys.json')).toMatchObject({ code: 'TZ100', ...at(text, '"cpus": 3') });
  });
});

test('an unreadable file is an error value, not an exception (TZ101)', () => {
  const missing = join(tmpdir(), 'typezero-no-such-dir', 'missing.yaml');
  const result = loadSystemFile(missing);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ code: 'TZ101', file: missing, path: '' });
  expect(result.errors[0]?.message).toContain('no such file');
  expect(result.errors[0]?.line).toBeUndefined();
});

describe('unknown keys (TZ102)', () => {
  test('an unknown key is quoted, placed at the key, and the allowed keys are listed', () => {
    const text = patch(['irq: 11,', 'irq: 11, ownr: secret,']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ102', path: 'devices[0].ownr', ...at(text, 'ownr') });
    expect(e.message).toBe(
      'unknown key "ownr"; expected one of: name, owner, irq, iommu, dma, iommuGroup, rootPort',
    );
  });

  test('unknown keys are found at the top level and in nested page ranges', () => {
    const text = patch(
      ['audit:', 'extras: 1\naudit:'],
      ['{ start: 8, pages: 8 }', '{ start: 8, pages: 8, flags: rw }'],
    );
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.code, e.path, e.line, e.column])).toEqual([
      ['TZ102', 'partitions[1].memory[0].flags', at(text, 'flags').line, at(text, 'flags').column],
      ['TZ102', 'extras', at(text, 'extras').line, 1],
    ]);
    expect(errors[1]?.message).toBe(
      'unknown key "extras"; expected one of: system, platform, hypervisor, levels, flows, partitions, devices, ' +
        'channels, shared, schedule, audit',
    );
  });
});

describe('missing keys (TZ103)', () => {
  test('a missing required key is named, with what it should hold, at its mapping', () => {
    const text = patch([`, image: "sha256:${U}" }`, ' }']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ103', path: 'partitions[1].image', ...at(text, '{ name: unclass') });
    expect(e.message).toBe('missing required key "image" (a digest "sha256:" followed by 64 hex digits)');
  });

  test('an empty file says what it should hold', () => {
    const e = onlyError('# nothing here\n');
    expect(e).toMatchObject({ code: 'TZ105', path: '', line: 1, column: 1 });
    expect(e.message).toMatch(/^expected a mapping with the keys system, platform, .*, got null$/);
  });
});

describe('unknown references (TZ104)', () => {
  test('an unknown partition lists the valid names', () => {
    const text = patch(['owner: secret', 'owner: secrt']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ104', path: 'devices[0].owner', ...at(text, 'secrt') });
    expect(e.message).toBe('unknown partition "secrt"; expected one of: secret, unclass');
    expect(formatSystemFileError(e)).toBe(
      `sys.yaml:9:26: devices[0].owner: unknown partition "secrt"; expected one of: secret, unclass [TZ104]`,
    );
  });

  test.each([
    ['from: unclass', 'from: nobody', 'channels[0].from'],
    ['to: secret', 'to: nobody', 'channels[0].to'],
    ['writer: unclass', 'writer: nobody', 'shared[0].writer'],
    ['readers: [secret]', 'readers: [secret, nobody]', 'shared[0].readers[1]'],
    ['partition: unclass', 'partition: nobody', 'schedule.windows[1].partition'],
  ])('every partition reference is checked: %s -> %s', (from, to, path) => {
    const text = patch([from, to]);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ104', path, ...at(text, 'nobody') });
    expect(e.message).toBe('unknown partition "nobody"; expected one of: secret, unclass');
  });

  test('an unknown level lists the levels', () => {
    const text = patch(['level: SECRET', 'level: TOP-SECRET']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ104', path: 'partitions[0].level', ...at(text, 'TOP-SECRET') });
    expect(e.message).toBe('unknown level "TOP-SECRET"; expected one of: UNCLASSIFIED, SECRET');
  });

  test('a reference of the wrong type is reported as a type error only', () => {
    const text = patch(['owner: secret', 'owner: 5']);
    expect(onlyError(text)).toMatchObject({ code: 'TZ105', path: 'devices[0].owner' });
  });

  test('references into a list with an unreadable name are not judged', () => {
    const e = onlyError(patch(['name: unclass', 'name: [unclass]']));
    expect(e).toMatchObject({ code: 'TZ105', path: 'partitions[1].name' });
  });
});

describe('wrong types (TZ105) and values outside the options (TZ106)', () => {
  test.each([
    ['irq: 11', 'irq: eleven', 'devices[0].irq', 'expected an integer from 0 to 65535, got "eleven"'],
    ['irq: 11', 'irq: 1.5', 'devices[0].irq', 'expected an integer from 0 to 65535, got 1.5'],
    ['cpus: [0]', 'cpus: 0', 'partitions[0].cpus', 'expected a list, got 0'],
    [
      'platform: { cpus: 2, pages: 32 }',
      'platform: [2, 32]',
      'platform',
      'expected a mapping, got a list [2,32]',
    ],
    ['capacity: 2', 'capacity: "2"', 'channels[0].capacity', 'expected an integer from 1 to 65536, got "2"'],
    [
      'levels: [UNCLASSIFIED, SECRET]',
      'levels: UNCLASSIFIED',
      'levels',
      'expected a list, got "UNCLASSIFIED"',
    ],
    [
      'system: mils-two-domain',
      'system: 42',
      'system',
      'expected a name of lower-case letters, digits and "-", got 42',
    ],
  ])('%s -> %s', (from, to, path, message) => {
    const text = patch([from, to]);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ105', path, message, ...at(text, to.slice(to.indexOf(':') + 2)) });
  });

  test('a boolean field refuses a string', () => {
    const text = patch(['cpus: [0],', 'cpus: [0], downgrader: "yes",']);
    expect(onlyError(text)).toMatchObject({
      code: 'TZ105',
      path: 'partitions[0].downgrader',
      message: 'expected true or false, got "yes"',
      ...at(text, '"yes"'),
    });
  });

  test.each([
    [
      'kind: rtos',
      'kind: vm',
      'partitions[1].kind',
      'invalid value "vm"; expected one of: guest-os, rtos, bare-metal',
    ],
    [
      'cpus: [0],',
      'cpus: [0], launch: trusted,',
      'partitions[0].launch',
      'invalid value "trusted"; expected one of: measured, unmeasured',
    ],
    [
      'cpus: [0],',
      'cpus: [0], privileges: [root],',
      'partitions[0].privileges[0]',
      'invalid value "root"; expected one of: partition-control, audit-read',
    ],
    [
      'irq: 11,',
      'irq: 11, iommu: off,',
      'devices[0].iommu',
      'invalid value "off"; expected one of: enforced, passthrough',
    ],
    [
      'pages: 32 }',
      'pages: 32, acs: partial }',
      'platform.acs',
      'invalid value "partial"; expected one of: enforced, off',
    ],
    [
      'onFull: halt',
      'onFull: drop',
      'audit.onFull',
      'invalid value "drop"; expected one of: halt, overwrite',
    ],
  ])('%s -> %s', (from, to, path, message) => {
    const text = patch([from, to]);
    const value = /"(.*)"/.exec(message)?.[1] ?? '';
    expect(onlyError(text)).toMatchObject({ code: 'TZ106', path, message, ...at(text, value) });
  });
});

describe('malformed names (TZ107) and digests (TZ108)', () => {
  test.each([
    ['system: mils-two-domain', 'system: MILS_two', 'system', 'MILS_two'],
    ['name: nic0', 'name: Nic0', 'devices[0].name', 'Nic0'],
    ['name: up', 'name: "up stream"', 'channels[0].name', 'up stream'],
    ['name: ring', 'name: ring.0', 'shared[0].name', 'ring.0'],
  ])('%s -> %s', (from, to, path, value) => {
    const text = patch([from, to]);
    expect(onlyError(text)).toMatchObject({
      code: 'TZ107',
      path,
      message: `malformed name ${JSON.stringify(value)}; expected only lower-case letters, digits and "-" ([a-z0-9-]+)`,
      ...at(text, to.slice(to.indexOf(':') + 2)),
    });
  });

  test('a partition name is checked too, and references to it still resolve', () => {
    const text = BASE.replaceAll('unclass', 'Unclass');
    expect(onlyError(text)).toMatchObject({
      code: 'TZ107',
      path: 'partitions[1].name',
      ...at(text, 'Unclass'),
    });
  });

  test.each([
    [`sha256:${H}`, `sha256:${H.slice(1)}`, 'hypervisor.image'],
    [`sha256:${S}`, `md5:${S}`, 'partitions[0].image'],
    [`sha256:${U}`, `sha256:${'g'.repeat(64)}`, 'partitions[1].image'],
  ])('a malformed digest is quoted: %#', (from, to, path) => {
    const text = patch([from, to]);
    expect(onlyError(text)).toMatchObject({
      code: 'TZ108',
      path,
      message: `malformed digest "${to}"; expected "sha256:" followed by 64 hex digits`,
      ...at(text, `"${to}"`),
    });
  });
});

describe('numbers below their minimum (TZ109)', () => {
  test.each([
    ['capacity: 2', 'capacity: 0', 'channels[0].capacity', 'capacity must be at least 1, got 0'],
    ['capacity: 16', 'capacity: 0', 'audit.capacity', 'capacity must be at least 1, got 0'],
    ['length: 10', 'length: 0', 'schedule.windows[1].length', 'length must be at least 1, got 0'],
    [
      'start: 8, pages: 8',
      'start: 8, pages: 0',
      'partitions[1].memory[0].pages',
      'pages must be at least 1, got 0',
    ],
    [
      'start: 2, pages: 2',
      'start: 2, pages: -1',
      'devices[0].dma[0].pages',
      'pages must be at least 1, got -1',
    ],
    ['majorFrame: 10', 'majorFrame: 0', 'schedule.majorFrame', 'majorFrame must be at least 1, got 0'],
    ['cpus: 2,', 'cpus: 0,', 'platform.cpus', 'cpus must be at least 1, got 0'],
    ['pages: 32', 'pages: 0', 'platform.pages', 'pages must be at least 1, got 0'],
    ['start: 20', 'start: -20', 'shared[0].memory.start', 'start must be at least 0, got -20'],
    ['irq: 11', 'irq: -1', 'devices[0].irq', 'irq must be at least 0, got -1'],
    ['cpus: [0]', 'cpus: [-1]', 'partitions[0].cpus[0]', 'cpus entry must be at least 0, got -1'],
  ])('%s -> %s', (from, to, path, message) => {
    const text = patch([from, to]);
    const value = to.slice(to.lastIndexOf(' ') + 1).replace(/[[\],]/g, '');
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ109', path, message });
    expect(text.split('\n')[(e.line ?? 0) - 1]?.slice((e.column ?? 0) - 1)).toMatch(
      new RegExp(`^${value}\\b`),
    );
  });
});

describe('CPUs past platform.cpus (TZ110)', () => {
  test('in a partition cpus list', () => {
    const text = patch(['cpus: [1]', 'cpus: [1, 2]']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ110', path: 'partitions[1].cpus[1]', ...at(text, '2]') });
    expect(e.message).toBe('unknown CPU 2; platform.cpus is 2, so expected one of: 0, 1');
  });

  test('in a schedule window', () => {
    const text = patch(['cpu: 1,', 'cpu: 7,']);
    expect(onlyError(text)).toMatchObject({
      code: 'TZ110',
      path: 'schedule.windows[1].cpu',
      message: 'unknown CPU 7; platform.cpus is 2, so expected one of: 0, 1',
      ...at(text, '7,'),
    });
  });

  test('not judged when platform.cpus itself is invalid', () => {
    const e = onlyError(patch(['cpus: 2,', 'cpus: two,']));
    expect(e).toMatchObject({ code: 'TZ105', path: 'platform.cpus' });
  });
});

describe('page ranges past platform.pages (TZ111)', () => {
  test.each([
    ['start: 8, pages: 8', 'start: 28, pages: 8', 'partitions[1].memory[0]', 28, 8],
    ['start: 2, pages: 2', 'start: 31, pages: 2', 'devices[0].dma[0]', 31, 2],
    ['start: 20, pages: 1', 'start: 32, pages: 1', 'shared[0].memory', 32, 1],
  ])('%s -> %s', (from, to, path, start, pages) => {
    const text = patch([from, to]);
    expect(onlyError(text)).toMatchObject({
      code: 'TZ111',
      path,
      message:
        `page range { start: ${start}, pages: ${pages} } ends at page ${start + pages - 1}, ` +
        'past the last platform page 31 (platform.pages is 32)',
      ...at(text, `{ ${to}`),
    });
  });

  test('a range ending exactly at the last page is fine', () => {
    expect(
      loaded(parseSystemText(patch(['start: 20, pages: 1', 'start: 20, pages: 12']), 'sys.yaml')).shared[0]
        ?.memory,
    ).toEqual({
      start: 20,
      pages: 12,
    });
  });
});

describe('duplicates (TZ112, TZ113)', () => {
  const third = `  - { name: secret, kind: bare-metal, level: SECRET, cpus: [0], memory: [], image: "sha256:${S}" }\n`;

  test('a duplicate partition says where the first one was', () => {
    const text = patch(['devices:', `${third}devices:`]);
    const e = onlyError(text);
    expect(e).toMatchObject({
      code: 'TZ112',
      path: 'partitions[2].name',
      ...atValue(text, 'name: secret', 2),
    });
    expect(e.message).toBe(
      'duplicate partition name "secret"; first defined at partitions[0].name (line 6, column 13)',
    );
  });

  test.each([
    ['devices', '  - { name: nic0, owner: unclass, irq: 12, dma: [] }\n', 'nic0', 'device', 9],
    ['channels', '  - { name: up, from: secret, to: unclass, capacity: 1 }\n', 'up', 'channel', 11],
    [
      'shared',
      '  - { name: ring, memory: { start: 21, pages: 1 }, writer: secret, readers: [] }\n',
      'ring',
      'shared region',
      13,
    ],
  ])('duplicate %s', (key, entry, name, noun, firstLine) => {
    const anchor = { devices: 'channels:', channels: 'shared:', shared: 'schedule:' }[key] ?? '';
    const text = patch([anchor, `${entry}${anchor}`]);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ112', path: `${key}[1].name`, ...atValue(text, `name: ${name}`, 2) });
    expect(e.message).toBe(
      `duplicate ${noun} name "${name}"; first defined at ${key}[0].name (line ${firstLine}, column 13)`,
    );
  });

  test('a duplicate level says where the first one was', () => {
    const text = patch(['levels: [UNCLASSIFIED, SECRET]', 'levels: [UNCLASSIFIED, SECRET, UNCLASSIFIED]']);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ113', path: 'levels[2]', ...at(text, 'UNCLASSIFIED', 2) });
    expect(e.message).toBe('duplicate level "UNCLASSIFIED"; first listed at levels[0] (line 4, column 10)');
  });
});

test('a channel from a partition to itself (TZ114)', () => {
  const text = patch(['to: secret', 'to: unclass']);
  const e = onlyError(text);
  expect(e).toMatchObject({ code: 'TZ114', path: 'channels[0].to', ...atValue(text, 'to: unclass') });
  expect(e.message).toBe('channel from partition "unclass" to itself; "from" and "to" must differ');
});

test('a shared-region writer that is also a reader (TZ115)', () => {
  const text = patch(['readers: [secret]', 'readers: [secret, unclass]']);
  const e = onlyError(text);
  expect(e).toMatchObject({ code: 'TZ115', path: 'shared[0].readers[1]', ...at(text, 'unclass]') });
  expect(e.message).toBe(
    'writer "unclass" is also listed as a reader; the writer already has read-write access',
  );
});

describe('the partition limit (TZ116)', () => {
  const withPartitions = (n: number): string => {
    const extra = Array.from(
      { length: n - 2 },
      (_, i) =>
        `  - { name: p${i}, kind: bare-metal, level: SECRET, cpus: [], memory: [], image: "sha256:${S}" }\n`,
    ).join('');
    return patch(['devices:', `${extra}devices:`]);
  };

  test('30 partitions load', () => {
    expect(loaded(parseSystemText(withPartitions(30), 'sys.yaml')).partitions.map((p) => p.index)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  test('31 partitions are refused, naming the limit', () => {
    const text = withPartitions(31);
    const e = onlyError(text);
    expect(e).toMatchObject({ code: 'TZ116', path: 'partitions', ...at(text, '- { name: secret') });
    expect(e.message).toBe(
      '31 partitions, but at most 30 are supported (the model keeps sets of partitions as 31-bit masks)',
    );
  });
});

describe('collecting errors', () => {
  test('all errors are reported, in file order', () => {
    const text = patch(
      ['owner: secret', 'owner: secrt'],
      ['capacity: 2', 'capacity: 0'],
      ['level: SECRET', 'level: TOP'],
      ['onFull: halt', 'onFull: halt, size: 3'],
    );
    expect(errorsOf(text).map((e) => `${e.line}:${e.column} ${e.code} ${e.path}`)).toEqual([
      `6:44 TZ104 partitions[0].level`,
      `9:26 TZ104 devices[0].owner`,
      `11:54 TZ109 channels[0].capacity`,
      `19:38 TZ102 audit.size`,
    ]);
  });

  test('errors inside aliased nodes point at the anchor', () => {
    const text = patch(
      ['memory: [{ start: 0, pages: 8 }]', 'memory: &mem [{ start: 0, pages: 0 }]'],
      ['memory: [{ start: 8, pages: 8 }]', 'memory: *mem'],
    );
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.path, e.line, e.column])).toEqual([
      ['partitions[0].memory[0].pages', 6, at(text, '0 }]').column],
      ['partitions[1].memory[0].pages', 6, at(text, '0 }]').column],
    ]);
  });
});

describe('insecure systems are not input errors', () => {
  test.each([
    ['overlapping memory between partitions', [['start: 8, pages: 8', 'start: 4, pages: 8']]],
    ['a DMA window over another partition', [['start: 2, pages: 2', 'start: 8, pages: 4']]],
    ['a channel that writes down', [['from: unclass, to: secret', 'from: secret, to: unclass']]],
    ['a passthrough IOMMU', [['irq: 11,', 'irq: 11, iommu: passthrough,']]],
    ['an unmeasured launch', [['cpus: [1],', 'cpus: [1], launch: unmeasured,']]],
    ['overlapping windows', [['cpu: 1, partition: unclass', 'cpu: 0, partition: unclass']]],
    ['a window past the major frame', [['start: 0, length: 10', 'start: 8, length: 10']]],
    [
      'a window on a CPU outside the partition cpus',
      [['cpu: 0, partition: secret', 'cpu: 1, partition: secret']],
    ],
    ['an audit log that overwrites', [['onFull: halt', 'onFull: overwrite']]],
    [
      'two devices sharing an irq line',
      [['channels:', '  - { name: nic1, owner: unclass, irq: 11, dma: [] }\nchannels:']],
    ],
    [
      'privileges for any partition',
      [['cpus: [1],', 'cpus: [1], privileges: [partition-control, audit-read],']],
    ],
    ['a downgrader', [['cpus: [0],', 'cpus: [0], downgrader: true,']]],
  ] as const)('%s', (_, edits) => {
    const config = loaded(parseSystemText(patch(...edits), 'sys.yaml'));
    expect(config.partitions).toHaveLength(2);
  });

  test('the insecure values reach the config unchanged', () => {
    const config = loaded(
      parseSystemText(
        patch(
          ['from: unclass, to: secret', 'from: secret, to: unclass'],
          ['start: 0, length: 10', 'start: 8, length: 10'],
          ['cpu: 0, partition: secret', 'cpu: 1, partition: secret'],
        ),
        'sys.yaml',
      ),
    );
    expect(config.channels[0]).toMatchObject({ from: 0, to: 1 });
    expect(config.schedule.windows).toEqual([
      { cpu: 1, partition: 0, start: 0, length: 5 },
      { cpu: 1, partition: 1, start: 8, length: 10 },
    ]);
  });
});

test('error codes are distinct', () => {
  const codes = Object.values(SystemFileErrorCode);
  expect(new Set(codes).size).toBe(codes.length);
  for (const code of codes) expect(code).toMatch(/^TZ1\d\d$/);
});

describe('formatSystemFileError', () => {
  test('one line: file, position, path, message, code', () => {
    expect(
      formatSystemFileError({ code: 'TZ104', file: 'a.yaml', path: 'x', message: 'bad', line: 3, column: 4 }),
    ).toBe('a.yaml:3:4: x: bad [TZ104]');
  });

  test('without a position or a path', () => {
    expect(formatSystemFileError({ code: 'TZ101', file: 'a.yaml', path: '', message: 'cannot read' })).toBe(
      'a.yaml: cannot read [TZ101]',
    );
  });

  test('a message with a line break still prints as one line', () => {
    expect(
      formatSystemFileError({
        code: 'TZ100',
        file: 'a.yaml',
        path: '',
        message: 'first\n  second',
        line: 1,
        column: 1,
      }),
    ).toBe('a.yaml:1:1: first second [TZ100]');
  });
});
