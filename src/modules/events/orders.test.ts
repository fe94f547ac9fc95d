// Orders through PUT /v1/orders/:orderNo: idempotent upsert, items replaced, refunds checked and announced.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let owner: ApiClient;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
  const key = await owner.post('/api/api-keys', { name: 'orders', role: 'admin' });
  api = new ApiClient(server.url);
  api.bearer = key.body.secret;
});
afterAll(() => server.close());

const order = (over: Record<string, unknown> = {}) => ({
  identities: [{ kind: 'phone', value: '13900001111' }],
  status: 'paid',
  totalFen: 5600,
  store: '西湖店',
  channel: 'store',
  placedAt: '2025-04-01T06:00:00.000Z',
  items: [
    { sku: 'MT-1', name: '珍珠奶茶', category: '奶茶', quantity: 1, unitPriceFen: 2800 },
    { sku: 'FT-2', name: '水果茶', category: '果茶', quantity: 1, unitPriceFen: 2800 },
  ],
  ...over,
});
const announced = (orderNo: string) =>
  server.siyu.db.query<{ type: string; payload: Record<string, unknown> }>(
    `SELECT type, payload FROM domain_events WHERE payload->>'orderNo' = $1 ORDER BY id, index`,
    [orderNo],
  );

test('sending the same order twice stores it once and announces it once', async () => {
  const first = await api.request('PUT', '/v1/orders/SO-1', order());
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ orderNo: 'SO-1', status: 'paid', totalFen: 5600, paidFen: 5600, refundedFen: 0 });
  const again = await api.request('PUT', '/v1/orders/SO-1', order());
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(first.body.id);
  expect((await announced('SO-1')).map((e) => e.type)).toEqual(['order.placed']);
  const got = await owner.get(`/api/orders/${first.body.id}`);
  expect(got.body.items.map((i: { sku: string }) => i.sku)).toEqual(['MT-1', 'FT-2']);
});

test('an update replaces the items and a refund is announced with its amount', async () => {
  const created = await api.request('PUT', '/v1/orders/SO-2', order());
  const updated = await api.request(
    'PUT',
    '/v1/orders/SO-2',
    order({
      status: 'partially_refunded',
      refundedFen: 2800,
      items: [{ sku: 'MT-1', name: '珍珠奶茶', category: '奶茶', quantity: 2, unitPriceFen: 2800 }],
    }),
  );
  expect(updated.status).toBe(200);
  expect(updated.body.id).toBe(created.body.id);
  expect(updated.body.items).toEqual([
    { line: 1, sku: 'MT-1', name: '珍珠奶茶', category: '奶茶', quantity: 2, unitPriceFen: 2800 },
  ]);
  const events = await announced('SO-2');
  expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.updated', 'order.refunded']);
  expect(events[2]?.payload).toMatchObject({
    customerId: created.body.customerId,
    refundDeltaFen: 2800,
    paidFen: 5600,
  });
  const refunded = await api.request('PUT', '/v1/orders/SO-2', order({ status: 'refunded', refundedFen: 5600 }));
  expect(refunded.body.status).toBe('refunded');
});

test('a refund above the amount paid is refused with 422', async () => {
  const res = await api.request(
    'PUT',
    '/v1/orders/SO-3',
    order({ paidFen: 1000, refundedFen: 2000, status: 'partially_refunded' }),
  );
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('order.refund_exceeds_paid');
});

test('an order without a customer identity is a 400', async () => {
  const res = await api.request('PUT', '/v1/orders/SO-4', order({ identities: [] }));
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('order.identity_required');
});

test("a customer's orders list newest first with a cursor", async () => {
  const phone = [{ kind: 'phone', value: '13900002222' }];
  for (const [no, day] of [
    ['L-1', '01'],
    ['L-2', '03'],
    ['L-3', '02'],
  ] as const) {
    await api.request(
      'PUT',
      `/v1/orders/${no}`,
      order({ identities: phone, placedAt: `2025-05-${day}T00:00:00.000Z` }),
    );
  }
  const one = await api.request(
    'PUT',
    '/v1/orders/L-1',
    order({ identities: phone, placedAt: '2025-05-01T00:00:00.000Z' }),
  );
  const page1 = await owner.get(`/api/customers/${one.body.customerId}/orders?limit=2`);
  expect(page1.body.items.map((o: { orderNo: string }) => o.orderNo)).toEqual(['L-2', 'L-3']);
  const page2 = await owner.get(`/api/customers/${one.body.customerId}/orders?limit=2&cursor=${page1.body.nextCursor}`);
  expect(page2.body.items.map((o: { orderNo: string }) => o.orderNo)).toEqual(['L-1']);
  expect(page2.body.nextCursor).toBeNull();
});
