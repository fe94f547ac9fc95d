// KOC discovery and group statistics from real traffic: members ranked by how much and on how many days they
// write, whom they brought in and the tone of their messages; the best marked KOC; messages, active members and
// top speakers counted per day.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CommunityWorld, groupWith, membersOf, startCommunity } from './fixtures.ts';
import { dayIn } from './shared.ts';

let world: CommunityWorld;
let groupId: string;
let chatId: string;
let fan: string;
let grumpy: string;
let lurker: string;
let firstDay: string;
let secondDay: string;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwkocdiscovery001' });
  const { sim, owner } = world;
  const add = async (name: string) => (await sim.customerAddsGuide({ userId: 'zhangsan', name })).externalUserId;
  fan = await add('铁粉小林');
  grumpy = await add('挑剔老王');
  lurker = await add('潜水员');
  const friends = [await add('朋友甲'), await add('朋友乙')];
  chatId = (await sim.createGroup({ owner: 'zhangsan', name: '茶语粉丝群', memberIds: [fan, grumpy, lurker] })).chatId;
  groupId = (await groupWith(owner, chatId, 4)).id;
  // The fan brings two friends in (WeCom names the inviter of each join).
  await sim.joinGroup({ chatId, memberIds: friends, joinScene: 0, invitor: fan });
  await groupWith(owner, chatId, 6);

  firstDay = dayIn(sim.now(), 'Asia/Shanghai');
  await sim.postGroupMessage({ chatId, from: fan, text: '这款新品太好喝了，推荐大家！' });
  await sim.postGroupMessage({ chatId, from: fan, text: '谢谢店长👍' });
  for (const text of ['外卖太慢了', '今天的奶茶难喝', '要退款', '服务态度差', '真失望', '好贵'])
    await sim.postGroupMessage({ chatId, from: grumpy, text });
  await sim.postGroupMessage({ chatId, from: lurker, text: '收到' });
  sim.advance(86_400);
  secondDay = dayIn(sim.now(), 'Asia/Shanghai');
  await sim.postGroupMessage({ chatId, from: fan, text: '今天又回购了，超值' });
});
afterAll(() => world.close());

test('members are ranked by activity, invitations and positive feedback, and the best is marked KOC', async () => {
  const { owner } = world;
  let ranked: any[] = [];
  for (let i = 0; i < 100 && ranked.length < 3; i++) {
    const res = await owner.get(`/api/community/koc?from=${firstDay}&to=${secondDay}&groupId=${groupId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ranked = res.body.items.filter((k: any) => [fan, grumpy, lurker].includes(k.memberId));
    if (ranked.reduce((n, k) => n + k.messages, 0) < 10) ranked = [];
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(ranked.map((k) => k.memberId)).toEqual([fan, lurker, grumpy]);
  expect(ranked[0]).toMatchObject({
    name: '铁粉小林',
    messages: 3,
    activeDays: 2,
    invited: 2,
    positiveMessages: 3,
    negativeMessages: 0,
    positivity: 100,
    score: 3 + 5 * 2 + 10 * 2 + 3 * 3,
    koc: false,
    groups: [{ groupId, name: '茶语粉丝群', role: 'member' }],
  });
  expect(ranked[2]).toMatchObject({ messages: 6, activeDays: 1, positivity: 0 });
  expect(ranked[2].negativeMessages).toBe(6);

  const marked = await owner.post(`/api/community/members/${fan}/role`, { role: 'koc', groupId });
  expect(marked.body).toEqual({ changed: 1 });
  const again = await owner.get(`/api/community/koc?from=${firstDay}&to=${secondDay}`);
  expect(again.body.items.find((k: any) => k.memberId === fan)).toMatchObject({ koc: true });
  const kocs = await membersOf(owner, groupId, '&role=koc');
  expect(kocs.map((m) => m.memberId)).toEqual([fan]);
});

test('statistics count messages, active members and top speakers per day, for one group or all', async () => {
  const { owner } = world;
  const res = await owner.get(`/api/community/stats?groupId=${groupId}&from=${firstDay}&to=${secondDay}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.days).toMatchObject([
    { day: firstDay, messages: 9, activeMembers: 3, joins: 6, quits: 0, members: 6 },
    { day: secondDay, messages: 1, activeMembers: 1, joins: 0, quits: 0, members: 6 },
  ]);
  expect(res.body.totals).toEqual({ members: 6, joins: 6, quits: 0, messages: 10, activeMembers: 3 });
  expect(res.body.topSpeakers.map((s: any) => [s.memberId, s.messages])).toEqual([
    [grumpy, 6],
    [fan, 3],
    [lurker, 1],
  ]);
  expect(res.body.topSpeakers[0].customerId).toMatch(/^[0-9a-f-]{36}$/);
  const all = await owner.get(`/api/community/stats?from=${firstDay}&to=${secondDay}`);
  expect(all.body.totals.messages).toBe(10);
  const bad = await owner.get(`/api/community/stats?from=${secondDay}&to=${firstDay}`);
  expect([bad.status, bad.body.error.code]).toEqual([400, 'community.bad_range']);
  const messages = await owner.get(`/api/community/groups/${groupId}/messages?senderId=${fan}`);
  expect(messages.body.items.map((m: any) => m.sentiment > 0)).toEqual([true, true, true]);
});
