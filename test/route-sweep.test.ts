// Sweeps every route with malformed input: the answer is always a 4xx with the error body, never a 5xx.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AnyRouteSpec } from '../src/platform/http/routes.ts';
import { ApiClient, type ApiResponse } from './support/client.ts';
import { sample, wrongType } from './support/schema-sample.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let owner: ApiClient;
beforeAll(async () => {
  // Hundreds of calls from one address in a few seconds: lift the per-IP limit, which has its own test.
  server = await startTestServer({ env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '1000000' } });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
});
afterAll(() => server.close());

const hasBody = (spec: AnyRouteSpec) => ['POST', 'PUT', 'PATCH'].includes(spec.method);
const pathOf = (spec: AnyRouteSpec, fill: (name: string) => string) =>
  spec.url.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(fill(name)));

function expectClientError(res: ApiResponse, label: string, signedIn = true): void {
  // The owner holds every permission and a live session: a 401/403 here would mean the input was never checked.
  if (signedIn) expect([401, 403], `${label} → ${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
  expect(res.status, `${label} → ${res.status} ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${label} → ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
  expect(typeof res.body?.error?.code, label).toBe('string');
  expect(typeof res.body?.error?.message, label).toBe('string');
}

test('every route answers malformed, mistyped, incomplete, unknown and oversized input with a 4xx', async () => {
  const routes = server.siyu.routes;
  expect(routes.length).toBeGreaterThan(5);
  for (const spec of routes) {
    const url = pathOf(spec, () => crypto.randomUUID());
    const label = `${spec.method} ${spec.url}`;
    // Member (H5) routes check input before the member session, which the staff owner does not have: input they
    // accept is then refused with 401, so for them a 401 means "the input passed".
    const signedIn = !('member' in spec);
    if (spec.params) {
      const res = await owner.request(
        spec.method,
        pathOf(spec, () => 'not-an-id'),
        hasBody(spec) ? (sample(spec.body) ?? {}) : undefined,
      );
      expectClientError(res, `${label} bad path parameter`, signedIn);
    }
    if (spec.query) {
      const props = Object.entries((spec.query as any).properties ?? {});
      for (const [name, prop] of props) {
        const res = await owner.request(
          'GET',
          `${url}?${name}=${encodeURIComponent(JSON.stringify(wrongType(prop as any)))}`,
        );
        if (res.status < 400) continue; // a free-text query value accepts any text
        expectClientError(res, `${label} query ${name} of the wrong type`, signedIn);
      }
      expectClientError(
        await owner.request(spec.method, `${url}?no_such_param=1`),
        `${label} unknown query parameter`,
        signedIn,
      );
    }
    if (!hasBody(spec)) continue;
    expectClientError(await owner.request(spec.method, url, '{"broken": '), `${label} malformed JSON`, signedIn);
    expectClientError(await owner.request(spec.method, url, '[1, 2, 3]'), `${label} JSON array body`, signedIn);
    expectClientError(
      await owner.request(spec.method, url, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      `${label} form body`,
    );
    expectClientError(
      await owner.request(spec.method, url, JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) })),
      `${label} oversized body`,
    );
    const schema = spec.body as any;
    if (!schema) continue;
    const valid = sample(schema) as Record<string, unknown>;
    expectClientError(
      await owner.request(spec.method, url, { ...valid, no_such_field: 1 }),
      `${label} unknown field`,
      signedIn,
    );
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      const res = await owner.request(spec.method, url, { ...valid, [name]: wrongType(prop as any) });
      expectClientError(res, `${label} field ${name} of the wrong type`, signedIn);
    }
    for (const name of schema.required ?? []) {
      const { [name]: _dropped, ...rest } = valid;
      expectClientError(await owner.request(spec.method, url, rest), `${label} missing ${name}`, signedIn);
    }
  }
});

test('every private route refuses anonymous callers and bad API keys with a 401 and the error body', async () => {
  const anon = new ApiClient(server.url);
  const badKey = new ApiClient(server.url);
  badKey.bearer = 'sy_not-a-real-key';
  for (const spec of server.siyu.routes) {
    if ('public' in spec) continue;
    const url = pathOf(spec, () => crypto.randomUUID());
    const body = hasBody(spec) ? (sample(spec.body) ?? {}) : undefined;
    for (const [who, client] of [
      ['anonymous', anon],
      ['bad key', badKey],
    ] as const) {
      const res = await client.request(spec.method, url, body);
      // Member routes validate first (see above): a made-up path parameter may be refused as 400 before the 401.
      if ('member' in spec) expect([400, 401], `${who} ${spec.method} ${spec.url}`).toContain(res.status);
      else expect(res.status, `${who} ${spec.method} ${spec.url}`).toBe(401);
      expectClientError(res, `${who} ${spec.method} ${spec.url}`, false);
    }
  }
});

test('a state-changing route without input accepts no body or {}, and refuses anything else', async () => {
  const c = new ApiClient(server.url);
  await c.login(server.owner.login, server.owner.password);
  const key = await c.post('/api/api-keys', { name: 'to revoke' });
  const none = await fetch(`${server.url}/api/api-keys/${key.body.apiKey.id}/revoke`, {
    method: 'POST',
    headers: { cookie: c.cookie as string, 'x-csrf-token': c.csrf as string },
  });
  expect(none.status).toBe(200);
  expect((await c.post(`/api/api-keys/${key.body.apiKey.id}/revoke`, {})).status).toBe(200);
  expect((await c.post(`/api/api-keys/${key.body.apiKey.id}/revoke`, { why: 'x' })).status).toBe(400);
});
