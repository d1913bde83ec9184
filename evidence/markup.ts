/**
 * Markup for report.html: a template tag that escapes everything interpolated into it unless it is
 * already markup, and the small pieces every section uses (status tags, partition colours, counts).
 */
import type { Baseline } from './types.js';

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function part(v: Part): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1]!;
  });
  return new Html(out);
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#e15759',
  '#9c755f',
  '#bab0ac',
  '#ff9da7',
];

export function colourOf(baseline: Baseline, partition: string): string {
  const i = baseline.partitions.findIndex((p) => p.name === partition);
  return i < 0 ? '#999999' : PALETTE[i % PALETTE.length]!;
}

export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

export function tag(status: string, label = status): Html {
  return html`<span class="tag ${status}">${label}</span>`;
}
