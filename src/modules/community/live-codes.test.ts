// Group live codes end to end: a code is a WeCom join way whose groups Siyu keeps pointed at the ones below the
// cap; customers scanning it in the simulator fill the first group, and at the cap the code moves on to the next;
// joins are counted per code through the state WeCom gives each member; a code that auto-creates groups takes
// WeCom's new group as its next one.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CommunityWorld, eventually, groupWith, membersOf, startCommunity } from './fixtures.ts';
import { desiredChats } from './live-codes.ts';

let world: CommunityWorld;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwlivecodes000001' });
});
afterAll(() => world.close());

const code = async (id: string) => {
  const res = await world.owner.get(`/api/community/live-codes/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

test('a group live code moves to the next group when a group reaches the cap', async () => {
  const { sim, owner } = world;
  const one = await sim.createGroup({ owner: 'zhangsan', name: '福利群 1' });
  const two = await sim.createGroup({ owner: 'zhangsan', name: '福利群 2' });
  const g1 = await groupWith(owner, one.chatId, 1);
  const g2 = await groupWith(owner, two.chatId, 1);
  const created = await owner.post('/api/community/live-codes', {
    name: '门店海报群活码',
    groupIds: [g1.id, g2.id],
    cap: 3,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body).toMatchObject({ cap: 3, syncState: 'pending', currentGroupId: g1.id, full: false });
  const synced = await eventually(
    () => code(created.body.id),
    (c) => c.syncState === 'synced',
  );
  expect(synced.configId).toBeTruthy();
  expect(synced.qrCode).toContain('/qr/');
  expect(synced.pushedChatIds).toEqual([one.chatId, two.chatId]);
  const way = sim.joinWays.get(synced.configId);
  expect(way).toMatchObject({ scene: 2, state: synced.state, chatIds: [one.chatId, two.chatId] });

  // Two scans fill the first group to the cap (the owner counts): the code then offers only the second.
  await sim.customerScansJoinWay({ configId: synced.configId, name: '扫码一' });
  const reached = await sim.customerScansJoinWay({ configId: synced.configId, name: '扫码二' });
  expect(reached.chatId).toBe(one.chatId);
  await groupWith(owner, one.chatId, 3);
  await eventually(
    async () => sim.joinWays.get(synced.configId)?.chatIds,
    (ids) => JSON.stringify(ids) === JSON.stringify([two.chatId]),
  );
  const third = await sim.customerScansJoinWay({ configId: synced.configId, name: '扫码三' });
  expect(third.chatId).toBe(two.chatId);
  await groupWith(owner, two.chatId, 2);

  const after = await eventually(
    () => code(created.body.id),
    (c) => c.joins === 3,
  );
  expect(after).toMatchObject({ currentGroupId: g2.id, full: false, joinsToday: 3, syncState: 'synced' });
  expect(after.groups).toMatchObject([
    { groupId: g1.id, memberCount: 3, full: true, joins: 2 },
    { groupId: g2.id, memberCount: 2, full: false, joins: 1 },
  ]);
  // Members who came through the code carry its state, and joined by QR code.
  const scanned = (await membersOf(owner, g1.id)).filter((m) => m.type === 'external');
  expect(scanned.map((m) => [m.joinState, m.joinScene])).toEqual([
    [synced.state, 3],
    [synced.state, 3],
  ]);

  // When every group is at the cap the code says so and keeps pointing at its last group.
  await sim.customerScansJoinWay({ configId: synced.configId, name: '扫码四' });
  const full = await eventually(
    () => code(created.body.id),
    (c) => c.full === true,
  );
  expect(full).toMatchObject({ currentGroupId: null, pushedChatIds: [two.chatId] });
  const audit = await owner.get('/api/audit?action=community.live_code_create');
  expect(audit.body.items[0].targetId).toBe(created.body.id);
});

test('a code that auto-creates groups takes the group WeCom created when the last one was full', async () => {
  const { sim, owner } = world;
  const crowd = Array.from({ length: 198 }, (_, i) => `wmcrowd${String(i).padStart(24, '0')}`);
  const big = await sim.createGroup({ owner: 'lisi', name: '大群', memberIds: crowd });
  const group = await groupWith(owner, big.chatId, 199);
  const created = await owner.post('/api/community/live-codes', {
    name: '自动建群活码',
    groupIds: [group.id],
    autoCreate: true,
    roomBaseName: '茶语福利群',
    roomBaseId: 7,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const synced = await eventually(
    () => code(created.body.id),
    (c) => c.syncState === 'synced',
  );
  expect(sim.joinWays.get(synced.configId)).toMatchObject({ autoCreateRoom: true, roomBaseName: '茶语福利群' });
  await sim.customerScansJoinWay({ configId: synced.configId });
  const overflow = await sim.customerScansJoinWay({ configId: synced.configId });
  expect(overflow.chatId).not.toBe(big.chatId);
  expect(sim.chats.get(overflow.chatId)?.name).toBe('茶语福利群7');
  // Both callbacks handled: the first scan's join that filled the big group, and the group WeCom created. Under load
  // the second can be handled first, and until the first is the big group still has room and stays current.
  const adopted = await eventually(
    () => code(created.body.id),
    (c) => c.groups.length === 2 && c.groups[0].full && c.currentGroupId !== null,
  );
  expect(adopted.groups[1]).toMatchObject({ chatId: overflow.chatId, name: '茶语福利群7' });
  expect(adopted.currentGroupId).toBe(adopted.groups[1].groupId);

  const refused = await owner.post('/api/community/live-codes', {
    name: '缺前缀',
    groupIds: [group.id],
    autoCreate: true,
  });
  expect([refused.status, refused.body.error.code]).toEqual([400, 'community.room_base_name_required']);
  const deleted = await owner.request('DELETE', `/api/community/live-codes/${created.body.id}`);
  expect(deleted.status).toBe(204);
  await eventually(
    async () => sim.joinWays.has(synced.configId),
    (has) => has === false,
  );
});

test('the groups a code offers: the first five below the cap, else its last group', () => {
  const g = (n: number, members: number, status: 'active' | 'dismissed' = 'active') => ({
    code_id: 'c',
    group_id: `g${n}`,
    chat_id: `chat${n}`,
    name: `群${n}`,
    status,
    member_count: members,
    position: n,
  });
  expect(desiredChats(3, [g(1, 3), g(2, 1), g(3, 0)])).toEqual({ chatIds: ['chat2', 'chat3'], full: false });
  expect(
    desiredChats(
      200,
      [1, 2, 3, 4, 5, 6].map((n) => g(n, 0)),
    ),
  ).toEqual({
    chatIds: ['chat1', 'chat2', 'chat3', 'chat4', 'chat5'],
    full: false,
  });
  expect(desiredChats(3, [g(1, 3), g(2, 0, 'dismissed')])).toEqual({ chatIds: ['chat1'], full: true });
  expect(desiredChats(3, [g(1, 0, 'dismissed')])).toEqual({ chatIds: [], full: true });
});
