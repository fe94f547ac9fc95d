// Minimal valid and deliberately wrong values for a JSON schema, so sweeps cover every route, including ones
// added later, without a hand-written body per route.
type Schema = Record<string, any>;

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export function sample(schema: Schema | undefined): unknown {
  if (!schema) return undefined;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf.find((s: Schema) => s.type !== 'null') ?? schema.anyOf[0]);
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'email') return `sample-${unique()}@example.test`;
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'date') return '2026-01-01';
      const base = `sample-${unique()}`;
      return base.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? 1000);
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items));
    case 'object': {
      const out: Record<string, unknown> = {};
      const required: string[] = schema.required ?? [];
      const props: Record<string, Schema> = schema.properties ?? {};
      for (const key of required) out[key] = sample(props[key]);
      for (const key of Object.keys(props)) {
        if (Object.keys(out).length >= (schema.minProperties ?? 0)) break;
        if (!(key in out)) out[key] = sample(props[key]);
      }
      return out;
    }
    case 'null':
      return null;
    default:
      return null;
  }
}

/** A value of the wrong JSON type for `schema`. */
export function wrongType(schema: Schema | undefined): unknown {
  const type = schema?.type ?? schema?.anyOf?.find((s: Schema) => s.type !== 'null')?.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return { unexpected: true };
  }
}
