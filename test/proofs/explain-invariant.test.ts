/**
 * The invariant in domain terms (proofs/symbolic/explain-invariant.ts): the facts behind the text
 * mean what Z3 makes of the solver's `define-fun Inv`, on states reached by random walks and on
 * those states with variables changed at random (where invariants fail too), each variable read
 * from the model state by its role; and the text names the partitions, devices and sets it should.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import type { State } from '../../model/state.js';
import { INVARIANTS, type PropertyName } from '../../proofs/properties.js';
import { budgetUnits } from '../../proofs/prove-budget.js';
import { chc, propertyAsInvariant } from '../../proofs/symbolic/chc.js';
import { claimsFact, explainInvariant, invariantText } from '../../proofs/symbolic/explain-invariant.js';
import { factHolds, rangeOf, roleValue } from '../../proofs/symbolic/facts.js';
import { buildRelation, type Relation } from '../../proofs/symbolic/relation.js';
import { concreteState, decodeState, flatten } from '../../proofs/symbolic/state.js';
import { Budget, SmtSession } from '../../proofs/symbolic/z3.js';
import type { SystemConfig } from '../../system/config.js';
import { example } from '../helpers.js';
import { walkStates } from './walks.js';

interface Proof {
  readonly property: PropertyName;
  readonly definitions: string;
  readonly args: readonly number[];
}

/** Every invariant of the catalog as its own candidate, and Spacer's for the two it strengthens. */
async function proofsOf(rel: Relation): Promise<Proof[]> {
  const proofs: Proof[] = INVARIANTS.map((p) => ({
    property: p.name,
    ...propertyAsInvariant(rel, rel.bad.get(p.name)!),
  }));
  for (const property of ['InformationFlow', 'AuditCompleteness'] as const) {
    const answer = await chc(rel, rel.bad.get(property)!, new Budget(budgetUnits(60_000)));
    if (answer.kind === 'proved')
      proofs.push({ property, definitions: answer.definitions, args: answer.args });
  }
  return proofs;
}

/**
 * Invariants of the shapes Spacer writes and more (implications, ite, Boolean equalities, bounds,
 * sums of two counters), over any variables of the relation, as `define-fun Inv` text.
 */
function invariantArb(rel: Relation): fc.Arbitrary<Proof> {
  const bools = rel.vars.flatMap((v, i) => (v.sort === 'Bool' ? [i] : []));
  const ints = rel.vars.flatMap((v, i) => (v.sort === 'Int' ? [i] : []));
  const { term } = fc.letrec<{ term: string }>((tie) => ({
    term: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...bools).map((i) => `x${i}`),
      fc
        .tuple(
          fc.constantFrom(...ints),
          fc.constantFrom('<=', '>=', '=', '<', '>'),
          fc.integer({ min: -1, max: 3 }),
        )
        .map(([i, op, n]) => `(${op} x${i} ${n < 0 ? `(- ${-n})` : n})`),
      fc
        .tuple(fc.constantFrom(...ints), fc.constantFrom(...ints), fc.integer({ min: 0, max: 2 }))
        .map(([i, j, n]) => `(<= (+ x${i} (* (- 1) x${j})) ${n})`),
      tie('term').map((t) => `(not ${t})`),
      fc
        .tuple(fc.constantFrom('and', 'or', '=>', '='), tie('term'), tie('term'))
        .map(([op, a, b]) => `(${op} ${a} ${b})`),
      fc.tuple(tie('term'), tie('term'), tie('term')).map(([c, a, b]) => `(ite ${c} ${a} ${b})`),
    ),
  }));
  return fc.array(term, { minLength: 1, maxLength: 4 }).map((parts) => {
    const body = parts.length === 1 ? parts[0]! : `(and ${parts.join(' ')})`;
    const args = [...new Set([...body.matchAll(/\bx(\d+)\b/g)].map((m) => Number(m[1])))];
    const params = args.map((i, k) => `(x!${k} ${rel.vars[i]!.sort})`).join(' ');
    const renamed = body.replace(/\bx(\d+)\b/g, (_, i: string) => `x!${args.indexOf(Number(i))}`);
    return { property: 'InformationFlow', definitions: `(define-fun Inv (${params}) Bool ${renamed})`, args };
  });
}

let session: SmtSession;
beforeAll(async () => {
  session = await SmtSession.open();
});
afterAll(() => session.close());

/** Defines each proof's `Inv` as `Inv<k>` in the session. */
async function define(proofs: readonly Proof[]): Promise<void> {
  await session.run(
    [
      '(reset)',
      ...proofs.map((p, k) => p.definitions.replace(/\(define-fun Inv\b/, `(define-fun Inv${k}`)),
    ].join('\n'),
  );
}

/** Z3's value of each `Inv` at the state, one Boolean per proof. */
async function z3Values(layout: Relation['layout'], proofs: readonly Proof[], s: State): Promise<boolean[]> {
  const values = flatten(concreteState(layout, s));
  const script = proofs.map((p, k) =>
    p.args.length ? `(simplify (Inv${k} ${p.args.map((i) => values[i]).join(' ')}))` : `(simplify Inv${k})`,
  );
  const answers = (await session.run(script.join('\n'))).trim().split(/\s+/);
  return answers.map((a) => {
    if (a !== 'true' && a !== 'false') throw new Error(`Z3 simplified an invariant to ${a}`);
    return a === 'true';
  });
}

/**
 * On states of the system's walks with up to three of the invariants' variables changed at random,
 * and on states of any values, each proof's facts (read from the model state by role) against Z3's value of its `Inv`.
 */
async function agree(config: SystemConfig, seed: number, given?: readonly Proof[]): Promise<void> {
  const layout = buildLayout(config);
  const rel = buildRelation(layout);
  const proofs = given ?? (await proofsOf(rel));
  const facts = proofs.map((p) => claimsFact(rel, explainInvariant(rel, p.definitions, p.args)));
  await define(proofs);
  const walked = walkStates(layout, {}, seed, 6, 40);
  const touched = [...new Set(proofs.flatMap((p) => p.args))];
  const value = (i: number, pick: number) => {
    const range = rangeOf(rel, i);
    return String(range[pick % range.length]);
  };
  // A walked state with up to three of the invariants' variables changed within their ranges, or
  // any values at all.
  const changed = fc
    .tuple(
      fc.nat(walked.length - 1),
      fc.array(fc.tuple(fc.constantFrom(...touched), fc.nat()), { maxLength: 3 }),
    )
    .map(([at, changes]) => {
      const values = flatten(concreteState(layout, walked[at]!));
      for (const [i, pick] of changes) values[i] = value(i, pick);
      return values;
    });
  const anything = fc
    .array(fc.nat(), { minLength: rel.vars.length, maxLength: rel.vars.length })
    .map((picks) => picks.map((pick, i) => value(i, pick)));
  const outcomes = { true: 0, false: 0 };
  await fc.assert(
    fc.asyncProperty(fc.oneof(changed, anything), async (values) => {
      // Read back as a model state: a queue's slots past its length are then empty, as the
      // encoding keeps them.
      const s = decodeState(layout, values);
      const expected = await z3Values(layout, proofs, s);
      const got = facts.map((f) => factHolds(f, (i) => roleValue(rel.vars[i]!.role, s)));
      for (const v of expected) outcomes[String(v) as 'true' | 'false']++;
      expect(got).toEqual(expected);
    }),
    { numRuns: 100, seed },
  );
  // Both outcomes were met: the comparison could have failed either way.
  expect(outcomes.true).toBeGreaterThan(0);
  expect(outcomes.false).toBeGreaterThan(0);
}

describe("the explanation means the solver's invariant", () => {
  it.each(['mils-two-domain', 'three-level-guard', 'peer-dma'])(
    '%s: on walked states and on changed ones, the facts agree with Z3 on every invariant',
    { timeout: 300_000 },
    (name) => agree(example(name), name.length),
  );

  it('on random invariants over every variable, a two-message queue included', {
    timeout: 300_000,
  }, async () => {
    const base = example('mils-two-domain');
    const config = { ...base, channels: base.channels.map((c) => ({ ...c, capacity: 2 })) };
    const rel = buildRelation(buildLayout(config));
    const proofs = fc.sample(invariantArb(rel), { seed: 5, numRuns: 80 });
    await agree(config, 5, proofs);
  });
});

/** The relation's variable standing for `meaning`. */
const varOf = (rel: Relation, meaning: string) => {
  const i = rel.vars.findIndex((v) => v.meaning === meaning);
  if (i < 0) throw new Error(`no variable ${meaning}`);
  return i;
};

/** The text of an invariant written by hand over the named variables. */
function text(rel: Relation, meanings: readonly string[], body: string): string[] {
  const args = meanings.map((m) => varOf(rel, m));
  const params = args.map((i, k) => `(x!${k} ${rel.vars[i]!.sort})`).join(' ');
  return invariantText(rel, `(define-fun Inv (${params}) Bool ${body})`, args);
}

describe('the explanation in the system file’s terms', () => {
  const mils = buildRelation(buildLayout(example('mils-two-domain')));
  const guard = buildRelation(buildLayout(example('three-level-guard')));
  const own = (rel: Relation, property: PropertyName) => {
    const p = propertyAsInvariant(rel, rel.bad.get(property)!);
    return invariantText(rel, p.definitions, p.args);
  };

  it('names the partition and the data it never observes', () => {
    // The property as its own invariant, with the bounds of the counters in its cone kept last.
    const ranges = /^and the counters stay in their ranges, as in every state: /;
    const [mine, ...bounds] = own(mils, 'InformationFlow');
    expect(mine).toBe("unclass's observed set stays within {unclass}");
    expect(bounds).toEqual([expect.stringMatching(ranges)]);
    const lines = own(guard, 'InformationFlow');
    expect(lines.slice(0, 2)).toEqual([
      "unclass's observed set stays within {unclass, guard}",
      'secret never observes data of topsecret',
    ]);
    expect(lines.slice(2)).toEqual([expect.stringMatching(ranges)]);
  });

  it('says what a measured launch needs, per partition', () => {
    const lines = own(mils, 'MeasuredLaunch');
    expect(lines.slice(0, 2)).toEqual([
      "if secret is running or faulted, then the hypervisor's measurement is ok and secret's image was not tampered with",
      "if unclass is running or faulted, then the hypervisor's measurement is ok and unclass's image was not tampered with",
    ]);
    // The bounds that came with the property as its own invariant are kept, named.
    expect(lines[2]).toMatch(
      /^and the counters stay in their ranges, as in every state: hv 0\.\.2, .*auditCount 0\.\.2$/,
    );
  });

  it('says a history flag never set in what it records', () => {
    expect(own(mils, 'DmaContainment')).toEqual([
      "no device ever completes DMA to a page its owner may not write, or to another owner's device",
    ]);
    expect(own(mils, 'MemoryIsolation')).toEqual([
      'true in every state: the configuration alone rules out every bad state',
    ]);
  });

  it('reads the shapes Spacer writes: implications, bounds, interrupts, labels of memory and queues', () => {
    expect(text(mils, ['halted', 'auditCount'], '(or x!0 (not (>= x!1 2)))')).toEqual([
      'if the audit log holds 2 records, then the hypervisor has halted',
    ]);
    expect(
      text(
        mils,
        ['hv', 'auditCount', 'status[secret]'],
        '(or (not (<= x!0 1)) (not (>= x!1 2)) (not (<= x!2 0)))',
      ),
    ).toEqual([
      "if the audit log holds 2 records and secret is pending, then the hypervisor's measurement is failed",
    ]);
    expect(text(mils, ['auditCount'], '(not (>= x!0 2))')).toEqual([
      'the audit log never holds more than 1 record',
    ]);
    expect(text(mils, ['status[unclass]'], '(not (= x!0 3))')).toEqual([
      'unclass is never refused at launch',
    ]);
    expect(
      text(
        mils,
        ['pendingIrq[unclass][nic0]', 'cells[0][secret]', 'up[0][secret]'],
        '(and (not x!0) (not x!1) (not x!2))',
      ),
    ).toEqual([
      'shared region ring (page 8) only ever holds data of {unclass}',
      'message 1 of channel up only ever carries data of {unclass}',
      "nic0's interrupts never wait for delivery to unclass",
    ]);
  });

  it('merges implications with the same premise, and the facts about one variable', () => {
    expect(
      text(
        mils,
        ['hv', 'status[secret]'],
        '(and (or (not (>= x!1 1)) (not (= x!0 2))) (or (not (>= x!1 1)) (not (= x!0 0))))',
      ),
    ).toEqual(["if secret is not pending, then the hypervisor's measurement is ok"]);
  });

  it('writes out what has no such shape, with the variables named, let and ite included', () => {
    expect(
      text(mils, ['frame', 'status[secret]'], '(let ((a!1 (+ x!0 (* (- 1) x!1)))) (not (>= a!1 1)))'),
    ).toEqual([
      'frame - status[secret] < 1 (codes: launch states pending 0, running 1, faulted 2, refused 3)',
    ]);
    expect(text(mils, ['halted', 'hvTampered', 'flags[3]'], '(ite x!0 (not x!1) (not x!2))')).toEqual([
      'if the hypervisor has halted, then the hypervisor image was not tampered with; otherwise no audit record has been dropped',
    ]);
    // A term no reading knows comes back as the solver wrote it, its variables named.
    expect(text(mils, ['frame'], '(bvule x!0 1)')).toEqual([
      'as the solver wrote it: (define-fun Inv ((frame Int)) Bool (bvule frame 1))',
    ]);
  });
});
