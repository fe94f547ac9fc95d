// Issuing coupons: lists of ids and phones, quantity, per-member limit, stock, validity by dates and by days from
// issue (injected clock), the door other modules call (issueCoupon) and rules that issue on domain events.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { emit } from '../../platform/jobs/index.ts';
import { activeTemplate, amountOff, codesOf, createCustomer, eventually, issueTo, percentOff } from './fixtures.ts';
import { issueCoupon } from './index.ts';

let server: TestServer;
let owner: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupon-issuance', workers: true });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
});
afterAll(() => server.close());

const inTenant = <T>(fn: (tx: Tx) => Promise<T>) => server.siyu.db.tenant(server.workspaceId, fn);

test('a list of ids and phones is issued at once, each customer quantity times, unmatched entries named', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '名单券' }));
  const a = await createCustomer(owner, '13700137001');
  const b = await createCustomer(owner, '13700137002');
  const missing = '00000000-0000-4000-8000-00000000abcd';
  const body = {
    templateId: t.id,
    customerIds: [a, missing],
    phones: ['137 0013 7002', '+86 137 0013 7001', '123'],
    quantity: 2,
  };
  const first = await owner.post('/api/coupon-issuances', body, { 'idempotency-key': 'list-1' });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body.issuance).toMatchObject({
    kind: 'manual',
    state: 'succeeded',
    total: 2,
    done: 2,
    progress: 100,
    issued: 4,
    skipped: 0,
    unmatched: 2,
  });
  expect(first.body.unmatched).toEqual([missing, '123']);
  // The same request again (a network retry) replays the answer and issues nothing.
  const replay = await owner.post('/api/coupon-issuances', body, { 'idempotency-key': 'list-1' });
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  const codes = await codesOf(owner, t.id, b);
  expect(codes).toHaveLength(2);
  expect(new Set([...codes, ...(await codesOf(owner, t.id, a))]).size).toBe(4);
  const listed = await owner.get(`/api/coupons?sourceRef=${first.body.issuance.id}`);
  expect(listed.body.items).toHaveLength(4);
  expect(listed.body.items[0]).toMatchObject({ source: 'manual', status: 'available', templateTitle: '名单券' });
  const issuances = await owner.get(`/api/coupon-issuances?templateId=${t.id}`);
  expect(issuances.body.items.map((i: { id: string }) => i.id)).toEqual([first.body.issuance.id]);
  expect((await owner.get(`/api/coupon-templates/${t.id}`)).body.issuedCount).toBe(4);
});

test('the per-member limit and the stock refuse what goes past them, and say so per customer', async () => {
  const limited = await activeTemplate(owner, amountOff({ title: '限领券', perMemberLimit: 2 }));
  const c = await createCustomer(owner, '13700137011');
  const first = await issueTo(owner, limited.id, [c], 3);
  expect(first.issuance).toMatchObject({ issued: 2, refusedLimit: 1 });
  expect(first.refused).toEqual([{ customerId: c, reason: 'coupon.limit_reached' }]);
  const again = await issueTo(owner, limited.id, [c]);
  expect(again.issuance).toMatchObject({ issued: 0, refusedLimit: 1 });

  const scarce = await activeTemplate(owner, amountOff({ title: '限量券', totalStock: 3 }));
  const people: string[] = [];
  for (let i = 0; i < 5; i++) people.push(await createCustomer(owner, `1370013702${i}`));
  const short = await issueTo(owner, scarce.id, people);
  expect(short.issuance).toMatchObject({ issued: 3, refusedStock: 2 });
  expect(short.refused.map((r) => r.reason)).toEqual(['coupon.out_of_stock', 'coupon.out_of_stock']);
  // Refused for stock is not counted against the member's limit, and more stock lets them through.
  await owner.patch(`/api/coupon-templates/${scarce.id}`, { totalStock: 5 });
  const rest = await issueTo(
    owner,
    scarce.id,
    short.refused.map((r) => r.customerId),
  );
  expect(rest.issuance).toMatchObject({ issued: 2, refusedStock: 0 });
  expect((await owner.get(`/api/coupon-templates/${scarce.id}`)).body).toMatchObject({ issuedCount: 5, totalStock: 5 });
  const none = await issueTo(owner, scarce.id, [await createCustomer(owner, '13700137029')]);
  expect(none.issuance).toMatchObject({ issued: 0, refusedStock: 1 });
});

test('issuing needs an active template and one kind of target', async () => {
  const draft = await owner.post('/api/coupon-templates', amountOff({ title: '未启用' }));
  const c = await createCustomer(owner, '13700137031');
  const refused = await owner.post('/api/coupon-issuances', { templateId: draft.body.id, customerIds: [c] });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('coupon.template_not_active');
  const t = await activeTemplate(owner, amountOff({ title: '目标券' }));
  const none = await owner.post('/api/coupon-issuances', { templateId: t.id });
  expect(none.body.error.code).toBe('coupon.issuance_target_required');
  const both = await owner.post('/api/coupon-issuances', {
    templateId: t.id,
    customerIds: [c],
    segmentId: '00000000-0000-4000-8000-000000000001',
  });
  expect(both.body.error.code).toBe('coupon.issuance_target_ambiguous');
  const unknown = await owner.post('/api/coupon-issuances', {
    templateId: t.id,
    segmentId: '00000000-0000-4000-8000-000000000001',
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('segment.not_found');
  expect((await owner.post('/api/coupon-issuances', { templateId: t.id, customerIds: [] })).status).toBe(400);
});

test('validity by days ends with the N-th local day counting the day of issue; by dates copies the template', async () => {
  const weekly = await activeTemplate(owner, amountOff({ title: '七日券', validDays: 7 }));
  const daily = await activeTemplate(owner, amountOff({ title: '当日券', validDays: 1 }));
  const fixed = await activeTemplate(owner, percentOff({ title: '月度券' }));
  const c = await createCustomer(owner, '13700137041');
  const issue = (templateId: string, at: string, key: string) =>
    inTenant((tx) =>
      issueCoupon(tx, server.workspaceId, {
        templateId,
        customerId: c,
        source: 'reward',
        idempotencyKey: key,
        now: new Date(at),
      }),
    );
  // 23:30 on 10 March in Shanghai (15:30 UTC): the day of issue counts as day one.
  expect((await issue(weekly.id, '2026-03-10T15:30:00Z', 'w1')).validUntil.toISOString()).toBe(
    '2026-03-16T16:00:00.000Z',
  );
  expect((await issue(daily.id, '2026-03-10T15:30:00Z', 'd1')).validUntil.toISOString()).toBe(
    '2026-03-10T16:00:00.000Z',
  );
  // Half an hour later it is already 11 March there.
  const late = await issue(daily.id, '2026-03-10T16:30:00Z', 'd2');
  expect(late.validFrom.toISOString()).toBe('2026-03-10T16:30:00.000Z');
  expect(late.validUntil.toISOString()).toBe('2026-03-11T16:00:00.000Z');
  const month = await issue(fixed.id, new Date().toISOString(), 'f1');
  expect(month.validFrom.toISOString()).toBe(fixed.validFrom);
  expect(month.validUntil.toISOString()).toBe(fixed.validUntil);
});

test('issueCoupon answers the first coupon for the same key and refuses with stable codes', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '奖励券', totalStock: 2, perMemberLimit: 1 }));
  const [a, b, c] = [
    await createCustomer(owner, '13700137051'),
    await createCustomer(owner, '13700137052'),
    await createCustomer(owner, '13700137053'),
  ];
  const now = new Date();
  const reward = (customerId: string, idempotencyKey: string, templateId = t.id) =>
    inTenant((tx) =>
      issueCoupon(tx, server.workspaceId, { templateId, customerId, source: 'reward', idempotencyKey, now }),
    );
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: unknown) => (err instanceof AppError ? `${err.status} ${err.code}` : String(err)),
    );
  const first = await reward(a, 'redeem-1');
  expect(first.created).toBe(true);
  const again = await reward(a, 'redeem-1');
  expect(again).toMatchObject({ id: first.id, code: first.code, created: false });
  expect(await refusal(reward(a, 'redeem-2'))).toBe('409 coupon.limit_reached');
  await reward(b, 'redeem-3');
  expect(await refusal(reward(c, 'redeem-4'))).toBe('409 coupon.out_of_stock');
  expect(await refusal(reward('00000000-0000-4000-8000-00000000aaaa', 'redeem-5'))).toBe(
    '404 coupon.customer_not_found',
  );
  expect(await refusal(reward(c, 'redeem-6', '00000000-0000-4000-8000-00000000bbbb'))).toBe(
    '404 coupon.template_not_found',
  );
  await owner.post(`/api/coupon-templates/${t.id}/status`, { status: 'paused' });
  expect(await refusal(reward(c, 'redeem-7'))).toBe('409 coupon.template_not_active');
  // A replay still answers while the template is paused: the coupon exists.
  expect((await reward(a, 'redeem-1')).id).toBe(first.id);
  const detail = await owner.get(`/api/coupons/${first.code}`);
  expect(detail.body.coupon).toMatchObject({ source: 'reward', sourceRef: 'redeem-1', customerId: a });
});

test('rules issue on member.joined once per member and on order.paid above their minimum, once per order', async () => {
  const welcome = await activeTemplate(owner, amountOff({ title: '入会礼' }));
  const thanks = await activeTemplate(owner, amountOff({ title: '消费返券', amountOffFen: 500, minSpendFen: 0 }));
  const joined = await owner.post('/api/coupon-rules', {
    name: '入会送券',
    templateId: welcome.id,
    trigger: 'member.joined',
  });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  const paid = await owner.post('/api/coupon-rules', {
    name: '满50返5元',
    templateId: thanks.id,
    trigger: 'order.paid',
    minPaidFen: 5000,
    quantity: 2,
  });
  expect(paid.status).toBe(201);
  const c = await createCustomer(owner, '13700137061');
  await inTenant(async (tx) => {
    await emit(tx, 'member.joined', { customerId: c, cardNo: '100000000017' });
    // A second announcement of the same join (a retried enrolment) issues nothing more.
    await emit(tx, 'member.joined', { customerId: c, cardNo: '100000000017' });
  });
  await eventually(
    () => codesOf(owner, welcome.id, c),
    (codes) => codes.length === 1,
  );

  const order = (orderNo: string, status: string, totalFen: number) =>
    owner.request('PUT', `/v1/orders/${orderNo}`, {
      identities: [{ kind: 'phone', value: '13700137061' }],
      status,
      totalFen,
      placedAt: new Date().toISOString(),
      items: [{ sku: 'TEA-01', name: '茉莉奶绿', quantity: 1, unitPriceFen: totalFen }],
    });
  expect((await order('R-1001', 'paid', 6000)).status).toBe(200);
  expect((await order('R-1002', 'paid', 3000)).status).toBe(200);
  expect((await order('R-1003', 'pending', 8000)).status).toBe(200);
  expect((await order('R-1003', 'paid', 8000)).status).toBe(200);
  expect((await order('R-1001', 'partially_refunded', 6000)).status).toBe(422);
  await eventually(
    () => codesOf(owner, thanks.id, c),
    (codes) => codes.length === 4,
  );
  const rules = await owner.get(`/api/coupon-rules?templateId=${thanks.id}`);
  expect(rules.body.items[0]).toMatchObject({ issued: 4, refused: 0, quantity: 2, trigger: 'order.paid' });
  expect((await owner.get(`/api/coupons?sourceRef=${paid.body.id}`)).body.items).toHaveLength(4);
  const events = await server.siyu.db.query<{ n: number }>(
    `SELECT count(*) AS n FROM domain_events WHERE workspace_id = $1 AND type = 'coupon.issued'
        AND payload->>'customerId' = $2`,
    [server.workspaceId, c],
  );
  expect(events[0]!.n).toBe(5);
});

test('a tier rule issues on upgrades to its tiers only, and a rule that cannot issue counts the refusal', async () => {
  const gold = '00000000-0000-4000-8000-0000000000a1';
  const silver = '00000000-0000-4000-8000-0000000000a2';
  const t = await activeTemplate(owner, amountOff({ title: '升金卡礼', perMemberLimit: 1 }));
  const rule = await owner.post('/api/coupon-rules', {
    name: '升金卡送券',
    templateId: t.id,
    trigger: 'member.tier_changed',
    tierIds: [gold],
  });
  expect(rule.status).toBe(201);
  const c = await createCustomer(owner, '13700137071');
  await inTenant(async (tx) => {
    await emit(tx, 'member.tier_changed', { customerId: c, toTierId: silver, fromRank: 0, toRank: 1 });
    await emit(tx, 'member.tier_changed', { customerId: c, toTierId: gold, fromRank: 1, toRank: 2 });
  });
  await eventually(
    () => codesOf(owner, t.id, c),
    (codes) => codes.length === 1,
  );
  // Down to silver and back up to gold: the gift for reaching gold is not paid twice.
  await inTenant(async (tx) => {
    await emit(tx, 'member.tier_changed', { customerId: c, toTierId: silver, fromRank: 2, toRank: 1 });
    await emit(tx, 'member.tier_changed', { customerId: c, toTierId: gold, fromRank: 1, toRank: 2 });
  });
  const other = await createCustomer(owner, '13700137072');
  await owner.post(`/api/coupon-templates/${t.id}/status`, { status: 'paused' });
  await inTenant((tx) =>
    emit(tx, 'member.tier_changed', { customerId: other, toTierId: gold, fromRank: 1, toRank: 2 }),
  );
  const counted = await eventually(
    async () => (await owner.get(`/api/coupon-rules?templateId=${t.id}`)).body.items[0],
    (r) => r.refused === 1,
  );
  expect(counted).toMatchObject({ issued: 1, lastRefusal: 'coupon.template_not_active' });
  expect(await codesOf(owner, t.id, c)).toHaveLength(1);

  const wrong = await owner.post('/api/coupon-rules', {
    name: '错配',
    templateId: t.id,
    trigger: 'member.joined',
    tierIds: [gold],
  });
  expect(wrong.body.error.code).toBe('coupon.rule_field_not_applicable');
  const noSegment = await owner.post('/api/coupon-rules', {
    name: '缺分群',
    templateId: t.id,
    trigger: 'segment.entered',
  });
  expect(noSegment.body.error.code).toBe('coupon.rule_segment_required');
  const off = await owner.patch(`/api/coupon-rules/${rule.body.id}`, { active: false });
  expect(off.body.active).toBe(false);
  expect((await owner.request('DELETE', `/api/coupon-rules/${rule.body.id}`)).status).toBe(204);
  expect((await owner.get(`/api/coupon-rules?templateId=${t.id}`)).body.items).toEqual([]);
});
