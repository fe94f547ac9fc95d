// Groups follow WeCom through the real callback endpoint and workers: a group created in WeCom arrives with its
// owner, admins and members (external ones resolved to customers), joins and quits update members and the daily
// statistics exactly once however often WeCom delivers them, a full sync repairs lost callbacks, customers in
// several groups are reported, and nothing crosses to another workspace.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { buildDemo } from '../../demo/index.ts';
import { type CommunityWorld, eventually, groupOf, groupWith, membersOf, startCommunity } from './fixtures.ts';

let world: CommunityWorld;
let a: string;
let b: string;
let c: string;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwgroupstest00001' });
  a = (await world.sim.customerAddsGuide({ userId: 'zhangsan', name: '小红', unionId: 'oUnionXiaohong000000000001' }))
    .externalUserId;
  b = (await world.sim.customerAddsGuide({ userId: 'lisi', name: '小明' })).externalUserId;
  c = (await world.sim.customerAddsGuide({ userId: 'wangwu', name: '小刚' })).externalUserId;
});
afterAll(() => world.close());

const db = () => world.server.siyu.db;

test('a group created in WeCom arrives with its owner, admins and members; customers are resolved', async () => {
  const { sim, owner } = world;
  const { chatId } = await sim.createGroup({
    owner: 'zhangsan',
    name: '茶语 VIP 群',
    memberIds: [a, b],
    admins: ['lisi'],
  });
  const group = await groupWith(owner, chatId, 4);
  const detail = await owner.get(`/api/community/groups/${group.id}`);
  expect(detail.body).toMatchObject({
    name: '茶语 VIP 群',
    ownerUserId: 'zhangsan',
    adminUserIds: ['lisi'],
    status: 'active',
    memberCount: 4,
    externalCount: 2,
  });
  const members = await membersOf(owner, group.id);
  const byId = new Map(members.map((m) => [m.memberId, m]));
  expect(byId.get('zhangsan')).toMatchObject({ type: 'internal', wecomRole: 'owner', customerId: null });
  expect(byId.get('lisi')).toMatchObject({ type: 'internal', wecomRole: 'admin', role: 'member' });
  expect(byId.get(a)).toMatchObject({ type: 'external', status: 'active', joinScene: 1, invitorId: 'zhangsan' });
  // The external member is a customer with both WeCom identities (external_userid and unionid).
  const customerId = byId.get(a)?.customerId as string;
  const customer = await owner.get(`/api/customers/${customerId}`);
  expect(customer.status).toBe(200);
  const identities = (customer.body.identities as { kind: string; value: string }[]).map((i) => `${i.kind}:${i.value}`);
  expect(identities).toEqual(
    expect.arrayContaining([`wecom_external_userid:${a}`, 'wechat_unionid:oUnionXiaohong000000000001']),
  );
  // The customer's timeline shows the join.
  const timeline = await owner.get(`/api/customers/${customerId}/timeline`);
  expect(timeline.body.items.some((i: { kind: string; title: string }) => i.kind === 'community.joined')).toBe(true);
});

/** Delivers each callback `act` causes twice more, the way WeCom retries when it hears nothing in time. */
async function thrice(act: () => Promise<unknown>): Promise<void> {
  const { sim } = world;
  const start = sim.deliveries.length;
  await act();
  await sim.idle();
  for (const d of sim.deliveries.slice(start)) {
    await sim.redeliver(d);
    await sim.redeliver(d);
  }
  for (const d of sim.deliveries.slice(start)) expect([d.status, d.response]).toEqual([200, 'success']);
}

test('joins and quits update members and the day’s statistics once, though each callback arrives three times', async () => {
  const { sim, owner } = world;
  const { chatId } = await sim.createGroup({ owner: 'wangwu', name: '新品尝鲜群' });
  const group = await groupWith(owner, chatId, 1);
  await thrice(() => sim.joinGroup({ chatId, memberIds: [a, b], joinScene: 1, invitor: 'wangwu' }));
  await groupWith(owner, chatId, 3);
  await thrice(() => sim.quitGroup({ chatId, memberIds: [b], quitScene: 0 }));
  await groupWith(owner, chatId, 2);

  const members = await membersOf(owner, group.id);
  expect(members.find((m) => m.memberId === b)).toMatchObject({ status: 'left', quitScene: 0 });
  expect(members.find((m) => m.memberId === a)).toMatchObject({ status: 'active', joinScene: 2, invitorId: 'wangwu' });
  const log = await db().query<{ member_id: string; kind: string; source: string }>(
    `SELECT member_id, kind, source FROM community_member_events WHERE group_id = $1 ORDER BY id`,
    [group.id],
  );
  expect(log.map((e) => `${e.member_id}:${e.kind}`)).toEqual(['wangwu:join', `${a}:join`, `${b}:join`, `${b}:leave`]);
  const announced = await db().query<{ type: string; n: number }>(
    `SELECT type, count(*)::int AS n FROM domain_events
      WHERE workspace_id = $1 AND type LIKE 'community.member_%' AND payload->>'groupId' = $2 GROUP BY type`,
    [world.server.workspaceId, group.id],
  );
  expect(Object.fromEntries(announced.map((r) => [r.type, r.n]))).toEqual({
    'community.member_joined': 3,
    'community.member_left': 1,
  });

  // Leaving and coming back is a second join; statistics count each.
  await sim.joinGroup({ chatId, memberIds: [b], joinScene: 3 });
  await groupWith(owner, chatId, 3);
  const stats = await owner.get(`/api/community/stats?groupId=${group.id}`);
  expect(stats.status).toBe(200);
  const today = stats.body.days[stats.body.days.length - 1];
  expect(today).toMatchObject({ joins: 4, quits: 1, members: 3 });
  expect(stats.body.totals).toMatchObject({ joins: 4, quits: 1, members: 3 });
  const listed = await groupOf(owner, chatId);
  expect(listed).toMatchObject({ memberCount: 3, stats: { joins: 4, quits: 1 } });
});

test('a full sync repairs what lost callbacks left behind: members, renames and dismissed groups', async () => {
  const { sim, owner } = world;
  const { chatId } = await sim.createGroup({ owner: 'lisi', name: '会员福利群', memberIds: [c] });
  await groupWith(owner, chatId, 2);
  const gone = await sim.createGroup({ owner: 'lisi', name: '将解散的群' });
  await groupWith(owner, gone.chatId, 1);
  // WeCom's callbacks do not reach Siyu for a while (a network fault, a misconfigured URL).
  const url = sim.callbackUrl;
  sim.callbackUrl = null;
  await sim.joinGroup({ chatId, memberIds: [a], joinScene: 3 });
  await sim.renameGroup({ chatId, name: '会员福利群（新）' });
  await sim.dismissGroup({ chatId: gone.chatId });
  sim.callbackUrl = url;
  expect((await groupOf(owner, chatId))?.memberCount).toBe(2);

  const sync = await owner.post('/api/community/sync');
  expect(sync.status, JSON.stringify(sync.body)).toBe(202);
  const repaired = await groupWith(owner, chatId, 3);
  expect((await owner.get(`/api/community/groups/${repaired.id}`)).body.name).toBe('会员福利群（新）');
  await eventually(
    () => groupOf(owner, gone.chatId),
    (g) => (g as { status?: string } | undefined)?.status === 'dismissed',
  );
  const audit = await owner.get('/api/audit?action=community.sync');
  expect(audit.body.items.length).toBeGreaterThan(0);
});

test('customers in more than one group are reported with their groups', async () => {
  const { owner } = world;
  const customerA = (
    await membersOf(owner, (await groupOf(owner, world.sim.chats.keys().next().value as string))!.id)
  ).find((m) => m.memberId === a)?.customerId;
  const res = await owner.get('/api/community/duplicates');
  expect(res.status).toBe(200);
  const row = (res.body.items as { customerId: string; groups: { name: string }[]; memberIds: string[] }[]).find(
    (d) => d.customerId === customerA,
  );
  expect(row?.memberIds).toEqual([a]);
  expect(row?.groups.map((g) => g.name).sort()).toEqual(['会员福利群（新）', '新品尝鲜群', '茶语 VIP 群'].sort());
  // c is in one group only.
  expect(res.body.items.some((d: { memberIds: string[] }) => d.memberIds.includes(c))).toBe(false);
});

test('roles: a member is made group admin or KOC in one group or all of theirs', async () => {
  const { owner, sim } = world;
  const chatId = sim.chats.keys().next().value as string;
  const group = (await groupOf(owner, chatId))!;
  const one = await owner.request('PUT', `/api/community/groups/${group.id}/members/${a}/role`, { role: 'admin' });
  expect(one.status, JSON.stringify(one.body)).toBe(200);
  expect(one.body).toMatchObject({ memberId: a, role: 'admin' });
  const all = await owner.post(`/api/community/members/${a}/role`, { role: 'koc' });
  expect(all.body).toEqual({ changed: 3 });
  const missing = await owner.request('PUT', `/api/community/groups/${group.id}/members/wmnobody/role`, {
    role: 'koc',
  });
  expect([missing.status, missing.body.error.code]).toEqual([404, 'community.member_not_found']);
  const audit = await owner.get('/api/audit?action=community.member_role');
  expect(audit.body.items.length).toBe(2);
});

test('a merge of a member’s customer moves their memberships to the survivor, and an unmerge moves them back', async () => {
  const { owner, sim } = world;
  const cGroup = (await groupOf(
    owner,
    [...sim.chats.values()].find((ch) => ch.name.startsWith('会员福利群'))!.chatId,
  ))!;
  const cCustomer = (await membersOf(owner, cGroup.id)).find((m) => m.memberId === c)?.customerId as string;
  const phone = await owner.post('/api/customers', { identities: [{ kind: 'phone', value: '13800138000' }] });
  expect(phone.status, JSON.stringify(phone.body)).toBe(201);
  const survivor = phone.body.customer.id as string;
  const merged = await owner.post('/api/customers/merge', { survivorId: survivor, mergedId: cCustomer });
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  expect((await membersOf(owner, cGroup.id)).find((m) => m.memberId === c)?.customerId).toBe(survivor);
  const timeline = await owner.get(`/api/customers/${survivor}/timeline`);
  expect(timeline.body.items.some((i: { kind: string }) => i.kind === 'community.joined')).toBe(true);
  const mergeId = merged.body.merges[0].id;
  const undone = await owner.post(`/api/customers/merges/${mergeId}/unmerge`);
  expect(undone.status, JSON.stringify(undone.body)).toBe(200);
  expect((await membersOf(owner, cGroup.id)).find((m) => m.memberId === c)?.customerId).toBe(cCustomer);
});

test('another workspace sees none of it and cannot touch it', async () => {
  const { owner, server } = world;
  const chatId = world.sim.chats.keys().next().value as string;
  const group = (await groupOf(owner, chatId))!;
  const other = await buildDemo(server.siyu.db, { customers: 10, seed: 5, slug: 'other-brand', name: '别家' });
  const them = new ApiClient(server.url);
  await them.login(other.owner.login, other.owner.password, other.slug);
  expect((await them.get('/api/community/groups')).body.items).toEqual([]);
  expect((await them.get(`/api/community/groups/${group.id}`)).status).toBe(404);
  expect((await them.get(`/api/community/groups/${group.id}/members`)).status).toBe(404);
  expect((await them.get('/api/community/duplicates')).body.items).toEqual([]);
  const role = await them.request('PUT', `/api/community/groups/${group.id}/members/${a}/role`, { role: 'koc' });
  expect(role.status).toBe(404);
  // Its WeCom is not set up: a sync is refused with the connector's reason.
  const sync = await them.post('/api/community/sync');
  expect([sync.status, sync.body.error.code]).toEqual([404, 'wecom.not_configured']);
});
