// Tier as a segment condition: the audience engine answers exactly what the SQL does, in every operator and under
// `not`, and a tier change moves the member into a dynamic segment (segment.entered) through the workers.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from '../../platform/jobs/fixtures/helpers.ts';
import { compileRule, type Rule, type SegmentsModule } from '../segments/index.ts';
import { dayOf } from '../segments/time.ts';
import { type LoyaltyServer, startLoyaltyServer, termsVersion } from './members.fixtures.ts';

let server: LoyaltyServer;
const members: Record<string, string> = {};
let tierIds: Record<string, string>;
/** The demo brand's own members, before the test adds its own: the counts below are on top of these. */
const before = new Map<string, number>();

const RULES: [Rule, number][] = [
  [{ type: 'tier', operator: 'in', tiers: ['silver', 'gold'] }, 4],
  [{ type: 'tier', operator: 'not_in', tiers: ['normal'] }, 5],
  [{ type: 'tier', operator: 'at_least', tiers: ['gold'] }, 3],
  [{ type: 'tier', operator: 'in', tiers: ['no_such_tier'] }, 0],
  [{ type: 'tier', operator: 'at_least', tiers: ['no_such_tier'] }, 0],
  [{ op: 'not', rule: { type: 'tier', operator: 'in', tiers: ['normal'] } }, -1],
  [
    {
      op: 'and',
      rules: [
        { type: 'tier', operator: 'at_least', tiers: ['silver'] },
        { type: 'attribute', field: 'member_status', operator: 'eq', value: 'member' },
      ],
    },
    4,
  ],
];

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'tier-segments', workers: true, customers: 40 });
  for (const [rule] of RULES) before.set(JSON.stringify(rule), await sqlCount(rule));
  const version = await termsVersion(server);
  const tiers = await server.owner.get('/api/loyalty/tiers');
  tierIds = Object.fromEntries(tiers.body.items.map((t: { code: string; id: string }) => [t.code, t.id]));
  const plan = ['normal', 'normal', 'silver', 'silver', 'gold', 'diamond', 'gold-frozen', 'silver-cancelled'];
  for (const [i, label] of plan.entries()) {
    const joined = await server.owner.post('/api/members', {
      phone: `1340000${String(i).padStart(4, '0')}`,
      termsVersion: version,
      consent: true,
    });
    const id = joined.body.member.customerId as string;
    const [code, status] = label.split('-') as [string, string | undefined];
    if (code !== 'normal')
      await server.owner.post(`/api/members/${id}/tier`, { tierId: tierIds[code], reason: '测试' });
    if (status) await server.owner.patch(`/api/members/${id}`, { status, reason: '测试' });
    members[label] = id;
  }
});
afterAll(() => server.close());

async function sqlCount(rule: Rule): Promise<number> {
  const segments = server.siyu.modules.find((m) => m.name === 'segments') as SegmentsModule;
  const compiled = compileRule(segments.engine.registry, rule, {
    workspaceId: server.workspaceId,
    today: dayOf(server.clock.now, 'Asia/Shanghai'),
    timeZone: 'Asia/Shanghai',
  });
  const rows = await server.siyu.db.tenant(server.workspaceId, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n ${compiled.from}`, compiled.params),
  );
  return rows[0]!.n;
}

test('the engine and the SQL agree on every tier operator, alone, negated and combined', async () => {
  for (const [rule, added] of RULES) {
    const preview = await server.owner.post('/api/segments/preview', { rule });
    expect(preview.status, JSON.stringify(rule)).toBe(200);
    const sql = await sqlCount(rule);
    expect(preview.body.count, JSON.stringify(rule)).toBe(sql);
    if (added >= 0) expect(sql, JSON.stringify(rule)).toBe((before.get(JSON.stringify(rule)) ?? 0) + added);
  }
});

test('bad tier conditions are refused with the path of the bad node', async () => {
  const tooMany = await server.owner.post('/api/segments/preview', {
    rule: { op: 'and', rules: [{ type: 'tier', operator: 'at_least', tiers: ['silver', 'gold'] }] },
  });
  expect(tooMany.body.error.details).toEqual({ path: 'rules[0].tiers', reason: 'too_many' });
  const badCode = await server.owner.post('/api/segments/preview', {
    rule: { type: 'tier', operator: 'in', tiers: ['silver', 'Gold'] },
  });
  expect(badCode.body.error.details).toEqual({ path: 'tiers[1]', reason: 'expected_tier_code' });
  const badOp = await server.owner.post('/api/segments/preview', {
    rule: { type: 'tier', operator: 'above', tiers: ['gold'] },
  });
  expect(badOp.body.error.details.path).toBe('operator');
});

test('a tier change moves the member into a dynamic segment', async () => {
  const created = await server.owner.post('/api/segments', {
    name: '金卡及以上',
    kind: 'dynamic',
    rule: { type: 'tier', operator: 'at_least', tiers: ['gold'] },
  });
  expect(created.status).toBe(201);
  const atLeastGold = JSON.stringify({ type: 'tier', operator: 'at_least', tiers: ['gold'] });
  const already = (before.get(atLeastGold) ?? 0) + 3;
  expect(created.body.memberCount).toBe(already);
  const climber = members.silver as string;
  const upgraded = await server.owner.post(`/api/members/${climber}/tier`, {
    tierId: tierIds.gold,
    reason: '升级测试',
  });
  expect(upgraded.status).toBe(200);
  const entered = await eventually(async () => {
    const rows = await server.siyu.db.query<{ payload: { segmentId: string; customerId: string } }>(
      `SELECT payload FROM domain_events WHERE type = 'segment.entered' AND payload->>'customerId' = $1`,
      [climber],
    );
    return rows.length > 0 && rows;
  });
  expect(entered[0]?.payload.segmentId).toBe(created.body.id);
  // The live count already sees it: the tier change dropped the cached SQL answer.
  expect((await server.owner.get(`/api/segments/${created.body.id}/count`)).body.count).toBe(already + 1);
  expect(
    (await server.owner.post('/api/segments/preview', { rule: { type: 'tier', operator: 'in', tiers: ['gold'] } })).body
      .count,
  ).toBe(await sqlCount({ type: 'tier', operator: 'in', tiers: ['gold'] }));
});
