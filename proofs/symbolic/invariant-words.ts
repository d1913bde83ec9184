/**
 * The words of the explanation of an invariant (explain-invariant.ts): each state variable's value
 * as a statement in the system file's terms (partitions, devices, channels and shared regions by
 * name, history flags by what they record), a label's clear bits as one sentence, a counter's
 * values as a bound, and a term over several variables written out with the variables' names.
 */
import type { Layout } from '../../model/layout.js';
import { Flag } from '../../model/state.js';
import { type Expr, type Op, variablesOf } from './invariant.js';
import type { Relation } from './relation.js';
import { HV_CODE, type LabelHolder, STATUS_CODE, type VarRole } from './state.js';

export const partition = (layout: Layout, p: number) => layout.config.partitions[p]?.name ?? `#${p}`;

/** "a", "a or b", "a, b or c" (or "and"). */
export function list(items: readonly string[], word = 'or'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items.at(-1)}`;
}

/** "{a, b}" */
const set = (items: readonly string[]) => `{${items.join(', ')}}`;

// ---------------------------------------------------------------- labels

/** The memory a labelled cell stands for: a shared region's name where its pages lie in one. */
function cellName(layout: Layout, cell: number): string {
  const pages = layout.cells[cell]!.pages;
  const at = pages.length === 1 ? `page ${pages[0]}` : `pages ${pages.join(', ')}`;
  const region = layout.config.shared.find((r) =>
    pages.every((p) => p >= r.memory.start && p < r.memory.start + r.memory.pages),
  );
  return region ? `shared region ${region.name} (${at})` : `the memory at ${at}`;
}

/** What holds a label, and the verb for holding data in it. */
function holderWords(layout: Layout, h: LabelHolder): { subject: string; verb: string } {
  switch (h.kind) {
    case 'observed':
      return { subject: partition(layout, h.partition), verb: 'observes' };
    case 'cell':
      return { subject: cellName(layout, h.cell), verb: 'holds' };
    case 'slot':
      return {
        subject: `message ${h.slot + 1} of channel ${layout.config.channels[h.channel]!.name}`,
        verb: 'carries',
      };
    case 'auditLog':
      return { subject: 'the audit log', verb: 'holds' };
  }
}

export function labelClaim(
  layout: Layout,
  h: LabelHolder,
  sources: readonly number[],
  value: boolean,
): string {
  const names = sources.map((q) => partition(layout, q));
  const rest = layout.config.partitions.map((p) => p.name).filter((q) => !names.includes(q));
  const { subject, verb } = holderWords(layout, h);
  const observed = h.kind === 'observed' ? `${subject}'s observed set` : null;
  if (value)
    return observed
      ? `${observed} always includes ${list(names, 'and')}`
      : `${subject} always ${verb} data of ${list(names, 'and')}`;
  // "stays within" the others where that is the shorter list, else "never ... data of" the bits named.
  if (rest.length && rest.length <= names.length)
    return observed
      ? `${observed} stays within ${set(rest)}`
      : `${subject} only ever ${verb} data of ${set(rest)}`;
  return `${subject} never ${verb} data of ${list(names)}`;
}

// ---------------------------------------------------------------- one variable

/** Per history flag: it is set, it is clear, and it stays clear (as a sentence). */
const FLAG_TEXT: Record<
  keyof typeof Flag,
  { readonly happened: string; readonly clear: string; readonly never: string }
> = {
  DmaEscape: {
    happened: "a device has completed DMA to a page its owner may not write, or to another owner's device",
    clear: "no device has completed DMA to a page its owner may not write, or to another owner's device",
    never: "no device ever completes DMA to a page its owner may not write, or to another owner's device",
  },
  IrqEscape: {
    happened: 'a device interrupt has reached a partition that does not own the device',
    clear: 'no device interrupt has reached a partition that does not own the device',
    never: 'no device interrupt ever reaches a partition that does not own the device',
  },
  Unaudited: {
    happened: 'a denied or failed operation has left no audit record',
    clear: 'every denied or failed operation has left an audit record',
    never: 'every denied or failed operation leaves an audit record',
  },
  AuditDropped: {
    happened: 'an audit record has been dropped',
    clear: 'no audit record has been dropped',
    never: 'no audit record is ever dropped',
  },
  HypercallEscape: {
    happened:
      'a refused hypercall has changed more than the audit log, or a privileged one has succeeded unprivileged',
    clear:
      'no refused hypercall has changed more than the audit log, and no privileged one has succeeded unprivileged',
    never:
      'no refused hypercall changes more than the audit log, and no privileged one succeeds unprivileged',
  },
  FaultEscape: {
    happened:
      'a fault has changed more than the faulting partition and the audit log, or a partition restarted or had its memory cleared without a partition-reset',
    clear:
      'no fault has changed more than the faulting partition and the audit log, and no partition restarted or had its memory cleared without a partition-reset',
    never:
      'no fault changes more than the faulting partition and the audit log, and no partition restarts or has its memory cleared without a partition-reset',
  },
  HaltEscape: {
    happened: 'something has changed after the system halted',
    clear: 'nothing has changed after the system halted',
    never: 'nothing changes once the system has halted',
  },
};

const FLAGS = (Object.keys(Flag) as (keyof typeof Flag)[]).sort((a, b) => Flag[a] - Flag[b]);

/** A Boolean variable's value as a statement about the state. */
export function bitText(layout: Layout, role: VarRole, value: boolean): string {
  const not = value ? '' : ' not';
  switch (role.kind) {
    case 'label': {
      const q = partition(layout, role.source);
      const h = role.holder;
      if (h.kind === 'observed') return `${partition(layout, h.partition)} has${not} observed data of ${q}`;
      if (h.kind === 'cell')
        return `${cellName(layout, h.cell)} ${value ? 'holds' : 'does not hold'} data of ${q}`;
      if (h.kind === 'slot')
        return `message ${h.slot + 1} of channel ${layout.config.channels[h.channel]!.name} ${value ? 'carries' : 'does not carry'} data of ${q}`;
      return `the audit log ${value ? 'holds' : 'does not hold'} data of ${q}`;
    }
    case 'pendingIrq':
      return `${value ? 'an' : 'no'} interrupt of ${layout.config.devices[role.device]!.name} waits for ${partition(layout, role.partition)}`;
    case 'tampered':
      return `${partition(layout, role.partition)}'s image was${not} tampered with`;
    case 'hvTampered':
      return `the hypervisor image was${not} tampered with`;
    case 'halted':
      return `the hypervisor has${not} halted`;
    case 'flag': {
      const t = FLAG_TEXT[FLAGS[role.flag]!];
      return value ? t.happened : t.clear;
    }
    default:
      throw new Error(`${role.kind} is not a Boolean`);
  }
}

/** A Boolean variable that stays false, as a sentence. */
export function never(layout: Layout, role: VarRole): string {
  switch (role.kind) {
    case 'flag':
      return FLAG_TEXT[FLAGS[role.flag]!].never;
    case 'hvTampered':
      return 'the hypervisor image is never tampered with';
    case 'halted':
      return 'the hypervisor never halts';
    default:
      return `never: ${bitText(layout, role, true)}`;
  }
}

const HV_WORD: Record<number, string> = Object.fromEntries(Object.entries(HV_CODE).map(([k, v]) => [v, k]));
const STATUS_WORD: Record<number, string> = Object.fromEntries(
  Object.entries(STATUS_CODE).map(([k, v]) => [v, k === 'refused' ? 'refused at launch' : k]),
);

/** An integer variable as subject, verb and how its values are said. */
function integer(
  layout: Layout,
  role: VarRole,
): { subject: string; verb: 'is' | 'holds'; unit: string; words?: Record<number, string> } {
  switch (role.kind) {
    case 'hv':
      return { subject: "the hypervisor's measurement", verb: 'is', unit: '', words: HV_WORD };
    case 'status':
      return { subject: partition(layout, role.partition), verb: 'is', unit: '', words: STATUS_WORD };
    case 'frame':
      return { subject: 'the frame position', verb: 'is', unit: '' };
    case 'length':
      return {
        subject: `channel ${layout.config.channels[role.channel]!.name}`,
        verb: 'holds',
        unit: 'message',
      };
    case 'auditCount':
      return { subject: 'the audit log', verb: 'holds', unit: 'record' };
    case 'ticks':
      return {
        subject: `the count of Ticks since ${partition(layout, role.partition)} faulted with ${partition(layout, role.monitor)} up`,
        verb: 'is',
        unit: '',
      };
    default:
      throw new Error(`${role.kind} is not an integer`);
  }
}

const counted = (n: number, unit: string) => (unit ? `${n} ${unit}${n === 1 ? '' : 's'}` : String(n));

/** The values, as the object of the verb: "pending or ok", "at most 1 record", "0 or 2". */
function valuesText(
  values: readonly number[],
  max: number,
  unit: string,
  words?: Record<number, string>,
): string {
  if (words) return list(values.map((v) => words[v] ?? String(v)));
  const lo = values[0]!;
  const hi = values.at(-1)!;
  if (hi - lo + 1 === values.length && values.length > 1) {
    const plural = unit ? `${unit}s` : '';
    if (lo === 0) return `at most ${counted(hi, unit)}`;
    if (hi === max) return `at least ${counted(lo, unit)}`;
    return `between ${lo} and ${hi}${plural ? ` ${plural}` : ''}`;
  }
  if (values.length === 1) return counted(lo, unit);
  return `${list(values.map(String))}${unit ? ` ${unit}s` : ''}`;
}

export function rangeLength(rel: Relation, index: number): number {
  return (rel.bounds.get(index) ?? 0) + 1;
}

/** An integer variable in `values` (of 0..size-1), as a statement about the state. */
export function inText(layout: Layout, role: VarRole, values: readonly number[], size: number): string {
  const v = integer(layout, role);
  const rest = Array.from({ length: size }, (_, k) => k).filter((k) => !values.includes(k));
  // An enumeration says what it is not, where that is the shorter list.
  if (v.words && rest.length < values.length)
    return `${v.subject} is not ${valuesText(rest, size - 1, v.unit, v.words)}`;
  return `${v.subject} ${v.verb} ${valuesText(values, size - 1, v.unit, v.words)}`;
}

/** An integer variable that always takes one of `values`, as a sentence. */
export function always(layout: Layout, role: VarRole, values: readonly number[], size: number): string {
  const v = integer(layout, role);
  const rest = Array.from({ length: size }, (_, k) => k).filter((k) => !values.includes(k));
  const max = size - 1;
  const verb = (adverb: string) => (v.verb === 'is' ? `is ${adverb}` : `${adverb} holds`);
  if (!v.words && values[0] === 0 && values.at(-1)! + 1 === values.length)
    return `${v.subject} never ${v.verb === 'is' ? 'exceeds' : 'holds more than'} ${counted(values.at(-1)!, v.unit)}`;
  if (rest.length < values.length)
    return `${v.subject} ${verb('never')} ${valuesText(rest, max, v.unit, v.words)}`;
  return `${v.subject} ${verb('always')} ${valuesText(values, max, v.unit, v.words)}`;
}

const INFIX: Record<string, string> = {
  '<=': '≤',
  '>=': '≥',
  '=': '=',
  distinct: '≠',
  '<': '<',
  '>': '>',
  '+': '+',
  '-': '-',
  '*': '·',
};

/** A comparison's operator when the comparison is false. */
const FLIPPED: Record<string, string> = {
  '<=': '>',
  '>=': '<',
  '<': '>=',
  '>': '<=',
  '=': 'distinct',
  distinct: '=',
};

/**
 * A term the shapes above do not cover, that evaluates to `value`, with each variable by its name
 * in the model (and the codes of launch states and the measurement spelled out when it reads one).
 */
export function termText(rel: Relation, e: Expr, value: boolean): string {
  const flip = !value && e.kind === 'app' && e.args.length === 2 ? FLIPPED[e.op] : undefined;
  const text =
    flip && e.kind === 'app'
      ? literal(rel, { ...e, op: flip as Op })
      : value
        ? literal(rel, e)
        : `not (${literal(rel, e)})`;
  const kinds = new Set(variablesOf(e).map((i) => rel.vars[i]!.role.kind));
  const codes = [
    kinds.has('status') &&
      `launch states ${Object.entries(STATUS_CODE)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    kinds.has('hv') &&
      `measurement ${Object.entries(HV_CODE)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
  ].filter(Boolean);
  return codes.length ? `${text} (codes: ${codes.join('; ')})` : text;
}

/** `-1 · x` as a product with a negative first factor: its factor's size and the rest. */
function negated(e: Expr): Expr | null {
  if (e.kind === 'int' && e.value < 0) return { kind: 'int', value: -e.value };
  if (e.kind !== 'app' || e.op !== '*' || e.args[0]?.kind !== 'int' || e.args[0].value >= 0) return null;
  const size = -e.args[0].value;
  const rest = e.args.slice(1);
  if (size !== 1) return { ...e, args: [{ kind: 'int', value: size }, ...rest] };
  return rest.length === 1 ? rest[0]! : { ...e, args: rest };
}

function literal(rel: Relation, e: Expr): string {
  const sub = (a: Expr) => (a.kind === 'app' ? `(${literal(rel, a)})` : literal(rel, a));
  switch (e.kind) {
    case 'var':
      return rel.vars[e.index]!.meaning;
    case 'bool':
    case 'int':
      return String(e.value);
    case 'app': {
      if (e.op === '+')
        // x + -1·y is written x - y.
        return e.args
          .map((a, k) => {
            const minus = k > 0 ? negated(a) : null;
            return minus ? `- ${sub(minus)}` : `${k > 0 ? '+ ' : ''}${sub(a)}`;
          })
          .join(' ');
      // Arithmetic binds tighter than a comparison: its operands need no parentheses there.
      const comparison = ['<=', '>=', '<', '>', '=', 'distinct'].includes(e.op);
      const args = e.args.map((a) =>
        comparison && a.kind === 'app' && ['+', '-', '*'].includes(a.op) ? literal(rel, a) : sub(a),
      );
      if (e.op === '-' && args.length === 1) return `-${args[0]}`;
      if (e.op === 'not') return `not ${args[0]}`;
      if (e.op === 'ite') return `if ${args[0]} then ${args[1]} else ${args[2]}`;
      const infix = INFIX[e.op];
      return infix ? args.join(` ${infix} `) : `${e.op}(${args.join(', ')})`;
    }
  }
}
