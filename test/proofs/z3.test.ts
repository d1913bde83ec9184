/**
 * The Z3 session (proofs/symbolic/z3.ts): a context handed on to the next session starts clean, and
 * a deadline is an answer of `unknown` or "the time ran out", never an error in the script.
 */
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../model/layout.js';
import { bmc } from '../../proofs/symbolic/bmc.js';
import { chc } from '../../proofs/symbolic/chc.js';
import { buildRelation } from '../../proofs/symbolic/relation.js';
import { SmtSession } from '../../proofs/symbolic/z3.js';
import { example } from '../helpers.js';

/** Horn clauses over a Boolean `Inv` that Spacer answers at once with a model defining it. */
const HORN = [
  '(set-logic HORN)',
  '(declare-fun Inv () Bool)',
  '(assert Inv)',
  '(assert (=> (and Inv false) false))',
  '(check-sat)',
].join('\n');

async function session<T>(body: (s: SmtSession) => Promise<T>): Promise<T> {
  const s = await SmtSession.open();
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

  it('a deadline already past ends a proof attempt and a search as unknown, not as an error', async () => {
    const rel = buildRelation(buildLayout(example('mils-two-domain')));
    const bad = rel.bad.get('AuditCompleteness')!;
    expect((await chc(rel, bad, Date.now() - 1)).kind).toBe('unknown');
    expect(await bmc(rel, bad, Date.now() - 1)).toMatchObject({ kind: 'none', reason: 'the time ran out' });
    // The sessions after it work as before.
    expect((await chc(rel, bad, Date.now() + 60_000)).kind).toBe('proved');
  });

  it('a deadline that cancels a definition is the deadline, not an error of the commands that use it', async () => {
    // A function of many arguments, a script that uses it many times: the interrupt lands in the
    // definition or in one of its uses, and the uses then name a function Z3 never defined.
    const params = Array.from({ length: 16 }, (_, k) => `(x${k} Int)`).join(' ');
    const args = Array.from({ length: 16 }, (_, k) => `${k}`).join(' ');
    const script = [
      `(define-fun Inv (${params}) Bool (and ${Array.from({ length: 16 }, (_, k) => `(<= 0 x${k})`).join(' ')}))`,
      ...Array.from({ length: 200 }, () => `(push)(assert (not (Inv ${args})))(check-sat)(pop)`),
    ].join('\n');
    for (let i = 0; i < 20; i++) {
      const outcome = await session((s) => s.run(script, 0)).then(
        () => 'answered',
        (e: Error) => e.constructor.name,
      );
      expect(['answered', 'SolverInterrupted']).toContain(outcome);
    }
  });
});
