// WeCom's media APIs through the client and the simulator: a multipart upload arrives byte for byte, the simulator
// refuses what WeCom refuses with WeCom's errcodes (mapped to our codes), and a media id stops working 3 days after
// its upload, in welcome messages and in group message templates alike.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createWeComClient, type MediaType, TokenCache, type WeComClient } from './client.ts';
import { generateEncodingAesKey } from './crypto.ts';
import { wecomModule } from './index.ts';
import { parseMultipart, type Simulator, startSimulator } from './simulator.ts';

let sim: Simulator;
const CORP = 'wwmediatest0000001';

beforeAll(async () => {
  wecomModule(); // registers the connector's messages
  sim = await startSimulator({
    corpId: CORP,
    token: 'mediaToken',
    encodingAesKey: generateEncodingAesKey(),
    contactSecret: 'contact-secret',
    guides: [{ userId: 'zhangsan', name: '张三' }],
    seed: 7,
  });
});
afterAll(() => sim.close());

const client = (): WeComClient =>
  createWeComClient({
    corpId: CORP,
    secret: 'contact-secret',
    baseUrl: sim.url,
    tokens: new TokenCache(),
    now: () => sim.now(),
    sleep: async () => {},
  });

/** Deterministic bytes that also hold what a careless multipart parser would trip over: CRLFs, dashes, NULs. */
function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x & 0xff;
  }
  if (length > 64) Buffer.from('\r\n--\r\n\r\nContent-Disposition: form-data; name="media"\r\n').copy(out, 32);
  return out;
}
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (length: number, seed = 1) => Buffer.concat([PNG, bytes(length - PNG.length, seed)]);
const jpeg = (length: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), bytes(length - 4, 3)]);

async function refusal(promise: Promise<unknown>): Promise<{ code: string; details: { errcode: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; details: { errcode: number } };
  }
  throw new Error('expected WeCom to refuse');
}

test('an image uploads as multipart/form-data and arrives byte for byte, with a media id and its time', async () => {
  const data = png(50_000);
  const uploaded = await client().uploadMedia('image', { filename: '封面.png', contentType: 'image/png', data });
  expect(uploaded.type).toBe('image');
  expect(uploaded.mediaId).toMatch(/^3[A-Za-z0-9]{63}$/);
  const stored = sim.media.get(uploaded.mediaId);
  // The time WeCom stored it, in seconds (the clock may have passed a second since).
  expect(uploaded.createdAt).toBe(Math.floor((stored?.createdAtMs ?? 0) / 1000));
  expect(stored?.data.equals(data)).toBe(true);
  expect(stored).toMatchObject({ filename: '封面.png', contentType: 'image/png', temporary: true });
  const asJpeg = await client().uploadMedia('image', { filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg(6) });
  expect(sim.media.get(asJpeg.mediaId)?.data.length).toBe(6);
  expect(sim.mediaUsable(uploaded.mediaId, 'image')).toBe(true);
  expect(sim.mediaUsable(uploaded.mediaId, 'file')).toBe(false);
});

test('files and videos upload under their own types and limits', async () => {
  const file = await client().uploadMedia('file', {
    filename: 'menu.pdf',
    contentType: 'application/pdf',
    data: bytes(3000),
  });
  expect(file.type).toBe('file');
  const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), bytes(500)]);
  expect((await client().uploadMedia('video', { filename: 'v.mp4', contentType: 'video/mp4', data: mp4 })).type).toBe(
    'video',
  );
  const notMp4 = await refusal(
    client().uploadMedia('video', { filename: 'v.mp4', contentType: 'video/mp4', data: bytes(100) }),
  );
  expect([notMp4.code, notMp4.details.errcode]).toEqual(['wecom.invalid_media_file', 40004]);
});

test('what WeCom refuses is refused with its errcode and our code', async () => {
  const c = client();
  const gif = Buffer.concat([Buffer.from('GIF89a'), bytes(100)]);
  // Thunks: each call starts only when its refusal is awaited.
  const cases: [() => Promise<unknown>, string, number][] = [
    // Not JPG/PNG, whatever the declared type says.
    [
      () => c.uploadMedia('image', { filename: 'a.png', contentType: 'image/png', data: gif }),
      'wecom.invalid_media_file',
      40004,
    ],
    [
      () => c.uploadMedia('image', { filename: 'a.png', contentType: 'image/png', data: Buffer.alloc(0) }),
      'wecom.empty_media',
      44001,
    ],
    // At least 5 bytes, at most 10 MB for an image.
    [
      () => c.uploadMedia('image', { filename: 'a.png', contentType: 'image/png', data: PNG.subarray(0, 4) }),
      'wecom.invalid_media_size',
      40009,
    ],
    [
      () => c.uploadMedia('image', { filename: 'a.png', contentType: 'image/png', data: png(10 * 1024 * 1024 + 1) }),
      'wecom.invalid_media_size',
      40009,
    ],
    [
      () => c.uploadMedia('mp3' as MediaType, { filename: 'a.mp3', contentType: 'audio/mpeg', data: bytes(100) }),
      'wecom.invalid_media_type',
      40005,
    ],
    // uploadimg: 2 MB at most.
    [
      () => c.uploadImage({ filename: 'big.png', contentType: 'image/png', data: png(2 * 1024 * 1024 + 1) }),
      'wecom.invalid_media_size',
      40009,
    ],
    [
      () => c.uploadImage({ filename: 'a.gif', contentType: 'image/gif', data: gif }),
      'wecom.invalid_media_file',
      40004,
    ],
  ];
  for (const [call, code, errcode] of cases) {
    const err = await refusal(call());
    expect([err.code, err.details.errcode]).toEqual([code, errcode]);
  }
  // Exactly 10 MB is still fine.
  const edge = await c.uploadMedia('image', {
    filename: 'e.png',
    contentType: 'image/png',
    data: png(10 * 1024 * 1024),
  });
  expect(sim.media.get(edge.mediaId)?.data.length).toBe(10 * 1024 * 1024);
});

test('uploadimg answers a permanent URL that serves the image', async () => {
  const data = png(4000, 9);
  const { url } = await client().uploadImage({ filename: 'card.png', contentType: 'image/png', data });
  expect(url.startsWith(`${sim.url}/img/`)).toBe(true);
  sim.advance(30 * 24 * 3600);
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
});

test('a welcome message naming an unknown or 3-day-old media id is refused with 40007, and a fresh one goes out', async () => {
  const c = client();
  const cover = await c.uploadMedia('image', { filename: 'c.png', contentType: 'image/png', data: png(800, 5) });
  const card = (picMediaId: string) => ({
    kind: 'miniprogram' as const,
    title: '会员中心',
    appId: 'wx1234567890abcdef',
    page: 'pages/index/index',
    picMediaId,
  });
  const unknown = await sim.customerAddsGuide({ userId: 'zhangsan' });
  const refused = await refusal(
    c.sendWelcomeMessage({ welcomeCode: unknown.welcomeCode, attachments: [{ kind: 'image', mediaId: 'no-such-id' }] }),
  );
  expect([refused.code, refused.details.errcode]).toEqual(['wecom.invalid_media_id', 40007]);
  // The refusal left the welcome code unused: the same code goes out with a good id.
  await c.sendWelcomeMessage({ welcomeCode: unknown.welcomeCode, text: '欢迎', attachments: [card(cover.mediaId)] });
  const sent = sim.welcomeMessages.find((m) => m.welcomeCode === unknown.welcomeCode);
  expect(sent?.attachments).toEqual([
    {
      msgtype: 'miniprogram',
      miniprogram: {
        title: '会员中心',
        appid: 'wx1234567890abcdef',
        page: 'pages/index/index',
        pic_media_id: cover.mediaId,
      },
    },
  ]);

  sim.advance(3 * 24 * 3600 - 60);
  const late = await sim.customerAddsGuide({ userId: 'zhangsan' });
  await c.sendWelcomeMessage({
    welcomeCode: late.welcomeCode,
    attachments: [{ kind: 'image', mediaId: cover.mediaId }],
  });
  sim.advance(120);
  const expired = await sim.customerAddsGuide({ userId: 'zhangsan' });
  const gone = await refusal(
    c.sendWelcomeMessage({ welcomeCode: expired.welcomeCode, attachments: [card(cover.mediaId)] }),
  );
  expect([gone.code, gone.details.errcode]).toEqual(['wecom.invalid_media_id', 40007]);
  const groupMessage = await refusal(
    c.addMessageTemplate({
      chatType: 'single',
      externalUserIds: [expired.externalUserId],
      sender: 'zhangsan',
      attachments: [{ kind: 'image', mediaId: cover.mediaId }],
    }),
  );
  expect(groupMessage.code).toBe('wecom.invalid_media_id');
  // A file's id used as an image is refused too.
  const file = await c.uploadMedia('file', { filename: 'f.txt', contentType: 'text/plain', data: bytes(20) });
  const wrongType = await refusal(
    c.sendWelcomeMessage({ welcomeCode: expired.welcomeCode, attachments: [{ kind: 'image', mediaId: file.mediaId }] }),
  );
  expect(wrongType.code).toBe('wecom.invalid_media_id');
});

test('the multipart parser reads quoted boundaries, several parts and binary data untouched', () => {
  const data = bytes(300, 11);
  const body = Buffer.concat([
    Buffer.from('preamble\r\n--b0undary\r\n'),
    Buffer.from('Content-Disposition: form-data; name="note"\r\n\r\nhello\r\n--b0undary\r\n'),
    Buffer.from('Content-Disposition: form-data; name="media"; filename="x.bin"; filelength=300\r\n'),
    Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
    data,
    Buffer.from('\r\n--b0undary--\r\n'),
  ]);
  const parts = parseMultipart(body, 'multipart/form-data; boundary="b0undary"');
  expect(parts?.map((p) => [p.name, p.filename, p.contentType])).toEqual([
    ['note', null, null],
    ['media', 'x.bin', 'application/octet-stream'],
  ]);
  expect(parts?.[1]?.data.equals(data)).toBe(true);
  expect(parseMultipart(body, 'application/json')).toBeNull();
  expect(parseMultipart(body.subarray(0, body.length - 20), 'multipart/form-data; boundary=b0undary')).toBeNull();
});
