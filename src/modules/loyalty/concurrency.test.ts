// 64 concurrent redemptions against one balance through the HTTP API, on PostgreSQL (PGlite has one connection,
// so nothing would run side by side there).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testDbKind } from '../../../test/support/databases.ts';
import { member } from './fixtures/points.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { checkLedger } from './ledger-check.ts';

const postgres = testDbKind() === 'postgres';
let s: PointsServer;
const T0 = new Date('2026-05-06T12:00:00+08:00');

beforeAll(async () => {
  if (postgres) s = await startPointsServer('points-race', T0);
});
afterAll(() => s?.close());

test.skipIf(!postgres)(
  '64 concurrent redemptions of one balance: never negative, no double spend, retries answered with the first result',
  async () => {
    const customerId = await member(s.world, '13911110000', T0);
    const granted = await s.owner.post(`/api/points/members/${customerId}/adjustments`, {
      points: 1000,
      reason: '开业回馈',
    });
    expect(granted.status).toBe(201);

    // 40 orders of 100 points each, 24 of them sent twice at the same moment: 64 requests, room for 10.
    const orders = Array.from({ length: 40 }, (_, i) => `POS-${String(i).padStart(3, '0')}`);
    const bodies = [...orders, ...orders.slice(0, 24)].map((orderNo) => ({
      customerId,
      orderNo,
      orderAmountFen: 10_000,
      points: 100,
    }));
    const answers = await Promise.all(bodies.map((b) => s.pos.post('/api/points/redemptions', b)));

    const won = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.every((a) => a.status === 409 && a.body.error.code === 'points.insufficient_balance')).toBe(true);
    const redeemed = new Map<string, number>();
    for (const a of won) {
      const first = redeemed.get(a.body.orderNo);
      // A duplicate that won is the same redemption: the same transaction, never a second spend.
      if (first !== undefined) expect(a.body.transactionId).toBe(first);
      redeemed.set(a.body.orderNo, a.body.transactionId);
    }
    expect(redeemed.size).toBe(10);
    // Both copies of an order got the same answer.
    for (let i = 0; i < 24; i++) expect(answers[40 + i]?.status).toBe(answers[i]?.status);
    const balances = won.map((a) => a.body.balance).sort((a, b) => a - b);
    expect(new Set(balances).size).toBe(10);
    expect(balances[0]).toBe(0);

    const card = await s.owner.get(`/api/points/members/${customerId}`);
    expect([card.body.balance, card.body.debt]).toEqual([0, 0]);

    // Retries after the fact: the winners are answered with their first result, the losers still refused.
    const retries = await Promise.all(bodies.slice(0, 40).map((b) => s.pos.post('/api/points/redemptions', b)));
    for (const r of retries) {
      if (redeemed.has(r.body.orderNo ?? '')) {
        expect(r.status).toBe(200);
        expect(r.headers.get('idempotent-replayed')).toBe('true');
        expect(r.body.transactionId).toBe(redeemed.get(r.body.orderNo));
      } else {
        expect(r.body.error.code).toBe('points.insufficient_balance');
      }
    }
    // A different redemption for an order that already used points is refused, not added.
    const winner = [...redeemed.keys()][0] as string;
    const another = await s.pos.post('/api/points/redemptions', {
      customerId,
      orderNo: winner,
      orderAmountFen: 10_000,
      points: 200,
    });
    expect([another.status, another.body.error.code]).toEqual([409, 'points.order_already_redeemed']);

    const rows = await s.world.db.tenant(s.world.workspaceId, (tx) =>
      tx.query<{ n: number; points: number }>(
        `SELECT count(*)::int AS n, coalesce(sum(points), 0)::int AS points FROM points_redemptions`,
      ),
    );
    expect(rows[0]).toEqual({ n: 10, points: 1000 });
    const report = await checkLedger(s.world.db, { workspaceId: s.world.workspaceId, now: T0 });
    expect(report.violations).toEqual([]);
    expect(report.outstandingPoints).toBe(0);
  },
);

test.skipIf(!postgres)(
  'the points API under 64 concurrent callers: spends of one balance never overdraw it, retries get the first answer',
  async () => {
    const customerId = await member(s.world, '13911110001', T0);
    const others = await Promise.all(
      Array.from({ length: 16 }, (_, i) => member(s.world, `139222200${String(i).padStart(2, '0')}`, T0)),
    );
    const opening = await s.pos.post('/api/points/earnings', { customerId, points: 500, key: 'open' });
    expect(opening.status).toBe(201);

    // 40 spends of 50 points, 24 of them sent twice at once, among 48 earnings of other members: room for 10 spends.
    const spends = Array.from({ length: 40 }, (_, i) => ({ customerId, points: 50, key: `spend-${i}` }));
    const requests = [
      ...[...spends, ...spends.slice(0, 24)].map((b) => ['/api/points/spendings', b] as const),
      ...Array.from(
        { length: 48 },
        (_, i) =>
          ['/api/points/earnings', { customerId: others[i % 16] as string, points: 10, key: `earn-${i}` }] as const,
      ),
    ];
    const answers = await Promise.all(requests.map(([path, body]) => s.pos.post(path, body)));

    const spent = answers.slice(0, 64);
    const won = spent.filter((a) => a.status === 201);
    expect(
      spent.filter((a) => a.status !== 201).every((a) => a.body.error.code === 'points.insufficient_balance'),
    ).toBe(true);
    const firsts = new Map<string, number>();
    for (const a of won) {
      const first = firsts.get(a.body.key);
      if (first !== undefined) expect(a.body.id).toBe(first);
      firsts.set(a.body.key, a.body.id);
    }
    expect(firsts.size).toBe(10);
    expect(won.filter((a) => !a.body.replayed)).toHaveLength(10);
    expect(new Set(won.map((a) => a.body.balanceAfter))).toEqual(
      new Set([450, 400, 350, 300, 250, 200, 150, 100, 50, 0]),
    );
    expect(answers.slice(64).every((a) => a.status === 201)).toBe(true);

    // Retries after the fact: the winners replayed, the others still refused.
    const retries = await Promise.all(spends.map((b) => s.pos.post('/api/points/spendings', b)));
    for (const r of retries) {
      if (r.status === 201) expect([r.body.replayed, r.body.id]).toEqual([true, firsts.get(r.body.key)]);
      else expect(r.body.error.code).toBe('points.insufficient_balance');
    }
    expect(retries.filter((r) => r.status === 201)).toHaveLength(10);

    expect((await s.owner.get(`/api/points/members/${customerId}`)).body.balance).toBe(0);
    for (const o of others) expect((await s.owner.get(`/api/points/members/${o}`)).body.balance).toBe(30);
    const report = await checkLedger(s.world.db, { workspaceId: s.world.workspaceId, now: T0 });
    expect(report.violations).toEqual([]);
  },
);
