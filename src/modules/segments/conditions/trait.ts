// Computed traits: `{ type: 'trait', trait: 'lifecycle_stage', operator: 'eq', value: 'growth' }`,
// `{ type: 'trait', trait: 'churn_risk', operator: 'gte', value: 80 }`.
import roaring from 'roaring';
import type { Bitmap } from '../audience/bsi.ts';
import { CATEGORICAL_TRAITS, NUMERIC_TRAITS, type WorkspaceIndex } from '../audience/workspace-index.ts';
import type { ConditionType, Node } from './types.ts';

const { RoaringBitmap32 } = roaring;
const OPERATORS = ['eq', 'in', 'exists', 'gte', 'lte'] as const;

export const traitCondition: ConditionType = {
  type: 'trait',
  validate(node, check) {
    check.only(node, ['type', 'trait', 'operator', 'value']);
    const trait = check.oneOf(node, 'trait', [...CATEGORICAL_TRAITS, ...NUMERIC_TRAITS])!;
    const op = check.oneOf(node, 'operator', OPERATORS)!;
    const numeric = NUMERIC_TRAITS.includes(trait);
    if (!numeric && (op === 'gte' || op === 'lte'))
      check.fail('operator_not_allowed', { operator: op, field: trait }, 'operator');
    const v = node.value;
    if (op === 'exists') {
      if (v !== undefined) check.fail('unexpected', {}, 'value');
    } else if (op === 'in') {
      const ok = numeric ? (x: unknown) => Number.isInteger(x) : (x: unknown) => typeof x === 'string';
      if (!Array.isArray(v) || v.length === 0 || v.length > 200 || !v.every(ok))
        check.fail(numeric ? 'expected_integer_list' : 'expected_string_list', {}, 'value');
    } else if (numeric) check.integer(node, 'value');
    else check.string(node, 'value', { max: 64 });
  },
  toSql(node, q) {
    const col = `t.${node.trait}`;
    const numeric = NUMERIC_TRAITS.includes(String(node.trait));
    const cast = numeric ? 'bigint' : 'text';
    const pred =
      node.operator === 'exists'
        ? `${col} IS NOT NULL`
        : node.operator === 'in'
          ? `${col} = ANY(${q.param(node.value, `${cast}[]`)})`
          : `${col} ${{ eq: '=', gte: '>=', lte: '<=' }[String(node.operator)]} ${q.param(node.value, cast)}`;
    return `EXISTS (SELECT 1 FROM customer_traits t WHERE t.workspace_id = ${q.ws} AND t.customer_id = c.id AND ${pred})`;
  },
  bitmap(node, index) {
    const trait = String(node.trait);
    if (CATEGORICAL_TRAITS.includes(trait)) {
      const dim = `trait:${trait}`;
      if (node.operator === 'exists') return index.anyOf(dim);
      const values = node.operator === 'in' ? (node.value as string[]) : [String(node.value)];
      return RoaringBitmap32.orMany(values.map((v) => index.category(dim, v) ?? new RoaringBitmap32()));
    }
    return numericBitmap(node, index);
  },
  test(node, index, seq) {
    const trait = String(node.trait);
    if (CATEGORICAL_TRAITS.includes(trait)) {
      const dim = `trait:${trait}`;
      if (node.operator === 'exists') return [...(index.categories.get(dim)?.values() ?? [])].some((b) => b.has(seq));
      const values = node.operator === 'in' ? (node.value as string[]) : [String(node.value)];
      return values.some((v) => index.category(dim, v)?.has(seq) ?? false);
    }
    const bsi = index.covered(`trait:${trait}`);
    if (!bsi) return null;
    const v = bsi.get(seq);
    if (v === null) return false;
    switch (node.operator) {
      case 'exists':
        return true;
      case 'in':
        return (node.value as number[]).includes(v);
      case 'eq':
        return v === node.value;
      case 'gte':
        return v >= Number(node.value);
      default:
        return v <= Number(node.value);
    }
  },
};

function numericBitmap(node: Node, index: WorkspaceIndex): Bitmap | null {
  const bsi = index.covered(`trait:${node.trait}`);
  if (!bsi) return null;
  const eq = (k: number) => RoaringBitmap32.andNot(bsi.gte(k), bsi.gte(k + 1));
  switch (node.operator) {
    case 'exists':
      return bsi.exists.clone();
    case 'in':
      return RoaringBitmap32.orMany((node.value as number[]).map(eq));
    case 'eq':
      return eq(Number(node.value));
    case 'gte':
      return bsi.gte(Number(node.value));
    default:
      return bsi.lte(Number(node.value));
  }
}
