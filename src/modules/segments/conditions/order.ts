// Orders: count or spend (fen paid less refunded) of paid orders, optionally only orders with an item of a
// category ("bought 奶茶"), in a window: `{ type: 'order', measure: 'count', comparison: 'at_least', value: 2,
// window: { lastDays: 30 }, category?: '奶茶' }`. Counted orders are those `paid` or `partially_refunded`.
import { orderKey } from '../audience/workspace-index.ts';
import {
  aggregateBitmap,
  aggregateSql,
  aggregateTest,
  COMPARISONS,
  type Comparison,
  checkWindow,
  indexedWindow,
  windowSql,
} from './shared.ts';
import type { ConditionType, Node } from './types.ts';

export const COUNTED_ORDER = `status IN ('paid', 'partially_refunded')`;
export const ORDER_SPEND = 'greatest(paid_fen - refunded_fen, 0)';

function indexedKey(node: Node): string | null {
  if (node.category !== undefined) return null;
  const w = indexedWindow(node);
  return w === null ? null : orderKey(node.measure as 'count' | 'spend', w);
}

export const orderCondition: ConditionType = {
  type: 'order',
  validate(node, check) {
    check.only(node, ['type', 'measure', 'comparison', 'value', 'window', 'category']);
    check.oneOf(node, 'measure', ['count', 'spend'] as const);
    check.oneOf(node, 'comparison', COMPARISONS);
    check.integer(node, 'value', { min: 0 });
    check.string(node, 'category', { optional: true, max: 64 });
    checkWindow(node, check);
  },
  toSql(node, q) {
    const category =
      node.category === undefined
        ? ''
        : ` AND EXISTS (SELECT 1 FROM order_items oi WHERE oi.workspace_id = orders.workspace_id AND oi.order_id = orders.id AND oi.category = ${q.param(node.category, 'text')})`;
    const from = `orders WHERE workspace_id = ${q.ws} AND ${COUNTED_ORDER}${windowSql(node, 'placed_at', q)}${category}`;
    const agg = node.measure === 'count' ? 'count(*)' : `sum(${ORDER_SPEND})`;
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
