// Races on PostgreSQL, with transactions on parallel connections (PGlite has one connection, so nothing races
// there): 64 tills redeeming one coupon at once, issuance against a small stock and a per-member limit.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { testDbKind } from '../../../test/support/databases.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { AppError } from '../../platform/errors.ts';
import { activeTemplate, amountOff, codesOf, createCustomer, issueTo } from './fixtures.ts';
import { issueCoupon } from './index.ts';

describe.skipIf(testDbKind() === 'pglite')('on PostgreSQL', () => {
  let server: TestServer;
  let owner: ApiClient;
  const tills: ApiClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({ slug: 'coupon-races' });
    owner = new ApiClient(server.url);
    await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
    // Four tills with keys of their own, as four stores' POS systems would have.
    for (let i = 1; i <= 4; i++) {
      const key = await owner.post('/api/api-keys', { name: `收银台${i}` });
      const till = new ApiClient(server.url);
      till.bearer = key.body.secret;
      tills.push(till);
    }
  });
  afterAll(() => server.close());

  test('64 tills redeem one coupon at the same moment: exactly one wins, the rest get 409, a retry gets the first result', async () => {
    const t = await activeTemplate(owner, amountOff({ title: '抢核销券' }));
    const customerId = await createCustomer(owner, '13400134001');
    await issueTo(owner, t.id, [customerId]);
    const [code] = await codesOf(owner, t.id, customerId);
    const attempts = Array.from({ length: 64 }, (_, i) =>
      (tills[i % tills.length] as ApiClient).post('/api/coupons/redeem', {
        code,
        orderId: `RACE-${i}`,
        orderAmountFen: 12_000,
        store: `门店${i % tills.length}`,
      }),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers.map((r) => `${r.status} ${r.body.error.code}`)).toEqual(
      Array.from({ length: 63 }, () => '409 coupon.already_redeemed'),
    );
    const winner = winners[0]!.body;
    for (const l of losers) expect(l.body.error.details.orderId).toBe(winner.redemption.orderId);
    const i = Number(String(winner.redemption.orderId).slice('RACE-'.length));
    const retry = await (tills[i % tills.length] as ApiClient).post('/api/coupons/redeem', {
      code,
      orderId: winner.redemption.orderId,
      orderAmountFen: 12_000,
      store: `门店${i % tills.length}`,
    });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(winner);
    const live = await server.siyu.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM coupon_redemptions WHERE coupon_id = $1 AND unredeemed_at IS NULL',
      [winner.coupon.id],
    );
    expect(live[0]!.n).toBe(1);
  });

  test('64 retries of one redemption at once all answer the same single redemption', async () => {
    const t = await activeTemplate(owner, amountOff({ title: '重试券' }));
    const customerId = await createCustomer(owner, '13400134002');
    await issueTo(owner, t.id, [customerId]);
    const [code] = await codesOf(owner, t.id, customerId);
    const body = { code, orderId: 'SAME-1', orderAmountFen: 12_000 };
    const results = await Promise.all(
      Array.from({ length: 64 }, () => (tills[0] as ApiClient).post('/api/coupons/redeem', body)),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 64 }, () => 200));
    expect(new Set(results.map((r) => r.body.redemption.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
  });

  test('concurrent issuance never passes the stock, and one member never passes the limit', async () => {
    const scarce = await activeTemplate(owner, amountOff({ title: '抢券', totalStock: 10 }));
    const people: string[] = [];
    for (let i = 0; i < 40; i++) people.push(await createCustomer(owner, `134001341${String(i).padStart(2, '0')}`));
    const now = new Date();
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'issued',
        (err: unknown) => (err instanceof AppError ? err.code : String(err)),
      );
    const grab = await Promise.all(
      people.map((customerId, i) =>
        outcome(
          server.siyu.db.tenant(server.workspaceId, (tx) =>
            issueCoupon(tx, server.workspaceId, {
              templateId: scarce.id,
              customerId,
              source: 'campaign',
              idempotencyKey: `grab-${i}`,
              now,
            }),
          ),
        ),
      ),
    );
    expect(grab.filter((o) => o === 'issued')).toHaveLength(10);
    expect(grab.filter((o) => o === 'coupon.out_of_stock')).toHaveLength(30);
    const counted = await server.siyu.db.query<{ issued: number; coupons: number }>(
      `SELECT t.issued_count AS issued, (SELECT count(*) FROM coupons c WHERE c.template_id = t.id) AS coupons
         FROM coupon_templates t WHERE t.id = $1`,
      [scarce.id],
    );
    expect(counted[0]).toEqual({ issued: 10, coupons: 10 });

    const limited = await activeTemplate(owner, amountOff({ title: '限三张', perMemberLimit: 3 }));
    const one = people[0] as string;
    const tries = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        outcome(
          server.siyu.db.tenant(server.workspaceId, (tx) =>
            issueCoupon(tx, server.workspaceId, {
              templateId: limited.id,
              customerId: one,
              source: 'campaign',
              idempotencyKey: `limit-${i}`,
              now,
            }),
          ),
        ),
      ),
    );
    expect(tries.filter((o) => o === 'issued')).toHaveLength(3);
    expect(tries.filter((o) => o === 'coupon.limit_reached')).toHaveLength(27);
    expect(await codesOf(owner, limited.id, one)).toHaveLength(3);

    const same = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.siyu.db.tenant(server.workspaceId, (tx) =>
          issueCoupon(tx, server.workspaceId, {
            templateId: limited.id,
            customerId: people[1] as string,
            source: 'reward',
            idempotencyKey: 'one-reward',
            now,
          }),
        ),
      ),
    );
    expect(new Set(same.map((c) => c.id)).size).toBe(1);
    expect(same.filter((c) => c.created)).toHaveLength(1);
  });
});
