// Validate, redeem and unredeem over HTTP as a till would (API key) and as the console would: reasons, retries,
// a second order refused with who and when, giving a coupon back and using it again, stacking, refunds, bad input,
// merges and the timeline, and another workspace seeing nothing.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { buildDemo } from '../../demo/index.ts';
import { formatCode, generateCode } from './codes.ts';
import { activeTemplate, amountOff, codesOf, createCustomer, eventually, issueTo, percentOff } from './fixtures.ts';

let server: TestServer;
let owner: ApiClient;
let pos: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupon-redeem', workers: true });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  const key = await owner.post('/api/api-keys', { name: '门店收银' });
  expect(key.status).toBe(201);
  pos = new ApiClient(server.url);
  pos.bearer = key.body.secret;
});
afterAll(() => server.close());

/** One coupon of a fresh active template for a fresh customer: its code and the customer. */
async function couponFor(
  phone: string,
  body = amountOff(),
): Promise<{ code: string; customerId: string; templateId: string }> {
  const t = await activeTemplate(owner, body);
  const customerId = await createCustomer(owner, phone);
  await issueTo(owner, t.id, [customerId]);
  const [code] = await codesOf(owner, t.id, customerId);
  return { code: code as string, customerId, templateId: t.id };
}

test('validate says whether a coupon applies and what it takes off, or every reason it does not', async () => {
  const { code, customerId } = await couponFor(
    '13600136001',
    amountOff({ title: '门店满100减20', scope: { stores: ['SH-001'] }, pointsOffset: false }),
  );
  await createCustomer(owner, '13600136002');
  const ok = await pos.post('/api/coupons/validate', {
    code: formatCode(code).toLowerCase(),
    phone: '136 0013 6001',
    orderAmountFen: 12_000,
    store: 'SH-001',
  });
  expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  expect(ok.body).toMatchObject({
    applicable: true,
    discountFen: 2000,
    eligibleFen: 12_000,
    reasons: [],
    coupon: { code, customerId, status: 'available' },
  });
  const no = await pos.request(
    'POST',
    '/api/coupons/validate',
    { code, phone: '13600136002', orderAmountFen: 8000, store: 'BJ-001', usesPoints: true },
    { 'accept-language': 'en' },
  );
  expect(no.body.applicable).toBe(false);
  expect(no.body.discountFen).toBe(0);
  expect(no.body.reasons.map((r: { code: string }) => r.code)).toEqual([
    'coupon.not_yours',
    'coupon.not_with_points',
    'coupon.store_not_applicable',
    'coupon.below_min_spend',
  ]);
  expect(no.body.reasons[3].message).toBe('Below the minimum spend: ¥100.00 needed, applicable items come to ¥80.00');
  const unknownCustomer = await pos.post('/api/coupons/validate', {
    code,
    customerId: '00000000-0000-4000-8000-00000000cccc',
    orderAmountFen: 12_000,
    store: 'SH-001',
  });
  expect(unknownCustomer.body.reasons.map((r: { code: string }) => r.code)).toEqual(['coupon.not_yours']);

  const percent = await couponFor('13600136003', percentOff({ title: '果茶8.5折', scope: { categories: ['果茶'] } }));
  const items = [
    { sku: 'FRUIT-1', category: '果茶', quantity: 2, unitPriceFen: 2350 },
    { sku: 'MILK-1', category: '奶茶', quantity: 1, unitPriceFen: 1800 },
  ];
  const scoped = await pos.post('/api/coupons/validate', { code: percent.code, orderAmountFen: 6500, items });
  expect(scoped.body).toMatchObject({ applicable: true, eligibleFen: 4700, discountFen: 705 });
  const noItems = await pos.post('/api/coupons/validate', { code: percent.code, orderAmountFen: 6500 });
  expect(noItems.body.reasons[0].code).toBe('coupon.items_required');
});

test('malformed, unknown and incomplete requests are refused with their own codes', async () => {
  const { code } = await couponFor('13600136011');
  const cases: [unknown, number, string][] = [
    [{ code: 'ABC', orderAmountFen: 100 }, 400, 'coupon.code_invalid'],
    [{ code: `${code.slice(0, 11)}${code[11] === '2' ? '3' : '2'}`, orderAmountFen: 100 }, 400, 'coupon.code_invalid'],
    [{ code: generateCode(), orderAmountFen: 100 }, 404, 'coupon.not_found'],
    [{ code }, 400, 'request.invalid'],
    [{ code, orderAmountFen: -1 }, 400, 'request.invalid'],
    [{ code, orderAmountFen: 1.5 }, 400, 'request.invalid'],
    [{ code, orderAmountFen: 100, phone: 12 }, 400, 'request.invalid'],
    [{ code, orderAmountFen: 100, otherCodes: [generateCode()] }, 404, 'coupon.other_not_found'],
  ];
  for (const [body, status, errorCode] of cases) {
    const res = await pos.post('/api/coupons/validate', body);
    expect(res.status, `${errorCode}: ${JSON.stringify(res.body)}`).toBe(status);
    expect(res.body.error.code).toBe(errorCode);
  }
  const noOrder = await pos.post('/api/coupons/redeem', { code, orderAmountFen: 100 });
  expect(noOrder.body.error.code).toBe('request.invalid');
  const spaced = await pos.post('/api/coupons/redeem', { code, orderId: 'A 1', orderAmountFen: 100 });
  expect(spaced.body.error.code).toBe('request.invalid');
  expect((await pos.get('/api/coupons/not-a-code')).body.error.code).toBe('coupon.code_invalid');
});

test('a coupon redeems once; the retry answers the first result, another order learns who and when', async () => {
  const { code, customerId, templateId } = await couponFor('13600136021');
  const body = { code, customerId, orderId: 'POS-1', orderAmountFen: 15_000, store: 'SH-001', channel: 'store' };
  const first = await pos.post('/api/coupons/redeem', body);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  expect(first.body).toMatchObject({
    redemption: {
      code,
      orderId: 'POS-1',
      orderAmountFen: 15_000,
      discountFen: 2000,
      store: 'SH-001',
      channel: 'store',
      redeemedBy: { type: 'api_key', name: '门店收银' },
      unredeemedAt: null,
    },
    coupon: { status: 'redeemed' },
    gift: null,
    freeShipping: false,
  });
  const retry = await pos.post('/api/coupons/redeem', body);
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);

  const other = await owner.post('/api/coupons/redeem', { ...body, orderId: 'POS-2' });
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('coupon.already_redeemed');
  expect(other.body.error.message).toContain('门店收银');
  expect(other.body.error.message).toContain('SH-001');
  expect(other.body.error.details).toMatchObject({
    orderId: 'POS-1',
    store: 'SH-001',
    redeemedAt: first.body.redemption.redeemedAt,
    redeemedBy: { type: 'api_key', name: '门店收银' },
  });
  const used = await pos.post('/api/coupons/validate', { code, orderAmountFen: 15_000 });
  expect(used.body.reasons.map((r: { code: string }) => r.code)).toEqual(['coupon.used']);

  const wrongOrder = await pos.post('/api/coupons/unredeem', { code, orderId: 'POS-2' });
  expect(wrongOrder.status).toBe(404);
  expect(wrongOrder.body.error.code).toBe('coupon.redemption_not_found');
  const back = await pos.post('/api/coupons/unredeem', { code, orderId: 'POS-1' });
  expect(back.status, JSON.stringify(back.body)).toBe(200);
  expect(back.body.coupon.status).toBe('available');
  expect(back.body.redemption).toMatchObject({ orderId: 'POS-1', unredeemReason: 'request', unredeemedBy: '门店收银' });
  const backAgain = await pos.post('/api/coupons/unredeem', { code, orderId: 'POS-1' });
  expect(backAgain.headers.get('idempotent-replayed')).toBe('true');
  expect(backAgain.body.redemption).toEqual(back.body.redemption);

  const second = await owner.post('/api/coupons/redeem', { ...body, orderId: 'POS-3', orderAmountFen: 20_000 });
  expect(second.status, JSON.stringify(second.body)).toBe(200);
  expect(second.body.redemption.redeemedBy.type).toBe('staff');
  const detail = await owner.get(`/api/coupons/${formatCode(code)}`);
  expect(detail.body.coupon.status).toBe('redeemed');
  expect(detail.body.redemptions.map((r: { orderId: string }) => r.orderId)).toEqual(['POS-3', 'POS-1']);
  const records = await owner.get(`/api/coupon-redemptions?templateId=${templateId}`);
  expect(records.body.items).toHaveLength(2);
  expect((await owner.get('/api/coupon-redemptions?orderId=POS-3')).body.items[0].discountFen).toBe(2000);
  expect((await owner.get(`/api/coupon-templates/${templateId}`)).body.stats).toMatchObject({ redeemed: 1 });
  const audit = await owner.get('/api/audit?action=coupon.redeem');
  expect(audit.body.items[0]).toMatchObject({ details: { code, orderId: 'POS-3', discountFen: 2000 } });
});

test('stacking: a coupon that does not stack is alone on its order; stackable ones exclude their own group', async () => {
  const customerId = await createCustomer(owner, '13600136031');
  const make = async (title: string, over: Record<string, unknown>) => {
    const t = await activeTemplate(owner, amountOff({ title, amountOffFen: 500, minSpendFen: 0, ...over }));
    await issueTo(owner, t.id, [customerId]);
    return (await codesOf(owner, t.id, customerId))[0] as string;
  };
  const alone = await make('独享券', {});
  const groupA1 = await make('A组券1', { stackable: true, exclusiveGroup: '店庆' });
  const groupA2 = await make('A组券2', { stackable: true, exclusiveGroup: '店庆' });
  const free = await make('通用叠加券', { stackable: true });
  const redeem = (code: string, orderId: string) =>
    pos.post('/api/coupons/redeem', { code, orderId, orderAmountFen: 9000 });

  expect((await redeem(alone, 'S-1')).status).toBe(200);
  const refused = await redeem(groupA1, 'S-1');
  expect(refused.status).toBe(422);
  expect(refused.body.error.code).toBe('coupon.not_stackable');
  expect(refused.body.error.details.reasons[0].message).toContain(formatCode(alone));

  expect((await redeem(groupA1, 'S-2')).status).toBe(200);
  const sameGroup = await redeem(groupA2, 'S-2');
  expect(sameGroup.status).toBe(422);
  expect(sameGroup.body.error.code).toBe('coupon.exclusive_group_conflict');
  expect((await redeem(free, 'S-2')).status).toBe(200);

  const cart = await pos.post('/api/coupons/validate', { code: groupA2, orderAmountFen: 9000, otherCodes: [free] });
  expect(cart.body.applicable).toBe(true);
  const clash = await pos.post('/api/coupons/validate', { code: groupA2, orderAmountFen: 9000, orderId: 'S-2' });
  expect(clash.body.reasons.map((r: { code: string }) => r.code)).toEqual(['coupon.exclusive_group_conflict']);
});

test('a fully refunded order gives its coupon back by itself; a partial refund keeps it used', async () => {
  const { code, customerId } = await couponFor('13600136041');
  const order = (status: string, refundedFen?: number) =>
    pos.request('PUT', '/v1/orders/REF-1', {
      identities: [{ kind: 'phone', value: '13600136041' }],
      status,
      totalFen: 15_000,
      paidFen: 15_000,
      ...(refundedFen === undefined ? {} : { refundedFen }),
      placedAt: '2026-05-01T10:00:00.000Z',
      items: [{ sku: 'TEA-01', name: '茉莉奶绿', quantity: 5, unitPriceFen: 3000 }],
    });
  expect((await order('paid')).status).toBe(200);
  expect(
    (await pos.post('/api/coupons/redeem', { code, customerId, orderId: 'REF-1', orderAmountFen: 15_000 })).status,
  ).toBe(200);
  const handled = (status: string) =>
    eventually(
      () =>
        server.siyu.db.query<{ n: number }>(
          `SELECT count(*) AS n FROM event_receipts r JOIN domain_events e ON e.id = r.event_id
            WHERE r.subscriber = 'coupons.refunds' AND e.type = 'order.refunded' AND e.payload->>'orderNo' = 'REF-1'
              AND e.payload->>'status' = $1`,
          [status],
        ),
      (rows) => rows[0]!.n === 1,
    );
  expect((await order('partially_refunded', 5000)).status).toBe(200);
  await handled('partially_refunded');
  expect((await owner.get(`/api/coupons/${code}`)).body.coupon.status).toBe('redeemed');
  expect((await order('refunded', 15_000)).status).toBe(200);
  await handled('refunded');
  const detail = await owner.get(`/api/coupons/${code}`);
  expect(detail.body.coupon.status).toBe('available');
  expect(detail.body.redemptions[0]).toMatchObject({
    orderId: 'REF-1',
    unredeemReason: 'refund',
    unredeemedBy: 'system',
  });
  const events = await server.siyu.db.query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM domain_events WHERE type = 'coupon.unredeemed' AND payload->>'code' = $1`,
    [code],
  );
  expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'refund', status: 'available' })]);
});

test('a merge moves coupons, their redemptions and limits to the survivor, and unmerge gives them back', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '合并券', perMemberLimit: 2 }));
  const survivor = await createCustomer(owner, '13600136051');
  const merged = await createCustomer(owner, '13600136052');
  await issueTo(owner, t.id, [survivor]);
  await issueTo(owner, t.id, [merged]);
  const [mergedCode] = await codesOf(owner, t.id, merged);
  expect(
    (await pos.post('/api/coupons/redeem', { code: mergedCode, orderId: 'M-1', orderAmountFen: 20_000 })).status,
  ).toBe(200);
  const merge = await owner.post('/api/customers/merge', { survivorId: survivor, mergedId: merged });
  expect(merge.status, JSON.stringify(merge.body)).toBe(200);
  expect(await codesOf(owner, t.id, survivor)).toHaveLength(2);
  // One person now: the limit of two is used up.
  expect((await issueTo(owner, t.id, [survivor])).issuance.refusedLimit).toBe(1);
  const wallet = await owner.get(`/api/customers/${merged}/coupons`);
  expect(wallet.body.items.map((c: { status: string }) => c.status).sort()).toEqual(['available', 'used']);
  const timeline = await owner.get(`/api/customers/${survivor}/timeline`);
  const kinds = timeline.body.items
    .filter((i: { source: string }) => i.source === 'coupons')
    .map((i: { kind: string; title: string }) => `${i.kind} ${i.title}`);
  expect(kinds).toEqual(['coupon.redeemed 合并券', 'coupon.issued 合并券', 'coupon.issued 合并券']);

  const mergeId = merge.body.merges.find((m: { mergedId: string }) => m.mergedId === merged).id;
  expect((await owner.post(`/api/customers/merges/${mergeId}/unmerge`)).status).toBe(200);
  expect(await codesOf(owner, t.id, merged)).toEqual([mergedCode]);
  expect(await codesOf(owner, t.id, survivor)).toHaveLength(1);
  expect((await owner.get(`/api/coupon-redemptions?customerId=${merged}`)).body.items).toHaveLength(1);
  expect((await issueTo(owner, t.id, [survivor])).issuance.issued).toBe(1);
});

test('another workspace neither sees nor redeems this workspace’s coupons', async () => {
  const { code } = await couponFor('13600136061');
  const other = await buildDemo(server.siyu.db, { customers: 20, seed: 41, slug: 'coupon-other', name: '别家' });
  const stranger = new ApiClient(server.url);
  await stranger.login(other.owner.login, other.owner.password, 'coupon-other');
  expect((await stranger.get(`/api/coupons/${code}`)).status).toBe(404);
  expect((await stranger.post('/api/coupons/validate', { code, orderAmountFen: 20_000 })).status).toBe(404);
  expect((await stranger.post('/api/coupons/redeem', { code, orderId: 'X-1', orderAmountFen: 20_000 })).status).toBe(
    404,
  );
  expect((await stranger.get('/api/coupons')).body.items).toEqual([]);
  expect((await stranger.get('/api/coupon-templates')).body.items).toEqual([]);
  expect((await owner.get(`/api/coupons/${code}`)).body.coupon.status).toBe('available');
});

test('analysts read coupons but cannot redeem; guides redeem at the till', async () => {
  const { code } = await couponFor('13600136071');
  const make = async (role: string) => {
    const email = `${role}@coupon-redeem.demo`;
    await owner.post('/api/staff', { name: role, email, role, password: `${role}-pw-12345` });
    const client = new ApiClient(server.url);
    await client.login(email, `${role}-pw-12345`, server.owner.workspace);
    return client;
  };
  const analyst = await make('analyst');
  const guide = await make('guide');
  expect((await analyst.get(`/api/coupons/${code}`)).status).toBe(200);
  expect((await analyst.post('/api/coupons/redeem', { code, orderId: 'G-1', orderAmountFen: 20_000 })).status).toBe(
    403,
  );
  expect((await guide.post('/api/coupons/redeem', { code, orderId: 'G-1', orderAmountFen: 20_000 })).status).toBe(200);
});
