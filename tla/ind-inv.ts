/**
 * prove's inductive invariants as TLA+ (`IndInv`), beside the generated model: Spacer's `Inv`
 * (SMT-LIB2 over the solver's state variables, proofs/symbolic/state.ts) translated term by term,
 * and applied to the spec's variables in the order the symbolic state lists them. A model checker
 * can then check `IndInv` in every reachable state of the spec, where the system is small enough:
 * the proof and the enumeration meet.
 */
import type { Layout } from '../model/layout.js';
import { Flag } from '../model/state.js';
import type { PropertyName } from '../proofs/properties.js';
import { invDefinition, type Sexp, unquote } from '../proofs/symbolic/sexp.js';
import { FLAG_COUNT, HV_CODE, STATUS_CODE } from '../proofs/symbolic/state.js';
import { mcConfig, mcModule, mcModuleName, readHypervisorSpec } from './generate.js';
import { identifier, int, str, type Tla } from './tla-text.js';

/** A Spacer model defines a function this translation does not know: a defect, never a verdict. */
export class TranslationError extends Error {}

/** A solver symbol (`x!0`, `a!12`) as a TLA+ identifier no spec definition uses. */
const name = (symbol: string) => `z_${identifier(unquote(symbol))}`;

const INFIX: Record<string, string> = {
  and: '/\\',
  or: '\\/',
  '=>': '=>',
  '=': '=',
  distinct: '#',
  '<=': '<=',
  '>=': '>=',
  '<': '<',
  '>': '>',
  '+': '+',
  '*': '*',
  div: '\\div',
  mod: '%',
};

function term(e: Sexp): Tla {
  if (typeof e === 'string') {
    if (e === 'true') return 'TRUE';
    if (e === 'false') return 'FALSE';
    if (/^\d+$/.test(e)) return e;
    return name(e);
  }
  const [head, ...args] = e;
  if (typeof head !== 'string') throw new TranslationError(`cannot translate ${JSON.stringify(e)}`);
  if (head === 'not' && args.length === 1) return `~(${term(args[0]!)})`;
  if (head === '-' && args.length === 1) return `(0 - ${term(args[0]!)})`;
  if (head === '-') return `(${args.map(term).join(' - ')})`;
  if (head === 'ite' && args.length === 3)
    return `(IF ${term(args[0]!)} THEN ${term(args[1]!)} ELSE ${term(args[2]!)})`;
  if (head === 'let' && args.length === 2 && Array.isArray(args[0])) {
    const defs = (args[0] as Sexp[]).map((b) => {
      if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'string')
        throw new TranslationError(`cannot translate the binding ${JSON.stringify(b)}`);
      return `${name(b[0])} == ${term(b[1]!)}`;
    });
    return `(LET ${defs.join(' ')} IN ${term(args[1]!)})`;
  }
  const op = INFIX[head];
  if (op && args.length >= 2) return `(${args.map(term).join(` ${op} `)})`;
  if (op && args.length === 1 && (head === 'and' || head === 'or')) return term(args[0]!);
  throw new TranslationError(`cannot translate the operator ${head} of ${JSON.stringify(e)}`);
}

/** `(define-fun Inv ((x!0 Int) ...) Bool body)`: the parameters' TLA+ names and the body. */
function inv(definitions: string): { params: string[]; body: Tla } {
  const found = invDefinition(definitions, TranslationError);
  return { params: found.params.map(name), body: term(found.body) };
}

const codeOf = (op: string, codes: Record<string, number>) =>
  `${op}(v) == CASE ${Object.entries(codes)
    .map(([k, n]) => `v = ${str(k)} -> ${int(n)}`)
    .join(' [] ')}`;

/**
 * The spec's expression for each solver state variable, in variable order (as `flatten` lists a
 * symbolic state): the integer codes of the launch states through `IndInvHv` and `IndInvStatus`,
 * one membership per bit, and a queue's slots past its length empty.
 */
export function stateTerms(layout: Layout): Tla[] {
  const { config } = layout;
  const parts = config.partitions.map((p) => str(p.name));
  const label = (set: Tla) => parts.map((q) => `${q} \\in ${set}`);
  const flags = Object.entries(Flag)
    .sort((a, b) => a[1] - b[1])
    .map(([f]) => f);
  if (flags.length !== FLAG_COUNT) throw new Error('the history flags and the solver state differ');
  return [
    'IndInvHv(hv)',
    'hvTampered',
    ...parts.map((p) => `${p} \\in tampered`),
    ...parts.map((p) => `IndInvStatus(status[${p}])`),
    ...parts.flatMap((p) => label(`observed[${p}]`)),
    ...parts.flatMap((p) => config.devices.map((d) => `${str(d.name)} \\in pendingIrq[${p}]`)),
    'frame',
    ...layout.cells.flatMap((_, i) => label(`cells[${i}]`)),
    ...config.channels.map((c) => `Len(channels[${str(c.name)}])`),
    ...config.channels.flatMap((c) => {
      const queue = `channels[${str(c.name)}]`;
      return Array.from({ length: c.capacity }, (_, j) =>
        parts.map((q) => `(Len(${queue}) > ${j} /\\ ${q} \\in ${queue}[${j + 1}])`),
      ).flat();
    }),
    'auditCount',
    ...label('auditLabel'),
    'halted',
    ...flags.map((f) => `${str(f)} \\in flags`),
  ];
}

export interface ProvedInvariant {
  readonly property: PropertyName;
  /** Spacer's `define-fun Inv` text. */
  readonly definitions: string;
  /** The solver variables `Inv` takes, in order, by index. */
  readonly args: readonly number[];
}

/**
 * TLA+ definitions to append to the model: per proved property `IndInv_<Property>`, and `IndInv`,
 * their conjunction (TRUE when nothing was proved by an invariant).
 */
export function indInvDefinitions(layout: Layout, proofs: readonly ProvedInvariant[]): string[] {
  const terms = stateTerms(layout);
  const lines = [
    '\\* The inductive invariants typezero prove found with Z3 (Spacer), over the spec variables.',
    codeOf('IndInvHv', HV_CODE),
    codeOf('IndInvStatus', STATUS_CODE),
  ];
  for (const p of proofs) {
    const { params, body } = inv(p.definitions);
    if (params.length !== p.args.length)
      throw new TranslationError(
        `Inv for ${p.property} takes ${params.length} arguments, not ${p.args.length}`,
      );
    const head = params.length ? `IndInvOf${p.property}(${params.join(', ')})` : `IndInvOf${p.property}`;
    const call = params.length
      ? `IndInvOf${p.property}(${p.args.map((i) => terms[i]!).join(', ')})`
      : `IndInvOf${p.property}`;
    lines.push(`${head} ==\n    ${body}`, `IndInv_${p.property} == ${call}`);
  }
  const all = proofs.map((p) => `IndInv_${p.property}`);
  lines.push(`IndInv == ${all.length ? all.join(' /\\ ') : 'TRUE'}`);
  return lines;
}

/**
 * The model TLC checks `IndInv` on, in one folder: the spec, the MC module with the invariants
 * appended, and `MC<system>_IndInv.cfg`, which names `IndInv` as its one invariant after TypeOK.
 */
export function indInvModel(
  layout: Layout,
  source: string,
  proofs: readonly ProvedInvariant[],
): { module: string; config: string; files: Record<string, string> } {
  const name = mcModuleName(layout.config.system);
  const config = `${name}_IndInv.cfg`;
  const cfg = mcConfig(layout, {
    substitute: true,
    invariants: [],
    extraInvariants: ['IndInv'],
    liveness: false,
  });
  return {
    module: `${name}.tla`,
    config,
    files: {
      'Hypervisor.tla': readHypervisorSpec(),
      [`${name}.tla`]: mcModule(layout, source, ['', ...indInvDefinitions(layout, proofs)]),
      [config]: cfg,
    },
  };
}
