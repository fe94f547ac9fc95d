// Channel live codes end to end through the WeCom simulator: a code is a contact way with two guides, auto-tags and
// a welcome message; a customer scanning it is created, attributed to the code, welcomed inside WeCom's 20 seconds
// (the simulator refuses late or reused welcome codes), tagged and given the SOP tasks; rotation moves on after the
// add; deleting the guide counts as lost; a guide at the daily cap leaves the contact way WeCom has; an expired code
// is deleted from WeCom.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ChannelCode, WelcomeSend } from '../../contracts/acquisition.ts';
import { emit } from '../../platform/jobs/index.ts';
import { startWorld, type World } from '../relationships/fixtures/world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi', 'wangwu'] });
});
afterAll(() => world.close());

const db = () => world.server.siyu.db;
const staffId = (userId: string) => world.guides[userId]?.staffId as string;
const WINDOW_MS = 20_000;
const RELATIONSHIP_START_STEPS = 6; // the shipped SOP plans: 加微欢迎语, 首日关怀, 3日/7日回访, 次日邀请入群, 30日兴趣推送

async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  expect(check(value), JSON.stringify(value, null, 1)?.slice(0, 3000)).toBe(true);
  return value;
}

/** Every callback handled and every job run, with no acquisition job failing on the way. */
async function settled(): Promise<void> {
  await world.settled();
  const failed = await db().query<{ kind: string; last_error: string }>(
    `SELECT kind, last_error FROM jobs WHERE last_error IS NOT NULL AND state <> 'succeeded'
        AND (kind LIKE 'acquisition.%' OR kind LIKE 'event:acquisition.%')`,
  );
  expect(failed, JSON.stringify(failed)).toEqual([]);
}

const code = async (id: string): Promise<ChannelCode> => {
  const res = await world.owner.get(`/api/acquisition/codes/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const synced = (id: string) =>
  eventually(
    () => code(id),
    (c) => c.syncState === 'synced' && c.configId !== null,
  );

async function channelId(key: string): Promise<string> {
  const res = await world.owner.get('/api/acquisition/channels');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items.find((c: { key: string }) => c.key === key).id;
}

async function tagId(name: string): Promise<string> {
  const res = await world.owner.get('/api/tags');
  return res.body.items.find((t: { name: string }) => t.name === name).id;
}

async function customerByExternalId(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  expect(found.body.items, externalUserId).toHaveLength(1);
  return found.body.items[0].id;
}

async function createCode(body: Record<string, unknown>): Promise<ChannelCode> {
  const created = await world.owner.post('/api/acquisition/codes', { channelId: await channelId('poster'), ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return synced(created.body.id);
}

let posterCode: ChannelCode;
let xiaoming: { externalUserId: string; customerId: string };

test('a customer adding a guide through a channel code is welcomed in time, attributed, tagged and given SOP tasks', async () => {
  const { sim, owner } = world;
  const tags = [await tagId('门店扫码'), await tagId('少糖')];
  posterCode = await createCode({
    name: '春季海报',
    mode: 'round_robin',
    guides: [{ staffId: staffId('zhangsan') }, { staffId: staffId('lisi') }],
    tagIds: tags,
    welcome: {
      text: '你好，我是{{导购名}}，欢迎来到{{品牌}}！回复「1」领取新人券。',
      attachments: [
        { kind: 'link', title: '新人专享', url: 'https://h5.example.com/new', description: '首单立减 10 元' },
        { kind: 'image', picUrl: 'https://cdn.example.com/menu.png' },
      ],
    },
  });
  expect(posterCode).toMatchObject({ status: 'active', exposure: 'pool', exposedUserIds: ['zhangsan'] });
  expect(posterCode.welcome?.attachments).toEqual([
    { kind: 'link', title: '新人专享', url: 'https://h5.example.com/new', description: '首单立减 10 元' },
    { kind: 'image', picUrl: 'https://cdn.example.com/menu.png' },
  ]);
  expect(posterCode.tags.map((t) => t.name).sort()).toEqual(['少糖', '门店扫码'].sort());
  const way = sim.contactWays.get(posterCode.configId as string);
  expect(way).toMatchObject({ type: 2, scene: 2, state: posterCode.state, userIds: ['zhangsan'], skipVerify: true });
  expect(posterCode.state.length).toBeLessThanOrEqual(30);
  expect(posterCode.qrCode).toBe(way?.qrCode);

  const added = await sim.customerAddsGuide({
    configId: posterCode.configId as string,
    name: '小明',
    unionId: 'oUnionXiaoming',
  });
  expect(added.userId).toBe('zhangsan');
  await settled();
  // The callback's job and the welcome subscriber's job are claimed ahead of the queue's backlog.
  const priorities = await db().query<{ kind: string; priority: number }>(
    `SELECT DISTINCT kind, priority FROM jobs WHERE kind IN ('wecom.inbox', 'event:acquisition.welcome') ORDER BY kind`,
  );
  expect(priorities).toEqual([
    { kind: 'event:acquisition.welcome', priority: 1 },
    { kind: 'wecom.inbox', priority: 1 },
  ]);

  // The simulator records a welcome message only when it accepted it: a code it knows, unused, within 20 s.
  const sent = sim.welcomeMessages.filter((m) => m.welcomeCode === added.welcomeCode);
  expect(sent).toHaveLength(1);
  const issued = sim.welcomeCodes.get(added.welcomeCode);
  expect((sent[0]?.at.getTime() ?? 0) - (issued?.issuedAtMs ?? 0)).toBeLessThan(WINDOW_MS);
  expect(sent[0]?.text).toBe('你好，我是导购zhangsan，欢迎来到茶语 Chayu！回复「1」领取新人券。');
  expect(sent[0]?.attachments).toEqual([
    {
      msgtype: 'link',
      link: { title: '新人专享', url: 'https://h5.example.com/new', desc: '首单立减 10 元' },
    },
    { msgtype: 'image', image: { pic_url: 'https://cdn.example.com/menu.png' } },
  ]);
  const log = await owner.get(`/api/acquisition/welcomes?codeId=${posterCode.id}`);
  expect(log.body.items).toHaveLength(1);
  const welcome: WelcomeSend = log.body.items[0];
  expect(welcome).toMatchObject({ status: 'sent', source: 'code', wecomUserId: 'zhangsan', guideName: '导购zhangsan' });
  expect(welcome.latencyMs).toBeLessThan(WINDOW_MS);

  // Created from the add, attributed to the code, its channel as the customer's source, the code's tags.
  const customerId = await customerByExternalId(added.externalUserId);
  xiaoming = { externalUserId: added.externalUserId, customerId };
  const profile = await owner.get(`/api/customers/${customerId}`);
  expect(profile.body.customer).toMatchObject({ name: '小明', sourceChannel: 'poster' });
  const customerTags = await owner.get(`/api/customers/${customerId}/tags`);
  expect(customerTags.body.items.map((t: { tagId: string }) => t.tagId).sort()).toEqual([...tags].sort());
  const adds = await owner.get(`/api/acquisition/adds?codeId=${posterCode.id}`);
  expect(adds.body.items).toHaveLength(1);
  expect(adds.body.items[0]).toMatchObject({
    customerId,
    customerName: '小明',
    guideStaffId: staffId('zhangsan'),
    wecomUserId: 'zhangsan',
    channel: { key: 'poster' },
    linkId: null,
    lostAt: null,
  });
  const tasks = await owner.get(`/api/tasks?customerId=${customerId}&limit=50`);
  expect(tasks.body.items).toHaveLength(RELATIONSHIP_START_STEPS);
  const timeline = await owner.get(`/api/customers/${customerId}/timeline`);
  expect(timeline.body.items.find((i: { source: string }) => i.source === 'acquisition')).toMatchObject({
    kind: 'acquisition.added',
    title: '通过渠道活码「春季海报」添加了导购 导购zhangsan',
  });

  // Round-robin: after the add the code shows the next guide, pushed to WeCom.
  await eventually(
    () => sim.contactWays.get(posterCode.configId as string)?.userIds,
    (ids) => JSON.stringify(ids) === JSON.stringify(['lisi']),
  );
  expect(await code(posterCode.id)).toMatchObject({ adds: 1, addsToday: 1, exposedUserIds: ['lisi'] });

  // The same welcome code in a second event (a redelivery the inbox could not recognise) sends nothing more.
  const [event] = await db().query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM domain_events WHERE type = 'wecom.contact_added' AND payload->>'welcomeCode' = $1`,
    [added.welcomeCode],
  );
  await db().tenant(world.server.workspaceId, (tx) => emit(tx, 'wecom.contact_added', event?.payload));
  await settled();
  expect(sim.welcomeMessages.filter((m) => m.welcomeCode === added.welcomeCode)).toHaveLength(1);
  expect((await owner.get(`/api/acquisition/welcomes?codeId=${posterCode.id}`)).body.items).toHaveLength(1);
});

test('a known customer adding the next guide is greeted by name, and the figures count both adds', async () => {
  const { sim, owner } = world;
  const changed = await owner.patch(`/api/acquisition/codes/${posterCode.id}`, {
    welcome: { text: '{{客户昵称|朋友}}你好，我是{{guide}}。', attachments: [] },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  const again = await sim.customerAddsGuide({
    configId: posterCode.configId as string,
    externalUserId: xiaoming.externalUserId,
  });
  expect(again.userId).toBe('lisi');
  await settled();
  const sent = sim.welcomeMessages.find((m) => m.welcomeCode === again.welcomeCode);
  expect(sent?.text).toBe('小明你好，我是导购lisi。');
  const stats = await owner.get(`/api/acquisition/stats?codeId=${posterCode.id}`);
  expect(stats.status, JSON.stringify(stats.body)).toBe(200);
  expect(stats.body.totals).toMatchObject({ adds: 2, lost: 0, net: 2 });
  expect(stats.body.byGuide.map((g: { wecomUserId: string; adds: number }) => [g.wecomUserId, g.adds]).sort()).toEqual([
    ['lisi', 1],
    ['zhangsan', 1],
  ]);
  expect(stats.body.byChannel).toMatchObject([{ key: 'poster', adds: 2 }]);
});

test('a customer deleting the guide counts as lost in the figures, and a churn record exists', async () => {
  const { sim, owner } = world;
  await sim.customerDeletesGuide({ externalUserId: xiaoming.externalUserId, userId: 'zhangsan' });
  await settled();
  const lost = await owner.get(`/api/acquisition/adds?codeId=${posterCode.id}&lost=true`);
  expect(lost.body.items).toHaveLength(1);
  expect(lost.body.items[0]).toMatchObject({ wecomUserId: 'zhangsan', lostStatus: 'deleted_by_customer' });
  const stats = await owner.get(`/api/acquisition/stats?codeId=${posterCode.id}`);
  expect(stats.body.totals).toMatchObject({ adds: 2, lost: 1, net: 1 });
  const today = stats.body.days[stats.body.days.length - 1];
  expect(today).toMatchObject({ adds: 2, lost: 1, net: 1 });
  // Retention cohorts need adds at least 7 (30) days old: none yet.
  expect(stats.body.totals.retention7).toEqual({ cohort: 0, retained: 0, rate: null });
  const churn = await owner.get('/api/churn?direction=customer_deleted_guide');
  expect(churn.body.items.find((c: { customerId: string }) => c.customerId === xiaoming.customerId)).toBeTruthy();
  expect((await code(posterCode.id)).lost).toBe(1);
  // A guide lists their own adds, and no longer a customer who deleted them; the one who kept the customer does.
  const zhangsan = await world.guides.zhangsan?.client.get('/api/acquisition/adds');
  expect(zhangsan?.body.items.map((a: { customerId: string }) => a.customerId)).not.toContain(xiaoming.customerId);
  const lisi = await world.guides.lisi?.client.get('/api/acquisition/adds');
  expect(lisi?.body.items.map((a: { customerId: string }) => a.customerId)).toEqual([xiaoming.customerId]);
  expect((await world.guides.lisi?.client.get('/api/acquisition/stats'))?.body.totals).toMatchObject({ adds: 1 });
  const overview = await owner.get('/api/acquisition/overview');
  expect(overview.status, JSON.stringify(overview.body)).toBe(200);
  expect(overview.body).toMatchObject({ today: { adds: 2, lost: 1, net: 1 }, codes: { active: 1 } });
  expect(overview.body.welcome.sent).toBe(2);
});

test('a merge moves the acquisitions to the surviving customer, and an unmerge moves them back', async () => {
  const { owner } = world;
  const others = await owner.get('/api/customers?limit=5');
  const survivor = others.body.items.find((c: { id: string }) => c.id !== xiaoming.customerId).id;
  const merged = await owner.post('/api/customers/merge', { survivorId: survivor, mergedId: xiaoming.customerId });
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  const customersOf = async () =>
    (await owner.get(`/api/acquisition/adds?codeId=${posterCode.id}`)).body.items.map(
      (a: { customerId: string }) => a.customerId,
    );
  expect(await customersOf()).toEqual([survivor, survivor]);
  const timeline = await owner.get(`/api/customers/${survivor}/timeline?limit=100`);
  expect(timeline.body.items.filter((i: { source: string }) => i.source === 'acquisition')).toHaveLength(2);
  const audit = await owner.get('/api/audit?action=customer.merge');
  const mergeId = audit.body.items[0].details.mergeId;
  const unmerged = await owner.post(`/api/customers/merges/${mergeId}/unmerge`);
  expect(unmerged.status, JSON.stringify(unmerged.body)).toBe(200);
  expect(await customersOf()).toEqual([xiaoming.customerId, xiaoming.customerId]);
});

test('a guide at the daily cap leaves the contact way WeCom has; the backup takes over when all are capped', async () => {
  const { sim } = world;
  const capped = await createCode({
    name: '直播间活码',
    mode: 'all',
    dailyCap: 1,
    backupStaffId: staffId('wangwu'),
    guides: [{ staffId: staffId('zhangsan') }, { staffId: staffId('lisi') }],
  });
  const configId = capped.configId as string;
  expect(sim.contactWays.get(configId)?.userIds).toEqual(['zhangsan', 'lisi']);
  const first = await sim.customerAddsGuide({ configId });
  await settled();
  const remaining = first.userId === 'zhangsan' ? 'lisi' : 'zhangsan';
  await eventually(
    () => sim.contactWays.get(configId)?.userIds,
    (ids) => JSON.stringify(ids) === JSON.stringify([remaining]),
  );
  const after = await code(capped.id);
  expect(after.guides.find((g) => g.wecomUserId === first.userId)).toMatchObject({ addsToday: 1, capped: true });
  expect(after.exposure).toBe('pool');

  const second = await sim.customerAddsGuide({ configId });
  expect(second.userId).toBe(remaining);
  await settled();
  await eventually(
    () => sim.contactWays.get(configId)?.userIds,
    (ids) => JSON.stringify(ids) === JSON.stringify(['wangwu']),
  );
  expect(await code(capped.id)).toMatchObject({ exposure: 'backup', exposedUserIds: ['wangwu'], addsToday: 2 });
});

test('an add through no code gets the default welcome message once it is turned on', async () => {
  const { sim, owner } = world;
  const refused = await owner.request('PUT', '/api/acquisition/settings', { defaultWelcomeEnabled: true });
  expect([refused.status, refused.body.error?.code]).toEqual([400, 'acquisition.default_welcome_missing']);
  const saved = await owner.request('PUT', '/api/acquisition/settings', {
    defaultWelcomeEnabled: true,
    defaultWelcome: { text: '欢迎添加{{导购名}}！', attachments: [] },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const direct = await sim.customerAddsGuide({ userId: 'wangwu' });
  await settled();
  expect(sim.welcomeMessages.find((m) => m.welcomeCode === direct.welcomeCode)?.text).toBe('欢迎添加导购wangwu！');
  // Adds carry WeCom's second-resolution time, so the newest entry is found by the contact, not by position.
  const log = await owner.get('/api/acquisition/welcomes?limit=50');
  const entry = log.body.items.find((w: WelcomeSend) => w.externalUserId === direct.externalUserId);
  expect(entry).toMatchObject({ status: 'sent', source: 'default', codeId: null });
});

test('a trackable link records visits, redirects or shows its own QR code, and its adds are its own', async () => {
  const { sim, owner } = world;
  const base = world.server.url;
  const external = await owner.post('/api/acquisition/links', {
    name: '小红书笔记',
    channelId: await channelId('moments'),
    target: { kind: 'url', url: 'https://shop.example.com/spring' },
  });
  expect(external.status, JSON.stringify(external.body)).toBe(201);
  expect(external.body.path).toBe(`/l/${external.body.slug}`);
  const redirect = await fetch(`${base}${external.body.path}`, {
    redirect: 'manual',
    headers: { 'user-agent': 'Mozilla/5.0 (iPhone) MicroMessenger/8.0', referer: 'https://www.xiaohongshu.com/x' },
  });
  expect(redirect.status).toBe(302);
  expect(redirect.headers.get('location')).toBe('https://shop.example.com/spring');
  const visitor = redirect.headers
    .getSetCookie()
    .find((c) => c.startsWith('siyu_visitor='))
    ?.split(';')[0];
  expect(visitor).toBeTruthy();
  await fetch(`${base}${external.body.path}`, { redirect: 'manual', headers: { cookie: visitor as string } });
  await fetch(`${base}${external.body.path}`, { redirect: 'manual' });
  const counted = await owner.get(`/api/acquisition/links/${external.body.id}`);
  expect(counted.body).toMatchObject({ clicks: 3, uniqueVisitors: 2, adds: 0, conversion: 0, way: null });

  const landing = await owner.post('/api/acquisition/links', {
    name: '公众号推文',
    target: { kind: 'code', codeId: posterCode.id },
    title: '添加专属顾问',
    description: '领取新人券',
  });
  expect(landing.status, JSON.stringify(landing.body)).toBe(201);
  expect(landing.body.channel).toMatchObject({ key: 'poster' });
  const link = await eventually(
    async () => (await owner.get(`/api/acquisition/links/${landing.body.id}`)).body,
    (l) => l.way?.syncState === 'synced',
  );
  expect(link.way.state).not.toBe(posterCode.state);
  const linkWay = sim.contactWays.get(link.way.configId);
  expect(linkWay).toMatchObject({ state: link.way.state, userIds: (await code(posterCode.id)).exposedUserIds });
  const page = await fetch(`${base}${link.path}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  const html = await page.text();
  expect(html).toContain('添加专属顾问');
  expect(html).toContain(`src="${linkWay?.qrCode}"`);

  const added = await sim.customerAddsGuide({ configId: link.way.configId, name: '阿紫' });
  await settled();
  const adds = await owner.get(`/api/acquisition/adds?linkId=${link.id}`);
  expect(adds.body.items).toHaveLength(1);
  expect(adds.body.items[0]).toMatchObject({ codeId: posterCode.id, linkId: link.id, wecomUserId: added.userId });
  // The link's contact way carries the code's welcome message.
  expect(sim.welcomeMessages.find((m) => m.welcomeCode === added.welcomeCode)?.text).toContain('你好，我是');
  const after = await owner.get(`/api/acquisition/links/${link.id}`);
  expect(after.body).toMatchObject({ clicks: 1, uniqueVisitors: 1, adds: 1, conversion: 1 });
  const stats = await owner.get(`/api/acquisition/links/${link.id}/stats`);
  expect(stats.body.totals).toMatchObject({ clicks: 1, uniqueVisitors: 1, adds: 1 });
  const unknown = await fetch(`${base}/l/Zz9Zz9Zz`);
  expect(unknown.status).toBe(404);
});

test('an expired code is removed from WeCom and shows as expired; its link page says so', async () => {
  const { sim, owner, clock } = world;
  const expiring = await createCode({
    name: '限时活码',
    guides: [{ staffId: staffId('lisi') }],
    expiresAt: new Date(clock.now().getTime() + 3600_000).toISOString(),
  });
  const configId = expiring.configId as string;
  const link = await owner.post('/api/acquisition/links', {
    name: '限时落地页',
    target: { kind: 'code', codeId: expiring.id },
  });
  const linkWay = await eventually(
    async () => (await owner.get(`/api/acquisition/links/${link.body.id}`)).body.way,
    (w) => w?.syncState === 'synced',
  );
  expect(sim.contactWays.has(configId)).toBe(true);
  clock.advance(2 * 3600_000);
  const refreshed = await owner.post('/api/acquisition/refresh');
  expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
  expect(refreshed.body.expired).toBe(1);
  await settled();
  expect(sim.contactWays.has(configId)).toBe(false);
  expect(sim.contactWays.has(linkWay.configId)).toBe(false);
  expect(await code(expiring.id)).toMatchObject({ status: 'expired', configId: null, qrCode: null, ways: [] });
  const gone = await fetch(`${world.server.url}${link.body.path}`);
  expect(gone.status).toBe(410);
  const paused = await owner.post(`/api/acquisition/codes/${expiring.id}/pause`);
  expect([paused.status, paused.body.error?.code]).toEqual([409, 'acquisition.code_expired']);
});

test('a burst of adds through one code is attributed in full, with no attribution aborted as a deadlock', async () => {
  const { sim } = world;
  const burst = await createCode({
    name: '直播间爆发',
    mode: 'all',
    guides: [{ staffId: staffId('zhangsan') }, { staffId: staffId('lisi') }],
  });
  const configId = burst.configId as string;
  await Promise.all(Array.from({ length: 12 }, () => sim.customerAddsGuide({ configId })));
  await settled();
  const deadlocked = await db().query<{ kind: string }>(
    `SELECT kind FROM jobs WHERE (kind LIKE 'acquisition.%' OR kind LIKE 'event:acquisition.%')
        AND last_error ILIKE '%deadlock%'`,
  );
  expect(deadlocked).toEqual([]);
  await eventually(
    () => code(burst.id),
    (c) => c.addsToday === 12,
  );
});
