import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let owner: ApiClient;
beforeAll(async () => {
  server = await startTestServer({ env: { SIYU_RATE_LIMIT_KEY_PER_MINUTE: '20' } });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
});
afterAll(() => server.close());

test('a POST retried with the same Idempotency-Key returns the first response and changes nothing twice', async () => {
  const body = { name: '幂等', email: 'idem@chayu.demo', role: 'guide' };
  const first = await owner.post('/api/staff', body, { 'idempotency-key': 'create-idem-1' });
  const replay = await owner.post(
    '/api/staff',
    { role: 'guide', email: 'idem@chayu.demo', name: '幂等' },
    {
      'idempotency-key': 'create-idem-1',
    },
  );
  expect(first.status).toBe(201);
  expect(replay.status).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  const rows = await server.siyu.db.query(`SELECT 1 FROM staff WHERE email = 'idem@chayu.demo'`);
  expect(rows).toHaveLength(1);
  const audit = await owner.get(`/api/audit?action=staff.create&targetId=${first.body.staff.id}`);
  expect(audit.body.items).toHaveLength(1);
});

test('the same Idempotency-Key with a different body is a 422', async () => {
  await owner.post('/api/api-keys', { name: 'k1' }, { 'idempotency-key': 'key-reuse' });
  const res = await owner.post('/api/api-keys', { name: 'k2' }, { 'idempotency-key': 'key-reuse' });
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('idempotency.key_reused');
});

test('concurrent retries with one Idempotency-Key create one thing', async () => {
  const results = await Promise.all(
    Array.from({ length: 8 }, () => owner.post('/api/api-keys', { name: 'race' }, { 'idempotency-key': 'race-1' })),
  );
  expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
  expect(new Set(results.map((r) => r.body.apiKey.id)).size).toBe(1);
  const keys = await server.siyu.db.query(`SELECT 1 FROM api_keys WHERE name = 'race'`);
  expect(keys).toHaveLength(1);
});

test('a failed request leaves its Idempotency-Key free for a corrected retry', async () => {
  const bad = await owner.post('/api/staff', { name: 'X', role: 'guide' }, { 'idempotency-key': 'fix-me' });
  expect(bad.status).toBe(400);
  const good = await owner.post(
    '/api/staff',
    { name: 'X', role: 'guide', email: 'fixed@chayu.demo' },
    {
      'idempotency-key': 'fix-me',
    },
  );
  expect(good.status).toBe(201);
});

test('API keys are rate limited per key with 429, Retry-After and the error body', async () => {
  const created = await owner.post('/api/api-keys', { name: 'busy', role: 'admin' });
  const c = new ApiClient(server.url);
  c.bearer = created.body.secret;
  const statuses: number[] = [];
  let limited: any = null;
  for (let i = 0; i < 25; i++) {
    const res = await c.get('/api/staff?limit=1');
    statuses.push(res.status);
    if (res.status === 429) limited = res;
  }
  expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
  expect(limited?.body.error.code).toBe('request.rate_limited');
  expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
});

test('/health reports the database, /metrics speaks Prometheus', async () => {
  const health = await fetch(`${server.url}/health`);
  expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/^# HELP siyu_http_requests_total/m);
  expect(metrics).toMatch(/siyu_jobs\{state="dead"\} \d+/);
});

test('OpenAPI 3 describes every route with its schemas, and /api/docs serves the docs', async () => {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
  expect(doc.openapi).toMatch(/^3\./);
  for (const spec of server.siyu.routes) {
    const p = spec.url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[p]?.[spec.method.toLowerCase()];
    expect(op, `${spec.method} ${spec.url}`).toBeDefined();
    expect(op.responses['400'] ?? op.responses['401']).toBeDefined();
  }
  expect(doc.paths['/api/staff'].post.requestBody.content['application/json'].schema.properties.role).toBeDefined();
  const docs = await fetch(`${server.url}/api/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toMatch(/swagger/i);
});

test('unknown API paths get a 404 with the error body; every response has a request id', async () => {
  const res = await owner.get('/api/nothing-here');
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('request.not_found');
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});
