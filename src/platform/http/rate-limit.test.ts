import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { RateLimiter } from './rate-limit.ts';

test('a fixed window allows the limit, then asks to wait until the window ends, then allows again', () => {
  let now = 0;
  const limiter = new RateLimiter(60_000, () => now);
  for (let i = 0; i < 3; i++) expect(limiter.hit('k', 3)).toBe(0);
  now = 15_000;
  expect(limiter.hit('k', 3)).toBe(45);
  expect(limiter.hit('other', 3)).toBe(0);
  now = 60_000;
  expect(limiter.hit('k', 3)).toBe(0);
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '5' } });
});
afterAll(() => server.close());

test('API calls from one IP beyond the per-IP limit get a 429 with the error body; health checks do not count', async () => {
  for (let i = 0; i < 10; i++) expect((await fetch(`${server.url}/health`)).status).toBe(200);
  const statuses: number[] = [];
  let last = await fetch(`${server.url}/api/auth/me`);
  statuses.push(last.status);
  for (let i = 0; i < 6; i++) {
    last = await fetch(`${server.url}/api/auth/me`);
    statuses.push(last.status);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  expect(((await last.json()) as any).error.code).toBe('request.rate_limited');
  expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
});

test('WeCom callbacks have their own per-IP bucket: a console over its limit does not block them, and they are limited too', async () => {
  // The console's bucket of this IP is spent by the test above (or is now).
  for (let i = 0; i < 6; i++) await fetch(`${server.url}/api/auth/me`);
  expect((await fetch(`${server.url}/api/auth/me`)).status).toBe(429);
  const callback = `${server.url}/api/wecom/callback/no-such-brand?msg_signature=x&timestamp=1&nonce=n&echostr=e`;
  for (let i = 0; i < 8; i++) expect((await fetch(callback)).status).not.toBe(429);

  const strict = await startTestServer({ env: { SIYU_RATE_LIMIT_CALLBACK_PER_MINUTE: '3' } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await fetch(`${strict.url}/api/wecom/callback/no-such-brand?echostr=e`)).status);
    }
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses.slice(3)).toEqual([429, 429]);
  } finally {
    await strict.close();
  }
});
