// Profile attributes and custom fields: `{ type: 'attribute', field: 'city', operator: 'in', value: ['上海'] }`,
// `field: 'custom.<key>'` for the workspace's custom fields. Categorical profile columns are indexed; dates and
// custom fields are answered by SQL.
import roaring from 'roaring';
import { CATEGORICAL_ATTRIBUTES } from '../audience/workspace-index.ts';
import { jsonPredicate } from './shared.ts';
import type { ConditionType, Node, SqlBuilder } from './types.ts';

const DATE_FIELDS = ['birthday', 'first_seen_at', 'last_seen_at'];
const OPERATORS = ['eq', 'in', 'exists', 'gte', 'lte', 'contains'] as const;
const CUSTOM_RE = /^custom\.([a-z][a-z0-9_]{0,39})$/;
const DATE_VALUE_RE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

const allowed: Record<string, readonly string[]> = {
  categorical: ['eq', 'in', 'exists'],
  interests: ['contains', 'exists'],
  date: ['gte', 'lte', 'exists'],
  custom: ['eq', 'in', 'exists', 'gte', 'lte', 'contains'],
};

function kindOf(field: string): keyof typeof allowed | null {
  if (CATEGORICAL_ATTRIBUTES.includes(field)) return 'categorical';
  if (field === 'interests') return 'interests';
  if (DATE_FIELDS.includes(field)) return 'date';
  if (CUSTOM_RE.test(field)) return 'custom';
  return null;
}

export const attributeCondition: ConditionType = {
  type: 'attribute',
  validate(node, check) {
    check.only(node, ['type', 'field', 'operator', 'value']);
    const field = check.string(node, 'field', { max: 48 })!;
    const kind = kindOf(field);
    if (!kind) return check.fail('unknown_field', { field }, 'field');
    const op = check.oneOf(node, 'operator', OPERATORS)!;
    if (!allowed[kind]!.includes(op)) check.fail('operator_not_allowed', { operator: op, field }, 'operator');
    const v = node.value;
    if (op === 'exists') {
      if (v !== undefined) check.fail('unexpected', {}, 'value');
    } else if (op === 'in') {
      if (!Array.isArray(v) || v.length === 0 || v.length > 200 || !v.every((x) => typeof x === 'string'))
        check.fail('expected_string_list', {}, 'value');
    } else if (kind === 'date') {
      if (typeof v !== 'string' || !DATE_VALUE_RE.test(v) || Number.isNaN(Date.parse(v)))
        check.fail('expected_date', {}, 'value');
    } else if (op === 'gte' || op === 'lte') {
      if (typeof v !== 'number' || !Number.isFinite(v)) check.fail('expected_number', {}, 'value');
    } else if (op === 'eq' && kind === 'custom') {
      if (!['string', 'number', 'boolean'].includes(typeof v)) check.fail('expected_scalar', {}, 'value');
    } else if (typeof v !== 'string' || v.length === 0) check.fail('expected_string', {}, 'value');
  },
  // A missing value makes a comparison NULL, and NOT NULL is NULL: coalesce keeps `not` meaning "everyone else".
  toSql: (node, q) => `coalesce(${attributeSql(node, q)}, false)`,
  bitmap(node, index) {
    const values = valuesOf(node);
    if (!values) return null;
    const dim = `attr:${node.field}`;
    if (values === 'any') return index.anyOf(dim);
    return roaring.RoaringBitmap32.orMany(values.map((v) => index.category(dim, v) ?? new roaring.RoaringBitmap32()));
  },
  test(node, index, seq) {
    const values = valuesOf(node);
    if (!values) return null;
    const dim = `attr:${node.field}`;
    if (values === 'any') return [...(index.categories.get(dim)?.values() ?? [])].some((b) => b.has(seq));
    return values.some((v) => index.category(dim, v)?.has(seq) ?? false);
  },
};

function attributeSql(node: Node, q: SqlBuilder): string {
  const field = String(node.field);
  const op = String(node.operator);
  const custom = CUSTOM_RE.exec(field);
  if (custom) return jsonPredicate('c.custom', custom[1]!, op, node.value, q);
  if (field === 'interests')
    return op === 'exists' ? 'cardinality(c.interests) > 0' : `${q.param(node.value, 'text')} = ANY(c.interests)`;
  if (op === 'exists') return `c.${field} IS NOT NULL`;
  if (DATE_FIELDS.includes(field)) {
    const cast = field === 'birthday' ? 'date' : 'timestamptz';
    return `c.${field} ${op === 'gte' ? '>=' : '<='} ${q.param(node.value, cast)}`;
  }
  return op === 'in'
    ? `c.${field} = ANY(${q.param(node.value, 'text[]')})`
    : `c.${field} = ${q.param(node.value, 'text')}`;
}

/** The indexed values a node asks for ('any' for exists), or null when SQL must answer. */
function valuesOf(node: Node): string[] | 'any' | null {
  const field = String(node.field);
  if (!CATEGORICAL_ATTRIBUTES.includes(field) && field !== 'interests') return null;
  if (node.operator === 'exists') return 'any';
  return node.operator === 'in' ? (node.value as string[]) : [String(node.value)];
}
