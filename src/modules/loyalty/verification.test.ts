// The member H5's sign-in with a phone code, on a real server whose clock the test moves: wrong, expired and
// exhausted codes, the resend cooldown and hourly limits, the member session cookie and its CSRF header, joining
// with consent to the current terms, and the SMS gateway sender.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { H5Client, type LoyaltyServer, loggedCode, signIn, startLoyaltyServer } from './members.fixtures.ts';
import { CODE_POLICY, sendCode, webhookCodeSender } from './verification.ts';

let server: LoyaltyServer;
const later = (seconds: number) => {
  server.clock.now = new Date(server.clock.now.getTime() + seconds * 1000);
};
/** Each test starts an hour after the last one, so earlier sends do not count against its hourly limits. */
const nextHour = () => later(3601);

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'h5-auth', now: new Date('2026-06-01T02:00:00Z') });
});
afterAll(() => server.close());

test('the H5 reads the brand and the current member terms without signing in', async () => {
  const res = await new H5Client(server.url).get(`/api/h5/terms?ws=${server.slug}`);
  expect(res.status).toBe(200);
  expect(res.body.workspace).toEqual({ slug: 'h5-auth', name: '茶语 Chayu' });
  expect(res.body.terms.version).toBe('1');
  expect(res.body.terms.text).toContain('会员');
  expect((await new H5Client(server.url).get('/api/h5/terms?ws=no-such-brand')).status).toBe(404);
});

test('a code signs the phone in; a wrong code is refused and counted; joining needs consent to the current terms', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  const sent = await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700001111' });
  expect(sent.status).toBe(200);
  expect(sent.body).toEqual({ phone: '+86137****1111', expiresInSeconds: 300, resendInSeconds: 60 });
  const code = loggedCode(server, '+8613700001111');
  expect(code).toMatch(/^\d{6}$/);
  // Only a salted hash is stored.
  const stored = await server.siyu.db.query<{ code_hash: string }>('SELECT code_hash FROM member_codes');
  expect(stored.map((r) => r.code_hash)).not.toContain(code);

  const wrong = await h5.post('/api/h5/auth/verify', {
    ws: server.slug,
    phone: '13700001111',
    code: code === '000000' ? '111111' : '000000',
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error).toMatchObject({ code: 'loyalty.code_invalid', details: { attemptsLeft: 4 } });
  expect(h5.cookie).toBeNull();

  const ok = await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '+86 137 0000 1111', code });
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ isMember: false, card: null });
  expect(h5.cookie).toMatch(/^siyu_member=/);
  const cookie = ok.headers.getSetCookie().find((c) => c.startsWith('siyu_member=')) ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/Path=\/api\/h5/);
  expect(cookie).toMatch(/SameSite=Strict/i);
  // A code works once.
  const reused = await new H5Client(server.url).post('/api/h5/auth/verify', {
    ws: server.slug,
    phone: '13700001111',
    code,
  });
  expect(reused.body.error.code).toBe('loyalty.code_invalid');

  const me = await h5.get('/api/h5/me');
  expect(me.body).toMatchObject({ phone: '+86137****1111', member: null });
  const customer = await server.owner.get(`/api/customers/${me.body.customerId}`);
  expect(customer.body.customer).toMatchObject({ phone: '+8613700001111', sourceChannel: 'h5', memberStatus: 'none' });

  const noHeader = await h5.request('POST', '/api/h5/join', { termsVersion: '1', consent: true }, { 'x-siyu-h5': '' });
  expect(noHeader.status).toBe(403);
  expect(noHeader.body.error.code).toBe('auth.csrf_failed');
  const stale = await h5.post('/api/h5/join', { termsVersion: '0', consent: true });
  expect(stale.body.error.code).toBe('loyalty.terms_outdated');
  const joined = await h5.post('/api/h5/join', {
    termsVersion: '1',
    consent: true,
    name: '周可可',
    birthday: '1996-08-18',
    gender: 'female',
  });
  expect(joined.status).toBe(200);
  expect(joined.body).toMatchObject({
    status: 'active',
    tier: { code: 'normal' },
    termsVersion: '1',
    currentTermsVersion: '1',
    growth: { window: 0, next: { threshold: 300 } },
  });
  expect(joined.body.benefits[0]).toEqual({ type: 'points_multiplier', pct: 100 });
  const twice = await h5.post('/api/h5/join', { termsVersion: '1', consent: true });
  expect(twice.body.cardNo).toBe(joined.body.cardNo);
  const member = await server.owner.get(`/api/members/${me.body.customerId}`);
  expect(member.body).toMatchObject({ name: '周可可', joinChannel: 'h5', cardNo: joined.body.cardNo });
  expect((await server.owner.get(`/api/customers/${me.body.customerId}`)).body.customer).toMatchObject({
    birthday: '1996-08-18',
    gender: 'female',
    memberStatus: 'member',
  });
  const consent = await server.siyu.db.query<{ consent_ip: string; consented_at: Date }>(
    'SELECT consent_ip, consented_at FROM members WHERE customer_id = $1',
    [me.body.customerId],
  );
  expect(consent[0]?.consent_ip).toBe('127.0.0.1');
  expect(consent[0]?.consented_at.toISOString()).toBe(server.clock.now.toISOString());

  // Signing in again on another device finds the member.
  later(61);
  const again = await signIn(server, '13700001111');
  expect(again.verified).toMatchObject({ isMember: true, card: { cardNo: joined.body.cardNo } });

  expect((await h5.post('/api/h5/auth/logout')).status).toBe(204);
  expect(h5.cookie).toBeNull();
  expect((await h5.get('/api/h5/me')).status).toBe(401);
  expect((await again.h5.get('/api/h5/me')).status).toBe(200);
});

test('a code expires after five minutes', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700002222' });
  const code = loggedCode(server, '+8613700002222');
  later(301);
  const late = await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700002222', code });
  expect(late.status).toBe(400);
  expect(late.body.error.code).toBe('loyalty.code_expired');
  // A new code (after the cooldown) works, and retires the old one.
  await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700002222' });
  const fresh = loggedCode(server, '+8613700002222');
  if (fresh !== code) {
    const old = await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700002222', code });
    expect(old.body.error.code).toBe('loyalty.code_invalid');
  }
  expect((await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700002222', code: fresh })).status).toBe(
    200,
  );
});

test('five wrong codes use the code up: even the right one is then refused', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700003333' });
  const code = loggedCode(server, '+8613700003333');
  const wrongCode = code === '123456' ? '654321' : '123456';
  const answers = [];
  for (let i = 0; i < 5; i++) {
    answers.push(await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700003333', code: wrongCode }));
  }
  expect(answers.map((a) => a.body.error.details?.attemptsLeft ?? a.body.error.code)).toEqual([
    4,
    3,
    2,
    1,
    'loyalty.code_attempts_exceeded',
  ]);
  expect(answers[4]?.status).toBe(429);
  const right = await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700003333', code });
  expect(right.status).toBe(429);
  expect(right.body.error.code).toBe('loyalty.code_attempts_exceeded');
});

test('codes are sent at most once a minute and five times an hour per phone', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  const send = () => h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700004444' });
  expect((await send()).status).toBe(200);
  later(20);
  const cooling = await send();
  expect(cooling.status).toBe(429);
  expect(cooling.body.error).toMatchObject({ code: 'loyalty.code_cooldown', details: { retryAfterSeconds: 40 } });
  expect(cooling.headers.get('retry-after')).toBe('40');
  for (let i = 0; i < 4; i++) {
    later(61);
    expect((await send()).status).toBe(200);
  }
  later(61);
  const limited = await send();
  expect(limited.status).toBe(429);
  expect(limited.body.error.code).toBe('loyalty.code_phone_limit');
  later(limited.body.error.details.retryAfterSeconds);
  expect((await send()).status).toBe(200);
});

test('one client address gets at most twenty codes an hour, whatever the phones', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  for (let i = 0; i < 20; i++) {
    const res = await h5.post('/api/h5/auth/code', { ws: server.slug, phone: `1370005${String(i).padStart(4, '0')}` });
    expect(res.status).toBe(200);
  }
  const refused = await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '13700059999' });
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe('loyalty.code_ip_limit');
});

test('bad phone numbers and unknown brands are refused before anything is sent', async () => {
  nextHour();
  const h5 = new H5Client(server.url);
  expect((await h5.post('/api/h5/auth/code', { ws: server.slug, phone: '12345' })).body.error.code).toBe(
    'loyalty.invalid_phone',
  );
  expect((await h5.post('/api/h5/auth/code', { ws: 'no-such-brand', phone: '13700006666' })).status).toBe(404);
  expect((await h5.post('/api/h5/auth/verify', { ws: server.slug, phone: '13700006666', code: '12345' })).status).toBe(
    400,
  );
});

test('member routes refuse callers without a member session, and a session ends after 30 days', async () => {
  nextHour();
  const anonymous = new H5Client(server.url);
  expect((await anonymous.get('/api/h5/me')).body.error.code).toBe('loyalty.session_required');
  expect((await anonymous.post('/api/h5/join', { termsVersion: '1', consent: true })).status).toBe(401);
  // A staff session is no member session.
  expect((await server.owner.get('/api/h5/me')).status).toBe(401);
  const { h5 } = await signIn(server, '13700007777');
  expect((await h5.get('/api/h5/me')).status).toBe(200);
  later(30 * 86_400 + 1);
  expect((await h5.get('/api/h5/me')).status).toBe(401);
});

test('the SMS gateway sender posts a signed message; a gateway failure leaves no code behind', async () => {
  const received: { body: string; timestamp: string; signature: string }[] = [];
  let answer = 200;
  const gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({
        body,
        timestamp: String(req.headers['x-siyu-timestamp']),
        signature: String(req.headers['x-siyu-signature']),
      });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  const secret = 'a-shared-secret-of-the-gateway';
  const sender = webhookCodeSender({ url, secret });
  const log = { info: () => {}, warn: () => {} };
  try {
    nextHour();
    const input = { slug: server.slug, phone: '13700008888', ip: '10.0.0.8', locale: 'zh-CN' as const, log };
    await sendCode(server.siyu.db, sender, CODE_POLICY, { ...input, now: server.clock.now });
    const [message] = received;
    const body = JSON.parse(message?.body ?? '{}');
    expect(body).toMatchObject({ phone: '+8613700008888', brand: '茶语 Chayu', ttlMinutes: 5 });
    expect(body.text).toContain(body.code);
    expect(body.text).toContain('【茶语 Chayu】');
    const expected = createHmac('sha256', secret).update(`${message?.timestamp}.${message?.body}`).digest('hex');
    expect(message?.signature).toBe(`sha256=${expected}`);

    answer = 500;
    later(61);
    await expect(
      sendCode(server.siyu.db, sender, CODE_POLICY, { ...input, now: server.clock.now }),
    ).rejects.toMatchObject({
      status: 502,
      code: 'loyalty.code_send_failed',
    });
    // Not delivered, so not counted: the member may ask again at once.
    answer = 200;
    await sendCode(server.siyu.db, sender, CODE_POLICY, { ...input, now: server.clock.now });
    expect(received).toHaveLength(3);
  } finally {
    gateway.close();
  }
});
