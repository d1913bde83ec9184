/** Evidence without its timing fields, to compare two packages byte for byte. */
import { timingFieldNames } from '../../evidence/schema.js';
import { canonicalJson } from '../../evidence/write.js';

/** evidence.json with every field the schema marks as timing set to 0. */
export function withoutTiming(text: string): string {
  const names = new Set(timingFieldNames());
  const zero = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(zero);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, names.has(k) && x !== null ? 0 : zero(x)]),
      );
    return v;
  };
  return canonicalJson(zero(JSON.parse(text)));
}
