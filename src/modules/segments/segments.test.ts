// The segments API end to end on a real server: rule validation that points at the bad node, live preview,
// dynamic segments with counts and member pages, and `segment.entered` from a domain event. Exports: export.test.ts.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { emit } from '../../platform/jobs/index.ts';

let server: TestServer;
let api: ApiClient;
let tagId: string;
const customers: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ workers: true });
  api = new ApiClient(server.url);
  await api.login(server.owner.login, server.owner.password, server.owner.workspace);
  const ws = server.workspaceId;
  await server.siyu.db.transaction(async (tx) => {
    const [{ seq }] = (await tx.query<{ seq: number }>(
      'SELECT coalesce(max(seq), 0) AS seq FROM customers WHERE workspace_id = $1',
      [ws],
    )) as [{ seq: number }];
    const [group] = await tx.query<{ id: string }>(
      `INSERT INTO tag_groups (workspace_id, name) VALUES ($1, '测试分组') RETURNING id`,
      [ws],
    );
    const [tag] = await tx.query<{ id: string }>(
      `INSERT INTO tags (workspace_id, group_id, name) VALUES ($1, $2, '奶茶爱好者-测试') RETURNING id`,
      [ws, group!.id],
    );
    tagId = tag!.id;
    for (let i = 1; i <= 12; i++) {
      const [c] = await tx.query<{ id: string }>(
        `INSERT INTO customers (workspace_id, seq, name, city) VALUES ($1, $2, $3, $4) RETURNING id`,
        [ws, seq + i, `客户${i}`, i % 2 === 0 ? '上海' : '测试城'],
      );
      customers.push(c!.id);
      if (i <= 10)
        await tx.query('INSERT INTO customer_tags (workspace_id, customer_id, tag_id) VALUES ($1, $2, $3)', [
          ws,
          c!.id,
          tagId,
        ]);
    }
    await tx.query(`UPDATE customer_seq SET last_seq = $2 WHERE workspace_id = $1`, [ws, seq + 12]).catch(() => {});
  });
}, 120_000);
afterAll(() => server.close());

test('an invalid rule is rejected with the path of the bad node', async () => {
  const res = await api.post('/api/segments/preview', {
    rule: {
      op: 'and',
      rules: [
        { type: 'tag', tagId },
        {
          op: 'or',
          rules: [{ type: 'order', measure: 'count', comparison: 'at_least', value: 2, window: { lastDays: 0 } }],
        },
      ],
    },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('segment.invalid_rule');
  expect(res.body.error.details.path).toBe('rules[1].rules[0].window.lastDays');
  expect(res.body.error.message).toContain('rules[1].rules[0].window.lastDays');
  const unknown = await api.post('/api/segments/preview', { rule: { type: 'astrology' } });
  expect(unknown.body.error.details.path).toBe('type');
});

test('a dynamic segment counts, pages its members and announces who enters', async () => {
  const rule = {
    op: 'and',
    rules: [
      { type: 'tag', tagId },
      { type: 'attribute', field: 'city', operator: 'eq', value: '上海' },
    ],
  };
  const preview = await api.post('/api/segments/preview', { rule });
  expect(preview.status).toBe(200);
  expect(preview.body.count).toBe(5);

  const created = await api.post('/api/segments', { name: '上海奶茶爱好者', kind: 'dynamic', rule });
  expect(created.status).toBe(201);
  expect(created.body.memberCount).toBe(5);
  const id = created.body.id;
  expect((await api.post('/api/segments', { name: '上海奶茶爱好者', kind: 'dynamic', rule })).status).toBe(409);

  const first = await api.get(`/api/segments/${id}/members?limit=3`);
  expect(first.body.items.map((m: { name: string }) => m.name)).toEqual(['客户2', '客户4', '客户6']);
  const second = await api.get(`/api/segments/${id}/members?limit=3&cursor=${first.body.nextCursor}`);
  expect(second.body.items.map((m: { name: string }) => m.name)).toEqual(['客户8', '客户10']);
  expect(second.body.nextCursor).toBeNull();

  // 客户12 lives in 上海 but has no tag: tagging them is a domain event that moves them in.
  await server.siyu.db.tenant(server.workspaceId, async (tx) => {
    await tx.query('INSERT INTO customer_tags (workspace_id, customer_id, tag_id) VALUES ($1, $2, $3)', [
      server.workspaceId,
      customers[11],
      tagId,
    ]);
    await emit(tx, 'tag.added', { customerId: customers[11], tagId });
  });
  let entered: { payload: { segmentId: string; customerId: string } }[] = [];
  for (let i = 0; i < 200 && entered.length === 0; i++) {
    entered = await server.siyu.db.query(`SELECT payload FROM domain_events WHERE type = 'segment.entered'`);
    if (entered.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  expect(entered.map((e) => e.payload)).toEqual([
    { segmentId: id, customerId: customers[11], seq: expect.any(Number) },
  ]);
  const count = await api.get(`/api/segments/${id}/count`);
  expect(count.body.count).toBe(6);
  expect(count.body.refreshedAt).not.toBeNull();
  expect((await api.get(`/api/segments/${id}`)).body.memberCount).toBe(6);
});
