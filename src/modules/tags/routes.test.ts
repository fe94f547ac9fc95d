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

test('a bulk call may mix ids and phones (a file of both), counting each customer once and changing nothing twice', async () => {
  const group = await owner.post('/api/tag-groups', { name: '混合名单-测试' });
  const tag = await owner.post('/api/tags', { groupId: group.body.id, name: '门店活动' });
  const a = await customer('13800138101');
  const b = await customer('13800138102');
  const missing = '00000000-0000-4000-8000-000000000001';
  const body = { customerIds: [a, missing], phones: ['138 0013 8101', '13800138102', '12345'] };
  const first = await owner.post(`/api/tags/${tag.body.id}/customers`, body);
  expect(first.body).toEqual({ matched: 2, changed: 2, unmatched: [missing, '12345'], unmatchedCount: 2 });
  const again = await owner.post(`/api/tags/${tag.body.id}/customers`, body);
  expect(again.body).toMatchObject({ matched: 2, changed: 0 });
  expect((await owner.get(`/api/customers/${b}/tags`)).body.items.map((t: { name: string }) => t.name)).toEqual([
    '门店活动',
  ]);
  expect((await owner.post(`/api/tags/${tag.body.id}/customers`, {})).status).toBe(400);
});

test('every member of a segment is tagged and untagged in one call, audited, and a guide without segment.read is refused', async () => {
  const group = await owner.post('/api/tag-groups', { name: '分群打标-测试' });
  const tag = await owner.post('/api/tags', { groupId: group.body.id, name: '打标城客户' });
  const ids: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const id = await customer(`1380013820${i}`);
    await owner.patch(`/api/customers/${id}`, { city: '打标城' });
    ids.push(id);
  }
  const segment = await owner.post('/api/segments', {
    name: '打标城',
    kind: 'static',
    rule: { type: 'attribute', field: 'city', operator: 'eq', value: '打标城' },
  });
  expect(segment.body.memberCount).toBe(3);
  await owner.post(`/api/customers/${ids[0]}/tags`, { tagIds: [tag.body.id] });
  const added = await owner.post(`/api/segments/${segment.body.id}/tagging`, { tagId: tag.body.id, action: 'add' });
  expect(added.status).toBe(200);
  expect(added.body).toEqual({ matched: 3, changed: 2, unmatched: [], unmatchedCount: 0 });
  expect((await owner.get(`/api/tags/${tag.body.id}`)).body.customerCount).toBe(3);
  const audit = await owner.get('/api/audit?action=segment.tag_members');
  expect(audit.body.items[0]).toMatchObject({
    targetId: segment.body.id,
    details: { tagId: tag.body.id, action: 'add', matched: 3, changed: 2 },
  });

  await owner.post('/api/staff', {
    name: '导购',
    email: 'gd@tags-http.demo',
    role: 'guide',
    password: 'guide-pw-12345',
  });
  const guide = api();
  await guide.login('gd@tags-http.demo', 'guide-pw-12345', server.owner.workspace);
  const refused = await guide.post(`/api/segments/${segment.body.id}/tagging`, {
    tagId: tag.body.id,
    action: 'remove',
  });
  expect(refused.status).toBe(403);

  const removed = await owner.post(`/api/segments/${segment.body.id}/tagging`, {
    tagId: tag.body.id,
    action: 'remove',
  });
  expect(removed.body).toMatchObject({ matched: 3, changed: 3 });
  expect((await owner.get(`/api/tags/${tag.body.id}`)).body.customerCount).toBe(0);
});

test('a WeCom corp tag sync is refused while the workspace has no WeCom customer-contact secret', async () => {
  const refused = await owner.post('/api/tags/wecom-sync', {});
  expect([refused.status, refused.body.error.code]).toEqual([409, 'tag.wecom_not_configured']);
  expect((await owner.get('/api/tags/wecom-sync')).body).toMatchObject({
    state: 'idle',
    lastFinishedAt: null,
    lastStatus: null,
  });
});
