import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
const api = () => new ApiClient(server.url);
let owner: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'tags-http' });
  owner = api();
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
});
afterAll(() => server.close());

async function customer(phone: string): Promise<string> {
  const res = await owner.post('/api/customers', { identities: [{ kind: 'phone', value: phone }] });
  expect(res.status).toBe(201);
  return res.body.customer.id;
}

test('groups and tags are managed over HTTP, and customers are tagged one by one and in bulk by phone', async () => {
  const group = await owner.post('/api/tag-groups', { name: '兴趣-测试' });
  expect(group.status).toBe(201);
  expect((await owner.post('/api/tag-groups', { name: '兴趣-测试' })).body.error.code).toBe('tag.group_name_taken');
  const tag = await owner.post('/api/tags', { groupId: group.body.id, name: '果茶', color: '#ff8800' });
  expect(tag.status).toBe(201);
  const tagId = tag.body.id;

  const a = await customer('13800138001');
  const b = await customer('13800138002');
  const one = await owner.post(`/api/customers/${a}/tags`, { tagIds: [tagId] });
  expect(one.status).toBe(200);
  expect(one.body.items).toMatchObject([{ tagId, name: '果茶', groupName: '兴趣-测试', source: 'manual' }]);

  const bulk = await owner.post(`/api/tags/${tagId}/customers`, { phones: ['138 0013 8001', '+8613800138002', '123'] });
  expect(bulk.body).toEqual({ matched: 2, changed: 1, unmatched: ['123'], unmatchedCount: 1 });
  expect((await owner.get(`/api/tags/${tagId}`)).body.customerCount).toBe(2);
  expect((await owner.get(`/api/customers/${b}/tags`)).body.items[0].source).toBe('bulk');

  const timeline = await owner.get(`/api/customers/${b}/timeline`);
  expect(timeline.body.items.filter((i: { source: string }) => i.source === 'tags')).toHaveLength(1);

  const removed = await owner.post(`/api/tags/${tagId}/customers/remove`, { customerIds: [a, b] });
  expect(removed.body).toMatchObject({ matched: 2, changed: 2 });
  expect((await owner.request('DELETE', `/api/tag-groups/${group.body.id}`)).body.error.code).toBe(
    'tag.group_not_empty',
  );
  const rule = await owner.request('PUT', `/api/tags/${tagId}/rule`, { rule: { and: [] } });
  expect(rule.body.rule).toEqual({ and: [] });
  const refused = await owner.post(`/api/customers/${a}/tags`, { tagIds: [tagId] });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('tag.rule_managed');
  expect((await owner.request('DELETE', `/api/tags/${tagId}`)).status).toBe(204);
  expect((await owner.request('DELETE', `/api/tag-groups/${group.body.id}`)).status).toBe(204);
});

test('a bulk call takes one list at a time', async () => {
  const groups = await owner.get('/api/tag-groups');
  expect(groups.status).toBe(200);
  const res = await owner.post('/api/tags/00000000-0000-4000-8000-000000000000/customers', {
    phones: ['13800138001'],
    customerIds: ['00000000-0000-4000-8000-000000000001'],
  });
  expect(res.status).toBe(400);
});
