import { describe, expect, it } from 'vitest';
import { dotDepth } from '../../tla/checker-engine.js';
import { checkSpec, parseTextTrace } from '../../tla/tla-checker.js';

const SPEC = `---- MODULE Counter ----
EXTENDS Naturals
VARIABLES x
vars == <<x>>
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Stop == x = 3 /\\ UNCHANGED vars
Spec == Init /\\ [][Next \\/ Stop]_vars
Small == x < 5
Tiny == x < 2
====`;

describe('tla-checker, typed', () => {
  it('reports a violated invariant by its 0-based position in the cfg', () => {
    const out = checkSpec(SPEC, 'SPECIFICATION Spec\nINVARIANT Small\nINVARIANT Tiny\n');
    expect(out.kind).toBe('invariant');
    if (out.kind !== 'invariant') return;
    expect(out.index).toBe(1);
    expect(out.trace.map((s) => s.x)).toEqual(['0', '1', '2']);
  });

  it('counts distinct states of a complete run', () => {
    expect(checkSpec(SPEC, 'SPECIFICATION Spec\nINVARIANT Small\n')).toMatchObject({
      kind: 'ok',
      distinctStates: 4,
    });
  });

  it('reports a bound as a bound, never as a pass', () => {
    expect(checkSpec(SPEC, 'SPECIFICATION Spec\nINVARIANT Small\n', { maxStates: 2 }).kind).toBe('bound');
  });

  it('reports errors with their kind', () => {
    const out = checkSpec(SPEC.replace('x < 5', 'x < '), 'SPECIFICATION Spec\nINVARIANT Small\n');
    expect(out.kind).toBe('error');
    if (out.kind === 'error') expect(out.type).toBe('ParseError');
  });

  it('reads printed traces into one value per variable', () => {
    expect(
      parseTextTrace('State 0\n  x = 0\n  f = [a |-> {"b"}]\nState 1\n  x = 1\n  f = [a |-> {}]\n'),
    ).toEqual([
      { x: '0', f: '[a |-> {"b"}]' },
      { x: '1', f: '[a |-> {}]' },
    ]);
  });

  it('measures the depth of a state graph breadth-first', () => {
    const dot = 'digraph G {\n  s0 -> s1;\n  s0 -> s2;\n  s2 -> s3;\n  s3 -> s0;\n  s1 -> s3;\n}';
    expect(dotDepth(dot)).toBe(2);
    expect(dotDepth('digraph G {\n}')).toBe(0);
  });
});
