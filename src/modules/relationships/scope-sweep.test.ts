// The guide scope across every route, built from the collected route specs so routes added later are covered without
// changes here: a guide reaches only the customers they own (an active relationship in WeCom). Every route naming a
// customer answers another guide's customer as one that does not exist (404, never 403 or 200); every list and
// search a guide may call names no customer of anyone else; bulk tagging and create-or-match stop at the scope.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sample } from '../../../test/support/schema-sample.ts';
import { type AnyRouteSpec, customerParamOf } from '../../platform/http/routes.ts';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
/** Customers the guide zhangsan owns, and every other customer of the workspace. */
let owned: string[] = [];
let others: string[] = [];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const isPrivate = (spec: AnyRouteSpec) => !('public' in spec) && !('member' in spec);

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'], customers: 40 });
  const db = world.server.siyu.db;
  const { workspaceId } = world.server;
  // Two demo customers with orders, events and tags become WeCom contacts: one of zhangsan, one of lisi.
  const buyers = await db.query<{ customer_id: string }>(
    `SELECT customer_id FROM orders WHERE workspace_id = $1 GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 2`,
    [workspaceId],
  );
  for (const [i, b] of buyers.entries()) {
    const externalUserId = `wmScopeBuyer${i}`;
    const [known] = await db.query<{ kind: string; app_id: string; value: string }>(
      `SELECT kind, app_id, value FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2 LIMIT 1`,
      [workspaceId, b.customer_id],
    );
    const linked = await world.owner.post('/api/customers', {
      identities: [
        { kind: 'wecom_external_userid', value: externalUserId },
        { kind: known?.kind, value: known?.value, ...(known?.app_id ? { appId: known.app_id } : {}) },
      ],
    });
    expect(linked.body.customer.id).toBe(b.customer_id);
    await world.sim.customerAddsGuide({ userId: i === 0 ? 'zhangsan' : 'lisi', externalUserId });
  }
  await world.sim.customerAddsGuide({ userId: 'zhangsan', name: '只属于张三' });
  await world.sim.customerAddsGuide({ userId: 'lisi', name: '只属于李四' });
  await world.settled();
  const rows = await db.query<{ id: string; mine: boolean }>(
    `SELECT c.id, EXISTS (SELECT 1 FROM customer_relationships r WHERE r.workspace_id = c.workspace_id
                           AND r.customer_id = c.id AND r.wecom_userid = 'zhangsan' AND r.status = 'active') AS mine
       FROM customers c WHERE c.workspace_id = $1 AND c.merged_into IS NULL`,
    [workspaceId],
  );
  owned = rows.filter((r) => r.mine).map((r) => r.id);
  others = rows.filter((r) => !r.mine).map((r) => r.id);
  expect(owned).toHaveLength(2);
  expect(others.length).toBeGreaterThan(30);
});
afterAll(() => world.close());

const guide = () => world.guides.zhangsan?.client as NonNullable<World['guides'][string]>['client'];

function fill(spec: AnyRouteSpec, customerParam: string, customerId: string): string {
  return spec.url.replace(/:(\w+)/g, (_m, name: string) =>
    encodeURIComponent(name === customerParam ? customerId : crypto.randomUUID()),
  );
}

test('every route naming a customer answers another’s customer as not found, and the guide’s own as theirs', async () => {
  const routes = world.server.siyu.routes.filter((s) => isPrivate(s) && customerParamOf(s) !== null);
  // customers, timeline, orders, tags, traits, relationships, scripts, and loyalty's and coupons' customer routes.
  expect(routes.length).toBeGreaterThan(8);
  const probes = [others[0], others[others.length - 1]] as string[];
  for (const spec of routes) {
    const param = customerParamOf(spec) as string;
    const body = ['POST', 'PUT', 'PATCH'].includes(spec.method) ? (sample(spec.body as never) ?? {}) : undefined;
    for (const customerId of probes) {
      const res = await guide().request(spec.method, fill(spec, param, customerId), body);
      const label = `${spec.method} ${spec.url} (another's customer) → ${res.status} ${JSON.stringify(res.body)}`;
      // 403 when guides may not use the route at all; otherwise the 404 of a customer that does not exist.
      if (res.status === 403) expect(res.body.error.code, label).toBe('auth.forbidden');
      else expect([res.status, res.body?.error?.code], label).toEqual([404, 'customer.not_found']);
    }
    if (spec.method !== 'GET') continue;
    for (const customerId of owned) {
      const res = await guide().request('GET', fill(spec, param, customerId));
      const label = `${spec.method} ${spec.url} (own customer) → ${res.status} ${JSON.stringify(res.body)}`;
      expect(res.body?.error?.code, label).not.toBe('customer.not_found');
      expect(res.status, label).toBeLessThan(500);
    }
  }
  // The owner, whose scope is the workspace, reads any of them.
  expect((await world.owner.get(`/api/customers/${probes[0]}`)).status).toBe(200);
});

test('every list filtered by another’s customer answers that customer as not found', async () => {
  const filtered = world.server.siyu.routes.filter(
    (s) =>
      isPrivate(s) &&
      s.method === 'GET' &&
      'customerId' in ((s.query as { properties?: object } | undefined)?.properties ?? {}),
  );
  // tasks, transfers, and lists of other modules that take a customer filter (members lookup, coupons …).
  expect(filtered.length).toBeGreaterThan(1);
  for (const spec of filtered) {
    const params = (spec.params as { properties?: Record<string, object> } | undefined)?.properties ?? {};
    const path = spec.url.replace(/:(\w+)/g, (_m, name: string) =>
      encodeURIComponent(String(sample(params[name] as never))),
    );
    const res = await guide().get(`${path}?customerId=${others[0]}`);
    const label = `GET ${spec.url}?customerId=(another's) → ${res.status} ${JSON.stringify(res.body)}`;
    if (res.status === 403) expect(res.body.error.code, label).toBe('auth.forbidden');
    else expect([res.status, res.body?.error?.code], label).toEqual([404, 'customer.not_found']);
  }
});

test('no list or search a guide may call names a customer of anyone else', async () => {
  // Every GET route that names no customer: lists, and routes keyed by something else (a period, a code …) with a
  // sample value for each parameter; routes that search take another customer's phone number and name.
  const lists = world.server.siyu.routes.filter(
    (s) => isPrivate(s) && s.method === 'GET' && customerParamOf(s) === null,
  );
  // Several of others' customers, so that one of them is whatever a search looks for (a member, a coupon holder).
  const probes = await world.server.siyu.db.query<{ name: string; phone: string }>(
    `SELECT name, phone FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND phone IS NOT NULL
      ORDER BY seq LIMIT 5`,
    [world.server.workspaceId, others],
  );
  const other = probes[0];
  let called = 0;
  const otherSet = new Set(others);
  const leaks: Record<string, number> = {};
  for (const spec of lists) {
    const params = (spec.params as { properties?: Record<string, object> } | undefined)?.properties ?? {};
    const path = spec.url.replace(/:(\w+)/g, (_m, name: string) =>
      encodeURIComponent(String(sample(params[name] as never))),
    );
    const query = (spec.query as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const searches = [
      ...('limit' in query ? ['limit=200'] : ['']),
      ...(['q', 'phone', 'name'] as const)
        .filter((k) => k in query)
        .flatMap((k) => probes.flatMap((p) => [p.phone, p.name]).map((v) => `${k}=${encodeURIComponent(v)}`)),
    ];
    for (const search of searches) {
      const res = await guide().get(search ? `${path}?${search}` : path);
      if (res.status === 403) continue;
      called++;
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      const leaked = [...new Set(text.match(UUID) ?? [])].filter((id) => otherSet.has(id));
      if (leaked.length > 0) leaks[`${spec.url}?${search}`] = leaked.length;
    }
  }
  // Each entry: a route that lists customers without `scopeSql` (src/modules/customers/scope.ts), with how many
  // customers of others it showed the guide.
  expect(leaks).toEqual({});
  expect(called).toBeGreaterThan(5);

  // The lists are not simply empty: the guide's own customers are there, and the owner sees everyone.
  const mine = await guide().get('/api/customers?limit=200');
  expect(mine.body.items.map((c: { id: string }) => c.id).sort()).toEqual([...owned].sort());
  expect((await world.owner.get('/api/customers?limit=200')).body.items.length).toBe(owned.length + others.length);
  const relationships = await guide().get('/api/relationships');
  expect(relationships.body.items.map((r: { customerId: string }) => r.customerId).sort()).toEqual([...owned].sort());

  // Searching by another's phone or name finds nothing, where the owner finds them.
  for (const q of [other?.name, other?.phone]) {
    expect((await guide().get(`/api/customers?q=${encodeURIComponent(q as string)}`)).body.items).toEqual([]);
    expect(
      (await world.owner.get(`/api/customers?q=${encodeURIComponent(q as string)}`)).body.items.length,
    ).toBeGreaterThan(0);
  }
});

test('orders, bulk tagging and create-or-match stop at the guide’s scope', async () => {
  const db = world.server.siyu.db;
  const orderOf = async (customerId: string) =>
    (
      await db.query<{ id: string }>('SELECT id FROM orders WHERE workspace_id = $1 AND customer_id = $2 LIMIT 1', [
        world.server.workspaceId,
        customerId,
      ])
    )[0]?.id;
  const buyer = async (externalUserId: string) =>
    (
      await db.query<{ customer_id: string }>(
        'SELECT customer_id FROM customer_relationships WHERE workspace_id = $1 AND external_userid = $2',
        [world.server.workspaceId, externalUserId],
      )
    )[0]?.customer_id as string;
  const ownOrder = await orderOf(await buyer('wmScopeBuyer0'));
  const otherOrder = await orderOf(await buyer('wmScopeBuyer1'));
  expect((await guide().get(`/api/orders/${ownOrder}`)).status).toBe(200);
  const hidden = await guide().get(`/api/orders/${otherOrder}`);
  expect([hidden.status, hidden.body.error.code]).toEqual([404, 'order.not_found']);

  const group = await world.owner.post('/api/tag-groups', { name: '范围测试' });
  const tag = await world.owner.post('/api/tags', { groupId: group.body.id, name: '导购打标' });
  const tagged = await guide().post(`/api/tags/${tag.body.id}/customers`, { customerIds: [owned[0], others[0]] });
  expect(tagged.body).toMatchObject({ matched: 1, changed: 1, unmatched: [others[0]], unmatchedCount: 1 });
  const holders = await db.query<{ customer_id: string }>(
    'SELECT customer_id FROM customer_tags WHERE workspace_id = $1 AND tag_id = $2',
    [world.server.workspaceId, tag.body.id],
  );
  expect(holders.map((h) => h.customer_id)).toEqual([owned[0]]);

  // Naming another's customer by identity neither changes nor reveals it; a brand-new one is not made either.
  const [identity] = await db.query<{ kind: string; value: string }>(
    `SELECT kind, value FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2 LIMIT 1`,
    [world.server.workspaceId, others[0]],
  );
  const before = await world.owner.get(`/api/customers/${others[0]}`);
  const grab = await guide().post('/api/customers', { name: '改名', identities: [identity] });
  expect([grab.status, grab.body.error.code]).toEqual([404, 'customer.not_found']);
  expect((await world.owner.get(`/api/customers/${others[0]}`)).body.customer).toEqual(before.body.customer);
  const fresh = await guide().post('/api/customers', { identities: [{ kind: 'phone', value: '13800138999' }] });
  expect(fresh.status).toBe(404);
  expect((await world.owner.get('/api/customers?q=13800138999')).body.items).toEqual([]);
  // The guide's own customer can be updated through it.
  const { kind, value } = (await world.owner.get(`/api/customers/${owned[0]}`)).body.identities[0];
  const update = await guide().post('/api/customers', { occupation: '教师', identities: [{ kind, value }] });
  expect(update.status, JSON.stringify(update.body)).toBe(201);
  // Segments are not a guide's to read.
  expect((await guide().get('/api/segments')).status).toBe(403);
});
