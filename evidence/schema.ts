/**
 * The JSON Schema of evidence.json (evidence/evidence.schema.json) and a validator for it. The
 * schema marks timing fields `"x-timing": true` (the only fields two runs on the same inputs may
 * write differently) and fields describing the machine `"x-environment": true`.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import schema from './evidence.schema.json' with { type: 'json' };

export const EVIDENCE_SCHEMA: object = schema;

let compiled: ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

/** Every way `data` breaks the schema, as `path: message`; empty when it conforms. */
export function validateEvidence(data: unknown): string[] {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addKeyword({ keyword: 'x-timing', schemaType: 'boolean' });
    ajv.addKeyword({ keyword: 'x-environment', schemaType: 'boolean' });
    compiled = ajv.compile(schema);
  }
  if (compiled(data)) return [];
  return (compiled.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/** Names of the fields the schema marks as timing, wherever they occur. */
export function timingFieldNames(): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props && typeof props === 'object')
        for (const [name, sub] of Object.entries(props))
          if (sub && typeof sub === 'object' && (sub as Record<string, unknown>)['x-timing'] === true)
            names.add(name);
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(schema);
  return [...names].sort();
}
