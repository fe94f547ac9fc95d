import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SIYU_LOGIN_MAX_FAILURES: '3' } });
});
afterAll(() => server.close());

const owner = () => server.owner;

test('signing in sets an httpOnly session cookie and returns the session with a CSRF token', async () => {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: owner().login, password: owner().password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('siyu_session='));
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  const body = (await res.json()) as any;
  expect(body.staff.role).toBe('owner');
  expect(body.workspace.slug).toBe('chayu');
  expect(body.csrfToken).toMatch(/^[\w-]{20,}$/);
  expect(body.permissions).toContain('staff.manage');
});

test('the password is stored only as an argon2id hash', async () => {
  const rows = await server.siyu.db.query<{ password_hash: string }>(
    `SELECT password_hash FROM staff WHERE email = $1`,
    [owner().login],
  );
  expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
  expect(rows[0]?.password_hash).not.toContain(owner().password);
});

test('phone numbers sign in in any common notation', async () => {
  const c = new ApiClient(server.url);
  await c.login(owner().login, owner().password);
  const created = await c.post('/api/staff', {
    name: '电话登录',
    phone: '139 1234 5678',
    role: 'operator',
    password: 'phone-login-123',
  });
  expect(created.status).toBe(201);
  expect(created.body.staff.phone).toBe('+8613912345678');
  const d = new ApiClient(server.url);
  expect((await d.login('+86 139-1234-5678', 'phone-login-123')).status).toBe(200);
});

test('wrong passwords and unknown accounts get the same 401', async () => {
  const c = new ApiClient(server.url);
  const wrong = await c.login(owner().login, 'not-the-password');
  const unknown = await c.login('nobody@chayu.demo', 'whatever-password');
  expect(wrong.status).toBe(401);
  expect(unknown.status).toBe(401);
  expect(wrong.body.error.code).toBe('auth.invalid_credentials');
  expect(unknown.body).toEqual(wrong.body);
});

test('repeated failures lock the account, and the lock is audited', async () => {
  const c = new ApiClient(server.url);
  await c.login(owner().login, owner().password);
  await c.post('/api/staff', {
    name: '锁定测试',
    email: 'lock@chayu.demo',
    role: 'analyst',
    password: 'right-password-1',
  });
  const d = new ApiClient(server.url);
  for (let i = 0; i < 3; i++) expect((await d.login('lock@chayu.demo', 'wrong-password')).status).toBe(401);
  const locked = await d.login('lock@chayu.demo', 'right-password-1');
  expect(locked.status).toBe(429);
  expect(locked.body.error.code).toBe('auth.account_locked');
  const audit = await c.get('/api/audit?action=auth.locked');
  expect(audit.body.items).toHaveLength(1);
});

test('state-changing requests with the session cookie need the CSRF token', async () => {
  const c = new ApiClient(server.url);
  await c.login(owner().login, owner().password);
  const res = await c.request('POST', '/api/api-keys', { name: 'no csrf' }, { 'x-csrf-token': 'forged' });
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('auth.csrf_failed');
  const missing = await c.request('POST', '/api/api-keys', { name: 'no csrf' }, { 'x-csrf-token': '' });
  expect(missing.status).toBe(403);
  expect((await c.get('/api/api-keys')).body.items).toHaveLength(0);
});

test('sign-out ends the session', async () => {
  const c = new ApiClient(server.url);
  await c.login(owner().login, owner().password);
  const cookie = c.cookie;
  expect((await c.get('/api/auth/me')).status).toBe(200);
  expect((await c.post('/api/auth/logout')).status).toBe(204);
  c.cookie = cookie;
  const after = await c.get('/api/auth/me');
  expect(after.status).toBe(401);
  expect(after.body.error.code).toBe('auth.unauthenticated');
});

test('a disabled account cannot sign in and its open sessions end', async () => {
  const admin = new ApiClient(server.url);
  await admin.login(owner().login, owner().password);
  const created = await admin.post('/api/staff', {
    name: '停用测试',
    email: 'disable@chayu.demo',
    role: 'operator',
    password: 'disable-me-123',
  });
  const user = new ApiClient(server.url);
  await user.login('disable@chayu.demo', 'disable-me-123');
  expect((await user.get('/api/auth/me')).status).toBe(200);
  expect((await admin.patch(`/api/staff/${created.body.staff.id}`, { status: 'disabled' })).status).toBe(200);
  expect((await user.get('/api/auth/me')).status).toBe(401);
  const again = await new ApiClient(server.url).login('disable@chayu.demo', 'disable-me-123');
  expect(again.status).toBe(403);
  expect(again.body.error.code).toBe('auth.account_disabled');
});

test('error messages follow the caller’s language', async () => {
  const zh = await fetch(`${server.url}/api/auth/me`);
  expect(((await zh.json()) as any).error.message).toBe('请先登录');
  const en = await fetch(`${server.url}/api/auth/me`, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
  expect(((await en.json()) as any).error.message).toBe('Please sign in');
});
