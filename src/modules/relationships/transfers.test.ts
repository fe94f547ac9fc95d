// Transfers end to end through the simulator: a guide resigns and their customers are handed to another guide by
// WeCom's succession; WeCom completes some (ownership and open tasks move), fails one with its reason (the requester
// is told), which is retried to another guide and settled by the transfer_result check when its callback is lost.
// In-service transfers carry a message and may be refused by the customer.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi', 'wangwu'] });
});
afterAll(() => world.close());

const staffOf = (userId: string) => world.guides[userId]?.staffId as string;

async function customerByExternalId(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  return found.body.items[0].id;
}

async function relationshipsOf(customerId: string): Promise<[string, string, string][]> {
  const res = await world.owner.get(`/api/customers/${customerId}/relationships`);
  return res.body.items
    .map((r: { wecomUserId: string; status: string; origin: string }) => [r.wecomUserId, r.status, r.origin])
    .sort();
}

test('a resigned guide’s customers go to another guide; a failure shows its reason and is retried', async () => {
  const { sim } = world;
  const adds = [];
  for (const name of ['甲', '乙', '丙']) adds.push(await sim.customerAddsGuide({ userId: 'zhangsan', name }));
  await world.settled();
  const [a, b, c] = await Promise.all(adds.map((x) => customerByExternalId(x.externalUserId)));

  // Siyu asks WeCom before WeCom knows the guide left: WeCom refuses, every customer fails with the reason.
  const early = await world.owner.post(`/api/guides/${staffOf('zhangsan')}/resign`, {
    takeoverStaffId: staffOf('lisi'),
  });
  expect(early.status, JSON.stringify(early.body)).toBe(200);
  expect(early.body).toMatchObject({ guide: { status: 'resigned' }, succession: { requested: 0, rejected: 3 } });
  const refused = await world.owner.get(`/api/transfers?batchId=${early.body.succession.batchId}`);
  for (const t of refused.body.items) {
    expect(t).toMatchObject({ kind: 'resigned', status: 'failed', failReason: 'wecom.user_not_resigned' });
    expect(t.failMessage).toMatch(/^该成员尚未离职/);
  }

  sim.resignGuide('zhangsan');
  const succession = await world.owner.post('/api/transfers/resigned', {
    handoverStaffId: staffOf('zhangsan'),
    takeoverStaffId: staffOf('lisi'),
  });
  expect(succession.status, JSON.stringify(succession.body)).toBe(201);
  expect(succession.body).toMatchObject({ waiting: 3, failed: 0 });
  const byCustomer = new Map(
    succession.body.transfers.map((t: { customerId: string; id: string }) => [t.customerId, t.id]),
  );

  await sim.settleTransfers({
    outcome: 'accept',
    externalUserIds: [adds[0]?.externalUserId as string, adds[1]?.externalUserId as string],
  });
  await sim.settleTransfers({ outcome: 'limit', externalUserIds: [adds[2]?.externalUserId as string] });
  await world.settled();

  for (const id of [a, b]) {
    expect(await relationshipsOf(id as string)).toEqual([
      ['lisi', 'active', 'transfer'],
      ['zhangsan', 'transferred', 'add'],
    ]);
  }
  const list = await world.owner.get(`/api/transfers?batchId=${succession.body.batchId}`);
  const status = Object.fromEntries(
    list.body.items.map((t: { customerId: string; status: string }) => [t.customerId, t.status]),
  );
  expect(status).toEqual({ [a as string]: 'succeeded', [b as string]: 'succeeded', [c as string]: 'failed' });
  const failed = list.body.items.find((t: { customerId: string }) => t.customerId === c);
  expect(failed).toMatchObject({ failReason: 'customer_limit_exceed', failMessage: '接替导购的客户数已达上限' });

  // The open follow-up tasks went with the customers; none were made anew for the takeover guide.
  const tasks = await world.owner.get(`/api/tasks?customerId=${a}&limit=50`);
  expect(tasks.body.items).toHaveLength(6);
  for (const t of tasks.body.items) expect(t.guideStaffId).toBe(staffOf('lisi'));
  expect((await world.guides.lisi?.client.get(`/api/customers/${a}`))?.status).toBe(200);
  expect((await world.guides.zhangsan?.client.get(`/api/customers/${a}`))?.status).toBe(404);
  // The owner who asked is told about the failure.
  const inbox = await world.owner.get('/api/notifications');
  expect(inbox.body.items.map((n: { kind: string; text: string }) => [n.kind, n.text])).toContainEqual([
    'transfer_failed',
    '客户「丙」转给 导购lisi 失败：接替导购的客户数已达上限',
  ]);

  // Retried to another guide; a failed transfer is retried once.
  const retry = await world.owner.post(`/api/transfers/${failed.id}/retry`, { takeoverStaffId: staffOf('wangwu') });
  expect(retry.status, JSON.stringify(retry.body)).toBe(201);
  expect(retry.body.transfers[0]).toMatchObject({
    status: 'waiting',
    retryOf: failed.id,
    takeoverStaffId: staffOf('wangwu'),
  });
  const twice = await world.owner.post(`/api/transfers/${failed.id}/retry`, {});
  expect([twice.status, twice.body.error.code]).toEqual([409, 'transfer.already_retried']);
  const notFailed = await world.owner.post(`/api/transfers/${byCustomer.get(a)}/retry`, {});
  expect(notFailed.body.error.code).toBe('transfer.not_failed');

  // Its callback is lost; the scheduled transfer_result check (here run at once) settles it from WeCom's answer.
  const callbackUrl = sim.callbackUrl;
  sim.callbackUrl = null;
  await sim.settleTransfers({ outcome: 'accept', externalUserIds: [adds[2]?.externalUserId as string] });
  sim.callbackUrl = callbackUrl;
  const check = await world.owner.post('/api/transfers/check');
  expect(check.body).toEqual({ checked: 1, succeeded: 1, failed: 0 });
  await world.settled();
  expect(await relationshipsOf(c as string)).toEqual([
    ['wangwu', 'active', 'transfer'],
    ['zhangsan', 'transferred', 'add'],
  ]);
  const retried = await world.owner.get(`/api/transfers?customerId=${c}`);
  expect(retried.body.items.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'failed', 'failed']);
  expect(retried.body.items[1].retriedBy).toBe(retry.body.transfers[0].id);
  const audit = await world.owner.get('/api/audit?action=transfer.retry');
  expect(audit.body.items[0]).toMatchObject({ targetId: failed.id });
});

test('an in-service transfer carries its message; the customer may refuse it', async () => {
  const { sim } = world;
  const moved = await sim.customerAddsGuide({ userId: 'lisi', name: '丁' });
  const stays = await sim.customerAddsGuide({ userId: 'lisi', name: '戊' });
  const elsewhere = await sim.customerAddsGuide({ userId: 'wangwu', name: '己' });
  await world.settled();
  const m = await customerByExternalId(moved.externalUserId);
  const s = await customerByExternalId(stays.externalUserId);
  const other = await customerByExternalId(elsewhere.externalUserId);

  const same = await world.owner.post('/api/transfers', {
    handoverStaffId: staffOf('lisi'),
    takeoverStaffId: staffOf('lisi'),
    customerIds: [m],
  });
  expect([same.status, same.body.error.code]).toEqual([422, 'transfer.same_guide']);
  const resigned = await world.owner.post('/api/transfers', {
    handoverStaffId: staffOf('lisi'),
    takeoverStaffId: staffOf('zhangsan'),
    customerIds: [m],
  });
  expect(resigned.body.error.code).toBe('transfer.takeover_not_active');

  const asked = await world.owner.post('/api/transfers', {
    handoverStaffId: staffOf('lisi'),
    takeoverStaffId: staffOf('wangwu'),
    customerIds: [m, s, other],
    message: '您好，之后由王五为您服务',
  });
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  expect(asked.body).toMatchObject({ waiting: 2, failed: 1 });
  expect(asked.body.transfers.find((t: { customerId: string }) => t.customerId === other)).toMatchObject({
    status: 'failed',
    failReason: 'not_owned',
  });
  const again = await world.owner.post('/api/transfers', {
    handoverStaffId: staffOf('lisi'),
    takeoverStaffId: staffOf('wangwu'),
    customerIds: [m],
  });
  expect(again.body.transfers[0]).toMatchObject({ status: 'failed', failReason: 'in_progress' });

  await sim.settleTransfers({ outcome: 'accept', externalUserIds: [moved.externalUserId] });
  await sim.settleTransfers({ outcome: 'refuse', externalUserIds: [stays.externalUserId] });
  await world.settled();
  expect(await relationshipsOf(m)).toEqual([
    ['lisi', 'transferred', 'add'],
    ['wangwu', 'active', 'transfer'],
  ]);
  expect(await relationshipsOf(s)).toEqual([['lisi', 'active', 'add']]);
  const list = await world.owner.get(`/api/transfers?batchId=${asked.body.batchId}`);
  const byCustomer = Object.fromEntries(
    list.body.items.map((t: { customerId: string; status: string; failReason: string | null; message: string }) => [
      t.customerId,
      [t.status, t.failReason, t.message],
    ]),
  );
  expect(byCustomer[m]).toEqual(['succeeded', null, '您好，之后由王五为您服务']);
  expect(byCustomer[s]).toEqual(['failed', 'customer_refused', '您好，之后由王五为您服务']);
  // No churn: a transfer is not a loss.
  expect((await world.owner.get(`/api/churn?guideStaffId=${staffOf('lisi')}`)).body.items).toEqual([]);
  expect(sim.transfers.find((t) => t.externalUserId === moved.externalUserId)?.kind).toBe('in_service');
});
