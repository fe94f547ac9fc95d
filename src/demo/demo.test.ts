import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { normalizeIdentity } from '../modules/customers/index.ts';
import { buildDemo } from './index.ts';

let one: TestDatabase;
let two: TestDatabase;
beforeAll(async () => {
  [one, two] = await Promise.all([copyTestDatabase(inject('siyuTemplate')), copyTestDatabase(inject('siyuTemplate'))]);
});
afterAll(async () => {
  await one.drop();
  await two.drop();
});

const staffOf = (t: TestDatabase, ws: string) =>
  t.db.query('SELECT id, name, email, phone, department, role, status FROM staff WHERE workspace_id = $1 ORDER BY id', [
    ws,
  ]);

const NOW = new Date('2026-11-24T00:00:00+08:00');

const historyOf = (t: TestDatabase, ws: string) =>
  t.db.query(
    `SELECT (SELECT string_agg(id::text || seq || coalesce(phone, ''), ',' ORDER BY seq) FROM customers WHERE workspace_id = $1) AS customers,
            (SELECT string_agg(order_no || status || total_fen || placed_at::text, ',' ORDER BY order_no) FROM orders WHERE workspace_id = $1) AS orders,
            (SELECT count(*)::int FROM events WHERE workspace_id = $1) AS events,
            (SELECT count(*)::int FROM customer_tags WHERE workspace_id = $1) AS tags`,
    [ws],
  );

/** Every index, key and foreign key of the schema, as definitions: a bulk load that drops them must put them back. */
const schemaOf = (t: TestDatabase) =>
  t.db.query(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace
     UNION ALL
     SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
     ORDER BY 1, 2, 3`,
  );

test('the same seed builds the same brand; another seed another one', async () => {
  const schema = await schemaOf(one);
  const a = await buildDemo(one.db, { customers: 300, seed: 42, now: NOW });
  // The first demo into an empty database loads with its indexes and keys dropped, and builds them again.
  expect(await schemaOf(one)).toEqual(schema);
  const b = await buildDemo(two.db, { customers: 300, seed: 42, now: NOW });
  expect(await historyOf(one, a.workspaceId)).toEqual(await historyOf(two, b.workspaceId));
  expect(a.orders).toBeGreaterThan(300);
  expect(a.workspaceId).toBe(b.workspaceId);
  const staffA = await staffOf(one, a.workspaceId);
  expect(staffA).toEqual(await staffOf(two, b.workspaceId));
  expect(staffA).toHaveLength(18); // six at headquarters, two guides a store at least
  const c = await buildDemo(two.db, { customers: 300, seed: 43, slug: 'other', now: NOW });
  expect(await staffOf(two, c.workspaceId)).not.toEqual(staffA);
});

test('every generated phone number is one the API accepts, so any demo customer can be found and sent events', async () => {
  const demo = await buildDemo(one.db, { customers: 2000, seed: 9, slug: 'phones', now: NOW });
  const phones = await one.db.query<{ value: string }>(
    `SELECT value FROM customer_identities WHERE workspace_id = $1 AND kind = 'phone'`,
    [demo.workspaceId],
  );
  expect(phones.length).toBeGreaterThan(1900);
  for (const { value } of phones) expect(normalizeIdentity({ kind: 'phone', value }).value).toBe(value);
});

test('every role is present and guides are spread across the stores', async () => {
  const demo = await buildDemo(one.db, { customers: 100, seed: 1, slug: 'roles', now: NOW });
  const rows = await staffOf(one, demo.workspaceId);
  const roles = new Set(rows.map((r) => r.role));
  expect([...roles].sort()).toEqual(['admin', 'analyst', 'auditor', 'guide', 'operator', 'owner']);
  const stores = new Set(rows.filter((r) => r.role === 'guide').map((r) => r.department));
  expect(stores.size).toBe(6);
});

test('a year of history with promotions: 双11 and 618 sell more than ordinary days', async () => {
  const demo = await buildDemo(two.db, { customers: 1500, seed: 5, slug: 'rhythm', now: NOW });
  const perDay = await two.db.query<{ day: string; n: number }>(
    `SELECT to_char(placed_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD') AS day, count(*)::int AS n
       FROM orders WHERE workspace_id = $1 GROUP BY 1`,
    [demo.workspaceId],
  );
  const count = (day: string) => perDay.find((d) => d.day === day)?.n ?? 0;
  const median = perDay.map((d) => d.n).sort((x, y) => x - y)[Math.floor(perDay.length / 2)] as number;
  expect(count('11-11')).toBeGreaterThan(median * 1.8);
  expect(count('06-18')).toBeGreaterThan(median * 1.5);
  const identities = await two.db.query<{ kind: string }>(
    'SELECT DISTINCT kind FROM customer_identities WHERE workspace_id = $1 ORDER BY kind',
    [demo.workspaceId],
  );
  expect(identities.map((i) => i.kind)).toEqual([
    'member_card',
    'phone',
    'pos_customer_id',
    'wechat_openid',
    'wechat_unionid',
    'wecom_external_userid',
  ]);
});
