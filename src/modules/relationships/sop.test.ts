// The follow-up SOP with a clock the test moves: tasks fall due and turn overdue (with one notice per check to each
// guide, from the console's check and from the scheduled job alike), guides finish them, birthday and festival plans
// make their tasks once however often the daily run goes, a tag makes a tag-triggered plan's task, scripts fill in
// the customer's values, and the dashboard counts it all.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CustomerParticipants } from '../customers/index.ts';
import { startWorld, type World } from './fixtures/world.ts';
import { relationshipsModule } from './index.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
});
afterAll(() => world.close());

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

async function newCustomer(userId: string, name: string): Promise<string> {
  const added = await world.sim.customerAddsGuide({ userId, name });
  await world.settled();
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(added.externalUserId)}`);
  return found.body.items[0].id;
}

/** Today's date in Shanghai, `days` from now on the test's clock, as YYYY-MM-DD. */
function shanghaiDate(days: number): string {
  return new Date(world.clock.now().getTime() + days * DAY_MS + 8 * HOUR_MS).toISOString().slice(0, 10);
}

test('tasks past due turn overdue and each guide is told once per check; guides finish their own', async () => {
  const zhangsan = world.guides.zhangsan?.client;
  const customerId = await newCustomer('zhangsan', '周一');
  world.clock.advance(2 * HOUR_MS);
  const first = await world.owner.post('/api/tasks/overdue-check');
  expect(first.body).toEqual({ overdue: 1, notified: 1 });
  expect((await world.owner.post('/api/tasks/overdue-check')).body).toEqual({ overdue: 0, notified: 0 });
  const notices = await zhangsan?.get('/api/notifications');
  expect(notices?.body.items.map((n: { text: string }) => n.text)).toEqual([
    '你有 1 个跟进任务已逾期：发送欢迎语并自我介绍',
  ]);

  world.clock.advance(40 * DAY_MS);
  expect((await world.owner.post('/api/tasks/overdue-check')).body).toEqual({ overdue: 5, notified: 1 });
  const tasks = await zhangsan?.get(`/api/tasks?customerId=${customerId}&limit=50`);
  expect(tasks?.body.items.map((t: { status: string }) => t.status)).toEqual(Array(6).fill('overdue'));

  // A guide finishes their own task, late or not; the same answer again is harmless, another is refused.
  const task = tasks?.body.items[5];
  const done = await zhangsan?.post(`/api/tasks/${task.id}/complete`, { outcome: 'done', note: '已发欢迎语' });
  expect(done?.body).toMatchObject({ status: 'done', note: '已发欢迎语', completedByName: '导购zhangsan' });
  expect((await zhangsan?.post(`/api/tasks/${task.id}/complete`, { outcome: 'done' }))?.status).toBe(200);
  const other = await zhangsan?.post(`/api/tasks/${task.id}/complete`, { outcome: 'skipped' });
  expect([other?.status, other?.body.error.code]).toEqual([409, 'task.already_finished']);
  const notMine = await world.guides.lisi?.client.post(`/api/tasks/${tasks?.body.items[1].id}/complete`, {
    outcome: 'done',
  });
  expect(notMine?.status).toBe(404);

  // Completion over 30 days: of the tasks that fell due in the last 30 days, how many were done.
  const since = world.clock.now().getTime() - 30 * DAY_MS;
  const due30 = tasks?.body.items.filter((t: { dueAt: string }) => Date.parse(t.dueAt) >= since).length;
  const dashboard = await zhangsan?.get('/api/relationships/dashboard');
  expect(dashboard?.body).toMatchObject({
    view: 'guide',
    totals: { customers: 1, overdue: 5, newCustomers30: 0, completion30: { done: 1, due: due30 } },
  });
  expect(dashboard?.body.todayTasks).toHaveLength(5);
  // The manager sees the team: both guides.
  const team = await world.manager.client.get('/api/relationships/dashboard');
  expect(team.body.view).toBe('team');
  expect(team.body.guides.map((g: { name: string }) => g.name).sort()).toEqual(['导购lisi', '导购zhangsan']);
});

test('the scheduled overdue job uses the clock it is given', async () => {
  await newCustomer('lisi', '周二');
  const later = new Date(world.clock.now().getTime() + HOUR_MS);
  const module = relationshipsModule({ participants: new CustomerParticipants(), now: () => later, smtp: null });
  const job = module.jobs?.['relationships.overdue-workspace'];
  if (!job) throw new Error('the module has no overdue job');
  const { workspaceId } = world.server;
  await world.server.siyu.db.tenant(workspaceId, (tx) =>
    job({ id: 1, kind: 'relationships.overdue-workspace', workspaceId, payload: {}, attempts: 1, maxAttempts: 1 }, tx),
  );
  const notices = await world.guides.lisi?.client.get('/api/notifications');
  expect(notices?.body.items[0].text).toBe('你有 1 个跟进任务已逾期：发送欢迎语并自我介绍');
});

test('birthday and festival plans make their tasks once, however often the daily run goes', async () => {
  const customerId = await newCustomer('lisi', '周三');
  const tomorrow = shanghaiDate(1);
  expect(
    (await world.owner.patch(`/api/customers/${customerId}`, { birthday: `1990-${tomorrow.slice(5)}` })).status,
  ).toBe(200);
  const badFestival = await world.owner.request('PUT', '/api/relationships/settings/festivals', {
    festivals: [{ key: 'custom_shop_day', name: '店庆日', monthDay: '02-30', dates: {} }],
  });
  expect([badFestival.status, badFestival.body.error.code]).toEqual([400, 'festival.invalid_date']);
  const festivals = await world.owner.request('PUT', '/api/relationships/settings/festivals', {
    festivals: [{ key: 'custom_shop_day', name: '店庆日', monthDay: shanghaiDate(0).slice(5), dates: {} }],
  });
  expect(festivals.status, JSON.stringify(festivals.body)).toBe(200);
  const plan = await world.owner.post('/api/sop/plans', {
    name: '店庆日问候',
    trigger: { type: 'festival', festivals: ['custom_shop_day'] },
    enabled: true,
    steps: [{ offsetDays: 0, timeOfDay: '10:00', title: '店庆日问候', script: '{{name}}，{{brand}}店庆快乐！' }],
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);

  const first = await world.owner.post('/api/sop/date-tasks');
  expect(first.status).toBe(200);
  expect((await world.owner.post('/api/sop/date-tasks')).body).toEqual({ created: 0 });
  const birthday = await world.owner.get(`/api/tasks?customerId=${customerId}&limit=50`);
  const birthdayTasks = birthday.body.items.filter((t: { occurrence: string }) => t.occurrence.startsWith('birthday:'));
  expect(birthdayTasks.map((t: { title: string }) => t.title).sort()).toEqual([
    '生日前一天：准备生日礼',
    '生日当天：送上祝福和生日礼',
  ]);
  // A festival task is about all of a guide's customers: one per guide who has any.
  const shopDay = await world.owner.get(`/api/tasks?planId=${plan.body.id}&limit=50`);
  expect(shopDay.body.items.map((t: { title: string; customerId: null }) => [t.title, t.customerId])).toEqual([
    ['店庆日问候（店庆日）', null],
    ['店庆日问候（店庆日）', null],
  ]);
  expect(first.body.created).toBe(birthdayTasks.length + shopDay.body.items.length);
  // Plans that made tasks keep their history: disable instead of delete.
  const del = await world.owner.request('DELETE', `/api/sop/plans/${plan.body.id}`);
  expect([del.status, del.body.error.code]).toEqual([409, 'sop.plan_has_tasks']);
  const disabled = await world.owner.patch(`/api/sop/plans/${plan.body.id}`, { enabled: false });
  expect(disabled.body.enabled).toBe(false);
});

test('a tag-triggered plan makes a task for the customer’s guide when the tag is added', async () => {
  const customerId = await newCustomer('zhangsan', '周四');
  const group = await world.owner.post('/api/tag-groups', { name: '意向' });
  const tag = await world.owner.post('/api/tags', { groupId: group.body.id, name: '高意向' });
  const plan = await world.owner.post('/api/sop/plans', {
    name: '高意向跟进',
    trigger: { type: 'tag_added', tagId: tag.body.id },
    enabled: true,
    steps: [{ offsetDays: 0, timeOfDay: null, title: '电话回访高意向客户' }],
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  const both = await world.owner.post('/api/sop/plans', {
    name: '错误',
    trigger: { type: 'festival', festivals: ['no_such_day'] },
    enabled: true,
    steps: [{ offsetDays: 0, timeOfDay: null, title: 'x' }],
  });
  expect(both.body.error.code).toBe('sop.unknown_festival');
  expect((await world.owner.post(`/api/customers/${customerId}/tags`, { tagIds: [tag.body.id] })).status).toBe(200);
  await world.settled();
  const tasks = await world.guides.zhangsan?.client.get(`/api/tasks?planId=${plan.body.id}`);
  expect(tasks?.body.items).toEqual([
    expect.objectContaining({ customerId, title: '电话回访高意向客户', guideStaffId: world.guides.zhangsan?.staffId }),
  ]);
});

test('scripts refuse unknown variables and fill known ones from the customer, with fallbacks', async () => {
  const customerId = await newCustomer('zhangsan', '周五');
  const category = await world.owner.post('/api/script-categories', { name: '生日祝福' });
  expect(category.status).toBe(201);
  const typo = await world.owner.post('/api/scripts', {
    categoryId: category.body.id,
    title: '错别字',
    body: '{{nmae}}您好，{{guide}}在此',
  });
  expect([typo.status, typo.body.error.code, typo.body.error.details.unknown]).toEqual([
    400,
    'script.unknown_variables',
    ['nmae'],
  ]);
  const script = await world.owner.post('/api/scripts', {
    categoryId: category.body.id,
    title: '生日',
    body: '{{name|亲}}，我是{{store}}的{{guide}}，{{city}}的天气好吗？{{tier}}生日礼已备好',
  });
  expect(script.body.variables).toEqual(['name', 'store', 'guide', 'city', 'tier']);

  const guide = world.guides.zhangsan?.client;
  const rendered = await guide?.get(`/api/customers/${customerId}/scripts/${script.body.id}`);
  expect(rendered?.body).toMatchObject({
    text: '周五，我是门店1的导购zhangsan，本地的天气好吗？会员生日礼已备好',
    fallbacks: ['city', 'tier'],
  });
  await world.owner.patch(`/api/customers/${customerId}`, { city: '杭州', name: null });
  const again = await guide?.get(`/api/customers/${customerId}/scripts/${script.body.id}`);
  // Without a profile name the WeChat name WeCom gave (the guide's follow record) stands in.
  expect(again?.body.text).toBe('周五，我是门店1的导购zhangsan，杭州的天气好吗？会员生日礼已备好');
  // Another guide's customer is out of reach.
  expect((await world.guides.lisi?.client.get(`/api/customers/${customerId}/scripts/${script.body.id}`))?.status).toBe(
    404,
  );

  const plan = await world.owner.post('/api/sop/plans', {
    name: '用话术库',
    trigger: { type: 'relationship_start' },
    enabled: false,
    steps: [{ offsetDays: 1, timeOfDay: '09:30', title: '生日话术', scriptId: script.body.id }],
  });
  expect(plan.status).toBe(201);
  const inUse = await world.owner.request('DELETE', `/api/scripts/${script.body.id}`);
  expect([inUse.status, inUse.body.error.code]).toEqual([409, 'script.in_use']);
  const twice = await world.owner.patch(`/api/sop/plans/${plan.body.id}`, {
    steps: [{ offsetDays: 1, timeOfDay: null, title: 'x', scriptId: script.body.id, script: '又一段' }],
  });
  expect(twice.body.error.code).toBe('sop.step_script_twice');
  expect((await world.owner.request('DELETE', `/api/sop/plans/${plan.body.id}`)).status).toBe(204);
  expect((await world.owner.request('DELETE', `/api/scripts/${script.body.id}`)).status).toBe(204);
});
