// Memberships through customer merges and unmerges: a member merged into a non-member takes the membership along;
// two members merged keep the survivor's card with both growths and the higher tier, the merged card still finds
// the survivor; sessions and invitations follow; an unmerge puts everything back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { postGrowth } from './growth.ts';
import { type LoyaltyServer, signIn, startLoyaltyServer, termsVersion } from './members.fixtures.ts';

let server: LoyaltyServer;
let version: string;
let seq = 0;

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'member-merges' });
  version = await termsVersion(server);
});
afterAll(() => server.close());

async function customer(phone: string): Promise<string> {
  const res = await server.owner.post('/api/customers', { identities: [{ kind: 'phone', value: phone }] });
  return res.body.customer.id;
}
async function join(customerId: string, inviteCode?: string) {
  const res = await server.owner.post('/api/members', {
    customerId,
    termsVersion: version,
    consent: true,
    ...(inviteCode ? { inviteCode } : {}),
  });
  return res.body.member;
}
const earn = (customerId: string, amount: number) =>
  server.siyu.db.tenant(server.workspaceId, (tx) =>
    postGrowth(
      tx,
      server.workspaceId,
      {
        customerId,
        amount,
        cause: 'task',
        ref: `m${++seq}`,
        idempotencyKey: `merge-test:${seq}`,
        at: server.clock.now,
      },
      server.clock.now,
    ),
  );
const merge = (survivorId: string, mergedId: string) =>
  server.owner.post('/api/customers/merge', { survivorId, mergedId });
const mergeId = async (survivorId: string) =>
  (await server.owner.get(`/api/customers/${survivorId}`)).body.merges.find((m: { unmergedAt: null }) => !m.unmergedAt)
    .id as string;

test('a member merged into a non-member takes the membership, card and growth along; unmerge brings it back', async () => {
  const survivor = await customer('13300001001');
  const merged = await customer('13300001002');
  const card = await join(merged);
  await earn(merged, 400);
  const { h5 } = await signIn(server, '13300001002');
  expect((await h5.get('/api/h5/me')).body.customerId).toBe(merged);

  expect((await merge(survivor, merged)).status).toBe(200);
  const now = await server.owner.get(`/api/members/${survivor}`);
  expect(now.body).toMatchObject({ customerId: survivor, cardNo: card.cardNo, tier: { code: 'silver' } });
  expect(now.body.growth.lifetime).toBe(400);
  expect((await server.owner.get(`/api/members/${merged}`)).body.customerId).toBe(survivor);
  expect((await server.owner.get(`/api/members/lookup?cardNo=${card.cardNo}`)).body.customerId).toBe(survivor);
  expect((await server.owner.get(`/api/customers/${survivor}`)).body.customer.memberStatus).toBe('member');
  // The member's H5 session follows the customer it signed in as.
  expect((await h5.get('/api/h5/me')).body.customerId).toBe(survivor);

  const undone = await server.owner.post(`/api/customers/merges/${await mergeId(survivor)}/unmerge`);
  expect(undone.status).toBe(200);
  expect((await server.owner.get(`/api/members/${merged}`)).body).toMatchObject({
    customerId: merged,
    cardNo: card.cardNo,
  });
  expect((await server.owner.get(`/api/members/${survivor}`)).status).toBe(404);
  expect((await server.owner.get(`/api/customers/${survivor}`)).body.customer.memberStatus).toBe('none');
  expect((await h5.get('/api/h5/me')).body.customerId).toBe(merged);
  const history = await server.owner.get(`/api/members/${merged}/tier-history`);
  expect(history.body.items.map((h: { reason: string }) => h.reason)).toEqual(['upgrade', 'join']);
});

test('two members merged: the survivor keeps its card, gains the other’s growth and the higher tier', async () => {
  const survivor = await customer('13300002001');
  const merged = await customer('13300002002');
  const survivorCard = await join(survivor);
  const mergedCard = await join(merged);
  const invitee = await customer('13300002003');
  await join(invitee, mergedCard.inviteCode);
  await earn(survivor, 100);
  await earn(merged, 1200);
  expect((await server.owner.get(`/api/members/${merged}`)).body.tier.code).toBe('gold');

  expect((await merge(survivor, merged)).status).toBe(200);
  const kept = await server.owner.get(`/api/members/${survivor}`);
  expect(kept.body).toMatchObject({ cardNo: survivorCard.cardNo, tier: { code: 'gold' }, growth: { lifetime: 1300 } });
  expect((await server.owner.get(`/api/members/lookup?cardNo=${mergedCard.cardNo}`)).body).toMatchObject({
    customerId: survivor,
    cardNo: survivorCard.cardNo,
  });
  expect((await server.owner.get(`/api/members/${invitee}`)).body.invitedBy).toBe(survivor);
  const merges = await server.owner.get(`/api/members/${survivor}/tier-history`);
  expect(merges.body.items[0]).toMatchObject({ reason: 'merge', toTier: { code: 'gold' } });
  // The merged customer's phone now belongs to the survivor, and so finds the survivor's membership.
  const listed = await server.owner.get('/api/members?q=13300002002');
  expect(listed.body.items.map((m: { customerId: string }) => m.customerId)).toEqual([survivor]);
  expect(
    (await server.owner.get('/api/members?status=merged')).body.items.map((m: { cardNo: string }) => m.cardNo),
  ).toContain(mergedCard.cardNo);

  await server.owner.post(`/api/customers/merges/${await mergeId(survivor)}/unmerge`);
  expect((await server.owner.get(`/api/members/${merged}`)).body).toMatchObject({
    cardNo: mergedCard.cardNo,
    status: 'active',
    growth: { lifetime: 1200 },
  });
  // The tier reached through the merge stays, protected like any upgrade; the schedule reviews it later.
  expect((await server.owner.get(`/api/members/${survivor}`)).body).toMatchObject({
    growth: { lifetime: 100 },
    tier: { code: 'gold' },
  });
  expect((await server.owner.get(`/api/members/${invitee}`)).body.invitedBy).toBe(merged);
  const sums = await server.siyu.db.query<{ customer_id: string; ok: boolean }>(
    `SELECT m.customer_id, m.growth = coalesce((SELECT sum(amount) FROM growth_entries g
        WHERE g.workspace_id = m.workspace_id AND g.customer_id = m.customer_id), 0) AS ok
       FROM members m WHERE m.workspace_id = $1`,
    [server.workspaceId],
  );
  expect(sums.filter((s) => !s.ok)).toEqual([]);
});

test('the customer timeline shows joining and tier changes', async () => {
  const id = await customer('13300003001');
  await join(id);
  await earn(id, 350);
  const timeline = await server.owner.get(`/api/customers/${id}/timeline`);
  const loyalty = timeline.body.items.filter((i: { source: string }) => i.source === 'loyalty');
  expect(loyalty.map((i: { kind: string; title: string }) => [i.kind, i.title])).toEqual([
    ['member.tier_upgrade', '银卡会员'],
    ['member.joined', '普通会员'],
  ]);
});
