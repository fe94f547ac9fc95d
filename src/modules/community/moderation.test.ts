// Moderation end to end: messages written in a simulated WeCom group reach Siyu through the simulated session
// archive connector, rules judge them, and what they decide happens in WeCom — a warning through a group message
// template, a removal asked of the owner by app message and finished by WeCom's del_member callback — every step
// audited with the evidence message.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CommunityWorld, eventually, groupWith, membersOf, startCommunity } from './fixtures.ts';

let world: CommunityWorld;
let chatId: string;
let groupId: string;
let spammer: string;
let regular: string;
let chatty: string;

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwmoderation00001' });
  const { sim } = world;
  spammer = (await sim.customerAddsGuide({ userId: 'lisi', name: '代购小王' })).externalUserId;
  regular = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '小红' })).externalUserId;
  chatty = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '话痨' })).externalUserId;
  chatId = (
    await sim.createGroup({
      owner: 'zhangsan',
      name: '茶语会员一群',
      memberIds: [spammer, regular, chatty],
      admins: ['lisi'],
    })
  ).chatId;
  groupId = (await groupWith(world.owner, chatId, 5)).id;
});
afterAll(() => world.close());

const violations = async (query = '') => {
  const res = await world.owner.get(`/api/community/violations?groupId=${groupId}${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as {
    id: number;
    ruleName: string;
    kind: string;
    action: string;
    memberId: string;
    msgid: string;
    evidence: string;
    matched: string[];
    removalId: string | null;
    warningSendId: string | null;
  }[];
};

test('a spammer posting ad links is removed through the owner and blacklisted, each step audited', async () => {
  const { owner, sim } = world;
  const rule = await owner.post('/api/community/moderation-rules', {
    name: '广告链接',
    kind: 'ad_link',
    action: 'blacklist',
    allowDomains: ['chayu.example'],
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);

  // A link to the brand's own site is fine; the spammer's is not.
  await sim.postGroupMessage({ chatId, from: regular, text: '新品在这里 https://shop.chayu.example/new 大家看看' });
  const spam = await sim.postGroupMessage({
    chatId,
    from: spammer,
    text: '加V领红包👉 http://hongbao.spam.example.cn/x?id=1',
  });
  await sim.idle();
  expect(sim.archiveDeliveries.every((d) => d.status === 200)).toBe(true);
  const [v] = await eventually(
    () => violations(),
    (list) => list.length === 1 && list[0]?.removalId !== null,
  );
  expect(v).toMatchObject({
    ruleName: '广告链接',
    kind: 'ad_link',
    action: 'blacklist',
    memberId: spammer,
    msgid: spam.msgid,
    matched: ['hongbao.spam.example.cn'],
  });
  expect(v?.evidence).toContain('hongbao.spam.example.cn');

  // The owner and the admin are asked, in their WeCom app, to remove the member (no API can).
  const removal = await eventually(
    () => owner.get(`/api/community/removals?groupId=${groupId}`),
    (res) => res.body.items[0]?.notifiedAt !== null && res.body.items.length === 1,
  );
  expect(removal.body.items[0]).toMatchObject({
    memberId: spammer,
    memberName: '代购小王',
    reason: 'moderation',
    status: 'requested',
    assignees: ['zhangsan', 'lisi'],
    violationId: v?.id,
  });
  const notice = sim.appMessages.find((m) => JSON.stringify(m.content).includes('代购小王'));
  expect(notice?.toUserIds).toEqual(['zhangsan', 'lisi']);
  expect(JSON.stringify(notice?.content)).toContain('茶语会员一群');
  expect((await owner.get('/api/community/blacklist')).body.items).toMatchObject([
    { memberId: spammer, name: '代购小王', reason: '广告链接', violationId: v?.id },
  ]);

  // The owner removes them in WeCom: the del_member callback (QuitScene 1) finishes the request.
  await sim.quitGroup({ chatId, memberIds: [spammer], quitScene: 1 });
  await groupWith(owner, chatId, 4);
  const gone = (await membersOf(owner, groupId)).find((m) => m.memberId === spammer);
  expect(gone).toMatchObject({ status: 'left', quitScene: 1 });
  const done = await eventually(
    () => owner.get(`/api/community/removals?groupId=${groupId}`),
    (res) => res.body.items[0]?.status === 'done',
  );
  expect(done.body.items[0].doneAt).not.toBeNull();

  const audit = async (action: string) => (await owner.get(`/api/audit?action=${action}`)).body.items;
  const [acted] = await audit('community.moderation_blacklist');
  expect(acted).toMatchObject({ actorType: 'system', targetType: 'community_member', targetId: spammer });
  expect(acted.details).toMatchObject({ violationId: v?.id, msgid: spam.msgid, ruleName: '广告链接', groupId });
  expect(acted.details.evidence).toContain('http://hongbao.spam.example.cn/x?id=1');
  expect(await audit('community.removal_request')).toHaveLength(1);
  expect((await audit('community.member_removed'))[0]).toMatchObject({ targetId: spammer });

  // Blacklisted: scanning the group's QR code again gets them asked to be removed again.
  await sim.joinGroup({ chatId, memberIds: [spammer], joinScene: 3 });
  const again = await eventually(
    () => owner.get(`/api/community/removals?groupId=${groupId}&status=requested`),
    (res) => res.body.items.length === 1,
  );
  expect(again.body.items[0]).toMatchObject({ memberId: spammer, reason: 'blacklist' });
  expect((await audit('community.blacklist_rejoin'))[0]).toMatchObject({ targetId: spammer });
  await sim.quitGroup({ chatId, memberIds: [spammer], quitScene: 1 });
  await groupWith(owner, chatId, 4);
});

test('a sensitive word, however it is spaced or widened, gets a warning in the group from its owner', async () => {
  const { owner, sim } = world;
  const rule = await owner.post('/api/community/moderation-rules', {
    name: '敏感词',
    kind: 'sensitive_words',
    action: 'warn',
    words: ['加微信', '代购', 'ＶＸ'],
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  await sim.postGroupMessage({ chatId, from: regular, text: '这款奶茶真好喝！' });
  const evasive = await sim.postGroupMessage({ chatId, from: regular, text: '需要的 加 微 信，或者 vx 私聊' });
  const list = await eventually(
    () => violations('&kind=sensitive_words'),
    (l) => l.length === 1 && l[0]?.warningSendId !== null,
  );
  expect(list[0]).toMatchObject({ msgid: evasive.msgid, matched: ['加微信', 'ＶＸ'], action: 'warn' });
  const send = await eventually(
    () => owner.get(`/api/community/sends?kind=warning`),
    (res) => res.body.items[0]?.state === 'sent',
  );
  expect(send.body.items[0]).toMatchObject({ sender: 'zhangsan', chatIds: [chatId] });
  expect(send.body.items[0].text).toContain('@小红');
  const template = [...sim.messages.values()].find((m) => m.msgId === send.body.items[0].msgId);
  expect(template).toMatchObject({ chatType: 'group', sender: 'zhangsan' });
  expect(template?.recipients.map((r) => r.chatId)).toEqual([chatId]);
  // Warned, not removed: the member stays.
  expect((await membersOf(owner, groupId)).find((m) => m.memberId === regular)?.status).toBe('active');
  await owner.request('DELETE', `/api/community/moderation-rules/${rule.body.id}`);
});

test('flooding is one violation per burst; QR code images are caught, and only the kinds a rule flags', async () => {
  const { owner, sim } = world;
  await owner.post('/api/community/moderation-rules', {
    name: '刷屏',
    kind: 'flood',
    action: 'warn',
    maxMessages: 3,
    windowSeconds: 60,
  });
  await owner.post('/api/community/moderation-rules', {
    name: '二维码',
    kind: 'qr_code',
    action: 'remove',
    flagCards: false,
  });
  for (let i = 1; i <= 6; i++) await sim.postGroupMessage({ chatId, from: chatty, text: `第${i}条` });
  const flood = await eventually(
    () => violations('&kind=flood'),
    (l) => l.length === 1,
  );
  // Reported once, at a message over the limit (which one depends on the order batches are processed in).
  expect(flood[0]?.memberId).toBe(chatty);
  expect(Number(flood[0]?.matched[0])).toBeGreaterThan(3);
  await new Promise((r) => setTimeout(r, 500));
  expect(await violations('&kind=flood')).toHaveLength(1);

  await sim.postGroupMessage({ chatId, from: regular, msgtype: 'image', qrCode: false });
  await sim.postGroupMessage({ chatId, from: regular, msgtype: 'card', card: { userId: 'someone' } });
  const qr = await sim.postGroupMessage({ chatId, from: chatty, msgtype: 'image', qrCode: true });
  const caught = await eventually(
    () => violations('&kind=qr_code'),
    (l) => l.length === 1,
  );
  expect(caught[0]).toMatchObject({ memberId: chatty, msgid: qr.msgid, matched: ['image_qr_code'], action: 'remove' });
  await eventually(
    () => owner.get(`/api/community/removals?status=requested&groupId=${groupId}`),
    (res) => res.body.items.some((r: { memberId: string }) => r.memberId === chatty),
  );
  // The same batch from the archive again changes nothing: each msgid is stored once, each violation once.
  const again = await fetch(`${world.server.url}/api/community/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.archiveForward?.apiKey}` },
    body: JSON.stringify({ messages: sim.archive.map(({ seq: _seq, ...m }) => m) }),
  });
  const body = (await again.json()) as { accepted: number; duplicates: number };
  expect([again.status, body.accepted, body.duplicates]).toEqual([200, 0, sim.archive.length]);
  await new Promise((r) => setTimeout(r, 500));
  expect(await violations('&kind=qr_code')).toHaveLength(1);
});

test('rules are validated: a rule that could never match is refused with a stable code', async () => {
  const { owner } = world;
  const cases: [Record<string, unknown>, string][] = [
    [{ name: 'x', kind: 'sensitive_words', action: 'warn', words: [] }, 'community.words_required'],
    [{ name: 'x', kind: 'flood', action: 'warn' }, 'community.flood_limits'],
    [
      { name: 'x', kind: 'qr_code', action: 'warn', flagImages: false, flagMiniPrograms: false, flagCards: false },
      'community.qr_nothing_flagged',
    ],
    [
      { name: 'x', kind: 'ad_link', action: 'warn', groupIds: ['00000000-0000-4000-8000-000000000000'] },
      'community.unknown_groups',
    ],
  ];
  for (const [body, code] of cases) {
    const res = await owner.post('/api/community/moderation-rules', body);
    expect([res.status, res.body.error?.code], code).toEqual([400, code]);
  }
  const missing = await owner.request('PATCH', '/api/community/moderation-rules/00000000-0000-4000-8000-000000000000', {
    enabled: false,
  });
  expect([missing.status, missing.body.error.code]).toEqual([404, 'community.rule_not_found']);
});
