// Keyword auto-reply end to end: a customer's message in a simulated group reaches Siyu through the archive
// connector; the first matching rule answers with a group message template from the group's owner, within its
// groups, time window and cooldown; staff (and the owner's own reply, once confirmed) are never answered.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inWindow, matches } from './auto-reply.ts';
import { type CommunityWorld, eventually, groupWith, startCommunity } from './fixtures.ts';
import { minuteOfDay } from './shared.ts';

let world: CommunityWorld;
let chatId: string;
let otherChat: string;
let customer: string;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwautoreply000001' });
  const { sim, owner } = world;
  customer = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '小红' })).externalUserId;
  chatId = (await sim.createGroup({ owner: 'zhangsan', name: '门店一群', memberIds: [customer] })).chatId;
  otherChat = (await sim.createGroup({ owner: 'lisi', name: '门店二群', memberIds: [customer] })).chatId;
  await groupWith(owner, chatId, 2);
  await groupWith(owner, otherChat, 2);
});
afterAll(() => world.close());

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

test('the first matching rule answers in the group, once per cooldown, within its groups and hours', async () => {
  const { owner, sim } = world;
  const other = await groupWith(owner, otherChat, 2);
  const now = minuteOfDay(new Date(), 'Asia/Shanghai');
  const rules = [
    {
      name: '营业时间',
      match: 'contains',
      keywords: ['营业时间', '几点开门'],
      reply: '门店营业时间 10:00–22:00',
      cooldownSeconds: 600,
    },
    {
      name: '优惠券',
      match: 'regex',
      keywords: ['^(优惠|折扣)券?[？?]?$'],
      reply: '本周三会员日全场 8 折',
      cooldownSeconds: 0,
    },
    // Only in the small hours that are not now: never answers during this test.
    {
      name: '菜单',
      match: 'exact',
      keywords: ['菜单'],
      reply: '菜单见小程序',
      window: { start: hhmm(now + 120), end: hhmm(now + 180) },
    },
    { name: '只在二群', match: 'exact', keywords: ['地址'], reply: '二群门店地址', groupIds: [other.id] },
  ];
  const ids: string[] = [];
  for (const rule of rules) {
    const res = await owner.post('/api/community/auto-replies', rule);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  await sim.postGroupMessage({ chatId, from: customer, text: '请问营业时间是几点？' });
  await sim.postGroupMessage({ chatId, from: customer, text: '营业时间呢' });
  await sim.postGroupMessage({ chatId, from: customer, text: '优惠券?' });
  await sim.postGroupMessage({ chatId, from: customer, text: '菜单' });
  await sim.postGroupMessage({ chatId, from: customer, text: '地址' });
  await sim.postGroupMessage({ chatId, from: 'zhangsan', text: '营业时间有调整' });
  await sim.postGroupMessage({ chatId: otherChat, from: customer, text: '地址' });

  const sends = await eventually(
    () => owner.get('/api/community/sends?kind=auto_reply'),
    (res) => res.body.items.length === 3 && res.body.items.every((s: { state: string }) => s.state === 'sent'),
  );
  const byRule = new Map(
    (sends.body.items as { sourceId: string; text: string; chatIds: string[]; sender: string; msgId: string }[]).map(
      (s) => [s.sourceId, s],
    ),
  );
  expect(byRule.get(ids[0] as string)).toMatchObject({
    text: '门店营业时间 10:00–22:00',
    chatIds: [chatId],
    sender: 'zhangsan',
  });
  expect(byRule.get(ids[1] as string)).toMatchObject({ text: '本周三会员日全场 8 折', chatIds: [chatId] });
  expect(byRule.get(ids[3] as string)).toMatchObject({ text: '二群门店地址', chatIds: [otherChat], sender: 'lisi' });
  expect(byRule.has(ids[2] as string)).toBe(false);
  // Each went to WeCom as a group message template for that one group.
  const template = sim.messages.get(byRule.get(ids[0] as string)?.msgId as string);
  expect(template).toMatchObject({ chatType: 'group', sender: 'zhangsan', text: '门店营业时间 10:00–22:00' });
  const listed = (await owner.get('/api/community/auto-replies')).body.items as { id: string; replies: number }[];
  expect(listed.map((r) => r.replies)).toEqual([1, 1, 0, 1]);

  // The owner confirms it in WeCom: it lands in the group (and the archive) and Siyu does not answer itself.
  const reply = byRule.get(ids[0] as string) as { msgId: string };
  expect(sim.confirmGroupMessage({ msgId: reply.msgId, userId: 'zhangsan' })).toBe(1);
  await sim.idle();
  expect(sim.archive[sim.archive.length - 1]).toMatchObject({ from: 'zhangsan', roomid: chatId });
  const sendId = [...(sends.body.items as { id: string; sourceId: string }[])].find((s) => s.sourceId === ids[0])?.id;
  const refreshed = await owner.post(`/api/community/sends/${sendId}/refresh`);
  expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
  expect(refreshed.body.results).toMatchObject([{ chatId, status: 1 }]);
  await new Promise((r) => setTimeout(r, 500));
  expect((await owner.get('/api/community/sends?kind=auto_reply')).body.items).toHaveLength(3);
});

test('rules are checked on save: a broken regular expression or an unknown group is refused', async () => {
  const { owner } = world;
  const bad = await owner.post('/api/community/auto-replies', {
    name: '坏正则',
    match: 'regex',
    keywords: ['(优惠'],
    reply: 'x',
  });
  expect([bad.status, bad.body.error.code]).toEqual([400, 'community.bad_regex']);
  const scope = await owner.post('/api/community/auto-replies', {
    name: '未知群',
    match: 'exact',
    keywords: ['x'],
    reply: 'x',
    groupIds: ['00000000-0000-4000-8000-000000000000'],
  });
  expect([scope.status, scope.body.error.code]).toEqual([400, 'community.unknown_groups']);
  const time = await owner.post('/api/community/auto-replies', {
    name: '坏时间',
    match: 'exact',
    keywords: ['x'],
    reply: 'x',
    window: { start: '25:00', end: '08:00' },
  });
  expect(time.status).toBe(400);
});

test('matching folds width and case; windows may span midnight', () => {
  expect(matches('exact', ['ＭＥＮＵ'], ' menu ')).toBe(true);
  expect(matches('contains', ['营业时间'], '请问营业时间？')).toBe(true);
  expect(matches('exact', ['营业时间'], '请问营业时间？')).toBe(false);
  expect(matches('regex', ['^\\d{11}$'], '13800001111')).toBe(true);
  expect(inWindow(23 * 60 + 30, '22:00', '06:00')).toBe(true);
  expect(inWindow(5 * 60, '22:00', '06:00')).toBe(true);
  expect(inWindow(12 * 60, '22:00', '06:00')).toBe(false);
  expect(inWindow(9 * 60, '09:00', '18:00')).toBe(true);
  expect(inWindow(18 * 60, '09:00', '18:00')).toBe(false);
});
