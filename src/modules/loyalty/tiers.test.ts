// The tier ladder over HTTP — thresholds strictly rising with rank, an entry tier at 0, tiers with members kept —
// the tier policy and growth rules, who may change them, and the lookup POS and e-commerce make by phone or card.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type LoyaltyServer, startLoyaltyServer, termsVersion } from './members.fixtures.ts';
import { luhnDigit } from './members.ts';

let server: LoyaltyServer;
let tiers: Record<string, { id: string; rank: number }>;

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'tiers' });
  const res = await server.owner.get('/api/loyalty/tiers');
  tiers = Object.fromEntries(res.body.items.map((t: { code: string; id: string; rank: number }) => [t.code, t]));
});
afterAll(() => server.close());

test('a tier is added between two others only with a threshold between theirs', async () => {
  const between = { code: 'platinum', name: '铂金会员', rank: 25, growthThreshold: 2000, pointsMultiplierPct: 180 };
  const created = await server.owner.post('/api/loyalty/tiers', {
    ...between,
    benefits: [
      { type: 'discount', percentOff: 8 },
      { type: 'custom', name: '专属杯套', description: '每季度一份' },
      { type: 'custom', name: '门店优先取餐', description: '' },
    ],
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ code: 'platinum', memberCount: 0, pointsMultiplierPct: 180 });
  expect((await server.owner.post('/api/loyalty/tiers', between)).body.error.code).toBe('loyalty.tier_code_taken');

  const low = await server.owner.post('/api/loyalty/tiers', {
    ...between,
    code: 'bronze',
    rank: 5,
    growthThreshold: 500,
  });
  expect(low.status).toBe(422);
  expect(low.body.error.code).toBe('loyalty.tier_thresholds');
  const sameRank = await server.owner.post('/api/loyalty/tiers', { ...between, code: 'bronze', growthThreshold: 2500 });
  expect(sameRank.status).toBe(409);
  expect(sameRank.body.error.code).toBe('loyalty.tier_rank_taken');
  const twice = await server.owner.post('/api/loyalty/tiers', {
    ...between,
    code: 'bronze',
    rank: 1,
    growthThreshold: 100,
    benefits: [
      { type: 'discount', percentOff: 1 },
      { type: 'discount', percentOff: 2 },
    ],
  });
  expect(twice.body.error).toMatchObject({ code: 'loyalty.benefit_repeated', details: { path: 'benefits[1]' } });
  const badBenefit = await server.owner.post('/api/loyalty/tiers', {
    ...between,
    code: 'bronze',
    benefits: [{ type: 'discount', percentOff: 95 }],
  });
  expect(badBenefit.status).toBe(400);

  const list = await server.owner.get('/api/loyalty/tiers');
  expect(list.body.items.map((t: { code: string }) => t.code)).toEqual([
    'normal',
    'silver',
    'gold',
    'platinum',
    'diamond',
  ]);
});

test('the entry tier stays at growth 0, and moving a tier past another is checked as a whole ladder', async () => {
  const entry = await server.owner.patch(`/api/loyalty/tiers/${tiers.normal!.id}`, { growthThreshold: 10 });
  expect(entry.status).toBe(422);
  expect(entry.body.error.code).toBe('loyalty.tier_entry_threshold');
  const inverted = await server.owner.patch(`/api/loyalty/tiers/${tiers.gold!.id}`, { rank: 5 });
  expect(inverted.body.error.code).toBe('loyalty.tier_thresholds');
  const renamed = await server.owner.patch(`/api/loyalty/tiers/${tiers.gold!.id}`, {
    name: '金卡',
    benefits: [{ type: 'early_access', hours: 12 }],
  });
  expect(renamed.body).toMatchObject({ name: '金卡', benefits: [{ type: 'early_access', hours: 12 }] });
  expect((await server.owner.patch(`/api/loyalty/tiers/${tiers.gold!.id}`, { code: 'golden' })).status).toBe(400);
  expect(
    (await server.owner.patch('/api/loyalty/tiers/00000000-0000-4000-8000-000000000001', { name: 'x' })).status,
  ).toBe(404);
  const audit = await server.owner.get(`/api/audit?action=tier.update&targetId=${tiers.gold!.id}`);
  expect(audit.body.items).toHaveLength(1);
});

test('a tier that members hold cannot be deleted; an empty one can', async () => {
  const version = await termsVersion(server);
  const joined = await server.owner.post('/api/members', {
    phone: '13500001001',
    termsVersion: version,
    consent: true,
  });
  expect(joined.status).toBe(200);
  const held = await server.owner.request('DELETE', `/api/loyalty/tiers/${tiers.normal!.id}`);
  expect(held.status).toBe(409);
  // The demo brand's members hold it too.
  expect(held.body.error.code).toBe('loyalty.tier_has_members');
  expect(held.body.error.message).toMatch(/^该等级还有 \d+ 位会员，不能删除$/);
  const platinum = (await server.owner.get('/api/loyalty/tiers')).body.items.find(
    (t: { code: string }) => t.code === 'platinum',
  );
  expect((await server.owner.request('DELETE', `/api/loyalty/tiers/${platinum.id}`)).status).toBe(204);
  expect((await server.owner.get('/api/loyalty/tiers')).body.items).toHaveLength(4);
});

test('tier policy and growth rules are validated, audited and only for those who configure loyalty', async () => {
  const policy = await server.owner.patch('/api/loyalty/tier-policy', { protectionMonths: 6, noticeDays: 14 });
  expect(policy.body).toEqual({ evaluationMonths: 12, protectionMonths: 6, noticeDays: 14 });
  expect((await server.owner.patch('/api/loyalty/tier-policy', { evaluationMonths: 0 })).status).toBe(400);
  expect((await server.owner.patch('/api/loyalty/tier-policy', {})).status).toBe(400);
  const rules = { spendUnitYuan: 1, spendGrowth: 2, checkInGrowth: 3, taskGrowth: 4 };
  expect((await server.owner.request('PUT', '/api/loyalty/growth-rules', rules)).body).toEqual(rules);
  expect((await server.owner.request('PUT', '/api/loyalty/growth-rules', { ...rules, spendUnitYuan: 0 })).status).toBe(
    400,
  );
  const settings = await server.owner.get('/api/loyalty/settings');
  expect(settings.body).toMatchObject({
    tierPolicy: { protectionMonths: 6 },
    growthRules: rules,
    terms: { version: '1' },
  });

  const operator = await server.apiKey('operator');
  expect((await operator.get('/api/loyalty/tiers')).status).toBe(200);
  expect((await operator.patch('/api/loyalty/tier-policy', { noticeDays: 1 })).status).toBe(403);
  expect((await operator.post('/api/loyalty/terms', { version: '9', text: 'x' })).status).toBe(403);
  const auditor = await server.apiKey('auditor');
  expect((await auditor.get('/api/loyalty/tiers')).status).toBe(403);
  // Each change of the ladder or policy queues a review of every member's tier.
  const reviews = await server.siyu.db.query(
    `SELECT 1 FROM jobs WHERE workspace_id = $1 AND kind = 'loyalty.tiers-evaluate-workspace'`,
    [server.workspaceId],
  );
  expect(reviews.length).toBeGreaterThanOrEqual(3);
});

test('POS and e-commerce look a member up by phone, card or id with an API key, benefits included', async () => {
  const version = await termsVersion(server);
  const joined = await server.owner.post('/api/members', {
    phone: '13500002002',
    termsVersion: version,
    consent: true,
  });
  const { customerId, cardNo } = joined.body.member;
  await server.owner.post(`/api/members/${customerId}/tier`, { tierId: tiers.gold!.id, reason: '门店 VIP' });
  const pos = await server.apiKey('operator');
  const byPhone = await pos.get('/api/members/lookup?phone=%2B86%20135-0000-2002');
  expect(byPhone.status).toBe(200);
  expect(byPhone.body).toEqual({
    customerId,
    cardNo,
    status: 'active',
    tier: { id: tiers.gold!.id, code: 'gold', name: '金卡', rank: tiers.gold!.rank, pointsMultiplierPct: 150 },
    benefits: [
      { type: 'points_multiplier', pct: 150 },
      { type: 'early_access', hours: 12 },
    ],
  });
  expect((await pos.get(`/api/members/lookup?cardNo=${cardNo}`)).body).toEqual(byPhone.body);
  expect((await pos.get(`/api/members/lookup?customerId=${customerId}`)).body).toEqual(byPhone.body);

  const wrongDigit = `${cardNo.slice(0, 11)}${(Number(luhnDigit(cardNo.slice(0, 11))) + 1) % 10}`;
  expect((await pos.get(`/api/members/lookup?cardNo=${wrongDigit}`)).body.error.code).toBe('loyalty.card_invalid');
  expect((await pos.get('/api/members/lookup?phone=13500009999')).body.error.code).toBe('loyalty.member_not_found');
  expect((await pos.get(`/api/members/lookup?phone=13500002002&cardNo=${cardNo}`)).body.error.code).toBe(
    'loyalty.lookup_one_key',
  );
  expect((await pos.get('/api/members/lookup')).body.error.code).toBe('loyalty.lookup_one_key');
  expect((await pos.get('/api/members/lookup?cardNo=12ab')).status).toBe(400);

  // The tier set by hand is recorded and protected from the schedule like an upgrade.
  const member = await server.owner.get(`/api/members/${customerId}`);
  expect(member.body.tierProtectedUntil).not.toBeNull();
  const history = await server.owner.get(`/api/members/${customerId}/tier-history`);
  expect(history.body.items[0]).toMatchObject({ reason: 'manual', note: '门店 VIP', toTier: { code: 'gold' } });
});

test('freezing and cancelling a membership is audited and mirrored in the customer’s member status', async () => {
  const version = await termsVersion(server);
  const joined = await server.owner.post('/api/members', {
    phone: '13500003003',
    termsVersion: version,
    consent: true,
  });
  const { customerId } = joined.body.member;
  const frozen = await server.owner.patch(`/api/members/${customerId}`, { status: 'frozen', reason: '疑似刷单' });
  expect(frozen.body.status).toBe('frozen');
  expect((await server.owner.get(`/api/customers/${customerId}`)).body.customer.memberStatus).toBe('frozen');
  expect((await server.owner.patch(`/api/members/${customerId}`, { status: 'merged', reason: 'x' })).status).toBe(400);
  await server.owner.patch(`/api/members/${customerId}`, { status: 'active', reason: '核实无误' });
  expect((await server.owner.get(`/api/customers/${customerId}`)).body.customer.memberStatus).toBe('member');
  const audit = await server.owner.get(`/api/audit?action=member.set_status&targetId=${customerId}`);
  expect(audit.body.items.map((a: { details: { status: string } }) => a.details.status)).toEqual(['active', 'frozen']);
  const nonMember = await server.siyu.db.query<{ id: string }>(
    `SELECT id FROM customers WHERE workspace_id = $1 AND member_status = 'none' LIMIT 1`,
    [server.workspaceId],
  );
  expect((await server.owner.get(`/api/members/${nonMember[0]!.id}`)).status).toBe(404);
  expect((await server.owner.patch(`/api/members/${nonMember[0]!.id}`, { status: 'frozen', reason: 'x' })).status).toBe(
    404,
  );
});
