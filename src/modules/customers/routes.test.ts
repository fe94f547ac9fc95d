import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let owner: ApiClient;
beforeAll(async () => {
  server = await startTestServer();
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
});
afterAll(() => server.close());

test('create, find by any identity notation, edit and read the 360 view', async () => {
  const created = await owner.post('/api/customers', {
    name: '王芳',
    gender: 'female',
    city: '上海',
    birthday: '1995-06-18',
    identities: [
      { kind: 'phone', value: '138 1111 2222' },
      { kind: 'wechat_openid', value: 'o-abc', appId: 'wx-official' },
    ],
  });
  expect(created.status).toBe(201);
  const id = created.body.customer.id;
  expect(created.body.customer).toMatchObject({ name: '王芳', phone: null, birthday: '1995-06-18' });
  expect(created.body.identities.map((i: any) => i.kind)).toEqual(['phone', 'wechat_openid']);

  const found = await owner.get(`/api/customers?q=${encodeURIComponent('+86 13811112222')}`);
  expect(found.body.items.map((c: any) => c.id)).toEqual([id]);
  const byName = await owner.get(`/api/customers?q=${encodeURIComponent('王')}`);
  expect(byName.body.items.map((c: any) => c.id)).toContain(id);

  const edited = await owner.patch(`/api/customers/${id}`, { occupation: '教师', interests: ['奶茶', '烘焙'] });
  expect(edited.body).toMatchObject({ occupation: '教师', interests: ['奶茶', '烘焙'] });
  const again = await owner.post('/api/customers', { identities: [{ kind: 'phone', value: '13811112222' }] });
  expect(again.body.customer.id).toBe(id);
  const audit = await owner.get(`/api/audit?targetId=${id}`);
  expect(audit.body.items.map((a: any) => a.action).sort()).toEqual([
    'customer.create',
    'customer.create',
    'customer.update',
  ]);
});

test('roles without customer.pii see masked names, phones and e-mails', async () => {
  await owner.post('/api/customers', {
    name: '赵敏',
    identities: [
      { kind: 'phone', value: '13922223333' },
      { kind: 'email', value: 'zhaomin@example.com' },
    ],
  });
  await owner.post('/api/staff', {
    name: '分析师',
    email: 'an@chayu.demo',
    role: 'analyst',
    password: 'analyst-pw-123',
  });
  const analyst = new ApiClient(server.url);
  await analyst.login('an@chayu.demo', 'analyst-pw-123');
  const list = await analyst.get(`/api/customers?q=${encodeURIComponent('+8613922223333')}`);
  const c = list.body.items[0];
  expect(c.name).toBe('赵*');
  const detail = await analyst.get(`/api/customers/${c.id}`);
  const values = detail.body.identities.map((i: any) => i.value).sort();
  expect(values).toEqual(['+86139****3333', 'z***@example.com']);
  expect(JSON.stringify(detail.body)).not.toContain('13922223333');
  expect((await analyst.patch(`/api/customers/${c.id}`, { city: '北京' })).status).toBe(403);
});

test('custom fields are defined per workspace and validated on write', async () => {
  expect(
    (
      await owner.post('/api/custom-fields', {
        key: 'tea_taste',
        label: '口味偏好',
        type: 'single_choice',
        options: ['少糖', '全糖'],
      })
    ).status,
  ).toBe(201);
  expect((await owner.post('/api/custom-fields', { key: 'cups', label: '每周杯数', type: 'number' })).status).toBe(201);
  const dup = await owner.post('/api/custom-fields', { key: 'cups', label: 'x', type: 'number' });
  expect(dup.status).toBe(409);
  const ok = await owner.post('/api/customers', {
    custom: { tea_taste: '少糖', cups: 3 },
    identities: [{ kind: 'user_id', value: 'cf-1' }],
  });
  expect(ok.body.customer.custom).toEqual({ tea_taste: '少糖', cups: 3 });
  const bad = await owner.patch(`/api/customers/${ok.body.customer.id}`, { custom: { tea_taste: '半糖' } });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatchObject({
    code: 'customer.invalid_custom_field',
    details: { field: 'custom.tea_taste' },
  });
  const unknown = await owner.patch(`/api/customers/${ok.body.customer.id}`, { custom: { colour: 'red' } });
  expect(unknown.body.error.details.field).toBe('custom.colour');
});

test('custom fields are relabelled, gain choices but never lose one, and archived fields keep values but take no new ones', async () => {
  const created = await owner.post('/api/custom-fields', {
    key: 'cup_size',
    label: '杯型',
    type: 'multi_choice',
    options: ['中杯', '大杯'],
  });
  expect(created.body).toMatchObject({ key: 'cup_size', archivedAt: null });
  const c = await owner.post('/api/customers', {
    custom: { cup_size: ['大杯'] },
    identities: [{ kind: 'user_id', value: 'cf-archive' }],
  });
  const edited = await owner.patch('/api/custom-fields/cup_size', {
    label: '常点杯型',
    options: ['中杯', '大杯', '超大杯'],
  });
  expect(edited.body).toMatchObject({ label: '常点杯型', type: 'multi_choice', options: ['中杯', '大杯', '超大杯'] });
  const shrunk = await owner.patch('/api/custom-fields/cup_size', { options: ['中杯'] });
  expect(shrunk.status).toBe(409);
  expect(shrunk.body.error.code).toBe('customer.custom_field_option_removed');
  expect((await owner.patch('/api/custom-fields/cups', { options: ['1'] })).status).toBe(400);
  expect((await owner.patch('/api/custom-fields/no_such_field', { label: 'x' })).status).toBe(404);

  const archived = await owner.post('/api/custom-fields/cup_size/archive');
  expect(archived.status).toBe(200);
  expect(archived.body.archivedAt).toEqual(expect.any(String));
  const listed = await owner.get('/api/custom-fields');
  expect(listed.body.items.map((f: { key: string }) => f.key)).not.toContain('cup_size');
  const all = await owner.get('/api/custom-fields?includeArchived=true');
  expect(all.body.items.find((f: { key: string }) => f.key === 'cup_size').archivedAt).not.toBeNull();
  expect((await owner.get(`/api/customers/${c.body.customer.id}`)).body.customer.custom.cup_size).toEqual(['大杯']);
  const refused = await owner.patch(`/api/customers/${c.body.customer.id}`, { custom: { cup_size: ['中杯'] } });
  expect(refused.body.error.details).toMatchObject({ field: 'custom.cup_size', reason: 'archived field' });
  expect((await owner.post('/api/custom-fields/cup_size/restore')).body.archivedAt).toBeNull();
  expect((await owner.patch(`/api/customers/${c.body.customer.id}`, { custom: { cup_size: ['超大杯'] } })).status).toBe(
    200,
  );
  const audit = await owner.get('/api/audit?action=custom_field.archive');
  expect(audit.body.items[0]).toMatchObject({ targetType: 'custom_field', targetId: 'cup_size' });
});

test('merge by hand and unmerge through the API', async () => {
  const a = await owner.post('/api/customers', { name: '甲', identities: [{ kind: 'user_id', value: 'm-a' }] });
  const b = await owner.post('/api/customers', { name: '乙', identities: [{ kind: 'user_id', value: 'm-b' }] });
  const merged = await owner.post('/api/customers/merge', {
    survivorId: a.body.customer.id,
    mergedId: b.body.customer.id,
  });
  expect(merged.status).toBe(200);
  expect(merged.body.identities.map((i: any) => i.value).sort()).toEqual(['m-a', 'm-b']);
  const mergeId = merged.body.merges[0].id;
  expect((await owner.get(`/api/customers/${b.body.customer.id}`)).body.customer.id).toBe(a.body.customer.id);
  const undone = await owner.post(`/api/customers/merges/${mergeId}/unmerge`);
  expect(undone.body.restored).toMatchObject({ id: b.body.customer.id, name: '乙' });
  expect((await owner.post(`/api/customers/merges/${mergeId}/unmerge`)).status).toBe(409);
  const self = await owner.post('/api/customers/merge', {
    survivorId: a.body.customer.id,
    mergedId: a.body.customer.id,
  });
  expect(self.status).toBe(409);
});

test('unknown customers are 404 and bad identities 400', async () => {
  const missing = await owner.get(`/api/customers/${crypto.randomUUID()}`);
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('customer.not_found');
  const bad = await owner.post('/api/customers', { identities: [{ kind: 'phone', value: '12' }] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('customer.identity_value');
});
