// Ownership from WeCom follow data, end to end: the simulator sends signed callbacks to the real server, the workers
// turn them into relationships through WeCom's API. A customer adding a guide is created (or matched by unionid),
// the relationship and the SOP tasks are recorded once however often WeCom delivers the callback, and a sync
// closes the gaps lost callbacks leave.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
});
afterAll(() => world.close());

const db = () => world.server.siyu.db;

async function customerByExternalId(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  expect(found.body.items, externalUserId).toHaveLength(1);
  return found.body.items[0].id;
}

const RELATIONSHIP_START_STEPS = 6; // 加微欢迎语 1, 首日关怀 1, 3日/7日回访 2, 次日邀请入群 1, 30日兴趣推送 1

test('a customer adding a guide is recorded once, with the SOP tasks, though WeCom delivers the callback three times', async () => {
  const { sim } = world;
  const added = await sim.customerAddsGuide({
    userId: 'zhangsan',
    name: '小红',
    state: 'store01',
    unionId: 'oUnionXiaohong',
  });
  // WeCom retries when it thinks an answer was lost: the same event, fresh nonce and signature.
  await sim.redeliver(added.delivery);
  await sim.redeliver(added.delivery);
  await world.settled();
  for (const d of sim.deliveries.slice(-3)) expect([d.status, d.response]).toEqual([200, 'success']);

  const customerId = await customerByExternalId(added.externalUserId);
  const detail = await world.owner.get(`/api/customers/${customerId}`);
  expect(detail.body.customer).toMatchObject({ name: '小红', sourceChannel: 'wecom' });
  expect(detail.body.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([
    'wechat_unionid:oUnionXiaohong',
    `wecom_external_userid:${added.externalUserId}`,
  ]);

  const relationships = await world.owner.get(`/api/customers/${customerId}/relationships`);
  expect(relationships.body.items).toHaveLength(1);
  expect(relationships.body.items[0]).toMatchObject({
    status: 'active',
    origin: 'add',
    state: 'store01',
    wecomUserId: 'zhangsan',
    externalUserId: added.externalUserId,
    guideStaffId: world.guides.zhangsan?.staffId,
    contactName: '小红',
  });

  const started = await db().query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM domain_events WHERE type = 'relationship.started' AND payload->>'customerId' = $1`,
    [customerId],
  );
  expect(started).toHaveLength(1);
  expect(started[0]?.payload).toMatchObject({
    guideStaffId: world.guides.zhangsan?.staffId,
    wecomUserId: 'zhangsan',
    externalUserId: added.externalUserId,
    state: 'store01',
    welcomeCode: added.welcomeCode,
    origin: 'add',
  });

  const tasks = await world.owner.get(`/api/tasks?customerId=${customerId}&limit=50`);
  expect(tasks.body.items).toHaveLength(RELATIONSHIP_START_STEPS);
  const addedAt = relationships.body.items[0].addedAt;
  const welcome = tasks.body.items.find((t: { title: string }) => t.title === '发送欢迎语并自我介绍');
  expect(welcome).toMatchObject({ dueAt: addedAt, status: 'open', guideStaffId: world.guides.zhangsan?.staffId });
  // The guide sees them with the script filled in for this customer.
  const own = await world.guides.zhangsan?.client.get(`/api/tasks?customerId=${customerId}&limit=50`);
  const script = own?.body.items.find((t: { title: string }) => t.title === '发送欢迎语并自我介绍').script;
  expect(script).toBe(
    '小红，我是茶语 Chayu的导购zhangsan，很高兴为您服务！之后有新品、会员福利都会第一时间告诉您，有任何问题随时找我～',
  );
});

test('the same person adding another guide is the same customer, and one known by unionid is matched', async () => {
  // Known from the mini-program by unionid, with the name the brand holds.
  const known = await world.owner.post('/api/customers', {
    name: '李雷',
    identities: [{ kind: 'wechat_unionid', value: 'oUnionLilei' }],
  });
  expect(known.status).toBe(201);
  const customerId = known.body.customer.id;
  const first = await world.sim.customerAddsGuide({ userId: 'zhangsan', name: 'Lei~', unionId: 'oUnionLilei' });
  await world.settled();
  await world.sim.customerAddsGuide({ userId: 'lisi', externalUserId: first.externalUserId });
  await world.settled();

  expect(await customerByExternalId(first.externalUserId)).toBe(customerId);
  const detail = await world.owner.get(`/api/customers/${customerId}`);
  expect(detail.body.customer.name).toBe('李雷');
  const relationships = await world.owner.get(`/api/customers/${customerId}/relationships`);
  expect(
    relationships.body.items.map((r: { wecomUserId: string; status: string }) => [r.wecomUserId, r.status]).sort(),
  ).toEqual([
    ['lisi', 'active'],
    ['zhangsan', 'active'],
  ]);
  // Each guide got their own follow-up tasks for the customer.
  const tasks = await world.owner.get(`/api/tasks?customerId=${customerId}&limit=50`);
  expect(tasks.body.items).toHaveLength(2 * RELATIONSHIP_START_STEPS);
  // Both guides see the customer; the timeline shows both adds.
  for (const guide of ['zhangsan', 'lisi']) {
    const seen = await world.guides[guide]?.client.get(`/api/customers/${customerId}`);
    expect(seen?.status).toBe(200);
  }
  const timeline = await world.owner.get(`/api/customers/${customerId}/timeline`);
  expect(timeline.body.items.filter((i: { kind: string }) => i.kind === 'relationship.started')).toHaveLength(2);
});

test('a sync records relationships whose callbacks were lost and ends those WeCom no longer lists', async () => {
  const { sim } = world;
  const kept = await sim.customerAddsGuide({ userId: 'lisi', name: '韩梅梅' });
  await world.settled();
  const callbackUrl = sim.callbackUrl;
  sim.callbackUrl = null;
  const missed = await sim.customerAddsGuide({ userId: 'lisi', name: '王小明' });
  await sim.guideDeletesCustomer({ userId: 'lisi', externalUserId: kept.externalUserId });
  sim.callbackUrl = callbackUrl;

  // Two operators press the button at once: one sync starts, the other request is told it is running. (One after
  // the other would race the sync's job, which may already have finished.)
  const both = await Promise.all([
    world.owner.post('/api/relationships/sync'),
    world.owner.post('/api/relationships/sync'),
  ]);
  const started = both.find((r) => r.status === 202);
  expect(started?.body, JSON.stringify(both.map((r) => r.body))).toMatchObject({
    status: 'running',
    trigger: 'manual',
    guides: 2,
  });
  expect(both.find((r) => r.status !== 202)?.body.error.code).toBe('relationship.sync_running');
  await world.settled();

  const runs = await world.owner.get('/api/relationships/sync-runs');
  expect(runs.body.items[0]).toMatchObject({ status: 'succeeded', guidesDone: 2, created: 1, ended: 1, errors: [] });

  const missedId = await customerByExternalId(missed.externalUserId);
  const found = await world.owner.get(`/api/customers/${missedId}/relationships`);
  expect(found.body.items[0]).toMatchObject({ status: 'active', origin: 'sync', wecomUserId: 'lisi' });
  // It began moments ago, so its follow-up starts as a callback's would have.
  const tasks = await world.owner.get(`/api/tasks?customerId=${missedId}&limit=50`);
  expect(tasks.body.items).toHaveLength(RELATIONSHIP_START_STEPS);

  const keptId = await customerByExternalId(kept.externalUserId);
  const ended = await world.owner.get(`/api/customers/${keptId}/relationships`);
  expect(ended.body.items[0]).toMatchObject({ status: 'ended', wecomUserId: 'lisi' });
  const churn = await world.owner.get(`/api/churn?guideStaffId=${world.guides.lisi?.staffId}`);
  expect(churn.body.items.find((c: { customerId: string }) => c.customerId === keptId)).toMatchObject({
    direction: 'unknown',
  });
  // A second sync finds nothing left to do.
  expect((await world.owner.post('/api/relationships/sync')).status).toBe(202);
  await world.settled();
  const again = await world.owner.get('/api/relationships/sync-runs');
  expect(again.body.items[0]).toMatchObject({ status: 'succeeded', created: 0, ended: 0 });
});

test('guides are linked by hand; an unknown WeCom member shows as unlinked and owns customers once linked', async () => {
  world.sim.addGuide({ userId: 'newbie', name: 'newbie' });
  const added = await world.sim.customerAddsGuide({ userId: 'newbie', name: '新客' });
  await world.settled();
  const unlinked = await world.owner.get('/api/guides/unlinked');
  expect(unlinked.body.items).toEqual([expect.objectContaining({ wecomUserId: 'newbie', activeCustomers: 1 })]);
  const customerId = await customerByExternalId(added.externalUserId);
  // No guide yet: no tasks for anyone.
  expect((await world.owner.get(`/api/tasks?customerId=${customerId}`)).body.items).toEqual([]);

  const staff = await world.owner.post('/api/staff', {
    name: '新导购',
    email: 'newbie@relationships.test',
    role: 'guide',
  });
  const taken = await world.owner.request('PUT', `/api/guides/${staff.body.staff.id}`, { wecomUserId: 'zhangsan' });
  expect([taken.status, taken.body.error.code]).toEqual([409, 'guide.wecom_user_taken']);
  const cycle = await world.owner.request('PUT', `/api/guides/${world.manager.staffId}`, {
    wecomUserId: 'managerwecom',
    managerStaffId: world.manager.staffId,
  });
  expect(cycle.body.error.code).toBe('guide.manager_self');
  const linked = await world.owner.request('PUT', `/api/guides/${staff.body.staff.id}`, { wecomUserId: 'newbie' });
  expect(linked.body).toMatchObject({
    wecomUserId: 'newbie',
    customerCount: 1,
    status: 'active',
    managerStaffId: null,
  });
  const relationships = await world.owner.get(`/api/customers/${customerId}/relationships`);
  expect(relationships.body.items[0].guideStaffId).toBe(staff.body.staff.id);
  expect((await world.owner.get('/api/guides/unlinked')).body.items).toEqual([]);
  const unlink = await world.owner.request('DELETE', `/api/guides/${staff.body.staff.id}`);
  expect([unlink.status, unlink.body.error.code]).toEqual([409, 'guide.has_customers']);
});
