// The API client against the simulator over loopback: token caching and refresh, errcodes mapped to our codes,
// retries only where they are safe, and the external-contact endpoints with the simulator's state behind them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { translate } from '../../platform/i18n/index.ts';
import { type CorpTag, createWeComClient, TokenCache, type WeComClient, type WeComClientOptions } from './client.ts';
import { generateEncodingAesKey } from './crypto.ts';
import { wecomModule } from './index.ts';
import { type Simulator, startSimulator } from './simulator.ts';

let sim: Simulator;
const CORP = 'wwclienttest000001';

beforeAll(async () => {
  wecomModule(); // registers the connector's messages
  sim = await startSimulator({
    corpId: CORP,
    token: 'clientToken',
    encodingAesKey: generateEncodingAesKey(),
    contactSecret: 'contact-secret',
    appSecret: 'app-secret',
    guides: [
      { userId: 'zhangsan', name: '张三' },
      { userId: 'lisi', name: '李四' },
      { userId: 'wangwu', name: '王五' },
    ],
  });
});
afterAll(() => sim.close());

/** A client with its own token cache and the simulator's clock, so tests do not share tokens. */
const client = (options: Partial<WeComClientOptions> = {}): WeComClient =>
  createWeComClient({
    corpId: CORP,
    secret: 'contact-secret',
    baseUrl: sim.url,
    tokens: new TokenCache(),
    now: () => sim.now(),
    sleep: async () => {},
    ...options,
  });

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; details: any; params: any }> {
  try {
    await promise;
  } catch (err) {
    return err as any;
  }
  throw new Error('expected the call to fail');
}

test('an access token is fetched once, shared by concurrent calls, and reused until shortly before it expires', async () => {
  const c = client();
  const before = sim.tokenRequests;
  const tokens = await Promise.all(Array.from({ length: 10 }, () => c.accessToken()));
  expect(new Set(tokens).size).toBe(1);
  expect(sim.tokenRequests - before).toBe(1);
  await c.listGroupChats({ limit: 10 });
  expect(sim.tokenRequests - before).toBe(1);
  // 7200 s tokens are used until 300 s before their end, then replaced before any call fails.
  sim.advance(7200 - 301);
  await c.listGroupChats({ limit: 10 });
  expect(sim.tokenRequests - before).toBe(1);
  sim.advance(2);
  await c.listGroupChats({ limit: 10 });
  expect(sim.tokenRequests - before).toBe(2);
});

test('a token WeCom calls expired (42001) or invalid (40014) is replaced once and the call goes through', async () => {
  const c = client();
  await c.listGroupChats({ limit: 10 });
  const before = sim.tokenRequests;
  sim.expireTokens();
  // Concurrent calls that all meet the expired token fetch one new token between them.
  await Promise.all(Array.from({ length: 5 }, () => c.listGroupChats({ limit: 10 })));
  expect(sim.tokenRequests - before).toBe(1);
  sim.failNext('externalcontact/groupchat/list', 40014, 'invalid access_token');
  await c.listGroupChats({ limit: 10 });
  expect(sim.tokenRequests - before).toBe(2);
  // Refused again after the refresh: no loop, the error comes out.
  sim.failNext('externalcontact/groupchat/list', 42001);
  sim.failNext('externalcontact/groupchat/list', 42001);
  expect(await failure(c.listGroupChats({ limit: 10 }))).toMatchObject({ code: 'wecom.token_expired', status: 502 });
});

test('errcodes become stable codes with messages in Chinese and English', async () => {
  const c = client();
  sim.failNext('externalcontact/get', 60020, 'not allow to access from your ip');
  const ip = await failure(c.getExternalContact('wmNobody'));
  expect(ip).toMatchObject({
    code: 'wecom.ip_not_allowed',
    status: 502,
    details: { errcode: 60020, api: 'externalcontact/get' },
  });
  expect(translate('zh-CN', ip.code, ip.params)).toContain('可信');
  expect(translate('en', ip.code, ip.params)).toContain('trusted IPs');

  const badSecret = await failure(client({ secret: 'wrong-secret' }).accessToken());
  expect(badSecret).toMatchObject({ code: 'wecom.bad_secret', details: { errcode: 40001 } });
  expect(await failure(client({ corpId: 'wwother' }).accessToken())).toMatchObject({ code: 'wecom.bad_corp_id' });
  // The self-built app's secret has no customer-contact permission in this corp.
  const forbidden = await failure(client({ secret: 'app-secret' }).listGroupChats({ limit: 1 }));
  expect(forbidden).toMatchObject({ code: 'wecom.api_forbidden', details: { errcode: 48002 } });
  sim.failNext('externalcontact/list', 60011);
  expect(await failure(c.listExternalContacts('zhangsan'))).toMatchObject({ code: 'wecom.no_privilege' });
  expect(await failure(c.getExternalContact('wmNobody'))).toMatchObject({ code: 'wecom.invalid_external_userid' });
  sim.failNext('externalcontact/get', 99999, 'something new');
  const unknown = await failure(c.getExternalContact('wmNobody'));
  expect(unknown).toMatchObject({ code: 'wecom.api_error', params: { errcode: 99999, errmsg: 'something new' } });
  expect(translate('en', unknown.code, unknown.params)).toBe('WeCom answered error 99999: something new');
});

test('a welcome message is accepted within 20 seconds of the add, once, and refused after', async () => {
  const c = client();
  const first = await sim.customerAddsGuide({ userId: 'zhangsan', name: '小红' });
  sim.advance(19);
  await c.sendWelcomeMessage({
    welcomeCode: first.welcomeCode,
    text: '你好，我是张三',
    attachments: [{ kind: 'link', title: '新人礼', url: 'https://example.com/gift' }],
  });
  expect(sim.welcomeMessages.at(-1)).toMatchObject({ externalUserId: first.externalUserId, text: '你好，我是张三' });
  expect(sim.welcomeMessages.at(-1)?.attachments).toEqual([
    { msgtype: 'link', link: { title: '新人礼', url: 'https://example.com/gift' } },
  ]);
  expect(await failure(c.sendWelcomeMessage({ welcomeCode: first.welcomeCode, text: 'again' }))).toMatchObject({
    code: 'wecom.welcome_code_expired',
  });

  const late = await sim.customerAddsGuide({ userId: 'zhangsan' });
  sim.advance(21);
  const refused = await failure(c.sendWelcomeMessage({ welcomeCode: late.welcomeCode, text: '你好' }));
  expect(refused).toMatchObject({ code: 'wecom.welcome_code_expired', details: { errcode: 41050 } });
  expect(translate('zh-CN', refused.code, refused.params)).toContain('20 秒');
});

test('contact ways are created, read, updated and deleted, and an add through one carries its state', async () => {
  const c = client();
  const way = await c.addContactWay({
    type: 2,
    scene: 2,
    state: 'mall618',
    userIds: ['zhangsan', 'lisi'],
    remark: '商场',
  });
  expect(way.qrCode).toMatch(/\/qr\//);
  expect(await c.getContactWay(way.configId)).toMatchObject({ state: 'mall618', userIds: ['zhangsan', 'lisi'] });
  const a = await sim.customerAddsGuide({ configId: way.configId });
  const b = await sim.customerAddsGuide({ configId: way.configId });
  expect([a.userId, b.userId]).toEqual(['zhangsan', 'lisi']);
  expect(a.delivery.fields).toMatchObject({ ChangeType: 'add_external_contact', State: 'mall618' });
  const detail = await c.getExternalContact(a.externalUserId);
  expect(detail.followUsers).toMatchObject([{ userId: 'zhangsan', state: 'mall618', addWay: 1 }]);

  await c.updateContactWay(way.configId, { userIds: ['wangwu'], state: 'mall1111' });
  expect(await c.getContactWay(way.configId)).toMatchObject({ state: 'mall1111', userIds: ['wangwu'] });
  await c.deleteContactWay(way.configId);
  expect(await failure(c.getContactWay(way.configId))).toMatchObject({ code: 'wecom.invalid_config_id' });
  expect(await failure(c.addContactWay({ type: 1, scene: 2, state: 'x'.repeat(31), userIds: ['lisi'] }))).toMatchObject(
    {
      code: 'wecom.api_error',
      details: { errcode: 40058 },
    },
  );
});

test('customers of guides are listed and read in pages with cursors', async () => {
  const c = client();
  for (let i = 0; i < 5; i++) await sim.customerAddsGuide({ userId: 'wangwu', name: `批量${i}` });
  const ids = await c.listExternalContacts('wangwu');
  expect(ids.length).toBeGreaterThanOrEqual(5);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.batchGetExternalContacts({ userIds: ['wangwu'], limit: 2, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(2);
    for (const item of page.items) {
      expect(item.followInfo.userId).toBe('wangwu');
      seen.push(item.contact.externalUserId);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  expect(seen.sort()).toEqual([...ids].sort());
});

test('corp tags are added, marked on a customer, renamed and deleted (with their group)', async () => {
  const c = client();
  const group = await c.addCorpTags({ groupName: '兴趣', tags: [{ name: '奶茶' }, { name: '果茶' }] });
  expect(group.tags.map((t) => t.name)).toEqual(['奶茶', '果茶']);
  expect(await failure(c.addCorpTags({ groupId: group.groupId, tags: [{ name: '奶茶' }] }))).toMatchObject({
    code: 'wecom.tag_name_taken',
  });
  const { externalUserId } = await sim.customerAddsGuide({ userId: 'lisi' });
  const [milkTea, fruitTea] = group.tags as [CorpTag, CorpTag];
  await c.markTags({ userId: 'lisi', externalUserId, add: [milkTea.id, fruitTea.id] });
  await c.markTags({ userId: 'lisi', externalUserId, remove: [fruitTea.id] });
  expect((await c.getExternalContact(externalUserId)).followUsers[0]?.tags).toMatchObject([
    { groupName: '兴趣', tagName: '奶茶', tagId: milkTea.id },
  ]);
  await c.editCorpTag({ id: milkTea.id, name: '奶茶爱好者' });
  expect((await c.getCorpTags({ tagIds: [milkTea.id] }))[0]?.tags.map((t) => t.name)).toEqual(['奶茶爱好者']);
  await c.deleteCorpTags({ tagIds: [milkTea.id, fruitTea.id] });
  expect(await c.getCorpTags({ groupIds: [group.groupId] })).toEqual([]);
  expect(await failure(c.markTags({ userId: 'lisi', externalUserId, add: [milkTea.id] }))).toMatchObject({
    code: 'wecom.invalid_tag',
  });
  await sim.idle();
  const tagEvents = sim.deliveries
    .filter((d) => d.fields.Event === 'change_external_tag')
    .map((d) => d.fields.ChangeType);
  expect(tagEvents).toEqual(['create', 'create', 'create', 'update', 'delete', 'delete', 'delete']);
});

test('an in-service transfer waits for the customer, then completes or fails', async () => {
  const c = client();
  const one = await sim.customerAddsGuide({ userId: 'zhangsan' });
  const two = await sim.customerAddsGuide({ userId: 'zhangsan' });
  const accepted = await c.transferCustomers({
    handoverUserId: 'zhangsan',
    takeoverUserId: 'lisi',
    externalUserIds: [one.externalUserId, two.externalUserId, 'wmNobody'],
    transferSuccessMessage: '您好，后续由李四为您服务',
  });
  expect(accepted).toEqual([
    { externalUserId: one.externalUserId, errcode: 0 },
    { externalUserId: two.externalUserId, errcode: 0 },
    { externalUserId: 'wmNobody', errcode: 40096 },
  ]);
  const pair = { handoverUserId: 'zhangsan', takeoverUserId: 'lisi' };
  expect((await c.transferResult(pair)).items.map((i) => i.status)).toEqual([2, 2]);
  expect(
    await failure(c.transferCustomers({ ...pair, takeoverUserId: 'zhangsan', externalUserIds: [one.externalUserId] })),
  ).toMatchObject({ code: 'wecom.transfer_same_user' });

  await sim.settleTransfers({ outcome: 'accept', externalUserIds: [one.externalUserId] });
  await sim.settleTransfers({ outcome: 'refuse', externalUserIds: [two.externalUserId] });
  const result = await c.transferResult(pair);
  expect(result.items.map((i) => [i.externalUserId, i.status])).toEqual([
    [one.externalUserId, 1],
    [two.externalUserId, 3],
  ]);
  expect((await c.getExternalContact(one.externalUserId)).followUsers.map((f) => f.userId)).toEqual(['lisi']);
  expect((await c.getExternalContact(two.externalUserId)).followUsers.map((f) => f.userId)).toEqual(['zhangsan']);
  const events = sim.deliveries
    .slice(-3)
    .map((d) => [d.fields.ChangeType, d.fields.UserID, d.fields.Source ?? d.fields.FailReason]);
  expect(events).toEqual([
    ['del_external_contact', 'zhangsan', 'DELETE_BY_TRANSFER'],
    ['add_external_contact', 'lisi', undefined],
    ['transfer_fail', 'lisi', 'customer_refused'],
  ]);
});

test('a resigned guide’s customers move only once the guide has left, and complete after 24 hours', async () => {
  sim.addGuide({ userId: 'leaving', name: '即将离职' });
  const c = client();
  const { externalUserId } = await sim.customerAddsGuide({ userId: 'leaving' });
  const input = { handoverUserId: 'leaving', takeoverUserId: 'wangwu', externalUserIds: [externalUserId] };
  expect(await failure(c.resignedTransferCustomers(input))).toMatchObject({ code: 'wecom.user_not_resigned' });
  sim.resignGuide('leaving');
  expect(await c.resignedTransferCustomers(input)).toEqual([{ externalUserId, errcode: 0 }]);
  expect((await c.resignedTransferResult(input)).items).toMatchObject([{ externalUserId, status: 2 }]);
  sim.advance(24 * 3600);
  expect((await c.resignedTransferResult(input)).items).toMatchObject([{ externalUserId, status: 1 }]);
  expect((await c.getExternalContact(externalUserId)).followUsers.map((f) => f.userId)).toEqual(['wangwu']);
});

test('customer groups are listed and read, and group messages report what was sent', async () => {
  const c = client();
  const customer = await sim.customerAddsGuide({ userId: 'lisi', name: '群友' });
  const { chatId } = await sim.createGroup({ owner: 'lisi', name: '奶茶爱好者1群' });
  await sim.joinGroup({ chatId, memberIds: [customer.externalUserId], joinScene: 3 });
  const list = await c.listGroupChats({ ownerUserIds: ['lisi'], limit: 100 });
  expect(list.items).toContainEqual({ chatId, status: 0 });
  const chat = await c.getGroupChat(chatId, true);
  expect(chat).toMatchObject({ name: '奶茶爱好者1群', owner: 'lisi' });
  expect(chat.members.map((m) => [m.userId, m.type, m.joinScene])).toEqual([
    ['lisi', 1, 1],
    [customer.externalUserId, 2, 3],
  ]);
  expect(await failure(c.getGroupChat('wrNoSuchChat'))).toMatchObject({ code: 'wecom.invalid_chat_id' });

  const groupMsg = await c.addMessageTemplate({ chatType: 'group', sender: 'lisi', text: '本周新品' });
  const single = await c.addMessageTemplate({
    chatType: 'single',
    sender: 'lisi',
    externalUserIds: [customer.externalUserId, 'wmNotMine'],
    text: '专属券',
  });
  expect(single.failList).toEqual(['wmNotMine']);
  expect((await c.getGroupMessageSendResult({ msgId: groupMsg.msgId, userId: 'lisi' })).items).toMatchObject([
    { chatId, status: 0 },
  ]);
  sim.confirmGroupMessage({ msgId: single.msgId, userId: 'lisi' });
  expect((await c.getGroupMessageSendResult({ msgId: single.msgId, userId: 'lisi' })).items).toMatchObject([
    { externalUserId: customer.externalUserId, status: 1 },
  ]);
  expect(
    await failure(
      c.addMessageTemplate({ chatType: 'single', sender: 'lisi', externalUserIds: ['wmNotMine'], text: 'x' }),
    ),
  ).toMatchObject({ code: 'wecom.no_recipients' });
});

test('network failures are retried with backoff where safe; a timed-out creation is not sent twice', async () => {
  // A port nothing listens on: the connection is refused before anything is sent, so even a creation is retried.
  const closed = await startSimulator({ corpId: CORP, token: 't', encodingAesKey: generateEncodingAesKey() });
  const deadUrl = closed.url;
  await closed.close();
  const waits: number[] = [];
  let calls = 0;
  const counting: typeof fetch = (input, init) => {
    calls++;
    return fetch(input, init);
  };
  const dead = client({
    baseUrl: deadUrl,
    retries: 2,
    backoffMs: 100,
    sleep: async (ms) => void waits.push(ms),
    fetch: counting,
  });
  expect(await failure(dead.accessToken())).toMatchObject({ code: 'wecom.network_error', status: 502 });
  expect(calls).toBe(3);
  expect(waits).toHaveLength(2);
  expect(waits[0]).toBeGreaterThanOrEqual(50);
  expect(waits[1]).toBeGreaterThanOrEqual(100);

  // A slow answer to a read: the first attempt times out, the retry succeeds.
  const slow = client({ timeoutMs: 150, retries: 1, fetch: counting });
  await slow.accessToken();
  calls = 0;
  sim.delayNext('externalcontact/groupchat/list', 400);
  await slow.listGroupChats({ limit: 10 });
  expect(calls).toBe(2);

  // A slow answer to a creation: it may have happened, so it is not retried and the caller learns of the timeout.
  calls = 0;
  const before = sim.contactWays.size;
  sim.delayNext('externalcontact/add_contact_way', 400);
  expect(await failure(slow.addContactWay({ type: 1, scene: 2, userIds: ['lisi'] }))).toMatchObject({
    code: 'wecom.timeout',
    status: 504,
  });
  expect(calls).toBe(1);
  await new Promise((r) => setTimeout(r, 400));
  expect(sim.contactWays.size).toBe(before + 1);
});
