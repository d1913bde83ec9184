import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runExplorer } from '../../proofs/check.js';
import { explainViolation } from '../../proofs/explain.js';
import type { SystemConfig } from '../../system/config.js';
import { parseSystemText } from '../../system/load.js';
import { formatReport, importMuen, MuenError } from '../../system/muen/import.js';
import { typezero } from '../cli/cli.js';

/** The Muen-format policy written for these tests (not Muen's own files). */
const FIXTURE = join(import.meta.dirname, 'muen', 'policy');

/** A copy of the fixture with `edits` applied to its files, so each test can break one thing. */
function variant(edits: Record<string, readonly (readonly [string, string])[]> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'typezero-muen-'));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [file, pairs] of Object.entries(edits)) {
    let text = readFileSync(join(dir, file), 'utf8');
    for (const [from, to] of pairs) {
      if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
      text = text.replace(from, to);
    }
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

function imported(dir: string, flows?: string) {
  const result = importMuen(
    {
      policy: join(dir, 'system.xml'),
      hardware: [join(dir, 'hardware.xml')],
      platform: join(dir, 'platform.xml'),
    },
    undefined,
    flows,
  );
  const loaded = parseSystemText(result.yaml, 'imported.yaml');
  if (!loaded.ok) throw new Error('the imported system does not load');
  return { ...result, config: loaded.config };
}

function errorOf(dir: string, flows?: string): MuenError {
  try {
    imported(dir, flows);
  } catch (e) {
    if (e instanceof MuenError) return e;
    throw e;
  }
  throw new Error('expected the import to fail');
}

const names = (config: SystemConfig, bits: readonly number[]) => bits.map((p) => config.partitions[p]!.name);

describe('importing a Muen policy', () => {
  const { config, yaml, notes } = imported(FIXTURE);
  const partition = (name: string) => config.partitions.find((p) => p.name === name)!;

  test('subjects become partitions, their profile their kind, in policy order', () => {
    expect(config.partitions.map((p) => [p.name, p.kind])).toEqual([
      ['net-drv', 'bare-metal'],
      ['app', 'guest-os'],
      ['logger', 'bare-metal'],
    ]);
    expect(config.platform.cpus).toBe(2);
  });

  test('each region is one page; a region one subject maps is its memory, through includes and components', () => {
    // app_ram (regions.xml), net_dma (more/shared.xml, two includes deep) and the component's stack.
    expect(partition('app').memory).toHaveLength(1);
    expect(partition('net-drv').memory).toHaveLength(2);
    expect(yaml).toMatch(/# app_ram, system\.xml:\d+/);
    expect(yaml).toMatch(/# net_drv\|stack, components\/driver\.xml:\d+/);
    expect(config.platform.pages).toBe(6);
  });

  test('channels become shared regions with their writer and readers, from the subject or its component and library', () => {
    expect(
      config.shared.map((s) => [s.name, config.partitions[s.writer]!.name, names(config, s.readers)]),
    ).toEqual([
      ['requests', 'app', ['net-drv']],
      ['responses', 'net-drv', ['app']],
      ['log', 'net-drv', ['logger']],
    ]);
  });

  test('conditionals follow config values, platform values and expressions', () => {
    // "log" exists only because the expression log_active holds; "spare" is switched off.
    expect(config.shared.some((s) => s.name === 'spare')).toBe(false);
    // The component's own config switches its trace memory off.
    expect(yaml).not.toContain('trace');
  });

  test('the declared flows are the channels and the events between subjects', () => {
    const pairs = new Set(
      (config.flows ?? []).map((f) => `${config.partitions[f.from]!.name}->${config.partitions[f.to]!.name}`),
    );
    expect([...pairs].sort()).toEqual(['app->net-drv', 'net-drv->app', 'net-drv->logger']);
  });

  test('a reset event gives its source partition-control over its target alone', () => {
    expect(partition('net-drv').privileges).toEqual(['partition-control']);
    expect(partition('net-drv').controls).toEqual([partition('app').index]);
    expect(partition('app').privileges).toEqual([]);
    expect(partition('app').controls).toBeUndefined();
  });

  test('devices come from the hardware through platform aliases; a device domain is the DMA window', () => {
    expect(
      config.devices.map((d) => [d.name, config.partitions[d.owner]!.name, d.irq, d.dma.length]),
    ).toEqual([
      ['ethernet-controller-1', 'net-drv', 11, 1],
      ['serial-port', 'net-drv', 4, 0],
    ]);
    const nic = config.devices[0]!;
    expect(partition('net-drv').memory).toContainEqual(nic.dma[0]);
  });

  test('the first major frame becomes the windows, time compressed, a group sharing its minor frame', () => {
    const windows = config.schedule.windows.map((w) => [
      w.cpu,
      config.partitions[w.partition]!.name,
      w.start,
      w.length,
    ]);
    expect(windows).toEqual([
      [0, 'net-drv', 0, 1],
      [0, 'logger', 1, 1],
      [1, 'app', 0, 3],
    ]);
    expect(config.schedule.majorFrame).toBe(3);
    expect(partition('app').cpus).toEqual([1]);
  });

  test('every construct the model cannot express is in the report with its file and line', () => {
    const report = formatReport(notes, (f) => f.replace(`${FIXTURE}/`, ''));
    for (const expected of [
      /^components\/driver\.xml:\d+: device resource <ioPort> of "com_1" in "net_drv": left out/m,
      /^system\.xml:\d+: device resource <pci> of "nic_1"/m,
      /^plan\.xml:\d+: a further major frame: left out/m,
      /^plan\.xml:\d+: subject "tau0" in scheduling partition "kernel_helper": left out/m,
      /^system\.xml:\d+: memory "boot_rom" mapped read-only into app, logger and written by none: left out/m,
      /^memory\/more\/shared\.xml:\d+: memory "unused": mapped into no subject/m,
      /^system\.xml:\d+: event "panic" \(mode kernel\)/m,
      /^system\.xml:\d+: <bootparams> in subject "app"/m,
      /^system\.xml:\d+: reset event "reset_app" from net-drv to app: mapped: net-drv holds partition-control with app among its controls.*approximated: .*partition-status/m,
      /^system\.xml:\d+: event "wake_app" from net-drv to app \(inject_interrupt\): approximated/m,
      /^system\.xml: known-good digests/m,
    ])
      expect(report).toMatch(expected);
  });
});

test('a device several subjects map belongs to the one whose memory its device domain maps', () => {
  // app is given the NIC too, and the domain maps app's memory: app is the subject the DMA serves.
  const dir = variant({
    'system.xml': [
      [
        '<bootparams>console=hvc</bootparams>',
        '<bootparams>console=hvc</bootparams>\n   <devices><device logical="nic" physical="nic_1"/></devices>',
      ],
      [
        '<memory logical="dma" physical="net_dma" writable="true" executable="false"/>\n   </memory>\n   <devices>',
        '<mapSubjectMemory subject="app"/>\n   </memory>\n   <devices>',
      ],
    ],
  });
  const { config, notes } = imported(dir);
  const nic = config.devices.find((d) => d.name === 'ethernet-controller-1')!;
  expect(config.partitions[nic.owner]!.name).toBe('app');
  expect(nic.dma).toEqual(config.partitions[nic.owner]!.memory);
  expect(notes.map((n) => n.construct)).toContain(
    'device "ethernet_controller_1" assigned to app and net-drv',
  );
});

test('a read-only DMA mapping of memory no subject writes is left out of the window, and said so', () => {
  const dir = variant({
    'system.xml': [
      [
        '<memory logical="dma" physical="net_dma" writable="true" executable="false"/>\n   </memory>\n   <devices>',
        '<memory logical="dma" physical="net_dma" writable="true" executable="false"/>\n    <mapSubjectMemory subject="logger"/>\n   </memory>\n   <devices>',
      ],
    ],
  });
  const { config, notes } = imported(dir);
  expect(config.devices.find((d) => d.name === 'ethernet-controller-1')!.dma).toHaveLength(1);
  expect(notes.map((n) => n.construct)).toContain(
    'read-only DMA mapping of "boot_rom" in device domain "net_domain"',
  );
});

describe('insecure Muen policies are findings', () => {
  const violated = (dir: string) =>
    runExplorer(imported(dir).config, 'imported.yaml', { maxStates: 3000 })
      .report.properties.filter((p) => p.status === 'violated')
      .map((p) => p.name);

  test("a device domain that maps another subject's memory", () => {
    const dir = variant({
      'system.xml': [
        [
          '<memory logical="dma" physical="net_dma" writable="true" executable="false"/>\n   </memory>\n   <devices>',
          '<memory logical="dma" physical="net_dma" writable="true" executable="false"/>\n    <memory logical="ram" physical="app_ram" writable="true" executable="false"/>\n   </memory>\n   <devices>',
        ],
      ],
    });
    // The NIC reaches app's RAM: a DmaContainment finding. Its data may go either way between
    // net-drv and app (the channels declare both), so InformationFlow holds.
    expect(violated(dir)).toEqual(['DmaContainment']);
  });

  test('memory shared outside a channel is a flow the policy does not declare', () => {
    // logger writes a region app reads: nothing declares a flow out of logger.
    const dir = variant({
      'system.xml': [
        [
          '<memory logical="rom" physical="boot_rom" writable="false" executable="false"/>',
          '<memory logical="scratch" physical="unused" writable="true" executable="false"/>',
        ],
        [
          '<memory logical="rom" physical="boot_rom" writable="false" executable="true"/>',
          '<memory logical="rom" physical="boot_rom" writable="false" executable="true"/>\n    <memory logical="peek" physical="unused" writable="false" executable="false"/>',
        ],
      ],
    });
    expect(violated(dir)).toEqual(['InformationFlow']);
  });

  test("a reset event puts its target alone under the source's control", () => {
    const { config } = imported(FIXTURE);
    const statuses = (c: typeof config) => {
      const run = runExplorer(c, 'imported.yaml', { reduction: true });
      expect(run.result.complete).toBe(true);
      return run.report.properties.filter((p) => p.status !== 'holds').map((p) => p.name);
    };
    expect(statuses(config)).toEqual([]);
    // Control of every partition would let net-drv read logger's status: a flow out of logger.
    const everyone = config.partitions.map(({ controls: _, ...p }) => p);
    expect(statuses({ ...config, partitions: everyone })).toEqual(['InformationFlow']);
  });
});

describe("a flow policy of the user's own", () => {
  /** The fixture without its reset event, so that no partition holds partition-control. */
  const noReset = () =>
    variant({ 'system.xml': [['<event id="1" logical="reset_app" physical="reset_app"/>', '']] });
  const flowsFile = (dir: string, text: string) => {
    const file = join(dir, 'flows.yaml');
    writeFileSync(file, text);
    return file;
  };

  test('replaces the declared flows, which stay in the file as comments', () => {
    const dir = noReset();
    const { config, yaml } = imported(
      dir,
      flowsFile(dir, 'flows:\n  - { from: app, to: net_drv }\n  - { from: net-drv, to: [logger] }\n'),
    );
    expect(config.flows?.map((f) => [f.from, f.to])).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(yaml).toMatch(
      /^ {2}# declared by the policy: \{ from: net-drv, to: app \} {2}# channel "responses"/m,
    );
  });

  test("a channel used against the user's policy is an InformationFlow finding through that channel", () => {
    // The user allows only requests into the driver and logging out of it; "responses" goes back to app.
    const dir = noReset();
    const { config } = imported(
      dir,
      flowsFile(dir, 'flows:\n  - { from: app, to: net_drv }\n  - { from: net_drv, to: logger }\n'),
    );
    const run = runExplorer(config, 'imported.yaml', { maxStates: 3000 });
    const verdict = run.result.verdicts.get('InformationFlow')!;
    if (verdict.status !== 'violated') throw new Error(`InformationFlow is ${verdict.status}`);
    expect(explainViolation(run.layout, 'InformationFlow', verdict.trace)).toMatch(
      /^app holds data of net-drv:/,
    );
    expect(verdict.trace.steps.some((s) => s.event?.type === 'GuestAccess')).toBe(true);
  });

  test('an unknown subject in the flows file names the file and the field', () => {
    const dir = noReset();
    const e = errorOf(dir, flowsFile(dir, 'flows:\n  - { from: app, to: [net_drv, printer] }\n'));
    expect([e.file.endsWith('flows.yaml'), e.message]).toEqual([
      true,
      'flows[0].to[1]: unknown subject "printer"; expected one of: net_drv, app, logger',
    ]);
  });
});

describe('bad input is an error naming file, line and element', () => {
  test('malformed XML', () => {
    const e = errorOf(
      variant({ 'plan.xml': [['</majorFrame>\n</scheduling>', '</majorFrame>\n</schedule>']] }),
    );
    expect([e.file.endsWith('plan.xml'), e.message]).toEqual([
      true,
      expect.stringContaining('malformed XML'),
    ]);
    // The mismatched closing tag is on the last line of plan.xml.
    expect(e.line).toBe(37);
  });

  test('a missing include names the including element and the path', () => {
    const e = errorOf(variant({ 'memory/regions.xml': [['more/shared.xml', 'more/absent.xml']] }));
    expect(e.file.endsWith('memory/regions.xml')).toBe(true);
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^<include>: cannot include "more\/absent\.xml"/);
  });

  test('an undefined reference', () => {
    const e = errorOf(
      variant({
        'system.xml': [['physical="responses"/>\n   </channels>', 'physical="replies"/>\n   </channels>']],
      }),
    );
    expect(e.message).toBe('<reader>: unknown memory region or channel "replies"');
    expect(e.file.endsWith('system.xml')).toBe(true);
  });

  test('an undefined config variable in a conditional', () => {
    const e = errorOf(variant({ 'system.xml': [['variable="spare_enabled"', 'variable="spare_on"']] }));
    expect(e.message).toBe('<if>: undefined config variable or expression "spare_on"');
  });

  test('a missing component', () => {
    const e = errorOf(variant({ 'system.xml': [['<component ref="driver">', '<component ref="drv">']] }));
    expect(e.message).toMatch(/^<component>: component "drv" not found/);
  });

  test('the command line exits 2 with file:line and nothing on stdout; a good import exits 0', () => {
    const dir = variant({
      'system.xml': [['physical="responses"/>\n   </channels>', 'physical="replies"/>\n   </channels>']],
    });
    const bad = typezero(
      'import',
      'muen',
      join(dir, 'system.xml'),
      '--hardware',
      join(dir, 'hardware.xml'),
      '--platform',
      join(dir, 'platform.xml'),
    );
    expect([bad.status, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toMatch(/system\.xml:\d+: <reader>: unknown memory region or channel "replies"\n$/);
    const out = join(dir, 'imported.yaml');
    const good = typezero(
      'import',
      'muen',
      join(FIXTURE, 'system.xml'),
      '--hardware',
      join(FIXTURE, 'hardware.xml'),
      '--platform',
      join(FIXTURE, 'platform.xml'),
      '--out',
      out,
    );
    expect(good.status).toBe(0);
    expect(good.stderr).toMatch(/^import report: \d+ constructs approximated or left out\n/);
    expect(typezero('validate', out).status).toBe(0);
  });
});
