import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { createWorkspace } from '../../platform/workspaces.ts';
import { normalizeIdentity } from './identities.ts';
import { CustomerParticipants } from './participants.ts';
import { getCustomerRow } from './profiles.ts';
import { resolveCustomer, touchSeen, unmergeCustomers } from './resolution.ts';

let t: TestDatabase;
let ws: string;
const participants = new CustomerParticipants();
const now = new Date('2026-06-18T10:00:00Z');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  ws = await createWorkspace(t.db, { slug: 'resolve', name: 'R' });
});
afterAll(() => t.drop());

const id = (kind: string, value: string, appId?: string) =>
  normalizeIdentity({ kind, value, ...(appId ? { appId } : {}) });
const resolve = (identities: ReturnType<typeof id>[], profile = {}, seenAt = now) =>
  t.db.tenant(ws, (tx) => resolveCustomer(tx, participants, ws, identities, { profile, seenAt }));
const identitiesOf = (customerId: string) =>
  t.db.tenant(ws, (tx) =>
    tx.query<{ kind: string; value: string }>(
      'SELECT kind, value FROM customer_identities WHERE customer_id = $1 ORDER BY kind, value',
      [customerId],
    ),
  );

test('identities are normalised: phone notations, e-mail case, openids per app', () => {
  expect(id('phone', '138 0013 8000').value).toBe('+8613800138000');
  expect(id('email', ' Li.Si@Example.COM ').value).toBe('li.si@example.com');
  expect(id('wechat_openid', 'oX1', 'wx-mini').appId).toBe('wx-mini');
  expect(id('phone', '13800138000').appId).toBe('');
  expect(() => id('wechat_openid', 'oX1')).toThrow();
  expect(() => id('phone', '123')).toThrow();
  expect(() => id('fax', '1')).toThrow();
});

test('a call with a known identity attaches to that customer and adds its new identities', async () => {
  const first = await resolve([id('phone', '13800138001')], { name: '张三', city: '上海' });
  expect(first.created).toBe(true);
  const again = await resolve([id('phone', '+86 138 0013 8001'), id('wechat_unionid', 'union-1')], { gender: 'male' });
  expect(again).toEqual({ customerId: first.customerId, created: false, merged: [] });
  expect((await identitiesOf(first.customerId)).map((i) => i.kind)).toEqual(['phone', 'wechat_unionid']);
  const row = await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, first.customerId));
  expect(row).toMatchObject({ name: '张三', city: '上海', gender: 'male' });
});

test('identities of two customers in one call merge them into the older one, and unmerge restores both', async () => {
  const older = await resolve(
    [id('email', 'a@merge.test')],
    { name: '老客户', city: '杭州' },
    new Date('2026-01-01T00:00:00Z'),
  );
  const newer = await resolve(
    [id('phone', '13900000002')],
    { name: '新客户', occupation: '设计师' },
    new Date('2026-05-01T00:00:00Z'),
  );
  const merged = await resolve([id('phone', '13900000002'), id('email', 'A@merge.test')]);
  expect(merged.customerId).toBe(older.customerId);
  expect(merged.merged).toEqual([newer.customerId]);
  expect((await identitiesOf(older.customerId)).map((i) => i.value)).toEqual(['a@merge.test', '+8613900000002']);
  const survivor = await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, older.customerId));
  // The survivor keeps its own values and takes the ones it lacked.
  expect(survivor).toMatchObject({ name: '老客户', city: '杭州', occupation: '设计师' });
  // The merged id still resolves, to the survivor.
  expect((await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, newer.customerId))).id).toBe(older.customerId);

  const mergeId = (
    await t.db.query<{ id: string }>('SELECT id FROM customer_merges WHERE merged_id = $1', [newer.customerId])
  )[0]?.id as string;
  await t.db.tenant(ws, (tx) => unmergeCustomers(tx, participants, ws, mergeId));
  expect((await identitiesOf(older.customerId)).map((i) => i.value)).toEqual(['a@merge.test']);
  expect((await identitiesOf(newer.customerId)).map((i) => i.value)).toEqual(['+8613900000002']);
  const restored = await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, newer.customerId));
  expect(restored).toMatchObject({ name: '新客户', occupation: '设计师' });
  const back = await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, older.customerId));
  expect(back.occupation).toBeNull();
  await expect(t.db.tenant(ws, (tx) => unmergeCustomers(tx, participants, ws, mergeId))).rejects.toThrow();
});

test('the merge rule is deterministic whatever the order of identities in the call', async () => {
  const a = await resolve([id('member_card', 'vip-001')], {}, new Date('2026-02-01T00:00:00Z'));
  const b = await resolve([id('pos_customer_id', 'pos-9')], {}, new Date('2026-03-01T00:00:00Z'));
  const c = await resolve([id('user_id', 'u-77')], {}, new Date('2026-04-01T00:00:00Z'));
  const r = await resolve([id('user_id', 'u-77'), id('pos_customer_id', 'pos-9'), id('member_card', ' vip-001 ')]);
  expect(r.customerId).toBe(a.customerId);
  expect(new Set(r.merged)).toEqual(new Set([b.customerId, c.customerId]));
});

test('seen times of a customer merged away widen the survivor, and only ever widen', async () => {
  const older = await resolve([id('user_id', 'seen-old')], {}, new Date('2026-03-10T00:00:00Z'));
  const newer = await resolve([id('user_id', 'seen-new')], {}, new Date('2026-03-20T00:00:00Z'));
  await resolve([id('user_id', 'seen-old'), id('user_id', 'seen-new')], {}, new Date('2026-03-15T00:00:00Z'));
  // Tracked events of the merged profile, handled after the merge (as the events.seen subscriber may be).
  await t.db.tenant(ws, (tx) =>
    touchSeen(tx, ws, [
      { customerId: newer.customerId, at: new Date('2026-02-01T00:00:00Z') },
      { customerId: newer.customerId, at: new Date('2026-03-12T00:00:00Z') },
      { customerId: older.customerId, at: new Date('2026-04-01T00:00:00Z') },
    ]),
  );
  const survivor = await t.db.tenant(ws, (tx) => getCustomerRow(tx, ws, older.customerId));
  expect([survivor.first_seen_at, survivor.last_seen_at]).toEqual([
    new Date('2026-02-01T00:00:00Z'),
    new Date('2026-04-01T00:00:00Z'),
  ]);
});

test('customer seq numbers are dense and unique per workspace', async () => {
  const rows = await t.db.query<{ seq: number }>('SELECT seq FROM customers WHERE workspace_id = $1 ORDER BY seq', [
    ws,
  ]);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_r, i) => i + 1));
});

test.skipIf(process.env.SIYU_TEST_DB !== 'postgres')(
  'concurrent first calls with the same new identity create one customer',
  async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        resolve([id('phone', '13700000099'), id('anonymous_id', `anon-${Math.random()}`)]),
      ),
    );
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  },
);
