// Enrolment through the API: joining twice (or twice at once) gives one membership, consent names the current
// terms, invites are recorded, the customer's member status follows, and another workspace sees none of it.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { buildDemo } from '../../demo/index.ts';
import { type LoyaltyServer, startLoyaltyServer, termsVersion } from './members.fixtures.ts';
import { validCardNo } from './members.ts';

let server: LoyaltyServer;
let version: string;

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'enrolment' });
  version = await termsVersion(server);
});
afterAll(() => server.close());

test('the first use creates the default ladder 普通/银卡/金卡/钻石 and version 1 of the terms', async () => {
  const tiers = await server.owner.get('/api/loyalty/tiers');
  expect(tiers.status).toBe(200);
  expect(
    tiers.body.items.map((t: { code: string; name: string; growthThreshold: number }) => [t.code, t.name]),
  ).toEqual([
    ['normal', '普通会员'],
    ['silver', '银卡会员'],
    ['gold', '金卡会员'],
    ['diamond', '钻石会员'],
  ]);
  expect(tiers.body.items.map((t: { pointsMultiplierPct: number }) => t.pointsMultiplierPct)).toEqual([
    100, 120, 150, 200,
  ]);
  expect(version).toBe('1');
});

test('enrolling by phone twice gives the same membership; the second call changes nothing', async () => {
  const body = { phone: '138 0000 1001', name: '林小满', termsVersion: version, consent: true };
  const first = await server.owner.post('/api/members', body);
  expect(first.status).toBe(200);
  expect(first.body.created).toBe(true);
  const member = first.body.member;
  expect(validCardNo(member.cardNo)).toBe(true);
  expect(member).toMatchObject({
    status: 'active',
    tier: { code: 'normal' },
    termsVersion: '1',
    joinChannel: 'console',
    name: '林小满',
    phone: '+8613800001001',
    growth: { window: 0, lifetime: 0, next: { tier: { code: 'silver' }, threshold: 300, remaining: 300 } },
  });
  expect(member.inviteCode).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);

  const again = await server.owner.post('/api/members', { ...body, phone: '+86 138-0000-1001' });
  expect(again.status).toBe(200);
  expect(again.body.created).toBe(false);
  expect(again.body.member.cardNo).toBe(member.cardNo);
  const byId = await server.owner.post('/api/members', {
    customerId: member.customerId,
    termsVersion: version,
    consent: true,
  });
  expect(byId.body).toMatchObject({ created: false, member: { cardNo: member.cardNo } });

  const customer = await server.owner.get(`/api/customers/${member.customerId}`);
  expect(customer.body.customer.memberStatus).toBe('member');
  const joined = await server.siyu.db.query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM domain_events WHERE type = 'member.joined' AND payload->>'customerId' = $1`,
    [member.customerId],
  );
  expect(joined.map((e) => e.payload)).toEqual([
    { customerId: member.customerId, cardNo: member.cardNo, tierId: member.tier.id, invitedBy: null },
  ]);
  const audit = await server.owner.get(`/api/audit?action=member.enrol&targetId=${member.customerId}`);
  expect(audit.body.items.map((a: { details: { created: boolean } }) => a.details.created)).toEqual([
    false,
    false,
    true,
  ]);
});

test('ten concurrent enrolments of one new phone number make one customer and one membership', async () => {
  const key = await server.apiKey();
  const body = { phone: '13900002002', termsVersion: version, consent: true };
  const answers = await Promise.all(Array.from({ length: 10 }, () => key.post('/api/members', body)));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  expect(new Set(answers.map((a) => a.body.member.cardNo)).size).toBe(1);
  expect(answers.filter((a) => a.body.created)).toHaveLength(1);
  expect(answers[0]?.body.member.joinChannel).toBe('api');
  const cards = await server.siyu.db.query(
    `SELECT card_no FROM member_cards WHERE workspace_id = $1 AND customer_id = $2`,
    [server.workspaceId, answers[0]?.body.member.customerId],
  );
  expect(cards).toHaveLength(1);
});

test('an Idempotency-Key retry of an enrolment replays the first answer', async () => {
  const body = { phone: '13900002003', termsVersion: version, consent: true };
  const first = await server.owner.post('/api/members', body, { 'idempotency-key': 'enrol-13900002003' });
  const retry = await server.owner.post('/api/members', body, { 'idempotency-key': 'enrol-13900002003' });
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);
  expect(retry.body.created).toBe(true);
});

test('consent must name the current terms, and a member consenting to new terms has that recorded', async () => {
  const stale = await server.owner.post('/api/members', { phone: '13900002004', termsVersion: '0', consent: true });
  expect(stale.status).toBe(409);
  expect(stale.body.error).toMatchObject({ code: 'loyalty.terms_outdated', details: { currentVersion: '1' } });
  const noConsent = await server.owner.post('/api/members', {
    phone: '13900002004',
    termsVersion: '1',
    consent: false,
  });
  expect(noConsent.status).toBe(400);

  const joined = await server.owner.post('/api/members', { phone: '13900002004', termsVersion: '1', consent: true });
  const published = await server.owner.post('/api/loyalty/terms', { version: '2026.2', text: '第二版会员条款' });
  expect(published.status).toBe(201);
  expect((await server.owner.post('/api/loyalty/terms', { version: '2026.2', text: '重复' })).body.error.code).toBe(
    'loyalty.terms_version_taken',
  );
  const renewed = await server.owner.post('/api/members', {
    phone: '13900002004',
    termsVersion: '2026.2',
    consent: true,
  });
  expect(renewed.body).toMatchObject({
    created: false,
    member: { termsVersion: '2026.2', cardNo: joined.body.member.cardNo },
  });
  version = '2026.2';
  const terms = await server.owner.get('/api/loyalty/terms');
  expect(terms.body.items.map((t: { version: string; current: boolean }) => [t.version, t.current])).toEqual([
    ['2026.2', true],
    ['1', false],
  ]);
});

test('an invite code records who invited the new member; a wrong one is refused', async () => {
  const inviter = await server.owner.post('/api/members', {
    phone: '13900002005',
    termsVersion: version,
    consent: true,
  });
  const code = inviter.body.member.inviteCode as string;
  const wrong = await server.owner.post('/api/members', {
    phone: '13900002006',
    termsVersion: version,
    consent: true,
    inviteCode: 'ZZZZZZZZ',
  });
  expect(wrong.body.error.code).toBe('loyalty.invite_invalid');
  const invitee = await server.owner.post('/api/members', {
    phone: '13900002006',
    termsVersion: version,
    consent: true,
    inviteCode: code.toLowerCase(),
  });
  expect(invitee.body.member.invitedBy).toBe(inviter.body.member.customerId);
});

test('bad enrolment requests are refused with stable codes', async () => {
  const both = await server.owner.post('/api/members', {
    customerId: '00000000-0000-4000-8000-000000000001',
    phone: '13900002007',
    termsVersion: version,
    consent: true,
  });
  expect(both.body.error.code).toBe('loyalty.enrol_target');
  const neither = await server.owner.post('/api/members', { termsVersion: version, consent: true });
  expect(neither.body.error.code).toBe('loyalty.enrol_target');
  const badPhone = await server.owner.post('/api/members', { phone: '12345', termsVersion: version, consent: true });
  expect(badPhone.status).toBe(400);
  const unknown = await server.owner.post('/api/members', {
    customerId: '00000000-0000-4000-8000-000000000001',
    termsVersion: version,
    consent: true,
  });
  expect(unknown.status).toBe(404);
  const badBirthday = await server.owner.post('/api/members', {
    phone: '13900002008',
    birthday: '2001-02-30',
    termsVersion: version,
    consent: true,
  });
  expect(badBirthday.status).toBe(400);
});

test('members are listed with filters and searched by phone, card or name; an analyst sees them masked', async () => {
  const all = await server.owner.get('/api/members?limit=2');
  expect(all.body.items).toHaveLength(2);
  const next = await server.owner.get(`/api/members?limit=50&cursor=${all.body.nextCursor}`);
  const total = all.body.items.length + next.body.items.length;
  expect(total).toBeGreaterThanOrEqual(6);
  const byName = await server.owner.get(`/api/members?q=${encodeURIComponent('林小')}`);
  expect(byName.body.items.map((m: { name: string }) => m.name)).toEqual(['林小满']);
  const card = byName.body.items[0].cardNo;
  expect((await server.owner.get(`/api/members?q=${card}`)).body.items).toHaveLength(1);
  expect((await server.owner.get('/api/members?q=13800001001')).body.items[0].cardNo).toBe(card);
  // The demo brand enrolled some of its customers too, in whatever tiers their orders reached.
  const gold = await server.owner.get('/api/members?tier=gold&limit=200');
  expect(gold.body.items.every((m: { tier: { code: string } }) => m.tier.code === 'gold')).toBe(true);
  const normal = await server.owner.get('/api/members?tier=normal&status=active&limit=200');
  expect(normal.body.items.map((m: { cardNo: string }) => m.cardNo)).toContain(card);
  expect(
    normal.body.items.every(
      (m: { tier: { code: string }; status: string }) => m.tier.code === 'normal' && m.status === 'active',
    ),
  ).toBe(true);
  expect((await server.owner.get('/api/members?tier=no_such')).body.items).toEqual([]);

  const analyst = await server.apiKey('analyst');
  const masked = await analyst.get(`/api/members?q=${card}`);
  expect(masked.body.items[0]).toMatchObject({ name: '林**', phone: '+86138****1001' });
  expect(
    (await analyst.post('/api/members', { phone: '13900002009', termsVersion: version, consent: true })).status,
  ).toBe(403);
});

test('another workspace neither sees nor finds these members', async () => {
  const other = await buildDemo(server.siyu.db, { customers: 10, seed: 5, slug: 'enrolment-b', name: 'B' });
  const b = new ApiClient(server.url);
  await b.login(other.owner.login, other.owner.password, 'enrolment-b');
  const mine = await server.owner.get('/api/members?q=13800001001');
  const customerId = mine.body.items[0].customerId;
  expect((await b.get(`/api/members/${customerId}`)).status).toBe(404);
  expect((await b.get('/api/members?q=13800001001')).body.items).toEqual([]);
  expect((await b.get(`/api/members/lookup?cardNo=${mine.body.items[0].cardNo}`)).status).toBe(404);
  const mineCards = new Set(
    (await server.owner.get('/api/members?limit=200')).body.items.map((m: { cardNo: string }) => m.cardNo),
  );
  const theirs = await b.get('/api/members?limit=200');
  expect(theirs.body.items.length).toBeGreaterThan(0); // B's own demo members
  expect(
    theirs.body.items.filter(
      (m: { cardNo: string; customerId: string }) => mineCards.has(m.cardNo) && m.customerId === customerId,
    ),
  ).toEqual([]);
  expect(theirs.body.items.map((m: { customerId: string }) => m.customerId)).not.toContain(customerId);
});
