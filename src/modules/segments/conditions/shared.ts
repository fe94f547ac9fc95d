// Pieces several condition types share: time windows, "at least / at most" over a per-customer aggregate (in SQL
// and over a bit-sliced index), and property filters on JSON.
import roaring from 'roaring';
import type { Bitmap, Bsi } from '../audience/bsi.ts';
import { type IndexedWindow, WINDOWS, type WorkspaceIndex } from '../audience/workspace-index.ts';
import { type Window, windowRange } from '../time.ts';
import type { Check, Node, SqlBuilder } from './types.ts';

const { RoaringBitmap32 } = roaring;
export const COMPARISONS = ['at_least', 'at_most'] as const;
export type Comparison = (typeof COMPARISONS)[number];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function checkWindow(node: Node, check: Check): void {
  if (node.window === undefined) return;
  const w = node.window as Node;
  const at = check.at('window');
  if (typeof w !== 'object' || w === null || Array.isArray(w)) at.fail('expected_object');
  if ('lastDays' in w) {
    at.only(w, ['lastDays']);
    at.integer(w, 'lastDays', { min: 1, max: 3650 });
    return;
  }
  at.only(w, ['from', 'to']);
  for (const key of ['from', 'to']) {
    const v = at.string(w, key);
    if (!DATE_RE.test(v!) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) at.fail('expected_date', {}, key);
  }
  if (String(w.from) > String(w.to)) at.fail('window_reversed', {}, 'to');
}

/** The window kept as a rolling aggregate that this node asks for, or null. */
export function indexedWindow(node: Node): IndexedWindow | null {
  const w = node.window as Window | undefined;
  if (w === undefined) return 0;
  if ('lastDays' in w)
    return (WINDOWS as readonly number[]).includes(w.lastDays) ? (w.lastDays as IndexedWindow) : null;
  return null;
}

export function windowSql(node: Node, column: string, q: SqlBuilder): string {
  const w = node.window as Window | undefined;
  if (w === undefined) return '';
  const { since, until } = windowRange(w, q.today, q.timeZone);
  return ` AND ${column} >= ${q.param(since, 'timestamptz')}${until ? ` AND ${column} < ${q.param(until, 'timestamptz')}` : ''}`;
}

/**
 * `c` has an aggregate (over `from … GROUP BY customer`) at least / at most `value`. Customers without rows have
 * 0, so when 0 qualifies the predicate is "not among those that fail". Either way the grouped rows are computed
 * once and joined: PostgreSQL turns `[NOT] EXISTS` with only the join condition inside into a semi- or anti-join,
 * whereas `NOT IN` (also what `not` around an `IN` becomes) falls back to scanning the whole subquery result once
 * per customer as soon as it outgrows work_mem.
 */
export function aggregateSql(from: string, agg: string, comparison: Comparison, value: number, q: SqlBuilder): string {
  const v = q.param(value, 'numeric');
  const cond = comparison === 'at_least' ? `${agg} >= ${v}` : `${agg} <= ${v}`;
  const zeroQualifies = comparison === 'at_least' ? value <= 0 : value >= 0;
  const among = (having: string) =>
    `EXISTS (SELECT 1 FROM (SELECT customer_id FROM ${from} GROUP BY customer_id HAVING ${having}) AS a
             WHERE a.customer_id = c.id)`;
  return zeroQualifies ? `NOT ${among(`NOT (${cond})`)}` : among(cond);
}

export function aggregateBitmap(bsi: Bsi, index: WorkspaceIndex, comparison: Comparison, value: number): Bitmap {
  if (comparison === 'at_least') return value <= 0 ? index.alive.clone() : bsi.gte(Math.ceil(value));
  return value < 0 ? new RoaringBitmap32() : RoaringBitmap32.andNot(index.alive, bsi.gte(Math.floor(value) + 1));
}

export function aggregateTest(bsi: Bsi, seq: number, comparison: Comparison, value: number): boolean {
  const v = bsi.get(seq) ?? 0;
  return comparison === 'at_least' ? v >= value : v <= value;
}

export const FILTER_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'exists', 'in'] as const;
type FilterOperator = (typeof FILTER_OPERATORS)[number];

export function checkFilters(node: Node, key: string, check: Check): void {
  if (node[key] === undefined) return;
  const list = node[key];
  if (!Array.isArray(list)) check.fail('expected_array', {}, key);
  if (list.length > 10) check.fail('too_many', { max: 10 }, key);
  list.forEach((f, i) => {
    const at = check.at(key).at(i);
    if (typeof f !== 'object' || f === null || Array.isArray(f)) at.fail('expected_object');
    at.only(f, ['property', 'operator', 'value']);
    at.string(f, 'property', { max: 64 });
    const op = at.oneOf(f, 'operator', FILTER_OPERATORS);
    checkValue(f, op!, at);
  });
}

function checkValue(f: Node, op: FilterOperator, at: Check): void {
  if (op === 'exists') {
    if (f.value !== undefined) at.fail('unexpected', {}, 'value');
  } else if (op === 'in') {
    const v = f.value;
    if (!Array.isArray(v) || v.length === 0 || v.length > 100 || !v.every((x) => typeof x === 'string'))
      at.fail('expected_string_list', {}, 'value');
  } else if (op === 'eq' || op === 'neq') {
    if (!['string', 'number', 'boolean'].includes(typeof f.value)) at.fail('expected_scalar', {}, 'value');
  } else if (typeof f.value !== 'number' || !Number.isFinite(f.value)) at.fail('expected_number', {}, 'value');
}

/** A predicate on one key of a jsonb column; numbers compare only when the stored value is a JSON number. */
export function jsonPredicate(column: string, key: string, op: string, value: unknown, q: SqlBuilder): string {
  const k = q.param(key, 'text');
  const num = `(CASE WHEN jsonb_typeof(${column}->${k}) = 'number' THEN (${column}->>${k})::numeric END)`;
  switch (op) {
    case 'eq':
      return `${column}->${k} = ${q.param(JSON.stringify(value), 'jsonb')}`;
    case 'neq':
      return `${column}->${k} IS DISTINCT FROM ${q.param(JSON.stringify(value), 'jsonb')}`;
    case 'in':
      return `(jsonb_typeof(${column}->${k}) = 'string' AND ${column}->>${k} = ANY(${q.param(value, 'text[]')}))`;
    case 'exists':
      return `coalesce(jsonb_typeof(${column}->${k}), 'null') <> 'null'`;
    case 'contains':
      return `(jsonb_typeof(${column}->${k}) = 'array' AND ${column}->${k} @> ${q.param(JSON.stringify([value]), 'jsonb')})`;
    default: {
      const sign = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
      return `${num} ${sign} ${q.param(value, 'numeric')}`;
    }
  }
}

export function filtersSql(node: Node, key: string, column: string, q: SqlBuilder): string {
  const list = (node[key] as Node[] | undefined) ?? [];
  return list.map((f) => ` AND ${jsonPredicate(column, String(f.property), String(f.operator), f.value, q)}`).join('');
}
