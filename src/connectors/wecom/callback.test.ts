// The callback endpoint through the real HTTP server, fed by the simulator: URL verification, every event kind
// becoming its domain event exactly once though WeCom delivers it three times, refusals with stable codes in the
// security log, settings that never give a secret back, and callbacks of one workspace never landing in another.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { addStaff, createWorkspace } from '../../platform/workspaces.ts';
import { createWeComClient, TokenCache, type WeComClient } from './client.ts';
import { generateEncodingAesKey, sealMessage } from './crypto.ts';
import { type Delivery, type Simulator, startSimulator } from './simulator.ts';

let server: TestServer;
let owner: ApiClient;
let sim: Simulator;
let wecom: WeComClient;
const CORP = 'wwcallbacktest0001';
const SECRET = 'callback-contact-secret';

beforeAll(async () => {
  // Many callbacks from one address in a few seconds: lift the per-IP limit, which has its own test.
  server = await startTestServer({ workers: true, env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '1000000' } });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
  // The first save generates the callback Token and EncodingAESKey, which are then pasted into WeCom (here: the
  // simulator); the API base URL follows with the secret typed again, as the settings require.
  const saved = await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, contactSecret: SECRET });
  expect(saved.status).toBe(200);
  expect(saved.body.generated.token).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(saved.body.generated.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
  sim = await startSimulator({
    corpId: CORP,
    token: saved.body.generated.token,
    encodingAesKey: saved.body.generated.encodingAesKey,
    contactSecret: SECRET,
    agentId: 1000002,
    callbackUrl: `${server.url}${saved.body.settings.callbackPath}`,
    guides: ['zhangsan', 'lisi', 'wangwu'].map((userId) => ({ userId, name: userId })),
  });
  const moved = await owner.request('PUT', '/api/wecom/settings', {
    corpId: CORP,
    contactSecret: SECRET,
    apiBaseUrl: sim.url,
  });
  expect(moved.status).toBe(200);
  wecom = createWeComClient({ corpId: CORP, secret: SECRET, baseUrl: sim.url, tokens: new TokenCache() });
});
afterAll(async () => {
  await sim.close();
  await server.close();
});

const db = () => server.siyu.db;

/** Waits until every callback stored in the workspace's inbox has been turned into its event by the workers. */
async function settled(workspaceId = server.workspaceId): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const rows = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM wecom_inbox WHERE workspace_id = $1 AND state = 'received'`,
      [workspaceId],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the inbox was not processed');
}

const wecomEvents = async (workspaceId = server.workspaceId) =>
  db().query<{ type: string; payload: Record<string, unknown> }>(
    // Events from callbacks; saving the settings announces itself too (wecom.settings_saved), not counted here.
    `SELECT type, payload FROM domain_events
      WHERE workspace_id = $1 AND type LIKE 'wecom.%' AND type <> 'wecom.settings_saved' ORDER BY id, index`,
    [workspaceId],
  );

const inboxCount = async (workspaceId: string) =>
  (
    await db().query<{ n: number }>('SELECT count(*)::int AS n FROM wecom_inbox WHERE workspace_id = $1', [workspaceId])
  )[0]?.n;

test('settings keep their secrets: set once, never returned, generated callback keys shown only once', async () => {
  const res = await owner.get('/api/wecom/settings');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    configured: true,
    corpId: CORP,
    apiBaseUrl: sim.url,
    callbackPath: '/api/wecom/callback/chayu',
    hasContactSecret: true,
    hasAppSecret: false,
    hasToken: true,
    hasEncodingAesKey: true,
    maxSkewSeconds: 300,
  });
  const text = JSON.stringify(res.body);
  const stored = await db().query<{ token: string; encoding_aes_key: string }>(
    'SELECT token, encoding_aes_key FROM wecom_settings WHERE workspace_id = $1',
    [server.workspaceId],
  );
  for (const secret of [SECRET, stored[0]?.token, stored[0]?.encoding_aes_key]) {
    expect(text).not.toContain(secret);
  }
  // Saving again generates nothing: the keys WeCom was given stay.
  const again = await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, agentId: 1000002 });
  expect(again.body.generated).toEqual({ token: null, encodingAesKey: null });
  expect(JSON.stringify(again.body)).not.toContain(SECRET);
  // The API base URL moves only with every stored secret typed again, so a secret never follows a new URL alone.
  const moved = await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, apiBaseUrl: 'http://127.0.0.1:9' });
  expect(moved.status).toBe(422);
  expect(moved.body.error.code).toBe('wecom.secrets_required_for_base_url');
  const otherCorp = await owner.request('PUT', '/api/wecom/settings', { corpId: 'wwsomebodyelse' });
  expect(otherCorp.body.error.code).toBe('wecom.secrets_required_for_corp');
  const badKey = await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, encodingAesKey: 'short' });
  expect(badKey.status).toBe(400);
  const both = await owner.request('PUT', '/api/wecom/settings', {
    corpId: CORP,
    token: 'mine',
    generateCallbackKeys: true,
  });
  expect(both.body.error.code).toBe('wecom.generate_or_give_keys');
  // The audit log names the fields that changed, never their values.
  const audit = await owner.get('/api/audit?action=wecom.settings_save');
  expect(audit.body.items[0].details).toEqual({ fields: ['agentId', 'corpId'] });
  expect(JSON.stringify(audit.body)).not.toContain(SECRET);

  const check = await owner.post('/api/wecom/settings/check');
  expect(check.body).toEqual({
    contact: { configured: true, ok: true, code: null, message: null },
    app: { configured: false, ok: false, code: null, message: null },
  });
});

test('URL verification answers the decrypted echostr as text/plain and records the verification', async () => {
  const result = await sim.verifyCallbackUrl();
  expect(result).toMatchObject({ ok: true, status: 200 });
  const res = await fetch(
    `${server.url}/api/wecom/callback/${server.workspaceId}?msg_signature=${'0'.repeat(40)}&timestamp=1&nonce=1&echostr=abc`,
  );
  expect(res.status).toBe(403);
  expect(((await res.json()) as any).error.code).toBe('wecom.bad_signature');
  expect((await owner.get('/api/wecom/settings')).body.lastVerifiedAt).not.toBeNull();

  // A '+' of the base64 echostr left unencoded in the URL arrives as a space and is read back as '+'.
  const [keys] = await db().query<{ token: string; encoding_aes_key: string }>(
    'SELECT token, encoding_aes_key FROM wecom_settings WHERE workspace_id = $1',
    [server.workspaceId],
  );
  const timestamp = String(Math.floor(Date.now() / 1000));
  for (let nonce = 1; ; nonce++) {
    const callbackKeys = { token: keys?.token ?? '', encodingAesKey: keys?.encoding_aes_key ?? '', receiveId: CORP };
    const sealed = sealMessage(callbackKeys, '8675309', timestamp, `plus${nonce}`);
    if (!sealed.encrypted.includes('+')) continue;
    const raw = await fetch(
      `${server.url}/api/wecom/callback/chayu?msg_signature=${sealed.signature}&timestamp=${timestamp}` +
        `&nonce=plus${nonce}&echostr=${sealed.encrypted.replaceAll('=', '%3D').replaceAll('/', '%2F')}`,
    );
    expect([raw.status, raw.headers.get('content-type'), await raw.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      '8675309',
    ]);
    break;
  }
});

/** Delivers each of the callbacks `act` causes twice more, the way WeCom retries, and checks every answer. */
async function thrice(act: () => Promise<unknown>): Promise<void> {
  const start = sim.deliveries.length;
  await act();
  await sim.idle();
  const first = sim.deliveries.slice(start);
  expect(first.length).toBeGreaterThan(0);
  for (const d of first) {
    await sim.redeliver(d);
    await sim.redeliver(d);
  }
  for (const d of sim.deliveries.slice(start)) {
    expect([d.status, d.response, d.error], JSON.stringify(d.fields)).toEqual([200, 'success', null]);
  }
}

test('every event kind becomes its domain event exactly once though WeCom delivers it three times', async () => {
  const way = await wecom.addContactWay({ type: 1, scene: 2, state: 'store01', userIds: ['zhangsan'] });
  let added!: Awaited<ReturnType<Simulator['customerAddsGuide']>>;
  await thrice(async () => {
    added = await sim.customerAddsGuide({ configId: way.configId, name: '小红' });
  });
  let half!: Awaited<ReturnType<Simulator['customerAddsGuide']>>;
  await thrice(async () => {
    half = await sim.customerAddsGuide({ userId: 'lisi', half: true });
  });
  await thrice(() =>
    sim.guideEditsCustomer({ userId: 'zhangsan', externalUserId: added.externalUserId, remark: 'VIP' }),
  );
  await thrice(() => sim.customerDeletesGuide({ externalUserId: half.externalUserId, userId: 'lisi' }));
  let removed!: Awaited<ReturnType<Simulator['customerAddsGuide']>>;
  await thrice(async () => {
    removed = await sim.customerAddsGuide({ userId: 'wangwu' });
    await sim.guideDeletesCustomer({ userId: 'wangwu', externalUserId: removed.externalUserId });
  });
  let moved!: Awaited<ReturnType<Simulator['customerAddsGuide']>>;
  let refused!: Awaited<ReturnType<Simulator['customerAddsGuide']>>;
  await thrice(async () => {
    moved = await sim.customerAddsGuide({ userId: 'zhangsan' });
    refused = await sim.customerAddsGuide({ userId: 'zhangsan' });
    await wecom.transferCustomers({
      handoverUserId: 'zhangsan',
      takeoverUserId: 'lisi',
      externalUserIds: [moved.externalUserId, refused.externalUserId],
    });
    await sim.settleTransfers({ outcome: 'accept', externalUserIds: [moved.externalUserId] });
    await sim.settleTransfers({ outcome: 'refuse', externalUserIds: [refused.externalUserId] });
  });
  let chatId = '';
  await thrice(async () => {
    chatId = (await sim.createGroup({ owner: 'zhangsan', name: '门店1群' })).chatId;
    await sim.joinGroup({ chatId, memberIds: [added.externalUserId, moved.externalUserId], joinScene: 3 });
    await sim.quitGroup({ chatId, memberIds: [moved.externalUserId], quitScene: 1 });
    await sim.renameGroup({ chatId, name: '门店1群（VIP）' });
    await sim.changeGroupOwner({ chatId, owner: 'lisi' });
    await sim.dismissGroup({ chatId });
  });
  let group!: Awaited<ReturnType<WeComClient['addCorpTags']>>;
  await thrice(async () => {
    group = await wecom.addCorpTags({ groupName: '渠道', tags: [{ name: '门店' }] });
    await wecom.editCorpTag({ id: group.tags[0]?.id as string, name: '线下门店' });
    await sim.shuffleTags();
  });
  await settled();

  const corp = { corpId: CORP };
  const expected: [string, Record<string, unknown>][] = [
    [
      'wecom.contact_added',
      {
        ...corp,
        userId: 'zhangsan',
        externalUserId: added.externalUserId,
        state: 'store01',
        welcomeCode: added.welcomeCode,
      },
    ],
    ['wecom.contact_half_added', { userId: 'lisi', externalUserId: half.externalUserId, state: null }],
    ['wecom.contact_edited', { userId: 'zhangsan', externalUserId: added.externalUserId }],
    ['wecom.contact_deleted', { userId: 'lisi', externalUserId: half.externalUserId }],
    ['wecom.contact_added', { userId: 'wangwu', externalUserId: removed.externalUserId }],
    [
      'wecom.contact_removed_by_guide',
      { userId: 'wangwu', externalUserId: removed.externalUserId, source: null, byTransfer: false },
    ],
    ['wecom.contact_added', { userId: 'zhangsan', externalUserId: moved.externalUserId }],
    ['wecom.contact_added', { userId: 'zhangsan', externalUserId: refused.externalUserId }],
    [
      'wecom.contact_removed_by_guide',
      { userId: 'zhangsan', externalUserId: moved.externalUserId, source: 'DELETE_BY_TRANSFER', byTransfer: true },
    ],
    ['wecom.contact_added', { userId: 'lisi', externalUserId: moved.externalUserId, welcomeCode: null }],
    [
      'wecom.transfer_failed',
      { userId: 'lisi', externalUserId: refused.externalUserId, failReason: 'customer_refused' },
    ],
    ['wecom.chat_created', { chatId }],
    [
      'wecom.chat_updated',
      {
        chatId,
        updateDetail: 'add_member',
        joinScene: 3,
        quitScene: null,
        memberChangeCount: 2,
        memberIds: [added.externalUserId, moved.externalUserId],
      },
    ],
    [
      'wecom.chat_updated',
      { chatId, updateDetail: 'del_member', quitScene: 1, memberChangeCount: 1, memberIds: [moved.externalUserId] },
    ],
    ['wecom.chat_updated', { chatId, updateDetail: 'change_name', memberIds: [] }],
    ['wecom.chat_updated', { chatId, updateDetail: 'change_owner' }],
    ['wecom.chat_dismissed', { chatId }],
    ['wecom.tag_changed', { changeType: 'create', tagId: group.groupId, tagType: 'tag_group' }],
    ['wecom.tag_changed', { changeType: 'create', tagId: group.tags[0]?.id, tagType: 'tag' }],
    ['wecom.tag_changed', { changeType: 'update', tagId: group.tags[0]?.id, tagType: 'tag' }],
    ['wecom.tag_changed', { changeType: 'shuffle', tagId: null, tagType: null, strategyId: null }],
  ];
  const events = await wecomEvents();
  expect(events).toHaveLength(expected.length);
  for (const [type, payload] of expected) {
    const matching = events.filter(
      (e) => e.type === type && expect.objectContaining(payload).asymmetricMatch(e.payload),
    );
    expect(matching, `${type} ${JSON.stringify(payload)}`).toHaveLength(1);
  }
  for (const e of events) {
    expect(e.payload).toMatchObject({ corpId: CORP, occurredAt: expect.any(String), inboxId: expect.any(String) });
  }

  const inbox = await owner.get('/api/wecom/inbox?limit=200');
  expect(inbox.status).toBe(200);
  expect(inbox.body.items).toHaveLength(expected.length);
  for (const item of inbox.body.items) expect([item.state, item.deliveries]).toEqual(['processed', 3]);
  expect(inbox.body.items.map((i: { domainEvent: string }) => i.domainEvent).sort()).toEqual(
    expected.map(([type]) => type).sort(),
  );
});

test('forged, misaddressed, stale, replayed and malformed callbacks are refused with their codes and logged', async () => {
  const before = await inboxCount(server.workspaceId);
  const eventsBefore = (await wecomEvents()).length;
  const fields = {
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'edit_external_contact',
    UserID: 'zhangsan',
    ExternalUserID: 'wmRefusalTest',
  };
  const refused = async (delivery: Promise<Delivery>, status: number, code: string) => {
    const d = await delivery;
    expect(d.status, code).toBe(status);
    expect(JSON.parse(d.response ?? '{}').error.code).toBe(code);
  };
  // Signed with a token other than the workspace's: what a simulator configured with the wrong token sends.
  await refused(sim.deliver(fields, { token: 'wrongToken' }), 403, 'wecom.bad_signature');
  await refused(sim.deliver(fields, { receiveId: 'wwsomeothercorp01' }), 403, 'wecom.wrong_receive_id');
  const tenMinutesAgo = String(Math.floor(Date.now() / 1000) - 600);
  await refused(sim.deliver(fields, { timestamp: tenMinutesAgo }), 403, 'wecom.stale_timestamp');
  const inFuture = String(Math.floor(Date.now() / 1000) + 600);
  await refused(sim.deliver(fields, { timestamp: inFuture }), 403, 'wecom.stale_timestamp');
  const sealed = sim.seal({ ...fields, ExternalUserID: 'wmReplayTest' });
  expect((await sim.post(sealed)).status).toBe(200);
  await refused(sim.post(sealed), 409, 'wecom.replayed_nonce');
  await refused(sim.post({ ...sim.seal(fields), body: '<xml><Encrypt>unclosed</xml>' }), 400, 'wecom.malformed_xml');

  // The allowed skew is a setting: at 15 minutes the ten-minute-old callback is accepted.
  await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, maxSkewSeconds: 900 });
  expect((await sim.deliver({ ...fields, ExternalUserID: 'wmSkewTest' }, { timestamp: tenMinutesAgo })).status).toBe(
    200,
  );
  await owner.request('PUT', '/api/wecom/settings', { corpId: CORP, maxSkewSeconds: 300 });

  await settled();
  expect(await inboxCount(server.workspaceId)).toBe((before ?? 0) + 2);
  expect((await wecomEvents()).length).toBe(eventsBefore + 2);
  const log = await owner.get('/api/wecom/security-log?limit=20');
  expect(log.status).toBe(200);
  expect(log.body.items.map((e: { code: string }) => e.code).reverse()).toEqual([
    'wecom.bad_signature', // from the URL-verification test
    'wecom.bad_signature',
    'wecom.wrong_receive_id',
    'wecom.stale_timestamp',
    'wecom.stale_timestamp',
    'wecom.replayed_nonce',
    'wecom.malformed_xml',
  ]);
  expect(log.body.items[2]).toMatchObject({ method: 'POST', ip: '127.0.0.1', details: { nonce: expect.any(String) } });
  const stale = await owner.get('/api/wecom/security-log?code=wecom.stale_timestamp');
  expect(stale.body.items).toHaveLength(2);
  expect(stale.body.items[1].details.skewSeconds).toBeGreaterThanOrEqual(599);
});

test('a callback is accepted whatever Content-Type a proxy gives it, and unknown URLs are refused', async () => {
  const sealed = sim.seal({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: 'event',
    Event: 'change_external_chat',
    ChatId: 'wrContentTypeTest',
    ChangeType: 'dismiss',
  });
  const query = `msg_signature=${sealed.signature}&timestamp=${sealed.timestamp}&nonce=${sealed.nonce}`;
  const res = await fetch(`${server.url}/api/wecom/callback/chayu?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: sealed.body,
  });
  expect([res.status, await res.text()]).toEqual([200, 'success']);

  const unknown = await fetch(`${server.url}/api/wecom/callback/no-such-brand?${query}`, {
    method: 'POST',
    body: sealed.body,
  });
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as any).error.code).toBe('wecom.unknown_workspace');
});

test('the same event delivered three times at once is stored once and published once', async () => {
  const fields = {
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'del_follow_user',
    UserID: 'lisi',
    ExternalUserID: 'wmConcurrentRetry',
  };
  const deliveries = await Promise.all([sim.seal(fields), sim.seal(fields), sim.seal(fields)].map((d) => sim.post(d)));
  expect(deliveries.map((d) => [d.status, d.response])).toEqual([
    [200, 'success'],
    [200, 'success'],
    [200, 'success'],
  ]);
  await settled();
  const events = (await wecomEvents()).filter((e) => e.payload.externalUserId === 'wmConcurrentRetry');
  expect(events.map((e) => e.type)).toEqual(['wecom.contact_deleted']);
  const rows = await db().query<{ deliveries: number }>(
    `SELECT deliveries FROM wecom_inbox WHERE workspace_id = $1 AND xml LIKE '%wmConcurrentRetry%'`,
    [server.workspaceId],
  );
  expect(rows).toEqual([{ deliveries: 3 }]);
});

test('callbacks the connector does not handle are kept as ignored, unreadable ones as failed with the reason', async () => {
  const now = Math.floor(Date.now() / 1000);
  const staffChange = await sim.deliver({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: now,
    MsgType: 'event',
    Event: 'change_contact',
    ChangeType: 'create_user',
    UserID: 'newguide',
  });
  const incomplete = await sim.deliver({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: now,
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'del_follow_user',
    ExternalUserID: 'wmNoGuide',
  });
  expect([staffChange.status, incomplete.status]).toEqual([200, 200]);
  await settled();
  const ignored = await owner.get('/api/wecom/inbox?state=ignored');
  expect(ignored.body.items.map((i: { event: string; changeType: string }) => [i.event, i.changeType])).toContainEqual([
    'change_contact',
    'create_user',
  ]);
  const failed = await owner.get('/api/wecom/inbox?state=failed');
  expect(failed.body.items).toMatchObject([
    { event: 'change_external_contact', changeType: 'del_follow_user', error: expect.stringContaining('no UserID') },
  ]);
});

test('a callback for one workspace never lands in another', async () => {
  const otherId = await createWorkspace(db(), { slug: 'wecom-other', name: '另一个品牌' });
  await addStaff(db(), otherId, [
    { name: 'B', email: 'owner@other.test', role: 'owner', password: 'other-password-1' },
  ]);
  const ownerB = new ApiClient(server.url);
  await ownerB.login('owner@other.test', 'other-password-1', 'wecom-other');
  const notConfigured = await fetch(
    `${server.url}/api/wecom/callback/wecom-other?msg_signature=${'a'.repeat(40)}&timestamp=1&nonce=1`,
    { method: 'POST', body: '<xml/>' },
  );
  expect(((await notConfigured.json()) as any).error.code).toBe('wecom.not_configured');

  const keyB = generateEncodingAesKey();
  const simB = await startSimulator({
    corpId: 'wwotherbrand00001',
    token: 'otherToken',
    encodingAesKey: keyB,
    guides: [{ userId: 'b-guide', name: 'B' }],
  });
  try {
    const saved = await ownerB.request('PUT', '/api/wecom/settings', {
      corpId: simB.corpId,
      token: 'otherToken',
      encodingAesKey: keyB,
      contactSecret: 'b-secret',
      apiBaseUrl: simB.url,
    });
    expect(saved.status).toBe(200);
    simB.callbackUrl = `${server.url}/api/wecom/callback/${otherId}`;
    await settled();
    const aBefore = await inboxCount(server.workspaceId);
    const aEvents = (await wecomEvents()).length;

    // A's simulator aimed at B's URL: signed with A's token, so B refuses it and logs it in B's log only.
    sim.callbackUrl = `${server.url}/api/wecom/callback/wecom-other`;
    const misdirected = await sim.customerAddsGuide({ userId: 'zhangsan' });
    sim.callbackUrl = `${server.url}/api/wecom/callback/chayu`;
    expect(misdirected.delivery.status).toBe(403);
    expect((await ownerB.get('/api/wecom/security-log')).body.items.map((e: { code: string }) => e.code)).toEqual([
      'wecom.bad_signature',
    ]);

    // B's own callback lands in B.
    const bAdd = await simB.customerAddsGuide({ userId: 'b-guide' });
    expect(bAdd.delivery.status).toBe(200);
    await settled(otherId);
    expect(await inboxCount(otherId)).toBe(1);
    expect((await wecomEvents(otherId)).map((e) => [e.type, e.payload.externalUserId])).toEqual([
      ['wecom.contact_added', bAdd.externalUserId],
    ]);
    expect(await inboxCount(server.workspaceId)).toBe(aBefore);
    expect((await wecomEvents()).length).toBe(aEvents);
    expect(
      (await owner.get('/api/wecom/inbox?limit=200')).body.items.map((i: { xml: string }) => i.xml).join(),
    ).not.toContain(bAdd.externalUserId);

    // Rotating the callback keys: new ones shown once, and a sender still on the old ones is refused.
    const rotated = await ownerB.request('PUT', '/api/wecom/settings', {
      corpId: simB.corpId,
      generateCallbackKeys: true,
    });
    expect(rotated.body.generated.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(rotated.body.generated.encodingAesKey).not.toBe(keyB);
    expect((await simB.customerAddsGuide({ userId: 'b-guide' })).delivery.status).toBe(403);
  } finally {
    await simB.close();
  }
});
