// Welcome messages with images of the media library (素材库), end to end through the WeCom simulator: an operator
// uploads a cover once; a code's mini-program card and image name it; the customer who adds is welcomed with a media
// id WeCom accepts; three days later (the simulator refuses the old id) the send uploads again and still goes out;
// the renewal job replaces ids before they run out, so the next send finds a fresh one ready. Also the library's
// checks (type by bytes, size, dedupe), its thumbnails, and the 409 for an image in use.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureMediaId, queueRenewals } from '../../connectors/wecom/index.ts';
import type { ChannelCode, WelcomeSend } from '../../contracts/acquisition.ts';
import type { MediaAsset } from '../../contracts/wecom.ts';
import { startWorld, type World } from '../relationships/fixtures/world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
});
afterAll(() => world.close());

const db = () => world.server.siyu.db;
const DAY_S = 24 * 3600;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG-headed file of `length` bytes; `seed` makes different files. */
function png(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  PNG.copy(out);
  for (let i = PNG.length; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

async function upload(data: Buffer | string, name = 'cover.png', client = world.owner) {
  return client.request<MediaAsset & { error?: { code: string } }>(
    'POST',
    `/api/wecom/media?name=${encodeURIComponent(name)}`,
    typeof data === 'string' ? data : new Uint8Array(data),
    { 'content-type': 'application/octet-stream' },
  );
}

async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  expect(check(value), JSON.stringify(value, null, 1)?.slice(0, 3000)).toBe(true);
  return value;
}

/** Every job done, none of the connector's media jobs or the welcome failing on the way. */
async function settled(): Promise<void> {
  await world.settled();
  const failed = await db().query<{ kind: string; last_error: string }>(
    `SELECT kind, last_error FROM jobs WHERE last_error IS NOT NULL AND state <> 'succeeded'
        AND (kind LIKE 'wecom.media%' OR kind LIKE 'acquisition.%' OR kind LIKE 'event:acquisition.%')`,
  );
  expect(failed, JSON.stringify(failed)).toEqual([]);
}

const asset = async (id: string): Promise<MediaAsset> => (await world.owner.get(`/api/wecom/media/${id}`)).body;

test('the library takes JPG and PNG by their bytes, at most 10 MB, and keeps one copy of the same bytes', async () => {
  const first = await upload(png(2048, 1), '门店海报.png');
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body).toMatchObject({
    name: '门店海报.png',
    contentType: 'image/png',
    size: 2048,
    existing: false,
    wecomMediaId: null,
    uses: 0,
  });
  expect(first.body.sha256).toMatch(/^[0-9a-f]{64}$/);
  const again = await upload(png(2048, 1), 'copy.png');
  expect(again.status).toBe(201);
  expect(again.body).toMatchObject({ id: first.body.id, name: '门店海报.png', existing: true });
  // The content decides, not the name: a JPEG named .png is a JPEG; a GIF named .png is refused.
  const jpeg = await upload(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), png(100, 2)]), 'photo.png');
  expect(jpeg.body.contentType).toBe('image/jpeg');
  const gif = await upload(Buffer.concat([Buffer.from('GIF89a'), png(100, 3)]), 'anim.png');
  expect([gif.status, gif.body.error?.code]).toEqual([400, 'wecom.media_unsupported']);
  expect((gif.body.error as { message?: string }).message).toContain('GIF');
  const empty = await upload('', 'empty.png');
  expect([empty.status, empty.body.error?.code]).toEqual([400, 'wecom.media_empty']);
  const big = await upload(png(10 * 1024 * 1024 + 1, 4), 'big.png');
  expect(big.status).toBe(413);
  const noName = await world.owner.request('POST', '/api/wecom/media', new Uint8Array(png(100, 5)), {
    'content-type': 'image/png',
  });
  expect([noName.status, noName.body.error?.code]).toEqual([400, 'request.invalid']);
  // A guide may see the library (thumbnails in the welcome log) but not add to it.
  const guide = world.guides.zhangsan?.client;
  if (!guide) throw new Error('no guide zhangsan');
  expect((await upload(png(100, 6), 'g.png', guide)).status).toBe(403);
  const list = await guide.get('/api/wecom/media');
  expect(list.body.items.map((a: MediaAsset) => a.id)).toContain(first.body.id);

  // The thumbnail is the image itself, for signed-in callers only.
  const content = await fetch(`${world.server.url}/api/wecom/media/${first.body.id}/content`, {
    headers: { cookie: world.owner.cookie as string },
  });
  expect(content.status).toBe(200);
  expect(content.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await content.arrayBuffer()).equals(png(2048, 1))).toBe(true);
  expect((await fetch(`${world.server.url}/api/wecom/media/${first.body.id}/content`)).status).toBe(401);

  const unused = await world.owner.request('DELETE', `/api/wecom/media/${jpeg.body.id}`);
  expect(unused.status).toBe(204);
  expect((await world.owner.get(`/api/wecom/media/${jpeg.body.id}`)).status).toBe(404);
});

let code: ChannelCode;
let cover: MediaAsset;
let photo: MediaAsset;

async function addAndWelcome(): Promise<{ sent: (typeof world.sim.welcomeMessages)[number]; log: WelcomeSend }> {
  const added = await world.sim.customerAddsGuide({ configId: code.configId as string });
  await settled();
  const sent = world.sim.welcomeMessages.find((m) => m.welcomeCode === added.welcomeCode);
  const log = (await world.owner.get(`/api/acquisition/welcomes?codeId=${code.id}`)).body.items.find(
    (w: WelcomeSend) => w.externalUserId === added.externalUserId,
  );
  expect(log, JSON.stringify(log)).toMatchObject({ status: 'sent', error: null });
  expect(sent, `welcome for ${added.welcomeCode}`).toBeDefined();
  return { sent: sent as NonNullable<typeof sent>, log };
}

const coverIdOf = (attachments: unknown[]) =>
  (attachments as { msgtype: string; miniprogram?: { pic_media_id: string } }[]).find(
    (a) => a.msgtype === 'miniprogram',
  )?.miniprogram?.pic_media_id as string;

test('a mini-program card and an image from the library reach the customer with media ids WeCom accepts', async () => {
  const { owner, sim } = world;
  cover = (await upload(png(4096, 10), '会员中心封面.png')).body;
  photo = (await upload(png(3000, 11), '门店.png')).body;
  const channels = await owner.get('/api/acquisition/channels');
  const channelId = channels.body.items.find((c: { key: string }) => c.key === 'mini_program').id;
  const unknownAsset = await owner.post('/api/acquisition/codes', {
    name: '不存在的图',
    channelId,
    guides: [{ staffId: world.guides.zhangsan?.staffId }],
    welcome: { text: '欢迎', attachments: [{ kind: 'image', assetId: crypto.randomUUID() }] },
  });
  expect([unknownAsset.status, unknownAsset.body.error?.code]).toEqual([400, 'wecom.media_unknown']);

  const created = await owner.post('/api/acquisition/codes', {
    name: '小程序卡片活码',
    channelId,
    guides: [{ staffId: world.guides.zhangsan?.staffId }],
    welcome: {
      text: '欢迎来到{{品牌}}，点开卡片领取会员礼。',
      attachments: [
        {
          kind: 'miniprogram',
          title: '会员中心',
          appId: 'wx1234567890abcdef',
          page: 'pages/member/index',
          picAssetId: cover.id,
        },
        { kind: 'image', assetId: photo.id },
      ],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.welcome.attachments[0]).toMatchObject({ picAssetId: cover.id });
  code = await eventually(
    async () => (await owner.get(`/api/acquisition/codes/${created.body.id}`)).body as ChannelCode,
    (c) => c.syncState === 'synced' && c.configId !== null,
  );
  // Saving the code queued the first uploads, so the first add finds the ids ready.
  await settled();
  const ready = await asset(cover.id);
  expect(ready.wecomMediaId).not.toBeNull();
  expect(ready.uses).toBe(1);
  expect(sim.mediaUsable(ready.wecomMediaId as string, 'image')).toBe(true);
  expect(sim.media.get(ready.wecomMediaId as string)?.data.equals(png(4096, 10))).toBe(true);

  const uploads = sim.media.size;
  const { sent } = await addAndWelcome();
  expect(sim.media.size).toBe(uploads);
  expect(sent.attachments).toEqual([
    {
      msgtype: 'miniprogram',
      miniprogram: {
        title: '会员中心',
        appid: 'wx1234567890abcdef',
        page: 'pages/member/index',
        pic_media_id: ready.wecomMediaId,
      },
    },
    { msgtype: 'image', image: { media_id: (await asset(photo.id)).wecomMediaId } },
  ]);

  // In use: deleting it is refused with the code that uses it.
  const refused = await owner.request('DELETE', `/api/wecom/media/${cover.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('wecom.media_in_use');
  expect(refused.body.error.details.uses).toEqual([{ owner: 'acquisition.code', ownerId: code.id }]);
});

test('three days on, WeCom refuses the old id: the send uploads the cover again and the welcome still goes out', async () => {
  const { clock, sim } = world;
  const before = (await asset(cover.id)).wecomMediaId as string;
  clock.advance((3 * DAY_S + 3600) * 1000);
  expect(sim.mediaUsable(before, 'image')).toBe(false);
  const { sent } = await addAndWelcome();
  const now = coverIdOf(sent.attachments);
  expect(now).not.toBe(before);
  expect(sim.mediaUsable(now, 'image')).toBe(true);
  expect((await asset(cover.id)).wecomMediaId).toBe(now);
});

test('the renewal job replaces ids older than 2.5 days, so the next welcome needs no upload', async () => {
  const { clock, sim } = world;
  const before = (await asset(cover.id)).wecomMediaId as string;
  clock.advance(2.6 * DAY_S * 1000);
  // What the half-hourly schedule runs, at the test's clock.
  expect(await queueRenewals(db(), clock.now())).toBe(2);
  await settled();
  const renewed = (await asset(cover.id)).wecomMediaId as string;
  expect(renewed).not.toBe(before);
  expect(new Date((await asset(cover.id)).wecomExpiresAt as string).getTime()).toBeGreaterThan(
    clock.now().getTime() + 2.9 * DAY_S * 1000,
  );
  // Still 2.6 days on from the old upload, which WeCom keeps until day 3: nothing is due now.
  expect(await queueRenewals(db(), clock.now())).toBe(0);
  const uploads = sim.media.size;
  const { sent } = await addAndWelcome();
  expect(coverIdOf(sent.attachments)).toBe(renewed);
  expect(sim.media.size).toBe(uploads);
});

test('two sends needing the same image at once upload it once', async () => {
  const { clock, sim } = world;
  const fresh = (await upload(png(1500, 20), 'burst.png')).body;
  const workspaceId = world.server.workspaceId;
  const uploads = sim.media.size;
  const ids = await Promise.all(
    [0, 1, 2].map(() =>
      db().tenant(workspaceId, (tx) =>
        ensureMediaId(tx, workspaceId, fresh.id, { uploadedAfter: new Date(clock.now().getTime() - DAY_S * 1000) }),
      ),
    ),
  );
  expect(new Set(ids).size).toBe(1);
  expect(sim.media.size).toBe(uploads + 1);
});

test('an image leaves use when its code is deleted or the default welcome drops it, and can then be deleted', async () => {
  const { owner } = world;
  const settings = await owner.request('PUT', '/api/acquisition/settings', {
    defaultWelcomeEnabled: true,
    defaultWelcome: { text: '', attachments: [{ kind: 'image', assetId: photo.id }] },
  });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  expect((await asset(photo.id)).uses).toBe(2);
  expect((await owner.request('DELETE', `/api/acquisition/codes/${code.id}`)).status).toBe(204);
  expect((await asset(photo.id)).uses).toBe(1);
  expect((await asset(cover.id)).uses).toBe(0);
  expect((await owner.request('DELETE', `/api/wecom/media/${cover.id}`)).status).toBe(204);
  const inUse = await owner.request('DELETE', `/api/wecom/media/${photo.id}`);
  expect(inUse.body.error.details.uses).toEqual([
    { owner: 'acquisition.default_welcome', ownerId: world.server.workspaceId },
  ]);
  await owner.request('PUT', '/api/acquisition/settings', {
    defaultWelcomeEnabled: false,
    defaultWelcome: { text: '你好', attachments: [] },
  });
  expect((await owner.request('DELETE', `/api/wecom/media/${photo.id}`)).status).toBe(204);
});
