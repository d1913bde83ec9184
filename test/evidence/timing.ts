/** Evidence without its timing (or machine) fields, to compare two packages byte for byte. */
import { EVIDENCE_SCHEMA, timingFieldNames } from '../../evidence/schema.js';
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

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  prefixItems?: SchemaNode[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  'x-timing'?: boolean;
  'x-environment'?: boolean;
};

/**
 * evidence.json without every field the schema marks "x-timing" or "x-environment", found where the
 * schema puts them (a name marked in one place is kept everywhere else), as canonical JSON.
 */
export function withoutTimingOrEnvironment(text: string): string {
  const defs = (EVIDENCE_SCHEMA as { $defs: Record<string, SchemaNode> }).$defs;
  /** The node and what it refers to or offers as alternatives: every schema the value meets. */
  const parts = (node: SchemaNode): SchemaNode[] => [
    node,
    ...(node.$ref ? parts(defs[node.$ref.slice('#/$defs/'.length)]!) : []),
    ...[...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap(parts),
  ];
  const marked = (node: SchemaNode) => parts(node).some((n) => n['x-timing'] || n['x-environment']);
  const strip = (v: unknown, node: SchemaNode): unknown => {
    const all = parts(node);
    if (Array.isArray(v))
      return v.map((x, i) =>
        strip(x, {
          anyOf: all.flatMap((n) =>
            n.prefixItems && i < n.prefixItems.length ? [n.prefixItems[i]!] : n.items ? [n.items] : [],
          ),
        }),
      );
    if (!v || typeof v !== 'object') return v;
    const props = (k: string): SchemaNode => ({
      anyOf: all.flatMap((n) => (n.properties?.[k] ? [n.properties[k]] : [])),
    });
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !marked(props(k)))
        .map(([k, x]) => [k, strip(x, props(k))]),
    );
  };
  return canonicalJson(strip(JSON.parse(text), EVIDENCE_SCHEMA as SchemaNode));
}
