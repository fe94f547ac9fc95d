// Time travel with an injected clock through the tier review: growth leaves the evaluation window, a notice comes
// first, the downgrade when it falls due; the protection period after an upgrade holds; growth that recovers in the
// notice period cancels the downgrade; a lowered threshold upgrades on the next review.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tx } from '../../platform/db/index.ts';
import { joinMembership } from './enrolment.ts';
import { postGrowth } from './growth.ts';
import { type LoyaltyServer, startLoyaltyServer } from './members.fixtures.ts';
import { evaluateTiers, updateTier, updateTierPolicy } from './tiers.ts';

let server: LoyaltyServer;
let customers: string[];
const T0 = new Date('2026-01-10T04:00:00Z');
const months = (n: number, plusDays = 0) => {
  const d = new Date(T0);
  d.setUTCMonth(d.getUTCMonth() + n);
  return new Date(d.getTime() + plusDays * 86_400_000);
};

const inWorkspace = <T>(fn: (tx: Tx) => Promise<T>) => server.siyu.db.tenant(server.workspaceId, fn);
const evaluate = (at: Date) => inWorkspace((tx) => evaluateTiers(tx, server.workspaceId, at));
let growthSeq = 0;
const earn = (customerId: string, amount: number, at: Date) =>
  inWorkspace((tx) =>
    postGrowth(
      tx,
      server.workspaceId,
      { customerId, amount, cause: 'task', ref: `t${++growthSeq}`, idempotencyKey: `test:${++growthSeq}`, at },
      at,
    ),
  );
const standing = async (customerId: string) => {
  const rows = await server.siyu.db.query<{
    code: string;
    downgrade_due_at: Date | null;
    protected_until: Date | null;
  }>(
    `SELECT t.code, m.downgrade_due_at, m.tier_protected_until AS protected_until
       FROM members m JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
      WHERE m.workspace_id = $1 AND m.customer_id = $2`,
    [server.workspaceId, customerId],
  );
  return rows[0]!;
};
const eventsOf = async (type: string, customerId: string) =>
  (
    await server.siyu.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM domain_events WHERE type = $1 AND payload->>'customerId' = $2 ORDER BY id`,
      [type, customerId],
    )
  ).map((r) => r.payload);

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'downgrade', now: T0 });
  const rows = await server.siyu.db.query<{ id: string }>(
    `SELECT id FROM customers WHERE workspace_id = $1 AND member_status = 'none' ORDER BY seq LIMIT 6`,
    [server.workspaceId],
  );
  customers = rows.map((r) => r.id);
  // Growth counts over the last 6 months; an upgrade protects for 12 and a downgrade is announced 30 days ahead.
  await inWorkspace((tx) =>
    updateTierPolicy(tx, server.workspaceId, { evaluationMonths: 6, protectionMonths: 12, noticeDays: 30 }),
  );
  for (const id of customers) {
    await inWorkspace((tx) =>
      joinMembership(tx, server.workspaceId, id, {
        channel: 'api',
        termsVersion: '1',
        consentIp: null,
        actorId: null,
        now: T0,
      }),
    );
  }
});
afterAll(() => server.close());

test('growth leaving the window brings a notice once protection ends, then the downgrade when it falls due', async () => {
  const [a] = customers as [string];
  await earn(a, 400, T0);
  expect(await standing(a)).toMatchObject({ code: 'silver', protected_until: months(12) });

  // Seven months on, the growth is out of the 6-month window, but the upgrade still protects the tier.
  expect(await evaluate(months(7))).toMatchObject({ noticed: 0, downgraded: 0 });
  expect((await standing(a)).code).toBe('silver');

  // Protection over: a notice, due 30 days later; the member keeps the tier meanwhile.
  const noticeAt = months(12, 1);
  await evaluate(noticeAt);
  const due = new Date(noticeAt.getTime() + 30 * 86_400_000);
  expect(await standing(a)).toMatchObject({ code: 'silver', downgrade_due_at: due });
  const [silver, normal] = await server.siyu.db.query<{ id: string }>(
    `SELECT id FROM tiers WHERE workspace_id = $1 AND code IN ('silver', 'normal') ORDER BY rank DESC`,
    [server.workspaceId],
  );
  expect(await eventsOf('member.downgrade_notice', a)).toEqual([
    {
      customerId: a,
      tierId: silver!.id,
      toTierId: normal!.id,
      dueAt: due.toISOString(),
      growth: 0,
      requiredGrowth: 300,
    },
  ]);
  // The review the next days changes nothing and announces nothing again.
  await evaluate(months(12, 10));
  expect((await standing(a)).code).toBe('silver');
  expect(await eventsOf('member.downgrade_notice', a)).toHaveLength(1);

  await evaluate(new Date(due.getTime() + 3_600_000));
  expect(await standing(a)).toMatchObject({ code: 'normal', downgrade_due_at: null, protected_until: null });
  const changes = await eventsOf('member.tier_changed', a);
  expect(changes.at(-1)).toMatchObject({ reason: 'downgrade', fromRank: 10, toRank: 0 });
  const history = await server.siyu.db.query<{ reason: string }>(
    'SELECT reason FROM tier_history WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id',
    [server.workspaceId, a],
  );
  expect(history.map((h) => h.reason)).toEqual(['join', 'upgrade', 'downgrade']);
});

test('an upgrade renews the protection period: no notice while it runs', async () => {
  const [, b] = customers as [string, string];
  await earn(b, 400, T0);
  await earn(b, 700, months(5));
  // 1,100 in the window at month 5: gold, protected until month 17.
  expect(await standing(b)).toMatchObject({ code: 'gold', protected_until: months(17) });
  await evaluate(months(12, 1));
  await evaluate(months(16));
  expect(await standing(b)).toMatchObject({ code: 'gold', downgrade_due_at: null });
  await evaluate(months(17, 1));
  expect((await standing(b)).downgrade_due_at).not.toBeNull();
});

test('growth that recovers during the notice period cancels the downgrade', async () => {
  const [, , c] = customers as [string, string, string];
  await earn(c, 400, T0);
  await evaluate(months(12, 1));
  expect((await standing(c)).downgrade_due_at).not.toBeNull();
  // Back above silver's 300 within the window: the announced downgrade is off at once.
  await earn(c, 320, months(12, 5));
  expect(await standing(c)).toMatchObject({ code: 'silver', downgrade_due_at: null });
  await evaluate(months(12, 40));
  expect((await standing(c)).code).toBe('silver');
  expect((await eventsOf('member.tier_changed', c)).map((e) => e.reason)).toEqual(['upgrade']);
});

test('when growth only partly recovers, the downgrade goes to the tier the growth holds when due', async () => {
  const [, , , d] = customers as [string, string, string, string];
  await earn(d, 1200, T0);
  expect((await standing(d)).code).toBe('gold');
  await evaluate(months(12, 1));
  await earn(d, 350, months(12, 2));
  // 350 is short of gold's 1,000 but holds silver.
  await evaluate(months(12, 32));
  expect((await standing(d)).code).toBe('silver');
  expect((await eventsOf('member.tier_changed', d)).at(-1)).toMatchObject({ reason: 'downgrade', toRank: 10 });
});

test('a lowered threshold upgrades on the next review; with no notice period a downgrade is immediate', async () => {
  const [, , , , e, f] = customers as [string, string, string, string, string, string];
  const at = months(13);
  await earn(e, 150, at);
  expect((await standing(e)).code).toBe('normal');
  const silver = await server.siyu.db.query<{ id: string }>(
    `SELECT id FROM tiers WHERE workspace_id = $1 AND code = 'silver'`,
    [server.workspaceId],
  );
  await inWorkspace((tx) => updateTier(tx, server.workspaceId, silver[0]!.id, { growthThreshold: 100 }));
  expect((await evaluate(at)).upgraded).toBeGreaterThanOrEqual(1);
  expect((await standing(e)).code).toBe('silver');

  await inWorkspace((tx) => updateTierPolicy(tx, server.workspaceId, { noticeDays: 0, protectionMonths: 0 }));
  await earn(f, 150, months(13));
  expect(await standing(f)).toMatchObject({ code: 'silver', protected_until: null });
  await evaluate(months(20));
  expect((await standing(f)).code).toBe('normal');
  expect(await eventsOf('member.downgrade_notice', f)).toEqual([]);
});
