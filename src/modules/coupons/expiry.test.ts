// Expiry with an injected clock: coupons past their end are marked expired and announced, coupons entering their
// reminder window are announced once, the wallet sorts them, and a coupon given back after its end stays expired.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import type { Tx } from '../../platform/db/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { expireCoupons } from './expiry.ts';
import { activeTemplate, amountOff, createCustomer, eventually } from './fixtures.ts';
import { issueCoupon, memberCoupons } from './index.ts';

const DAY = 86_400_000;
let server: TestServer;
let owner: ApiClient;
let pos: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupon-expiry', workers: true });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  pos = new ApiClient(server.url);
  pos.bearer = (await owner.post('/api/api-keys', { name: '收银机' })).body.secret;
});
afterAll(() => server.close());

const inTenant = <T>(fn: (tx: Tx) => Promise<T>) => server.siyu.db.tenant(server.workspaceId, fn);

test('the expiry run marks coupons past their end and announces those ending within the reminder days, once', async () => {
  const short = await activeTemplate(owner, amountOff({ title: '三日券', validDays: 3 }));
  const long = await activeTemplate(owner, amountOff({ title: '月券', validDays: 30, expiryReminderDays: 0 }));
  const c = await createCustomer(owner, '13500135001');
  const now = new Date('2026-06-15T04:00:00Z');
  const issue = (templateId: string, at: Date, key: string) =>
    inTenant((tx) =>
      issueCoupon(tx, server.workspaceId, {
        templateId,
        customerId: c,
        source: 'reward',
        idempotencyKey: key,
        now: at,
      }),
    );
  const old = await issue(short.id, new Date(now.getTime() - 10 * DAY), 'old');
  const ending = await issue(short.id, new Date(now.getTime() - DAY), 'ending');
  const fresh = await issue(short.id, now, 'fresh');
  const quiet = await issue(long.id, new Date(now.getTime() - 20 * DAY), 'quiet');

  const before = await inTenant((tx) => memberCoupons(tx, server.workspaceId, c, { now }));
  expect(before.map((w) => `${w.code} ${w.status}`)).toEqual([
    `${ending.code} available`,
    `${fresh.code} available`,
    `${quiet.code} available`,
    `${old.code} expired`,
  ]);

  const run = await inTenant((tx) => expireCoupons(tx, server.workspaceId, now));
  expect(run).toEqual({ expired: 1, reminded: 2, more: false });
  const again = await inTenant((tx) => expireCoupons(tx, server.workspaceId, now));
  expect(again).toEqual({ expired: 0, reminded: 0, more: false });
  const events = await server.siyu.db.query<{ type: string; code: string }>(
    `SELECT type, payload->>'code' AS code FROM domain_events
      WHERE workspace_id = $1 AND type IN ('coupon.expired', 'coupon.expiring') ORDER BY type, payload->>'validUntil'`,
    [server.workspaceId],
  );
  expect(events).toEqual([
    { type: 'coupon.expired', code: old.code },
    { type: 'coupon.expiring', code: ending.code },
    { type: 'coupon.expiring', code: fresh.code },
  ]);
  const later = new Date(now.getTime() + 3 * DAY);
  // The month coupon ends within days now too, but its template sends no reminder.
  expect(await inTenant((tx) => expireCoupons(tx, server.workspaceId, later))).toEqual({
    expired: 2,
    reminded: 0,
    more: false,
  });
  const wallet = await inTenant((tx) => memberCoupons(tx, server.workspaceId, c, { now: later, status: 'expired' }));
  expect(wallet.map((w) => w.code)).toEqual([fresh.code, ending.code, old.code]);
  expect(wallet[0]).toMatchObject({ title: '三日券', kind: 'amount_off', amountOffFen: 2000, minSpendFen: 10_000 });

  const expired = await pos.post('/api/coupons/validate', { code: old.code, orderAmountFen: 20_000 });
  expect(expired.body.reasons.map((r: { code: string }) => r.code)).toEqual(['coupon.expired']);
});

test('a coupon past its end is refused before the job marks it; given back after its end it stays expired', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '退后过期券' }));
  const c = await createCustomer(owner, '13500135011');
  const coupon = await inTenant((tx) =>
    issueCoupon(tx, server.workspaceId, {
      templateId: t.id,
      customerId: c,
      source: 'reward',
      idempotencyKey: 'refund-after-end',
      now: new Date(),
    }),
  );
  const redeemed = await pos.post('/api/coupons/redeem', { code: coupon.code, orderId: 'E-1', orderAmountFen: 20_000 });
  expect(redeemed.status).toBe(200);
  // Its end passes while it is on the order.
  await server.siyu.db.query(`UPDATE coupons SET valid_until = now() - interval '1 minute' WHERE id = $1`, [coupon.id]);
  const back = await pos.post('/api/coupons/unredeem', { code: coupon.code, orderId: 'E-1' });
  expect(back.body.coupon.status).toBe('expired');
  const again = await pos.post('/api/coupons/redeem', { code: coupon.code, orderId: 'E-2', orderAmountFen: 20_000 });
  expect(again.status).toBe(422);
  expect(again.body.error.code).toBe('coupon.expired');

  const notYet = await activeTemplate(
    owner,
    amountOff({
      title: '明日起用券',
      validityKind: 'fixed',
      validDays: null,
      validFrom: new Date(Date.now() + DAY).toISOString(),
      validUntil: new Date(Date.now() + 5 * DAY).toISOString(),
    }),
  );
  const early = await inTenant((tx) =>
    issueCoupon(tx, server.workspaceId, {
      templateId: notYet.id,
      customerId: c,
      source: 'reward',
      idempotencyKey: 'early',
      now: new Date(),
    }),
  );
  const res = await pos.post('/api/coupons/validate', { code: early.code, orderAmountFen: 20_000 });
  expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(['coupon.not_started']);
});

test('the hourly schedule’s job fans out to workspaces and expires what is due', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '计划过期券', validDays: 1 }));
  const c = await createCustomer(owner, '13500135021');
  const coupon = await inTenant((tx) =>
    issueCoupon(tx, server.workspaceId, {
      templateId: t.id,
      customerId: c,
      source: 'reward',
      idempotencyKey: 'scheduled',
      now: new Date(Date.now() - 3 * DAY),
    }),
  );
  await enqueue(server.siyu.db, { kind: 'coupons.expire', payload: {} });
  await eventually(
    async () => (await owner.get(`/api/coupons/${coupon.code}`)).body.coupon.status,
    (status) => status === 'expired',
  );
});
