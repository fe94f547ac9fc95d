// Churn alerts end to end: a customer deleting their guide (or a guide deleting a customer) in WeCom becomes a churn
// record with the relationship's age, the guide's manager finds it in the console inbox and in their mailbox (a
// real SMTP server on loopback), the guide's open follow-up tasks for the customer are skipped, and the guide no
// longer sees the customer.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from './fixtures/world.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

let world: World;
let smtp: SMTPServer;
let smtpPort = 0;
const mailbox: Received[] = [];
const DAY_MS = 86_400_000;

beforeAll(async () => {
  smtp = new SMTPServer({
    // Plain SMTP on loopback, with a login it checks: what the workspace's settings say must reach it.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'siyu' && auth.password === 'smtp-secret-1') callback(null, { user: 'siyu' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mailbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
});
afterAll(async () => {
  await world.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

/** A header of a received message, unfolded and decoded from RFC 2047 encoded words. */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)) ?? '';
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, '%$1')),
    );
}

async function waitForMail(count: number): Promise<void> {
  for (let i = 0; i < 200 && mailbox.length < count; i++) await new Promise((r) => setTimeout(r, 50));
}

async function customerByExternalId(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  return found.body.items[0].id;
}

test('notice e-mail is configured per workspace, its password never returned, and a test message arrives', async () => {
  const none = await world.owner.post('/api/relationships/settings/email/test', { to: 'x@relationships.test' });
  expect([none.status, none.body.error.code]).toEqual([409, 'notification.email_not_configured']);
  const wrong = await world.owner.request('PUT', '/api/relationships/settings/email', {
    enabled: true,
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    user: 'siyu',
    password: 'not-the-password',
    from: 'notices@chayu.test',
  });
  expect(wrong.status).toBe(200);
  const refused = await world.owner.post('/api/relationships/settings/email/test', { to: 'ops@chayu.test' });
  expect(refused.body).toMatchObject({ sent: false, messageId: null });
  expect(refused.body.error).toMatch(/^邮件发送失败：Invalid login/);
  const saved = await world.owner.request('PUT', '/api/relationships/settings/email', {
    enabled: true,
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    user: 'siyu',
    password: 'smtp-secret-1',
    from: 'notices@chayu.test',
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect(saved.body).toMatchObject({ source: 'workspace', enabled: true, hasPassword: true, port: smtpPort });
  const settings = await world.owner.get('/api/relationships/settings');
  expect(JSON.stringify(settings.body)).not.toContain('smtp-secret-1');
  const audit = await world.owner.get('/api/audit?action=relationship.email_settings');
  expect(JSON.stringify(audit.body)).not.toContain('smtp-secret-1');

  const sent = await world.owner.post('/api/relationships/settings/email/test', { to: 'ops@chayu.test' });
  expect(sent.body, JSON.stringify(sent.body)).toMatchObject({ sent: true, error: null });
  await waitForMail(1);
  expect(mailbox[0]).toMatchObject({ from: 'notices@chayu.test', to: ['ops@chayu.test'] });
  expect(header(mailbox[0]?.raw ?? '', 'subject')).toBe('私域通知邮件测试');
  mailbox.length = 0;
});

test('a customer deleting their guide is a churn record, a notice in the manager’s inbox and an e-mail', async () => {
  const { sim, clock } = world;
  const added = await sim.customerAddsGuide({ userId: 'zhangsan', name: '小美' });
  await world.settled();
  const customerId = await customerByExternalId(added.externalUserId);
  const guide = world.guides.zhangsan;
  expect((await guide?.client.get(`/api/customers/${customerId}`))?.status).toBe(200);

  clock.advance(3 * DAY_MS + 3_600_000);
  await sim.customerDeletesGuide({ externalUserId: added.externalUserId, userId: 'zhangsan' });
  await world.settled();

  const churn = await world.owner.get(`/api/churn?direction=customer_deleted_guide`);
  expect(churn.status).toBe(200);
  const record = churn.body.items.find((c: { customerId: string }) => c.customerId === customerId);
  expect(record).toMatchObject({
    customerName: '小美',
    guideStaffId: guide?.staffId,
    guideName: '导购zhangsan',
    wecomUserId: 'zhangsan',
    relationshipDays: 3,
    notifiedStaffIds: [world.manager.staffId],
  });
  expect(record.lastInteractionAt).not.toBeNull();

  const manager = world.manager.client;
  expect((await manager.get('/api/notifications/unread-count')).body).toEqual({ unread: 1 });
  const inbox = await manager.get('/api/notifications');
  expect(inbox.body.items).toHaveLength(1);
  expect(inbox.body.items[0]).toMatchObject({
    kind: 'churn',
    text: '客户「小美」删除了导购 导购zhangsan（加好友 3 天）',
    data: { customerId, direction: 'customer_deleted_guide', relationshipDays: 3 },
    readAt: null,
  });
  await waitForMail(1);
  expect(mailbox).toHaveLength(1);
  expect(mailbox[0]?.to).toEqual(['manager@relationships.test']);
  expect(header(mailbox[0]?.raw ?? '', 'subject')).toBe(
    '【茶语 Chayu】客户「小美」删除了导购 导购zhangsan（加好友 3 天）',
  );
  expect((await manager.get('/api/notifications')).body.items[0].emailedAt).not.toBeNull();

  const read = await manager.post(`/api/notifications/${inbox.body.items[0].id}/read`);
  expect(read.body).toEqual({ unread: 0 });
  // Not the guide's notice to read.
  expect((await guide?.client.post(`/api/notifications/${inbox.body.items[0].id}/read`))?.status).toBe(404);

  // The guide's open tasks for the customer were skipped; the customer is no longer theirs to see.
  const tasks = await world.owner.get(`/api/tasks?customerId=${customerId}&limit=50`);
  expect(tasks.body.items.length).toBeGreaterThan(0);
  for (const t of tasks.body.items) expect([t.status, t.note]).toEqual(['skipped', '好友关系已结束，任务自动跳过']);
  expect((await guide?.client.get(`/api/customers/${customerId}`))?.status).toBe(404);
  // Guides see churn only as counts on their dashboard.
  expect((await guide?.client.get('/api/churn'))?.status).toBe(403);
  const dashboard = await guide?.client.get('/api/relationships/dashboard');
  expect(dashboard?.body.totals).toMatchObject({ churn7: 1, newCustomers7: 1 });

  // The same deletion delivered again records nothing more.
  const last = sim.deliveries.filter((d) => d.fields.ChangeType === 'del_follow_user').at(-1);
  if (last) await sim.redeliver(last);
  await world.settled();
  expect((await world.owner.get(`/api/churn?guideStaffId=${guide?.staffId}`)).body.items).toHaveLength(1);
  expect((await manager.get('/api/notifications')).body.items).toHaveLength(1);
});

test('a guide deleting a customer is churn too, told to the manager', async () => {
  const added = await world.sim.customerAddsGuide({ userId: 'lisi', name: '阿强' });
  await world.settled();
  await world.sim.guideDeletesCustomer({ userId: 'lisi', externalUserId: added.externalUserId });
  await world.settled();
  const customerId = await customerByExternalId(added.externalUserId);
  const churn = await world.owner.get(`/api/churn?direction=guide_deleted_customer`);
  expect(churn.body.items).toEqual([
    expect.objectContaining({ customerId, direction: 'guide_deleted_customer', relationshipDays: 0 }),
  ]);
  const relationships = await world.owner.get(`/api/customers/${customerId}/relationships`);
  expect(relationships.body.items[0]).toMatchObject({ status: 'deleted_by_guide' });
  const inbox = await world.manager.client.get('/api/notifications?unread=true');
  expect(inbox.body.items.map((n: { text: string }) => n.text)).toEqual([
    '导购 导购lisi 删除了客户「阿强」（加好友 0 天）',
  ]);
  await waitForMail(2);
  expect(mailbox.map((m) => header(m.raw, 'subject'))).toContain(
    '【茶语 Chayu】导购 导购lisi 删除了客户「阿强」（加好友 0 天）',
  );
});
