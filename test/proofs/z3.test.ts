/**
 * The Z3 session (proofs/symbolic/z3.ts): every session starts clean, so a script answers the same
 * whatever ran before it; a spent budget is an answer of `unknown`, and the wall clock an
 * interruption, never an answer and never an error in the script.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { budgetUnits } from '../../proofs/prove-budget.js';
import { bmc } from '../../proofs/symbolic/bmc.js';
import { chc } from '../../proofs/symbolic/chc.js';
import { buildRelation } from '../../proofs/symbolic/relation.js';
import { Budget, SmtSession, SolverInterrupted, type WallClock } from '../../proofs/symbolic/z3.js';
import { example } from '../helpers.js';

/** Horn clauses over a Boolean `Inv` that Spacer answers at once with a model defining it. */
const HORN = [
  '(set-logic HORN)',
  '(declare-fun Inv () Bool)',
  '(assert Inv)',
  '(assert (=> (and Inv false) false))',
  '(check-sat)',
].join('\n');

async function session<T>(body: (s: SmtSession) => Promise<T>, clock?: WallClock): Promise<T> {
  const s = await SmtSession.open(clock);
  try {
    return await body(s);
  } finally {
    s.close();
  }
}

describe('Z3 sessions', () => {
  it('a session sees none of the declarations and definitions of the sessions before it', async () => {
    await session((s) => s.run('(declare-const a Int)(define-fun Inv () Bool true)(check-sat)'));
    await session((s) => s.run('(declare-const b Int)(check-sat)'));
    const model = await session(async (s) => {
      expect((await s.run(HORN)).trim()).toBe('sat');
      // Names an earlier session declared are free again.
      expect((await s.run('(declare-const a Bool)(declare-const b Bool)(check-sat)')).trim()).toBe('sat');
      return s.run('(get-model)');
    });
    expect(model.match(/define-fun Inv\b/g)).toHaveLength(1);
  });

  it('a budget of one unit ends a proof attempt and a search as unknown, not as an error', async () => {
    const rel = buildRelation(buildLayout(example('mils-two-domain')));
    const bad = rel.bad.get('AuditCompleteness')!;
    expect(await chc(rel, bad, new Budget(1))).toMatchObject({ kind: 'unknown' });
    expect(await bmc(rel, bad, new Budget(1))).toMatchObject({
      kind: 'none',
      reason: "the solver's budget ran out",
    });
    // The sessions after it work as before.
    expect((await chc(rel, bad, new Budget(budgetUnits(60_000)))).kind).toBe('proved');
  });

  it('a script answers the same, with the same spending, whatever ran before it', async () => {
    const rel = buildRelation(buildLayout(example('dma-window-overlap')));
    const audit = rel.bad.get('AuditCompleteness')!;
    const spacer = async () => {
      const budget = new Budget(budgetUnits(60_000));
      const answer = await chc(rel, audit, budget);
      return { answer, spent: budget.units - budget.left };
    };
    const first = await spacer();
    expect(first.answer.kind).toBe('proved');
    // Another proof in between: a context reused after (reset) would number the terms on from
    // it, and Spacer would find another invariant.
    await chc(rel, rel.bad.get('InformationFlow')!, new Budget(budgetUnits(60_000)));
    expect(await spacer()).toEqual(first);
  });

  it('a slice draws on its budget, and a query is charged what it spent', async () => {
    const whole = new Budget(1_000_000);
    const part = whole.slice(5_000);
    await session(async (s) => {
      expect((await s.check('(declare-const a Int)(assert (> a 2))(check-sat)', part)).trim()).toBe('sat');
    });
    expect(part.left).toBeLessThan(5_000);
    expect(whole.units - whole.left).toBe(part.units - part.left);
    expect(whole.slice(2_000_000).units).toBe(whole.left);
  });

  it('past the wall clock a script is interrupted, never answered, and no error of the script', async () => {
    const past: WallClock = { deadline: performance.now() - 1, limitMs: 1 };
    await expect(session((s) => s.run('(check-sat)'), past)).rejects.toThrow(SolverInterrupted);
    // A function of many arguments, a script that uses it many times: the interrupt lands in the
    // definition or in one of its uses, and the uses then name a function Z3 never defined.
    const params = Array.from({ length: 16 }, (_, k) => `(x${k} Int)`).join(' ');
    const args = Array.from({ length: 16 }, (_, k) => `${k}`).join(' ');
    const script = [
      `(define-fun Inv (${params}) Bool (and ${Array.from({ length: 16 }, (_, k) => `(<= 0 x${k})`).join(' ')}))`,
      ...Array.from({ length: 200 }, () => `(push)(assert (not (Inv ${args})))(check-sat)(pop)`),
    ].join('\n');
    for (let i = 0; i < 20; i++) {
      const soon: WallClock = { deadline: performance.now() + 1, limitMs: 1 };
      const outcome = await session((s) => s.run(script), soon).then(
        () => 'answered',
        (e: Error) => e.constructor.name,
      );
      expect(['answered', 'SolverInterrupted']).toContain(outcome);
    }
  });
});
