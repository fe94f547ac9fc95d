// Behaviour: "did <name> (with property filters) at least / at most N times, or with a property summing to V,
// in the last D days / between two dates / ever":
// `{ type: 'event', name: 'view_product', where: [{ property: 'sku', operator: 'eq', value: 'A1' }],
//    measure: 'count' | { sum: 'amount' }, comparison: 'at_least', value: 3, window: { lastDays: 30 } }`.
// Plain counts over the indexed windows come from the rolling aggregates; the rest from SQL.
import { eventKey } from '../audience/workspace-index.ts';
import {
  aggregateBitmap,
  aggregateSql,
  aggregateTest,
  COMPARISONS,
  type Comparison,
  checkFilters,
  checkWindow,
  filtersSql,
  indexedWindow,
  windowSql,
} from './shared.ts';
import type { ConditionType, Node } from './types.ts';

function indexedKey(node: Node): string | null {
  if (node.measure !== undefined && node.measure !== 'count') return null;
  if (Array.isArray(node.where) && node.where.length > 0) return null;
  const w = indexedWindow(node);
  return w === null ? null : eventKey(String(node.name), w);
}

export const eventCondition: ConditionType = {
  type: 'event',
  validate(node, check) {
    check.only(node, ['type', 'name', 'where', 'measure', 'comparison', 'value', 'window']);
    check.string(node, 'name', { max: 128 });
    checkFilters(node, 'where', check);
    const m = node.measure;
    if (m !== undefined && m !== 'count') {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) check.fail('expected_measure', {}, 'measure');
      check.at('measure').only(m as Node, ['sum']);
      check.at('measure').string(m as Node, 'sum', { max: 64 });
    }
    check.oneOf(node, 'comparison', COMPARISONS);
    if (m === undefined || m === 'count') check.integer(node, 'value', { min: 0, max: 1_000_000 });
    else if (typeof node.value !== 'number' || !Number.isFinite(node.value)) check.fail('expected_number', {}, 'value');
    checkWindow(node, check);
  },
  toSql(node, q) {
    const sum = typeof node.measure === 'object' ? String((node.measure as Node).sum) : null;
    const agg = sum
      ? `coalesce(sum(CASE WHEN jsonb_typeof(properties->${q.param(sum, 'text')}) = 'number' THEN (properties->>${q.param(sum, 'text')})::numeric END), 0)`
      : 'count(*)';
    const from = `events WHERE workspace_id = ${q.ws} AND name = ${q.param(node.name, 'text')}${windowSql(node, 'occurred_at', q)}${filtersSql(node, 'where', 'properties', q)}`;
    return aggregateSql(from, agg, node.comparison as Comparison, Number(node.value), q);
  },
  bitmap(node, index) {
    const key = indexedKey(node);
    const bsi = key ? index.covered(key) : null;
    return bsi ? aggregateBitmap(bsi, index, node.comparison as Comparison, Number(node.value)) : null;
  },
  test(node, index, seq) {
    const key = indexedKey(node);
    const bsi = key ? index.covered(key) : null;
    return bsi ? aggregateTest(bsi, seq, node.comparison as Comparison, Number(node.value)) : null;
  },
};
