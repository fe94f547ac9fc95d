// The demo brand's WeCom: a small demo populated through the simulator's signed callbacks and session archive, then
// checked through the API the console uses — guides, relationships, churn, a succession, groups with their
// statistics, a moderation removal, channel code adds — and a restart that rebuilds the simulator from Siyu.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../test/support/server.ts';
import { STORES } from './brand.ts';
import {
  CHANNEL_CODES,
  DEMO_CORP_ID,
  type DemoCustomer,
  type DemoGuide,
  type DemoSummary,
  leaverOf,
  type PlanInput,
  planTraffic,
  WeComDemo,
} from './wecom.ts';

let server: TestServer;
let owner: ApiClient;
let demo: WeComDemo;
let summary: DemoSummary;

const options = (server: TestServer) => ({
  workspaceId: server.workspaceId,
  baseUrl: server.url,
  seed: 3,
  days: 5,
  adds: 60,
  book: 60,
  requestsPerMinute: 1_000_000,
});

beforeAll(async () => {
  // Callbacks, archive batches and API calls from one address in seconds: lift the per-IP limit (tested elsewhere).
  server = await startTestServer({
    workers: true,
    customers: 500,
    env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '1000000', SIYU_JOB_POLL_MS: '100' },
  });
  owner = new ApiClient(server.url);
  const login = await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  expect(login.status).toBe(200);
  demo = new WeComDemo(server.siyu.db, options(server));
  expect(await demo.start()).toBe('populated');
  summary = demo.summary;
}, 600_000);

afterAll(async () => {
  await demo?.close();
  await server?.close();
});

const get = async <T = any>(path: string): Promise<T> => {
  const res = await owner.get<T>(path);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
};

test('the plan is the same for the same seed and input, and another for another seed', () => {
  const guides: DemoGuide[] = STORES.flatMap((_, store) =>
    [0, 1, 2].map((k) => ({
      staffId: `staff-${store}-${k}`,
      name: `导购${store}${k}`,
      store,
      userId: `g${store}${k}`,
      head: k === 0,
      managerStaffId: null,
    })),
  );
  const customers: DemoCustomer[] = Array.from({ length: 400 }, (_, i) => ({
    seq: i + 1,
    name: `客户${i}`,
    gender: i % 3 === 0 ? 'male' : 'female',
    city: ['上海', '北京', '杭州', '成都', '深圳', '苏州'][i % 6] as string,
    unionId: i % 4 === 3 ? null : `union-${i}`,
    externalUserId: i % 2 === 0 ? `wm${i}` : null,
    signedUpDaysAgo: 30 + i,
  }));
  const input: PlanInput = {
    seed: 5,
    today: new Date('2026-11-24T00:00:00+08:00'),
    guides,
    customers,
    days: 10,
    adds: 80,
    book: 50,
  };
  const a = planTraffic(input);
  expect(planTraffic(input)).toEqual(a);
  expect(planTraffic({ ...input, seed: 6 })).not.toEqual(a);

  const events = a.days.flatMap((d) => d.events.map((t) => t.event));
  const adds = events.filter((e) => e.kind === 'add');
  expect(adds).toHaveLength(80);
  expect(adds.some((e) => e.kind === 'add' && 'code' in e.via)).toBe(true);
  // Demo customers add with the unionid (and external user id) the demo gave them, so they resolve to themselves.
  const known = adds.map((e) => a.people.get(e.person)).filter((p) => p?.customerSeq !== null && p !== undefined);
  expect(known.length).toBeGreaterThan(20);
  for (const p of known) {
    const c = customers.find((c) => c.seq === p?.customerSeq) as DemoCustomer;
    expect(p?.unionId).toBe(c.unionId);
    if (c.externalUserId) expect(p?.externalUserId).toBe(c.externalUserId);
  }
  expect(a.book).toHaveLength(50);
  for (const b of a.book) expect(customers.find((c) => `c${c.seq}` === b.person)?.externalUserId).not.toBeNull();
  // Everyone an event names is someone the plan knows, and nobody talks in a group the day they join it.
  for (const day of a.days) {
    const joined = new Set<string>();
    for (const { event: e } of day.events) {
      if (e.kind === 'join') for (const k of e.people) joined.add(k);
      if (e.kind === 'scan') joined.add(e.person);
      if (e.kind === 'message' && a.people.has(e.from)) expect(joined.has(e.from) && !e.link).toBe(false);
      if ('person' in e) expect(a.people.has(e.person)).toBe(true);
    }
    const minutes = day.events.map((t) => t.minute);
    expect(minutes).toEqual([...minutes].sort((x, y) => x - y));
  }
  expect(a.live.resign.guide).toBe(leaverOf(guides).userId);
  expect(a.live.resign.takeover).toBe(guides.find((g) => g.head && g.store === leaverOf(guides).store)?.userId);
});

test('every planned event reached Siyu through the simulator, none refused or lost', async () => {
  expect(summary.skipped).toBe(0);
  expect(summary.adds).toBe(60 + 6);
  expect(summary.codeAdds).toBeGreaterThan(0);
  const deliveries = demo.sim?.deliveries ?? [];
  expect(deliveries.length).toBe(summary.callbacks);
  expect(deliveries.filter((d) => d.status !== 200 && d.status !== null)).toEqual([]);
  const inbox = await get<{ items: { state: string }[] }>('/api/wecom/inbox?limit=200');
  expect(inbox.items.filter((i) => !['processed', 'ignored'].includes(i.state))).toEqual([]);
  const settings = await get('/api/wecom/settings');
  expect(settings).toMatchObject({ configured: true, corpId: DEMO_CORP_ID, apiBaseUrl: demo.sim?.url });
  expect(settings.lastVerifiedAt).not.toBeNull();
});

test('the demo guides are WeCom members linked to their staff, each store under its head', async () => {
  const { items } = await get<{
    items: {
      staffId: string;
      wecomUserId: string;
      department: string;
      managerStaffId: string | null;
      status: string;
    }[];
  }>('/api/guides');
  expect(items).toHaveLength(12);
  const resigned = items.filter((g) => g.status === 'resigned');
  expect(resigned).toHaveLength(1);
  for (const store of STORES) {
    const guides = items.filter((g) => g.department === store);
    const head = guides.find((g) => !guides.some((other) => other.staffId === g.managerStaffId));
    expect(head?.managerStaffId).not.toBeNull();
    for (const g of guides) if (g !== head) expect(g.managerStaffId).toBe(head?.staffId);
  }
});

test('customers who added guides are relationships: demo customers matched by unionid, newcomers created', async () => {
  const plan = demo.plan;
  if (!plan) throw new Error('no plan');
  const { items } = await get<{
    items: { customerId: string; status: string; origin: string; state: string | null }[];
  }>('/api/relationships?limit=200');
  expect(items.filter((r) => r.origin === 'sync').length).toBeGreaterThan(40);
  expect(items.filter((r) => r.origin === 'add').length).toBeGreaterThan(40);
  expect(items.some((r) => r.state !== null)).toBe(true);
  const db = server.siyu.db;
  const addedPeople = plan.days
    .flatMap((d) => d.events.map((t) => t.event))
    .flatMap((e) => (e.kind === 'add' ? [plan.people.get(e.person)] : []));
  const known = addedPeople.filter((p) => p?.customerSeq !== null);
  expect(known.length).toBeGreaterThan(10);
  for (const p of known) {
    const rows = await db.query<{ id: string; seq: number }>(
      `SELECT c.id, c.seq FROM customers c JOIN customer_identities i
          ON i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.kind = 'wechat_unionid'
        WHERE c.workspace_id = $1 AND i.value = $2`,
      [server.workspaceId, p?.unionId],
    );
    expect(rows.map((r) => r.seq)).toEqual([p?.customerSeq]);
    const mine = await get<{ items: unknown[] }>(`/api/customers/${rows[0]?.id}/relationships`);
    expect(mine.items.length).toBeGreaterThan(0);
  }
  // A newcomer's source is the channel of the code they added through, or plain 'wecom' when they added a guide.
  const firstAdd = plan.days
    .flatMap((d) => d.events.map((t) => t.event))
    .find((e) => e.kind === 'add' && plan.people.get(e.person)?.customerSeq === null);
  if (firstAdd?.kind !== 'add') throw new Error('no newcomer in the plan');
  const newcomer = plan.people.get(firstAdd.person);
  const expectedSource = 'code' in firstAdd.via ? CHANNEL_CODES[firstAdd.via.code].channel : 'wecom';
  const [created] = await db.query<{ source_channel: string; name: string }>(
    `SELECT c.source_channel, c.name FROM customers c JOIN customer_identities i
        ON i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.kind = 'wecom_external_userid'
      WHERE c.workspace_id = $1 AND i.value = $2`,
    [server.workspaceId, newcomer?.externalUserId],
  );
  expect(created).toEqual({ source_channel: expectedSource, name: newcomer?.name });
});

test('churn is recorded both ways and the guide’s manager is told', async () => {
  const { items } = await get<{ items: { direction: string; notifiedStaffIds: string[] }[] }>('/api/churn?limit=100');
  expect(items.some((c) => c.direction === 'customer_deleted_guide')).toBe(true);
  expect(items.some((c) => c.direction === 'guide_deleted_customer')).toBe(true);
  for (const c of items) expect(c.notifiedStaffIds.length).toBeGreaterThan(0);
});

test('the resigning guide’s customers are handed to the store head: the succession completes, one refuses', async () => {
  const { items } = await get<{
    items: { status: string; failReason: string | null; takeoverStaffId: string; customerId: string }[];
  }>('/api/transfers?kind=resigned&limit=100');
  const succeeded = items.filter((t) => t.status === 'succeeded');
  expect(succeeded.length).toBeGreaterThan(0);
  expect(items.filter((t) => t.status === 'failed').map((t) => t.failReason)).toEqual(['customer_refused']);
  expect(items.filter((t) => t.status === 'waiting')).toEqual([]);
  for (const t of succeeded) {
    const mine = await get<{ items: { status: string; guideStaffId: string; origin: string }[] }>(
      `/api/customers/${t.customerId}/relationships`,
    );
    expect(mine.items.find((r) => r.status === 'active')).toMatchObject({
      guideStaffId: t.takeoverStaffId,
      origin: 'transfer',
    });
  }
});

test('groups have owners, members who came and went, talk, check-ins and statistics', async () => {
  const { items } = await get<{ items: { id: string; name: string; ownerUserId: string; memberCount: number }[] }>(
    '/api/community/groups?limit=50',
  );
  expect(items).toHaveLength(6);
  for (const g of items) expect(g.memberCount).toBeGreaterThan(1);
  const stats = await get<{ totals: { joins: number; quits: number; messages: number; activeMembers: number } }>(
    '/api/community/stats',
  );
  expect(stats.totals.joins).toBeGreaterThan(20);
  expect(stats.totals.quits).toBeGreaterThan(0);
  expect(stats.totals.messages).toBeGreaterThan(20);
  expect(stats.totals.activeMembers).toBeGreaterThan(5);
  const checkIns = await get<{ items: unknown[] }>('/api/community/check-ins?limit=5');
  expect(checkIns.items.length).toBeGreaterThan(0);
  const replies = await get<{ items: { replies: number }[] }>('/api/community/auto-replies');
  expect(replies.items.reduce((s, r) => s + r.replies, 0)).toBeGreaterThan(0);
  const liveCodes = await get<{ items: { joins: number; configId: string | null }[] }>('/api/community/live-codes');
  expect(liveCodes.items[0]?.configId).not.toBeNull();
  expect(liveCodes.items[0]?.joins).toBeGreaterThan(0);
});

test('the spammer’s ad link is a removal request, done when the owner removes them in WeCom', async () => {
  const { items } = await get<{ items: { status: string; reason: string; memberName: string }[] }>(
    '/api/community/removals',
  );
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ status: 'done', reason: 'moderation' });
  const violations = await get<{ items: { kind: string; evidence: string }[] }>('/api/community/violations');
  expect(violations.items.find((v) => v.kind === 'ad_link')?.evidence).toContain('jz-rijie.top');
  const audit = await get<{ items: { action: string }[] }>('/api/audit?limit=200');
  expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['community.member_removed']));
});

test('channel codes: adds through them are attributed per code, and today’s adds are welcomed within the window', async () => {
  const codes = await get<{ items: { name: string; adds: number; configId: string | null }[] }>(
    '/api/acquisition/codes?status=active&limit=10',
  );
  expect(codes.items.map((c) => c.name).sort()).toEqual(['公众号菜单', '直播间', '朋友圈广告', '门店海报'].sort());
  for (const c of codes.items) expect(c.configId).not.toBeNull();
  expect(codes.items.reduce((s, c) => s + c.adds, 0)).toBe(summary.codeAdds);
  const overview = await get<{ last7Days: { adds: number }; welcome: { sent: number; failed: number } }>(
    '/api/acquisition/overview',
  );
  expect(overview.last7Days.adds).toBe(summary.codeAdds);
  expect(overview.welcome.sent).toBe(6);
  expect(overview.welcome.failed).toBe(0);
  expect(demo.sim?.welcomeMessages).toHaveLength(6);
});

test('after a restart the simulator is rebuilt from Siyu: full syncs find nothing to repair, live traffic flows', async () => {
  const before = demo.sim;
  const contacts = [...(before?.contacts.values() ?? [])].filter((c) => c.follows.length > 0).length;
  await demo.close();
  demo = new WeComDemo(server.siyu.db, options(server));
  expect(await demo.start()).toBe('resumed');
  const sim = demo.sim;
  expect(sim?.url).toBe(before?.url);
  expect([...(sim?.contacts.values() ?? [])].filter((c) => c.follows.length > 0).length).toBe(contacts);
  expect(sim?.chats.size).toBe(6);
  expect(sim?.contactWays.size).toBe(4);
  expect(sim?.joinWays.size).toBe(1);

  const run = await owner.post('/api/relationships/sync');
  expect(run.status).toBe(202);
  await demo.settle();
  const runs = await get<{ items: { id: string; status: string; created: number; ended: number }[] }>(
    '/api/relationships/sync-runs',
  );
  expect(runs.items.find((r) => r.id === run.body.id)).toMatchObject({ status: 'succeeded', created: 0, ended: 0 });
  const groups = async () =>
    (
      await get<{ items: { chatId: string; status: string; memberCount: number }[] }>('/api/community/groups?limit=50')
    ).items
      .map((g) => `${g.chatId} ${g.status} ${g.memberCount}`)
      .sort();
  const groupsBefore = await groups();
  expect((await owner.post('/api/community/sync')).status).toBeLessThan(300);
  await demo.settle();
  expect(await groups()).toEqual(groupsBefore);

  const callbacks = sim?.deliveries.length ?? 0;
  for (let i = 0; i < 12; i++) await demo.tick();
  await demo.settle();
  expect(sim?.deliveries.length ?? 0).toBeGreaterThan(callbacks);
  expect((sim?.deliveries ?? []).filter((d) => d.status !== 200)).toEqual([]);
  const inbox = await get<{ items: { state: string }[] }>('/api/wecom/inbox?limit=50');
  expect(inbox.items.filter((i) => !['processed', 'ignored'].includes(i.state))).toEqual([]);
});
