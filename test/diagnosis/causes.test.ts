import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { blame, type Cause, locate } from '../../diagnosis/causes.js';
import { flowBlames } from '../../diagnosis/flow.js';
import type { Event } from '../../model/events.js';
import { buildLayout } from '../../model/layout.js';
import { init } from '../../model/state.js';
import { step } from '../../model/step.js';
import { systemFileArb } from '../../proofs/arbitraries.js';
import { runExplorer } from '../../proofs/check.js';
import type { Trace, TraceStep } from '../../proofs/explorer.js';
import type { DeviceIdx, PartitionIdx } from '../../system/config.js';
import { formatPath, loadSystemFile, parseSystemText } from '../../system/load.js';
import { EXAMPLES } from '../cli/cli.js';
import { exampleText, ROOT } from '../helpers.js';

/** The fields an example's header comment blames (`# expect-causes: path path ...`). */
function blamed(name: string): string[] {
  const line = exampleText(name).match(/^# expect-causes: (.*)$/m);
  return line ? line[1]!.trim().split(/\s+/) : [];
}

const INSECURE = EXAMPLES.filter((name) => !/^# expect-violated: none$/m.test(exampleText(name)));

/** A cause names `field` when it is that field or lies inside it. */
const names = (cause: Cause, field: string) =>
  cause.path === field || cause.path.startsWith(`${field}.`) || cause.path.startsWith(`${field}[`);

function diagnose(name: string) {
  const loaded = loadSystemFile(`${ROOT}examples/${name}.yaml`);
  if (!loaded.ok) throw new Error(`examples/${name}.yaml does not load`);
  const run = runExplorer(loaded.config, name, { reduction: true });
  const causes = new Map<string, Cause[]>();
  for (const [property, verdict] of run.result.verdicts)
    if (verdict.status === 'violated')
      causes.set(property, locate(blame(run.layout, property, verdict.trace), loaded.positions));
  return causes;
}

describe('root causes of the insecure examples', () => {
  it('every insecure example says which fields its header comment blames', () => {
    expect(INSECURE.length).toBeGreaterThanOrEqual(6);
    for (const name of INSECURE) expect(blamed(name), name).not.toEqual([]);
  });

  it.each(INSECURE)(
    '%s: each violation is caused by a field the header blames, and each such field causes one',
    (name) => {
      const fields = blamed(name);
      const causes = diagnose(name);
      expect(causes.size).toBeGreaterThan(0);
      for (const [property, list] of causes)
        expect(
          list.some((c) => fields.some((f) => names(c, f))),
          `${property}: ${list.map((c) => c.path).join(', ')}`,
        ).toBe(true);
      const all = [...causes.values()].flat();
      for (const field of fields)
        expect(
          all.some((c) => names(c, field)),
          field,
        ).toBe(true);
    },
  );

  it.each(INSECURE)('%s: each cause points at its field in the file', (name) => {
    const lines = exampleText(name).split('\n');
    for (const cause of [...diagnose(name).values()].flat()) {
      expect(cause.explanation.length).toBeGreaterThan(10);
      const text = lines[cause.line - 1]!.slice(cause.column - 1);
      const last = cause.path.match(/(?:\.|^)([A-Za-z]+)$/)?.[1];
      // A field named by its key starts at the key; a list item at the item.
      if (last !== undefined) expect(text.startsWith(`${last}:`), `${cause.path}: ${text}`).toBe(true);
      else expect(lines[cause.line - 1]!.slice(0, cause.column - 1), cause.path).toMatch(/(- |\[|, )$/);
    }
  });
});

const CHAIN = `
system: chain
platform: { cpus: 1, pages: 8 }
hypervisor: { image: sha256:${'a'.repeat(64)} }
levels: [LOW, HIGH]
partitions:
  - { name: hi, kind: guest-os, level: HIGH, cpus: [0], memory: [{ start: 0, pages: 2 }], image: sha256:${'b'.repeat(64)} }
  - { name: lo, kind: rtos, level: LOW, cpus: [0], memory: [{ start: 2, pages: 2 }], image: sha256:${'c'.repeat(64)} }
devices:
  - { name: nic0, owner: lo, irq: 3, dma: [{ start: 2, pages: 1 }, { start: 4, pages: 2 }] }
channels:
  - { name: up, from: lo, to: hi, capacity: 1 }
shared:
  - { name: drop, memory: { start: 4, pages: 1 }, writer: hi, readers: [] }
  - { name: spare, memory: { start: 5, pages: 1 }, writer: hi, readers: [] }
schedule:
  majorFrame: 2
  windows:
    - { cpu: 0, partition: hi, start: 0, length: 1 }
    - { cpu: 0, partition: lo, start: 1, length: 1 }
audit: { capacity: 4, onFull: halt }
`;

describe('InformationFlow causes follow the label, not the trace', () => {
  it('blames only the steps that carried the forbidden label, among steps that did not', () => {
    const loaded = parseSystemText(CHAIN, 'chain.yaml');
    if (!loaded.ok) throw new Error('the fixture does not load');
    const layout = buildLayout(loaded.config);
    const [hi, lo] = [0 as PartitionIdx, 1 as PartitionIdx];
    const nic = 0 as DeviceIdx;
    const events: Event[] = [
      { type: 'MeasureHypervisor' },
      { type: 'LaunchPartition', partition: hi },
      { type: 'LaunchPartition', partition: lo },
      // hi writes its data into the drop region (gpa 2 is its first shared page).
      { type: 'GuestAccess', partition: hi, gpa: 2, access: 'write' },
      // A decoy that carries hi's data too, but to a page nothing of lo's reads.
      { type: 'GuestAccess', partition: hi, gpa: 3, access: 'write' },
      { type: 'Tick' },
      // Decoys: lo talks up to hi on the channel and its NIC touches lo's own page.
      { type: 'Hypercall', partition: lo, op: 'send', arg: 0, buffer: 0 },
      { type: 'Dma', device: nic, page: 2, access: 'write' },
      // The NIC's second window reads the drop region for lo: hi's data reaches lo.
      { type: 'Dma', device: nic, page: 4, access: 'read' },
    ];
    let state = init(layout);
    const steps: TraceStep[] = [{ event: null, state, result: null }];
    for (const event of events) {
      const result = step(layout, state, event);
      expect(result.outcome, event.type).toBe('ok');
      state = result.state;
      steps.push({ event, state, result });
    }
    const trace: Trace = { steps };
    const paths = flowBlames(layout, trace, lo, hi).map((b) => formatPath(b.path));
    expect(paths).toEqual(['shared[0].writer', 'devices[0].dma[1]']);
    expect(blame(layout, 'InformationFlow', trace).map((b) => formatPath(b.path))).toEqual(paths);
  });
});

/** The value at `path` in a raw system file, or undefined where the file has none. */
function at(raw: unknown, path: readonly (string | number)[]): unknown {
  let node = raw;
  for (const segment of path) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  return node;
}

describe('causes of generated systems', () => {
  const CODE = ['HypercallAuthorization', 'FaultContainment', 'FailSecure'];
  test.prop(
    [
      systemFileArb({
        maxPartitions: 3,
        maxDevices: 2,
        maxChannels: 2,
        maxPages: 6,
        maxCpus: 2,
        maxFrame: 3,
      }),
    ],
    {
      numRuns: 40,
    },
  )('every violation a system file can cause names fields the file has', (raw) => {
    const loaded = parseSystemText(JSON.stringify(raw), 'generated.json');
    if (!loaded.ok) throw new Error('the generator made a file that does not load');
    const run = runExplorer(loaded.config, 'generated.json', { reduction: true, maxStates: 50_000 });
    for (const [name, verdict] of run.result.verdicts) {
      if (verdict.status !== 'violated') continue;
      const blames = blame(run.layout, name, verdict.trace);
      expect(blames.length > 0, name).toBe(!CODE.includes(name));
      for (const b of blames) expect(at(raw, b.path), `${name}: ${formatPath(b.path)}`).toBeDefined();
    }
  });
});
