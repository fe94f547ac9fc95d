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

async function signedInAs(role: string, email: string): Promise<ApiClient> {
  await owner.post('/api/staff', { name: role, email, role, password: `pw-${email}-123` });
  const c = new ApiClient(server.url);
  await c.login(email, `pw-${email}-123`);
  return c;
}

test('an owner creates staff; a generated password is returned once and works', async () => {
  const res = await owner.post('/api/staff', {
    name: '王小明',
    email: 'Xiaoming@Chayu.demo',
    role: 'guide',
    department: '上海静安寺店',
  });
  expect(res.status).toBe(201);
  expect(res.body.staff).toMatchObject({
    name: '王小明',
    email: 'xiaoming@chayu.demo',
    role: 'guide',
    status: 'active',
  });
  expect(res.body.initialPassword).toHaveLength(16);
  const c = new ApiClient(server.url);
  expect((await c.login('xiaoming@chayu.demo', res.body.initialPassword)).status).toBe(200);
  const listed = await owner.get(`/api/staff?q=${encodeURIComponent('王小明')}`);
  expect(listed.body.items.map((s: { name: string }) => s.name)).toEqual(['王小明']);
});

test('an e-mail or phone already used in the workspace is a 409 naming the field', async () => {
  await owner.post('/api/staff', { name: 'A', email: 'dup@chayu.demo', role: 'guide' });
  const res = await owner.post('/api/staff', { name: 'B', email: 'DUP@chayu.demo', role: 'guide' });
  expect(res.status).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'staff.login_taken', details: { field: 'email' } });
});

test('staff need an e-mail or a phone, and the phone must be valid', async () => {
  expect((await owner.post('/api/staff', { name: 'C', role: 'guide' })).body.error.code).toBe('staff.contact_required');
  const bad = await owner.post('/api/staff', { name: 'C', phone: '12345', role: 'guide' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('staff.invalid_phone');
});

test('roles are checked on every route: an analyst cannot manage staff or read the audit log', async () => {
  const analyst = await signedInAs('analyst', 'analyst2@chayu.demo');
  const res = await analyst.post('/api/staff', { name: 'X', email: 'x@chayu.demo', role: 'guide' });
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('auth.forbidden');
  expect((await analyst.get('/api/audit')).status).toBe(403);
  expect((await analyst.get('/api/auth/me')).body.permissions).not.toContain('staff.manage');
});

test('an auditor reads the audit log but changes nothing', async () => {
  const auditor = await signedInAs('auditor', 'auditor2@chayu.demo');
  expect((await auditor.get('/api/audit')).status).toBe(200);
  expect((await auditor.post('/api/api-keys', { name: 'k' })).status).toBe(403);
});

test('only an owner grants the owner role, and the last owner cannot be demoted or disabled', async () => {
  const admin = await signedInAs('admin', 'admin2@chayu.demo');
  const made = await admin.post('/api/staff', { name: 'O', email: 'o@chayu.demo', role: 'owner' });
  expect(made.status).toBe(403);
  expect(made.body.error.code).toBe('staff.owner_only');
  const me = await owner.get('/api/auth/me');
  const demote = await owner.patch(`/api/staff/${me.body.staff.id}`, { role: 'admin' });
  expect(demote.status).toBe(409);
  expect(demote.body.error.code).toBe('staff.last_owner');
  const self = await owner.patch(`/api/staff/${me.body.staff.id}`, { status: 'disabled' });
  expect(self.status).toBe(409);
});

test('changing a role takes effect on the next request and is audited with before and after', async () => {
  const c = await signedInAs('analyst', 'promote@chayu.demo');
  const me = await c.get('/api/auth/me');
  expect((await c.get('/api/staff')).status).toBe(403);
  const res = await owner.patch(`/api/staff/${me.body.staff.id}`, { role: 'admin' });
  expect(res.body.role).toBe('admin');
  expect((await c.get('/api/staff')).status).toBe(200);
  const audit = await owner.get(`/api/audit?action=staff.update&targetId=${me.body.staff.id}`);
  expect(audit.body.items[0]).toMatchObject({
    actorType: 'staff',
    targetType: 'staff',
    details: { changes: { role: { from: 'analyst', to: 'admin' } } },
  });
  expect(audit.body.items[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(audit.body.items[0].ip).toBe('127.0.0.1');
});

test('API keys: shown once, work as Bearer tokens with their role, and stop working when revoked', async () => {
  const created = await owner.post('/api/api-keys', { name: 'POS 收银', role: 'admin' });
  expect(created.status).toBe(201);
  const { secret, apiKey } = created.body;
  expect(secret.startsWith(apiKey.prefix)).toBe(true);
  const listed = await owner.get('/api/api-keys');
  expect(JSON.stringify(listed.body)).not.toContain(secret);
  const stored = await server.siyu.db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_keys');
  expect(JSON.stringify(stored)).not.toContain(secret);

  const machine = new ApiClient(server.url);
  machine.bearer = secret;
  expect((await machine.get('/api/staff')).status).toBe(200);
  // No CSRF for bearer tokens: they are not sent by browsers on their own.
  expect((await machine.post('/api/staff', { name: 'API', email: 'api@chayu.demo', role: 'guide' })).status).toBe(201);
  expect((await machine.get('/api/auth/me')).status).toBe(403);
  const audit = await owner.get(`/api/audit?action=staff.create&actorId=${apiKey.id}`);
  expect(audit.body.items[0]).toMatchObject({ actorType: 'api_key', actorName: 'POS 收银' });

  expect((await owner.post(`/api/api-keys/${apiKey.id}/revoke`)).body.revokedAt).not.toBeNull();
  const after = await machine.get('/api/staff');
  expect(after.status).toBe(401);
  expect(after.body.error.code).toBe('auth.invalid_api_key');
  expect((await owner.post('/api/api-keys', { name: 'x', role: 'owner' })).status).toBe(422);
});

test('staff lists page with a cursor, newest first, without gaps or repeats', async () => {
  for (let i = 0; i < 7; i++)
    await owner.post('/api/staff', { name: `翻页${i}`, email: `page${i}@chayu.demo`, role: 'guide' });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await owner.get(
      `/api/staff?q=${encodeURIComponent('翻页')}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
    );
    seen.push(...res.body.items.map((s: { name: string }) => s.name));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(['翻页6', '翻页5', '翻页4', '翻页3', '翻页2', '翻页1', '翻页0']);
  const bad = await owner.get('/api/staff?cursor=not-a-cursor');
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('request.invalid_cursor');
});
