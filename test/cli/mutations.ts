/**
 * Hostile system files for the command-line fuzz test: a generated valid system (proofs/
 * arbitraries.ts) with mutations (wrong types, extreme numbers, missing and unknown keys, odd
 * strings), written as YAML or JSON under an odd file name.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { systemFileArb } from '../../proofs/arbitraries.js';

type Json = unknown;
type Path = (string | number)[];

/** Every path to a value in `value`, the root excluded. */
function paths(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

/** Numbers at and around every limit, and some no number field should take. */
const EXTREME_NUMBERS = [
  -1,
  0,
  1,
  2,
  31,
  32,
  255,
  256,
  1023,
  1024,
  1025,
  8191,
  8192,
  8193,
  65_535,
  65_536,
  65_537,
  100_000,
  1_000_000,
  1_000_001,
  2 ** 31,
  2 ** 40 - 1,
  2 ** 40,
  2 ** 53,
  1e308,
  1.5,
  -0.5,
];
const ODD_STRINGS = [
  '',
  ' ',
  '\u001b[31mRED\u001b[0m\rFAKE',
  'line\nbreak',
  '\u202eevil',
  '<script>alert(1)</script>',
  'système',
  'a'.repeat(5000),
  '-',
  'MODULE',
  '9007199254740993',
  '~',
];

/** A value of a kind no field expects, or expects only sometimes. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(null, true, false, [], {}, [[]], { start: 0 }),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);

type Mutation =
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'unknown-key'; at: number; key: string }
  | { kind: 'grow-list'; at: number; times: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: oddValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknown-key' as const),
      at: fc.nat(),
      key: fc.constantFrom('extra', 'Name', '<b>', 'cpus '),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('grow-list' as const),
      at: fc.nat(),
      times: fc.constantFrom(31, 65, 1025, 4097),
    }),
  },
);

function parentOf(root: Json, path: Path): { parent: Record<string | number, Json>; key: string | number } {
  let node = root as Record<string | number, Json>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, Json>;
  return { parent: node, key: path.at(-1)! };
}

function apply(root: Json, m: Mutation): void {
  const all = paths(root);
  if (all.length === 0) return;
  const path = all[m.at % all.length]!;
  const { parent, key } = parentOf(root, path);
  const here = parent[key];
  switch (m.kind) {
    case 'set':
      parent[key] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'unknown-key':
      if (here !== null && typeof here === 'object' && !Array.isArray(here))
        (here as Record<string, Json>)[m.key] = 1;
      else parent[key] = { [m.key]: here };
      break;
    case 'grow-list':
      if (Array.isArray(here) && here.length > 0)
        parent[key] = Array.from({ length: m.times }, (_, i) => here[i % here.length]);
      break;
  }
}

export interface HostileFile {
  readonly name: string;
  readonly text: string;
  /** How many mutations were applied (0: a valid generated system). */
  readonly mutations: number;
}

const NAMES = ['system', 'my system', 'système', 'a<b>&c', '-dash', 'x'.repeat(120), 'tab\tname', "q'uote"];

export const hostileFileArb: fc.Arbitrary<HostileFile> = fc
  .record({
    system: systemFileArb({
      maxPartitions: 3,
      maxDevices: 2,
      maxChannels: 2,
      maxPages: 12,
      maxCpus: 2,
      maxFrame: 3,
    }),
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
    ),
    name: fc.constantFrom(...NAMES),
    json: fc.boolean(),
  })
  .map(({ system, mutations, name, json }) => {
    const root = structuredClone(system) as Json;
    for (const m of mutations) apply(root, m);
    const text = json ? JSON.stringify(root, null, 1) : stringify(root);
    return { name: `${name}.${json ? 'json' : 'yaml'}`, text, mutations: mutations.length };
  });
