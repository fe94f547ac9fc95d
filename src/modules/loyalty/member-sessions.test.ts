// One browser signed in to the H5 of two brands served by one Siyu: each call reaches the session of the brand it
// names, and signing out of one brand keeps the other.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildDemo } from '../../demo/index.ts';
import { H5Client, type LoyaltyServer, loggedCode, startLoyaltyServer } from './members.fixtures.ts';

let server: LoyaltyServer;
let otherSlug: string;
beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'sessions-a' });
  otherSlug = (await buildDemo(server.siyu.db, { customers: 10, seed: 12, slug: 'sessions-b', name: '乙品牌' })).slug;
});
afterAll(() => server?.close());

async function signInTo(h5: H5Client, ws: string, phone: string): Promise<void> {
  expect((await h5.post('/api/h5/auth/code', { ws, phone })).status).toBe(200);
  const verified = await h5.post('/api/h5/auth/verify', { ws, phone, code: loggedCode(server, `+86${phone}`) });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
}

const me = (h5: H5Client, ws?: string) =>
  h5.request('GET', '/api/h5/me', undefined, ws ? { 'x-siyu-workspace': ws } : {});

test('a browser keeps one session per brand; each call reaches the brand it names; signing out of one keeps the other', async () => {
  const h5 = new H5Client(server.url);
  await signInTo(h5, server.slug, '13900002222');
  const first = await me(h5, server.slug);
  expect(first.status).toBe(200);

  await signInTo(h5, otherSlug, '13900002222');
  expect(h5.cookie?.split('=')[1]?.split('.')).toHaveLength(2);
  const a = await me(h5, server.slug);
  const b = await me(h5, otherSlug);
  expect(a.status).toBe(200);
  expect(b.status).toBe(200);
  // The same phone is a different customer in each brand.
  expect(a.body.customerId).toBe(first.body.customerId);
  expect(b.body.customerId).not.toBe(a.body.customerId);
  // Without a brand named, the newest session answers (a client that knew only one brand).
  expect((await me(h5)).body.customerId).toBe(b.body.customerId);
  // A brand the browser has no session with is refused, not answered with another brand's member.
  expect((await me(h5, 'no-such-brand')).status).toBe(401);

  // Signing in to a brand again replaces that brand's session instead of piling up (after the resend wait).
  server.clock.now = new Date(server.clock.now.getTime() + 10 * 60_000);
  await signInTo(h5, server.slug, '13900002222');
  expect(h5.cookie?.split('=')[1]?.split('.')).toHaveLength(2);

  const out = await h5.request('POST', '/api/h5/auth/logout', {}, { 'x-siyu-workspace': otherSlug });
  expect(out.status).toBe(204);
  expect((await me(h5, otherSlug)).status).toBe(401);
  expect((await me(h5, server.slug)).body.customerId).toBe(a.body.customerId);

  await h5.request('POST', '/api/h5/auth/logout', {}, { 'x-siyu-workspace': server.slug });
  expect(h5.cookie).toBeNull();
  expect((await me(h5, server.slug)).status).toBe(401);
});
