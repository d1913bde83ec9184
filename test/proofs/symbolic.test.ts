/**
 * The symbolic relation (proofs/symbolic/) against the model it mirrors, through Z3: on states
 * reached by random walks, for every event of the catalog, the solver's successors under the
 * relation are exactly `step`'s (one, and no other) when `enabledEvents` lists the event, and none
 * otherwise; the bad states are exactly where the catalog's `holds` fails; and the initial values
 * are the model's `init`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, enabledEvents } from '../../model/enabled.js';
import { buildLayout, type Layout } from '../../model/layout.js';
import { init, type State, sameState } from '../../model/state.js';
import { type ModelOptions, type SeededBug, step } from '../../model/step.js';
import { systemArb } from '../../proofs/arbitraries.js';
import { INVARIANTS } from '../../proofs/properties.js';
import { buildRelation, type Relation } from '../../proofs/symbolic/relation.js';
import { declare, eventFormula } from '../../proofs/symbolic/smt.js';
import { concreteState, decodeState, flatten } from '../../proofs/symbolic/state.js';
import { MIRRORED_BUGS } from '../../proofs/symbolic/step.js';
import { renameVars } from '../../proofs/symbolic/terms.js';
import { SmtSession } from '../../proofs/symbolic/z3.js';
import type { SystemConfig } from '../../system/config.js';
import { example, fromYaml } from '../helpers.js';
import { TARGETED } from '../targeted-control.js';
import { walkStates } from './walks.js';

const EXAMPLES = [
  'audit-overwrite',
  'dma-passthrough',
  'dma-window-overlap',
  'leaky-audit-reader',
  'mils-two-domain',
  'msi-spoofing',
  'multicore-devices',
  'orphan-monitor',
  'overlapping-memory',
  'peer-dma',
  'schedule-overlap',
  'schedule-past-frame',
  'shared-iommu-group',
  'shared-irq',
  'shared-write-down',
  'three-level-guard',
  'unmeasured-launch',
  'write-down-channel',
];

const next = (i: number) => `n${i}`;
const VALUE = /\((n\d+) (true|false|\d+|\(- \d+\))\)/g;

function values(block: string, count: number): string[] {
  const out: string[] = new Array(count);
  for (const m of block.matchAll(VALUE)) out[Number(m[1]!.slice(1))] = m[2]!;
  return out;
}

/** Checks the relation against the model on `states`; returns how many (state, event) pairs it checked. */
async function conforms(
  session: SmtSession,
  layout: Layout,
  rel: Relation,
  states: readonly State[],
  options: ModelOptions,
): Promise<number> {
  const catalog = buildCatalog(layout);
  const all = rel.vars.map((_, i) => i);
  const names = all.map(next).join(' ');
  let pairs = 0;
  for (const s of states) {
    const cur = flatten(concreteState(layout, s));
    const at = (i: number) => cur[i]!;
    const enabled = new Set(enabledEvents(layout, catalog, s, options).map((e) => JSON.stringify(e)));
    // First round: one successor per event, or none.
    const first = rel.events.map(
      (_, e) => `(push)(assert ${eventFormula(rel, e, at, next)})(check-sat)(echo "@")(pop)`,
    );
    const answers = (await session.run(first.join('\n'))).split('@');
    const second: string[] = [];
    for (const [e, event] of rel.events.entries()) {
      const answer = answers[e]!.trim();
      const listed = enabled.has(JSON.stringify(event));
      expect(answer, `${JSON.stringify(event)} enabled=${listed}`).toBe(listed ? 'sat' : 'unsat');
      if (!listed) continue;
      second.push(String(e));
    }
    if (second.length) {
      const script = second.map(
        (e) =>
          `(push)(assert ${eventFormula(rel, Number(e), at, next)})(check-sat)(get-value (${names}))(echo "@")(pop)`,
      );
      const blocks = (await session.run(script.join('\n'))).split('@');
      const third: string[] = [];
      second.forEach((e, k) => {
        const event = rel.events[Number(e)]!;
        const got = values(blocks[k]!, rel.vars.length);
        const expected = step(layout, s, event, options).state;
        expect(sameState(decodeState(layout, got), expected), JSON.stringify(event)).toBe(true);
        expect(got).toEqual(flatten(concreteState(layout, expected)));
        const other = `(not (and ${all.map((i) => `(= ${next(i)} ${got[i]})`).join(' ')}))`;
        third.push(
          `(push)(assert ${eventFormula(rel, Number(e), at, next)})(assert ${other})(check-sat)(pop)`,
        );
        pairs++;
      });
      const unique = (await session.run(third.join('\n'))).trim().split(/\s+/);
      expect(unique).toEqual(third.map(() => 'unsat'));
    }
    // Bad states: exactly where the catalog's invariant fails.
    const bad = INVARIANTS.map(
      (p) => `(push)(assert ${renameVars(rel.bad.get(p.name)!, at)})(check-sat)(pop)`,
    );
    const verdicts = (await session.run(bad.join('\n'))).trim().split(/\s+/);
    expect(verdicts).toEqual(INVARIANTS.map((p) => (p.holds(layout, s) ? 'unsat' : 'sat')));
  }
  return pairs;
}

let session: SmtSession;
beforeAll(async () => {
  session = await SmtSession.open();
  await session.run(`(set-option :timeout 60000)`);
});
afterAll(() => session.close());

async function checkSystem(
  config: SystemConfig,
  seed: number,
  options: ModelOptions = {},
  walk = { count: 4, length: 30 },
): Promise<number> {
  const layout = buildLayout(config);
  const rel = buildRelation(layout, options);
  await session.run(
    `(reset)\n${declare(
      rel,
      rel.vars.map((_, i) => i),
      next,
    )}`,
  );
  expect(decodeState(layout, rel.init)).toEqual(init(layout));
  return conforms(session, layout, rel, walkStates(layout, options, seed, walk.count, walk.length), options);
}

describe('the symbolic relation conforms to the model', () => {
  it.each(EXAMPLES)('%s', async (name) => {
    expect(await checkSystem(example(name), name.length)).toBeGreaterThan(20);
  });

  it.each([
    ['targeted', TARGETED()],
    ['controlling no one', TARGETED(', controls: []')],
  ])('with a health monitor %s (partitions[].controls)', async (_, text) => {
    expect(await checkSystem(fromYaml(text), 5)).toBeGreaterThan(20);
  });

  it('on generated systems', async () => {
    const systems = fc.sample(systemArb(), { seed: 9, numRuns: 20 });
    let pairs = 0;
    for (const [i, config] of systems.entries())
      pairs += await checkSystem(config, i, {}, { count: 2, length: 15 });
    expect(pairs).toBeGreaterThan(20 * 10);
  });

  it.each(MIRRORED_BUGS)('with the seeded bug %s', async (bug: SeededBug) => {
    expect(await checkSystem(example('mils-two-domain'), 7, { bugs: new Set([bug]) })).toBeGreaterThan(20);
  });

  it('with the seeded bug dma-after-halt on peer-to-peer DMA', async () => {
    const options = { bugs: new Set<SeededBug>(['dma-after-halt']) };
    expect(await checkSystem(example('peer-dma'), 3, options)).toBeGreaterThan(20);
  });

  it('refuses the seeded bug it does not mirror', () => {
    const layout = buildLayout(example('mils-two-domain'));
    expect(() => buildRelation(layout, { bugs: new Set(['refused-send-enqueues']) })).toThrow(
      /does not mirror/,
    );
  });
});
