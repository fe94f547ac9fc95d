// Check-in in groups end to end: a customer writes 签到 in a simulated group, the archive connector brings it to
// Siyu, and the customer is checked in once per group and day with a streak, and paid loyalty's daily check-in
// points once per day however many groups they check in from; non-members check in without points.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isCheckIn } from './check-ins.ts';
import { type CommunityWorld, eventually, groupWith, membersOf, startCommunity } from './fixtures.ts';

let world: CommunityWorld;
let first: { id: string; chatId: string };
let second: { id: string; chatId: string };
let member: string;
let stranger: string;
let memberCustomer: string;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwcheckins0000001' });
  const { sim, owner } = world;
  member = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '会员小红' })).externalUserId;
  stranger = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '路人' })).externalUserId;
  const a = await sim.createGroup({ owner: 'zhangsan', name: '打卡一群', memberIds: [member, stranger] });
  const b = await sim.createGroup({ owner: 'lisi', name: '打卡二群', memberIds: [member] });
  first = { id: (await groupWith(owner, a.chatId, 3)).id, chatId: a.chatId };
  second = { id: (await groupWith(owner, b.chatId, 2)).id, chatId: b.chatId };
  memberCustomer = (await membersOf(owner, first.id)).find((m) => m.memberId === member)?.customerId as string;
  const terms = (await owner.get('/api/loyalty/settings')).body.terms.version;
  const enrolled = await owner.post('/api/members', { customerId: memberCustomer, termsVersion: terms, consent: true });
  expect(enrolled.body.created, JSON.stringify(enrolled.body)).toBe(true);
});
afterAll(() => world.close());

const checkIns = async (query = '') =>
  (await world.owner.get(`/api/community/check-ins?limit=200${query}`)).body.items as {
    groupId: string;
    memberId: string;
    day: string;
    streak: number;
    points: number;
    pointsStatus: string;
  }[];

const balance = async () => (await world.owner.get(`/api/points/members/${memberCustomer}`)).body.balance as number;

test('签到 checks a customer in once per group and day, with loyalty points once per day', async () => {
  const { sim } = world;
  await sim.postGroupMessage({ chatId: first.chatId, from: member, text: '签到' });
  await sim.postGroupMessage({ chatId: first.chatId, from: member, text: '签到！' });
  await sim.postGroupMessage({ chatId: second.chatId, from: member, text: '打卡 💪' });
  await sim.postGroupMessage({ chatId: first.chatId, from: stranger, text: '签 到' });
  await sim.postGroupMessage({ chatId: first.chatId, from: 'zhangsan', text: '签到' });
  await sim.postGroupMessage({ chatId: first.chatId, from: stranger, text: '今天签到了吗' });
  const list = await eventually(
    () => checkIns(),
    (l) => l.length === 3,
  );
  const of = (groupId: string, memberId: string) => list.find((c) => c.groupId === groupId && c.memberId === memberId);
  // One check-in a day earns points, whichever group's is handled first: the two groups' messages may reach the
  // subscriber in separate deliveries, in either order.
  const mine = [of(first.id, member), of(second.id, member)];
  expect(mine.map((c) => c?.streak)).toEqual([1, 1]);
  expect(mine.map((c) => `${c?.points} ${c?.pointsStatus}`).sort()).toEqual(['0 already_today', '2 awarded']);
  expect(of(first.id, stranger)).toMatchObject({ streak: 1, points: 0, pointsStatus: 'not_member' });
  expect(await balance()).toBe(2);
  const announced = await world.server.siyu.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM domain_events WHERE workspace_id = $1 AND type = 'community.checked_in'`,
    [world.server.workspaceId],
  );
  expect(announced[0]?.n).toBe(3);
});

test('the next day continues the streak in that group and pays again', async () => {
  const { sim } = world;
  const before = await checkIns(`&groupId=${first.id}&memberId=${member}`);
  sim.advance(86_400);
  await sim.postGroupMessage({ chatId: first.chatId, from: member, text: '签到' });
  const list = await eventually(
    () => checkIns(`&groupId=${first.id}&memberId=${member}`),
    (l) => l.length === before.length + 1,
  );
  const [latest, previous] = list;
  expect((latest?.day ?? '') > (previous?.day ?? '')).toBe(true);
  expect(latest).toMatchObject({ streak: 2, points: 2, pointsStatus: 'awarded' });
  expect(await balance()).toBe(4);
});

test('the words are the workspace’s to choose, and check-in can be switched off', async () => {
  const { owner, sim } = world;
  const saved = await owner.request('PUT', '/api/community/settings', {
    checkIn: { enabled: true, keywords: ['报到'] },
  });
  expect(saved.body).toEqual({ checkIn: { enabled: true, keywords: ['报到'] } });
  const count = (await checkIns()).length;
  await sim.postGroupMessage({ chatId: second.chatId, from: member, text: '报到' });
  await eventually(
    () => checkIns(),
    (l) => l.length === count + 1,
  );
  await owner.request('PUT', '/api/community/settings', { checkIn: { enabled: false, keywords: ['报到'] } });
  await sim.postGroupMessage({ chatId: first.chatId, from: stranger, text: '报到' });
  await new Promise((r) => setTimeout(r, 1500));
  expect(await checkIns()).toHaveLength(count + 1);
  const bad = await owner.request('PUT', '/api/community/settings', { checkIn: { enabled: true, keywords: [] } });
  expect(bad.status).toBe(400);
});

test('a check-in word counts alone, with spaces, punctuation and emoji around it', () => {
  expect(isCheckIn('签到', ['签到'])).toBe(true);
  expect(isCheckIn(' 签 到 ！🌞', ['签到'])).toBe(true);
  expect(isCheckIn('签到了', ['签到'])).toBe(false);
  expect(isCheckIn('！！', ['签到'])).toBe(false);
  expect(isCheckIn('DAKA', ['daka'])).toBe(true);
});
