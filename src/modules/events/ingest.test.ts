// Ingestion through the Segment-compatible API with a workspace API key.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { eventually } from '../../platform/jobs/fixtures/helpers.ts';

let server: TestServer;
let owner: ApiClient;
let api: ApiClient;

beforeAll(async () => {
  // Workers run: first and last seen are widened by a subscriber of the tracked events.
  server = await startTestServer({ workers: true });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
  const key = await owner.post('/api/api-keys', { name: 'ingest', role: 'admin' });
  expect(key.status).toBe(201);
  api = new ApiClient(server.url);
  api.bearer = key.body.secret;
});
afterAll(() => server.close());

const eventsOf = (customerId: string) =>
  server.siyu.db.query<{
    name: string;
    type: string;
    occurred_at: Date;
    channel: string | null;
    properties: Record<string, unknown>;
  }>('SELECT name, type, occurred_at, channel, properties FROM events WHERE customer_id = $1 ORDER BY occurred_at', [
    customerId,
  ]);

test('identify maps known traits into the profile and keeps the rest in the event', async () => {
  const res = await api.post('/v1/identify', {
    userId: 'u-100',
    traits: { name: '王小明', gender: '男', birthday: '1990-05-06', phone: '13800138000', city: '杭州', vip: true },
    context: { channel: 'mini_program' },
    timestamp: '2025-03-01T10:00:00.000Z',
    messageId: 'm-identify-1',
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ success: true, duplicate: false });
  const customer = await owner.get(`/api/customers/${res.body.customerId}`);
  expect(customer.body.customer).toMatchObject({
    name: '王小明',
    gender: 'male',
    birthday: '1990-05-06',
    city: '杭州',
  });
  expect(customer.body.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['phone', 'user_id']);
  const events = await eventsOf(res.body.customerId);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'identify', channel: 'mini_program', properties: { vip: true } });
});

test('a retried messageId is a no-op that still answers 200', async () => {
  const body = { anonymousId: 'anon-retry', event: 'Product Viewed', properties: { sku: 'T-1' }, messageId: 'm-retry' };
  const first = await api.post('/v1/track', body);
  const again = await api.post('/v1/track', body);
  expect(first.status).toBe(200);
  expect(again.status).toBe(200);
  expect(again.body).toEqual({ success: true, duplicate: true, customerId: first.body.customerId });
  expect(await eventsOf(first.body.customerId)).toHaveLength(1);
  const outbox = await server.siyu.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM domain_events WHERE type = 'event.tracked' AND payload->>'customerId' = $1`,
    [first.body.customerId],
  );
  expect(outbox[0]?.n).toBe(1);
});

test('identities of two customers in one identify merge them and the events move to the survivor', async () => {
  const a = await api.post('/v1/track', { userId: 'u-merge', event: 'Signed Up', messageId: 'm-merge-a' });
  const b = await api.post('/v1/track', { anonymousId: 'anon-merge', event: 'Page Viewed', messageId: 'm-merge-b' });
  expect(a.body.customerId).not.toBe(b.body.customerId);
  const both = await api.post('/v1/identify', { userId: 'u-merge', anonymousId: 'anon-merge', messageId: 'm-merge-c' });
  expect(both.status).toBe(200);
  const survivor = both.body.customerId;
  expect([a.body.customerId, b.body.customerId]).toContain(survivor);
  expect((await eventsOf(survivor)).map((e) => e.name).sort()).toEqual(['Page Viewed', 'Signed Up', 'identify']);
  const merged = survivor === a.body.customerId ? b.body.customerId : a.body.customerId;
  expect(await eventsOf(merged)).toHaveLength(0);
});

test('late and out-of-order timestamps land where they belong and widen first/last seen', async () => {
  const send = (messageId: string, timestamp: string) =>
    api.post('/v1/track', { userId: 'u-late', event: 'Visit', messageId, timestamp });
  const r = await send('m-late-2', '2025-06-02T00:00:00.000Z');
  await send('m-late-3', '2025-06-03T00:00:00.000Z');
  await send('m-late-1', '2025-06-01T00:00:00.000Z');
  const events = await eventsOf(r.body.customerId);
  expect(events.map((e) => e.occurred_at.toISOString())).toEqual([
    '2025-06-01T00:00:00.000Z',
    '2025-06-02T00:00:00.000Z',
    '2025-06-03T00:00:00.000Z',
  ]);
  const span = async () => {
    const { customer } = (await owner.get(`/api/customers/${r.body.customerId}`)).body;
    return `${customer.firstSeenAt} – ${customer.lastSeenAt}`;
  };
  await eventually(async () => (await span()) === '2025-06-01T00:00:00.000Z – 2025-06-03T00:00:00.000Z');
});

test('a batch accepts good entries, counts duplicates and reports bad entries by index', async () => {
  await api.post('/v1/track', { userId: 'u-batch', event: 'Before', messageId: 'm-batch-0' });
  const res = await api.post('/v1/batch', {
    context: { channel: 'h5' },
    batch: [
      { type: 'track', userId: 'u-batch', event: 'Added To Cart', messageId: 'm-batch-1', properties: { sku: 'A' } },
      { type: 'track', userId: 'u-batch', event: 'Before', messageId: 'm-batch-0' },
      { type: 'track', event: 'No Identity', messageId: 'm-batch-2' },
      { type: 'alias', userId: 'u-batch' },
      { type: 'identify', anonymousId: 'anon-batch', traits: { email: 'batch@example.com' }, messageId: 'm-batch-3' },
      { type: 'page', userId: 'u-batch', name: 'Home', messageId: 'm-batch-4', timestamp: 'yesterday' },
      { type: 'page', userId: 'u-batch', name: 'Menu', messageId: 'm-batch-5' },
      { type: 'track', userId: 'u-batch', event: 'Added To Cart', messageId: 'm-batch-1' },
    ],
  });
  expect(res.status).toBe(200);
  expect(res.body.accepted).toBe(3);
  expect(res.body.duplicates).toBe(2);
  expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
    [2, 'events.identity_required'],
    [3, 'events.unknown_type'],
    [5, 'events.invalid_message'],
  ]);
  const rows = await server.siyu.db.query<{ name: string; channel: string }>(
    `SELECT name, channel FROM events WHERE message_id IN ('m-batch-1', 'm-batch-5') ORDER BY message_id`,
  );
  expect(rows).toEqual([
    { name: 'Added To Cart', channel: 'h5' },
    { name: 'page', channel: 'h5' },
  ]);
});

test('a batch over 500 entries answers 422 and one over 512 KB answers 413, with the error body', async () => {
  const many = Array.from({ length: 501 }, (_, n) => ({
    type: 'track',
    userId: 'u-many',
    event: 'E',
    messageId: `x-${n}`,
  }));
  const tooMany = await api.post('/v1/batch', { batch: many });
  expect(tooMany.status).toBe(422);
  expect(tooMany.body.error.code).toBe('events.batch_too_many');
  expect(typeof tooMany.body.error.message).toBe('string');

  const big = Array.from({ length: 100 }, (_, n) => ({
    type: 'track',
    userId: 'u-big',
    event: 'E',
    messageId: `big-${n}`,
    properties: { pad: 'x'.repeat(6000) },
  }));
  const tooLarge = await api.post('/v1/batch', { batch: big });
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body.error.code).toBe('events.batch_too_large');
  const none = await server.siyu.db.query(
    `SELECT 1 FROM events WHERE message_id LIKE 'big-%' OR message_id LIKE 'x-%'`,
  );
  expect(none).toHaveLength(0);
});

test('a message over 32 KB, in its properties or elsewhere, is refused by index; one just under it is accepted', async () => {
  const res = await api.post('/v1/batch', {
    batch: [
      // 3 bytes a character in UTF-8: about 33 KB of properties.
      { type: 'track', userId: 'u-big', event: 'Big', messageId: 'm-big-1', properties: { note: '大'.repeat(11_000) } },
      {
        type: 'track',
        userId: 'u-big',
        event: 'Fits',
        messageId: 'm-big-2',
        properties: { note: '大'.repeat(10_500) },
      },
      // Escaped in JSON, a control character takes six bytes: 6,000 of them are over the limit too.
      {
        type: 'track',
        userId: 'u-big',
        event: 'Escaped',
        messageId: 'm-big-3',
        properties: { note: '\u0001'.repeat(6000) },
      },
      // The size is the whole message's, wherever the bulk is: here deep in its context.
      {
        type: 'track',
        userId: 'u-big',
        event: 'Context',
        messageId: 'm-big-4',
        context: { page: { referrer: { notes: ['大'.repeat(11_000)] } } },
      },
    ],
  });
  expect(res.status).toBe(200);
  expect(res.body.accepted).toBe(1);
  expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
    [0, 'events.message_too_large'],
    [2, 'events.message_too_large'],
    [3, 'events.message_too_large'],
  ]);
});

test('a single message without identity is a 400 with the error body', async () => {
  const res = await api.post('/v1/track', { event: 'Anonymous' });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('events.identity_required');
});

test('the timeline shows events and orders newest first', async () => {
  const t = await api.post('/v1/track', {
    userId: 'u-timeline',
    event: 'Store Visit',
    messageId: 'm-tl-1',
    timestamp: '2025-01-01T08:00:00.000Z',
  });
  await api.post('/v1/track', {
    userId: 'u-timeline',
    event: 'Coupon Used',
    messageId: 'm-tl-2',
    timestamp: '2025-01-03T08:00:00.000Z',
  });
  const order = await api.request('PUT', '/v1/orders/TL-1', {
    userId: 'u-timeline',
    status: 'paid',
    totalFen: 2800,
    placedAt: '2025-01-02T08:00:00.000Z',
    items: [{ sku: 'MT-1', name: '珍珠奶茶', quantity: 1, unitPriceFen: 2800 }],
  });
  expect(order.status).toBe(200);
  const first = await owner.get(`/api/customers/${t.body.customerId}/timeline?limit=2`);
  expect(first.status).toBe(200);
  expect(first.body.items.map((i: { title: string }) => i.title)).toEqual(['Coupon Used', 'TL-1']);
  const rest = await owner.get(`/api/customers/${t.body.customerId}/timeline?limit=2&cursor=${first.body.nextCursor}`);
  expect(rest.body.items.map((i: { title: string }) => i.title)).toEqual(['Store Visit']);
  expect(rest.body.nextCursor).toBeNull();
});

test('concurrent batches over the same new customers all succeed and create each customer once', async () => {
  // Eight batches share 40 new users, each in a different order: the shape that deadlocked before batches that
  // create customers took turns.
  const batches = Array.from({ length: 8 }, (_b, b) => ({
    batch: Array.from({ length: 40 }, (_e, e) => {
      const user = (e * (b + 3)) % 40;
      return {
        type: 'track',
        event: 'page_view',
        userId: `race-user-${user}`,
        anonymousId: `race-anon-${b}-${e}`,
        messageId: `race-${b}-${e}`,
        properties: { page: 'menu' },
      };
    }),
  }));
  const results = await Promise.all(batches.map((body) => api.post('/v1/batch', body)));
  expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(results.reduce((n, r) => n + r.body.accepted, 0)).toBe(320);
  const users = await server.siyu.db.query<{ n: number }>(
    `SELECT count(DISTINCT customer_id)::int AS n FROM customer_identities WHERE kind = 'user_id' AND value LIKE 'race-user-%'`,
  );
  expect(users[0]?.n).toBe(40);
  // Each event on its user's customer, each device on it too, nobody merged, every customer numbered once.
  const [shape] = await server.siyu.db.query<{ misplaced: number; merged: number; seqs: number; customers: number }>(
    `SELECT (SELECT count(*)::int FROM events e
               JOIN customer_identities u ON u.kind = 'user_id' AND u.value = 'race-user-' || ((split_part(e.message_id, '-', 3)::int * (split_part(e.message_id, '-', 2)::int + 3)) % 40)
              WHERE e.message_id LIKE 'race-%' AND e.customer_id <> u.customer_id) AS misplaced,
            (SELECT count(*)::int FROM customers c
              WHERE c.merged_into IS NOT NULL
                AND c.id IN (SELECT customer_id FROM events WHERE message_id LIKE 'race-%')) AS merged,
            (SELECT count(DISTINCT c.seq)::int FROM customers c
              WHERE c.id IN (SELECT customer_id FROM customer_identities WHERE value LIKE 'race-%')) AS seqs,
            (SELECT count(DISTINCT customer_id)::int FROM customer_identities WHERE value LIKE 'race-%') AS customers`,
  );
  expect(shape).toEqual({ misplaced: 0, merged: 0, seqs: 40, customers: 40 });
});

test('a batch creates its new people before its transaction, but leaves to it what an earlier entry links', async () => {
  const known = await api.post('/v1/track', { userId: 'u-link', event: 'Signed Up', messageId: 'm-link-0' });
  // Known to the process now: a second call finds the user and keeps it in the cache.
  await api.post('/v1/track', { userId: 'u-link', event: 'Signed In', messageId: 'm-link-00' });
  // Calls one by one would attach the new device to the known user, and the second entry would find it there: no
  // customer of its own for the device, and no merge.
  const res = await api.post('/v1/batch', {
    batch: [
      { type: 'track', userId: 'u-link', anonymousId: 'anon-link', event: 'Opened', messageId: 'm-link-1' },
      { type: 'track', anonymousId: 'anon-link', event: 'Browsed', messageId: 'm-link-2' },
      { type: 'track', anonymousId: 'anon-alone', event: 'Browsed', messageId: 'm-link-3' },
    ],
  });
  expect(res.body).toMatchObject({ accepted: 3, duplicates: 0 });
  const rows = await server.siyu.db.query<{ message_id: string; customer_id: string; merged_into: string | null }>(
    `SELECT e.message_id, e.customer_id, c.merged_into FROM events e JOIN customers c ON c.id = e.customer_id
      WHERE e.message_id LIKE 'm-link-%' ORDER BY e.message_id`,
  );
  const customer = known.body.customerId;
  expect(rows.slice(0, 4)).toEqual([
    { message_id: 'm-link-0', customer_id: customer, merged_into: null },
    { message_id: 'm-link-00', customer_id: customer, merged_into: null },
    { message_id: 'm-link-1', customer_id: customer, merged_into: null },
    { message_id: 'm-link-2', customer_id: customer, merged_into: null },
  ]);
  expect(rows[4]?.customer_id).not.toBe(customer);
  const merges = await server.siyu.db.query(`SELECT 1 FROM customers WHERE merged_into = $1`, [customer]);
  expect(merges).toEqual([]);
});

test('an identify that changes a known customer’s city moves them into a segment on that city', async () => {
  const first = await api.post('/v1/identify', { userId: 'u-moves', traits: { city: '杭州' }, messageId: 'm-moves-1' });
  const segment = await owner.post('/api/segments', {
    name: '成都客户',
    kind: 'dynamic',
    rule: { type: 'attribute', field: 'city', operator: 'eq', value: '成都' },
  });
  expect(segment.status).toBe(201);
  const count = async () => (await owner.get(`/api/segments/${segment.body.id}/count`)).body.count as number;
  const before = await count();
  const batch = await api.post('/v1/batch', {
    batch: [
      { type: 'identify', userId: 'u-moves', traits: { city: '成都' }, messageId: 'm-moves-2' },
      { type: 'track', userId: 'u-moves', event: 'Visit', messageId: 'm-moves-3' },
    ],
  });
  expect(batch.body).toMatchObject({ accepted: 2, rejected: [] });
  expect(await count()).toBe(before + 1);
  const customer = await owner.get(`/api/customers/${first.body.customerId}`);
  expect(customer.body.customer.city).toBe('成都');
});

test('known identities resolve through the process cache, which a merge, an unmerge or a deletion empties', async () => {
  const track = (userId: string, n: number) =>
    api.post('/v1/batch', {
      batch: [{ type: 'track', userId, event: 'App Opened', messageId: `m-cache-${userId}-${n}` }],
    });
  const customerOf = async (userId: string, n: number) => {
    const [row] = await server.siyu.db.query<{ customer_id: string }>(
      'SELECT customer_id FROM events WHERE message_id = $1',
      [`m-cache-${userId}-${n}`],
    );
    return row?.customer_id;
  };
  // Known and cached: the second batch of each finds them without a look-up.
  for (const n of [1, 2]) {
    expect((await track('u-cache-a', n)).status).toBe(200);
    expect((await track('u-cache-b', n)).status).toBe(200);
  }
  const a = await customerOf('u-cache-a', 1);
  const b = await customerOf('u-cache-b', 1);
  expect(await customerOf('u-cache-a', 2)).toBe(a);
  expect(await customerOf('u-cache-b', 2)).toBe(b);

  // Merged by hand through the console: b's identity now points at a.
  const merged = await owner.post('/api/customers/merge', { survivorId: a, mergedId: b });
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  await track('u-cache-b', 3);
  expect(await customerOf('u-cache-b', 3)).toBe(a);

  // Undone: b is itself again.
  const undone = await owner.post(`/api/customers/merges/${merged.body.merges[0].id}/unmerge`);
  expect(undone.status, JSON.stringify(undone.body)).toBe(200);
  await track('u-cache-b', 4);
  expect(await customerOf('u-cache-b', 4)).toBe(b);

  // An identity deleted (as an erasure does): the next sighting makes a new customer, not b again.
  await server.siyu.db.tenant(server.workspaceId, (tx) =>
    tx.query(`DELETE FROM customer_identities WHERE kind = 'user_id' AND value = 'u-cache-b'`),
  );
  await track('u-cache-b', 5);
  const reborn = await customerOf('u-cache-b', 5);
  expect(reborn).toBeDefined();
  expect(reborn).not.toBe(b);
  expect(reborn).not.toBe(a);
});
