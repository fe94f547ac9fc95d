// A WeCom stand-in on loopback for tests, the demo and scripted runs: it serves the external-contact API Siyu calls
// (with real state: guides, customers and who follows whom, contact ways and their `state`, welcome codes good for
// 20 seconds and once, corp tags, transfers, customer groups, group messages) and sends signed, encrypted callbacks
// to Siyu when something happens, using the same crypto as the receiving end. Control endpoints under /__sim/ and
// the methods of `Simulator` make things happen.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../demo/random.ts';
import { type CallbackKeys, msgSignature, sealMessage } from './crypto.ts';
import { buildXml } from './xml.ts';

export interface SimulatorOptions {
  corpId: string;
  /** Callback Token and EncodingAESKey, the same as in the Siyu workspace's settings. */
  token: string;
  encodingAesKey: string;
  agentId?: number;
  /** Where callbacks go (Siyu's /api/wecom/callback/<workspace>); none are sent while it is null. */
  callbackUrl?: string | null;
  /** The secrets gettoken accepts: customer contact (客户联系) and the self-built app. */
  contactSecret?: string;
  appSecret?: string;
  /** Whether the app secret's tokens may call the external-contact API (else 48002, as in a real corp). */
  appHasContactPermission?: boolean;
  port?: number;
  host?: string;
  /** The simulator's clock; `advance` moves it. Real time by default. */
  now?: () => Date;
  tokenTtlSeconds?: number;
  /** Fixes generated ids (external user ids, chat ids, codes) for repeatable demos. */
  seed?: number;
  guides?: { userId: string; name: string }[];
}

interface Guide {
  userId: string;
  name: string;
  status: 'active' | 'resigned';
}
interface Follow {
  userId: string;
  remark: string;
  description: string;
  createTime: number;
  tagIds: string[];
  state: string | null;
  addWay: number;
  operUserId: string;
}
interface Contact {
  externalUserId: string;
  name: string;
  type: number;
  avatar: string;
  gender: number;
  unionId: string;
  follows: Follow[];
}
interface ContactWay {
  configId: string;
  type: number;
  scene: number;
  style: number;
  remark: string;
  skipVerify: boolean;
  state: string;
  userIds: string[];
  partyIds: number[];
  isTemp: boolean;
  expiresIn: number;
  chatExpiresIn: number;
  unionId: string;
  qrCode: string;
  /** Next guide of a several-guide way. */
  turn: number;
}
interface WelcomeCode {
  code: string;
  userId: string;
  externalUserId: string;
  issuedAtMs: number;
  used: boolean;
}
interface Tag {
  id: string;
  name: string;
  createTime: number;
  order: number;
}
interface TagGroup {
  groupId: string;
  groupName: string;
  createTime: number;
  order: number;
  tags: Tag[];
}
interface Transfer {
  kind: 'in_service' | 'resigned';
  handoverUserId: string;
  takeoverUserId: string;
  externalUserId: string;
  /** 1 done, 2 waiting, 3 refused, 4 takeover guide at the customer limit. */
  status: 1 | 2 | 3 | 4;
  takeoverTime: number;
}
interface ChatMember {
  userId: string;
  type: 1 | 2;
  joinTime: number;
  joinScene: number;
  invitor: string | null;
  name: string;
  /** The state of the join way the member came through. */
  state: string | null;
}
/** A way to join groups (加入群聊): the QR code of a group live code. */
interface JoinWay {
  configId: string;
  scene: number;
  remark: string;
  autoCreateRoom: boolean;
  roomBaseName: string;
  roomBaseId: number;
  chatIds: string[];
  state: string;
  qrCode: string;
}
/**
 * One group message as WeCom's session archive (会话内容存档) gives it once decrypted, plus `seq`, its position in
 * the archive. `image.qrcode` is what an archive connector adds after decoding the downloaded image.
 */
export interface ArchiveRecord {
  seq: number;
  msgid: string;
  action: 'send';
  from: string;
  tolist: string[];
  roomid: string;
  /** Milliseconds since the epoch, as the archive has it. */
  msgtime: number;
  msgtype: string;
  text?: { content: string };
  image?: { md5sum: string; qrcode: boolean };
  link?: { title: string; description: string; link_url: string };
  weapp?: { title: string; username: string; displayname: string };
  card?: { corpname: string; userid: string };
}
/** Where the simulated archive connector posts group messages, and what Siyu answered. */
export interface ArchiveDelivery {
  seqs: number[];
  status: number | null;
  response: string | null;
  error: string | null;
}
/** A message sent to staff through the self-built app (message/send). */
export interface AppMessage {
  msgId: string;
  toUserIds: string[];
  agentId: number;
  msgtype: string;
  content: Json;
  at: Date;
}
interface Chat {
  chatId: string;
  name: string;
  owner: string;
  createTime: number;
  notice: string;
  members: ChatMember[];
  admins: string[];
  dismissed: boolean;
  /** Member changes so far: part of the member version, which WeCom changes with every change. */
  changes: number;
}
interface GroupMessage {
  msgId: string;
  chatType: 'single' | 'group';
  sender: string;
  text: string | null;
  attachments: unknown[];
  recipients: {
    externalUserId: string | null;
    chatId: string | null;
    userId: string;
    status: number;
    sendTime: number | null;
  }[];
  failList: string[];
}
/** A file uploaded through media/upload (temporary, 3 days) or media/uploadimg (a permanent image URL). */
export interface SimMedia {
  /** The media id, or for uploadimg the key in the image URL. */
  id: string;
  type: 'image' | 'voice' | 'video' | 'file';
  filename: string;
  contentType: string | null;
  data: Buffer;
  createdAtMs: number;
  /** Temporary media stop working 3 days after the upload; uploadimg's URLs never do. */
  temporary: boolean;
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export interface SentWelcome {
  welcomeCode: string;
  userId: string;
  externalUserId: string;
  text: string | null;
  attachments: unknown[];
  at: Date;
}

/** One callback sent (or, with no callback URL, prepared) by the simulator. */
export interface Delivery {
  fields: Record<string, string | number | string[]>;
  /** The decrypted XML. */
  xml: string;
  timestamp: string;
  nonce: string;
  signature: string;
  body: string;
  /** Siyu's answer; null when not sent. */
  status: number | null;
  response: string | null;
  error: string | null;
}

export interface DeliverOptions {
  /** Sign with another token (a forgery). */
  token?: string;
  /** Encrypt for another receive id. */
  receiveId?: string;
  timestamp?: string;
  nonce?: string;
}

/** Thrown by programmatic actions that WeCom would refuse; `errcode` as WeCom's API would answer. */
export class SimulatorError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
type Fields = Record<string, string | number | string[]>;

const WELCOME_CODE_SECONDS = 20;
/** Temporary media (media/upload) are valid for 3 days from their upload. */
export const MEDIA_TTL_SECONDS = 3 * 24 * 3600;
/** WeCom's media limits (上传的媒体文件限制): every file at least 5 bytes; images jpg/png. */
const MEDIA_MIN_BYTES = 5;
const MEDIA_MAX_BYTES: Readonly<Record<SimMedia['type'], number>> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};
/** media/uploadimg: jpg/png up to 2 MB. */
const UPLOADIMG_MAX_BYTES = 2 * 1024 * 1024;
/** More than any WeCom API takes: a larger body is refused before it is held in memory. */
const REQUEST_MAX_BYTES = 21 * 1024 * 1024;

/** JPEG or PNG by their first bytes (WeCom looks at the content, not at the name or the declared type). */
export function imageKind(data: Uint8Array): 'jpeg' | 'png' | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (data.length >= 8 && png.every((b, i) => data[i] === b)) return 'png';
  return null;
}

/**
 * Parses a multipart/form-data body (RFC 7578) into its parts; null when the content type has no boundary or the
 * body does not follow it. Part data are kept as bytes, untouched.
 */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] | null {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundaryText = m?.[1] ?? m?.[2];
  if (!boundaryText) return null;
  const boundary = Buffer.from(`--${boundaryText}`);
  const delimiter = Buffer.from(`\r\n--${boundaryText}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(boundary);
  if (pos < 0) return null;
  for (;;) {
    pos += boundary.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') return null;
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return null;
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) return null;
    const disposition = headers.get('content-disposition') ?? '';
    const param = (key: string) =>
      new RegExp(`(?:^|;)\\s*${key}="([^"]*)"`, 'i').exec(disposition)?.[1] ??
      new RegExp(`(?:^|;)\\s*${key}=([^;\\s]+)`, 'i').exec(disposition)?.[1] ??
      null;
    parts.push({
      name: param('name') ?? '',
      filename: param('filename'),
      contentType: headers.get('content-type') ?? null,
      data: body.subarray(headerEnd + 4, next),
    });
    pos = next + 2;
  }
}

/** A customer may refuse an in-service transfer for 24 hours; after that it completes on its own. */
const TRANSFER_WAIT_SECONDS = 24 * 3600;
/** Members a group may reach through a join way's QR code before WeCom moves on to the next group. */
const JOIN_WAY_GROUP_LIMIT = 200;
/** Groups one join way may name (chat_id_list). */
const JOIN_WAY_MAX_CHATS = 5;
const asString = (v: unknown) => (typeof v === 'string' ? v : '');
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export class Simulator {
  readonly corpId: string;
  url = '';
  readonly guides = new Map<string, Guide>();
  readonly contacts = new Map<string, Contact>();
  readonly contactWays = new Map<string, ContactWay>();
  readonly welcomeCodes = new Map<string, WelcomeCode>();
  readonly tagGroups: TagGroup[] = [];
  readonly transfers: Transfer[] = [];
  readonly chats = new Map<string, Chat>();
  readonly messages = new Map<string, GroupMessage>();
  readonly welcomeMessages: SentWelcome[] = [];
  readonly joinWays = new Map<string, JoinWay>();
  /** The session archive: every group message, in order. */
  readonly archive: ArchiveRecord[] = [];
  /** Where new archive records are posted (Siyu's POST /api/community/messages and an API key); none while null. */
  archiveForward: { url: string; apiKey: string } | null = null;
  readonly archiveDeliveries: ArchiveDelivery[] = [];
  readonly appMessages: AppMessage[] = [];
  /** Uploaded media by media id (media/upload) and permanent images by their URL key (media/uploadimg). */
  readonly media = new Map<string, SimMedia>();
  readonly images = new Map<string, SimMedia>();
  readonly deliveries: Delivery[] = [];
  /** gettoken calls answered, for tests of token caching. */
  tokenRequests = 0;
  /** Every API call answered (gettoken aside), in order: what Siyu asked of WeCom. */
  readonly apiCalls: { api: string; body: Json; errcode: number }[] = [];
  callbackUrl: string | null;

  private readonly keys: CallbackKeys;
  private readonly secrets: Map<string, 'contact' | 'app'>;
  private readonly tokens = new Map<string, { app: 'contact' | 'app'; expiresAtMs: number }>();
  private readonly failures: { api: string; errcode: number; errmsg: string }[] = [];
  private readonly delays: { api: string; ms: number }[] = [];
  private readonly random: () => number;
  private offsetMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((err: Error) => this.send(res, 500, { errcode: -1, errmsg: err.message }));
  });

  constructor(private readonly options: SimulatorOptions) {
    this.corpId = options.corpId;
    this.callbackUrl = options.callbackUrl ?? null;
    this.keys = { token: options.token, encodingAesKey: options.encodingAesKey, receiveId: options.corpId };
    this.secrets = new Map([
      [options.contactSecret ?? 'sim-contact-secret', 'contact'],
      [options.appSecret ?? 'sim-app-secret', 'app'],
    ]);
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    for (const g of options.guides ?? []) this.addGuide(g);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Clock and ids.

  now(): Date {
    return new Date((this.options.now?.() ?? new Date()).getTime() + this.offsetMs);
  }
  private seconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
  /** Moves the simulator's clock (welcome codes, token expiry, transfer deadlines, callback timestamps). */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
  private id(prefix: string, length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = prefix;
    while (out.length < prefix.length + length) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Server.

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.idle();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once every callback queued so far has been delivered. */
  async idle(): Promise<void> {
    for (let seen = this.queue; ; seen = this.queue) {
      await seen;
      if (seen === this.queue) return;
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  /** The request body, or null past REQUEST_MAX_BYTES (the rest is not read). */
  private async readBody(req: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > REQUEST_MAX_BYTES) return null;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private parseJson(raw: Buffer): Json | null {
    const text = raw.toString('utf8');
    if (text.trim() === '') return {};
    try {
      const value = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
    } catch {
      return null;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const raw = req.method === 'POST' ? await this.readBody(req) : Buffer.alloc(0);
    if (raw === null) return this.send(res, 200, { errcode: 40006, errmsg: 'invalid file size' });
    // The media APIs take multipart/form-data; every other API takes JSON.
    const upload = url.pathname === '/cgi-bin/media/upload' || url.pathname === '/cgi-bin/media/uploadimg';
    const body = upload ? {} : this.parseJson(raw);
    if (body === null) return this.send(res, 200, { errcode: 47001, errmsg: 'data format error' });
    if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
      const image = this.images.get(url.pathname.slice('/img/'.length));
      if (!image) return this.send(res, 404, { errcode: 404, errmsg: 'not found' });
      res.writeHead(200, { 'content-type': image.contentType ?? 'application/octet-stream' });
      res.end(image.data);
      return;
    }
    if (url.pathname.startsWith('/__sim/')) return this.control(req.method ?? 'GET', url, body, res);
    if (url.pathname.startsWith('/qr/')) {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end(
        `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><text x="4" y="60">${url.pathname.slice(4)}</text></svg>`,
      );
      return;
    }
    if (!url.pathname.startsWith('/cgi-bin/')) return this.send(res, 404, { errcode: 404, errmsg: 'not found' });
    const api = url.pathname.slice('/cgi-bin/'.length);
    const delay = this.delays.findIndex((d) => d.api === api);
    if (delay >= 0) {
      const ms = this.delays.splice(delay, 1)[0]?.ms ?? 0;
      await new Promise((r) => setTimeout(r, ms));
    }
    if (api === 'gettoken') return this.send(res, 200, this.getToken(url));
    const app = this.checkToken(url.searchParams.get('access_token'));
    if (typeof app !== 'string') return this.send(res, 200, app);
    const failure = this.failures.findIndex((f) => f.api === api);
    if (failure >= 0) {
      const f = this.failures.splice(failure, 1)[0] as { errcode: number; errmsg: string };
      return this.send(res, 200, { errcode: f.errcode, errmsg: f.errmsg });
    }
    if (api.startsWith('externalcontact/') && app === 'app' && !this.options.appHasContactPermission) {
      return this.send(res, 200, { errcode: 48002, errmsg: 'api forbidden' });
    }
    // App messages go out through the self-built app; the customer-contact secret has no AgentId to send from.
    if (api === 'message/send' && app !== 'app')
      return this.send(res, 200, { errcode: 48002, errmsg: 'api forbidden' });
    try {
      const result = upload ? this.upload(api, url, raw, req.headers['content-type'] ?? '') : this.api(api, url, body);
      this.apiCalls.push({ api, body, errcode: 0 });
      this.send(res, 200, { errcode: 0, errmsg: 'ok', ...result });
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
      this.apiCalls.push({ api, body, errcode: err.errcode });
      this.send(res, 200, { errcode: err.errcode, errmsg: err.message });
    }
  }

  /** media/upload and media/uploadimg: checks the file as WeCom does, stores it and answers its id or URL. */
  private upload(api: string, url: URL, raw: Buffer, contentType: string): Json {
    const type = url.searchParams.get('type') ?? '';
    if (api === 'media/upload' && !Object.hasOwn(MEDIA_MAX_BYTES, type))
      throw new SimulatorError(40005, `invalid type ${type}`);
    const parts = parseMultipart(raw, contentType);
    if (parts === null) throw new SimulatorError(47001, 'data format error: multipart/form-data expected');
    const part = parts.find((p) => p.name === 'media' && p.filename !== null);
    if (!part || part.data.length === 0) throw new SimulatorError(44001, 'empty media data');
    const kind = api === 'media/upload' ? (type as SimMedia['type']) : 'image';
    const max = api === 'media/upload' ? MEDIA_MAX_BYTES[kind] : UPLOADIMG_MAX_BYTES;
    if (part.data.length < MEDIA_MIN_BYTES || part.data.length > max) {
      const code = kind === 'image' ? 40009 : kind === 'video' ? 40011 : 40006;
      throw new SimulatorError(code, `invalid ${kind} size ${part.data.length}`);
    }
    if (kind === 'image' && imageKind(part.data) === null) throw new SimulatorError(40004, 'invalid media type');
    if (kind === 'video' && part.data.subarray(4, 8).toString('latin1') !== 'ftyp') {
      throw new SimulatorError(40004, 'invalid media type: mp4 expected');
    }
    if (kind === 'voice' && part.data.subarray(0, 5).toString('latin1') !== '#!AMR') {
      throw new SimulatorError(40004, 'invalid media type: amr expected');
    }
    const media: SimMedia = {
      id: this.id(api === 'media/upload' ? '3' : '', api === 'media/upload' ? 63 : 32),
      type: kind,
      filename: part.filename ?? '',
      contentType: part.contentType,
      data: Buffer.from(part.data),
      createdAtMs: this.now().getTime(),
      temporary: api === 'media/upload',
    };
    if (api === 'media/uploadimg') {
      this.images.set(media.id, media);
      return { url: `${this.url}/img/${media.id}` };
    }
    this.media.set(media.id, media);
    return { type: kind, media_id: media.id, created_at: String(Math.floor(media.createdAtMs / 1000)) };
  }

  /** Whether a media id would work now in WeCom: known, of this type, and (temporary media) not 3 days old. */
  mediaUsable(mediaId: string, type: SimMedia['type']): boolean {
    const media = this.media.get(mediaId);
    return !!media && media.type === type && this.now().getTime() - media.createdAtMs < MEDIA_TTL_SECONDS * 1000;
  }

  /** Refuses attachments naming an unknown or expired media id, as send_welcome_msg and add_msg_template do. */
  private checkAttachmentMedia(attachments: unknown[]): void {
    for (const item of attachments) {
      const a = (item ?? {}) as Json;
      const msgtype = asString(a.msgtype);
      const inner = (a[msgtype] ?? {}) as Json;
      let mediaId: string;
      let type: SimMedia['type'];
      if (msgtype === 'image') {
        if (inner.media_id === undefined && typeof inner.pic_url === 'string') continue;
        mediaId = asString(inner.media_id);
        type = 'image';
      } else if (msgtype === 'miniprogram') {
        mediaId = asString(inner.pic_media_id);
        type = 'image';
      } else if (msgtype === 'video' || msgtype === 'file') {
        mediaId = asString(inner.media_id);
        type = msgtype;
      } else continue;
      if (!this.mediaUsable(mediaId, type)) throw new SimulatorError(40007, `invalid media_id ${mediaId}`);
    }
  }

  private getToken(url: URL): Json {
    if (url.searchParams.get('corpid') !== this.corpId) return { errcode: 40013, errmsg: 'invalid corpid' };
    const app = this.secrets.get(url.searchParams.get('corpsecret') ?? '');
    if (!app) return { errcode: 40001, errmsg: 'invalid credential' };
    this.tokenRequests++;
    const ttl = this.options.tokenTtlSeconds ?? 7200;
    const token = this.id('', 64);
    this.tokens.set(token, { app, expiresAtMs: this.now().getTime() + ttl * 1000 });
    return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: ttl };
  }

  private checkToken(token: string | null): 'contact' | 'app' | Json {
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const known = this.tokens.get(token);
    if (!known) return { errcode: 40014, errmsg: 'invalid access_token' };
    if (known.expiresAtMs <= this.now().getTime()) return { errcode: 42001, errmsg: 'access_token expired' };
    return known.app;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Test and script controls.

  /** Every token handed out so far is expired from now on (WeCom then answers 42001). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAtMs = Math.min(t.expiresAtMs, this.now().getTime());
  }
  /** The next call of `api` (e.g. 'externalcontact/get') answers `errcode` instead. */
  failNext(api: string, errcode: number, errmsg = `simulated error ${errcode}`): void {
    this.failures.push({ api, errcode, errmsg });
  }
  /** The next call of `api` waits `ms` before it is answered (client timeouts). */
  delayNext(api: string, ms: number): void {
    this.delays.push({ api, ms });
  }

  addGuide(guide: { userId: string; name: string }): void {
    this.guides.set(guide.userId, { ...guide, status: 'active' });
  }
  resignGuide(userId: string): void {
    const guide = this.guides.get(userId);
    if (!guide) throw new SimulatorError(60111, `userid ${userId} not found`);
    guide.status = 'resigned';
  }

  private guide(userId: string): Guide {
    const guide = this.guides.get(userId);
    if (!guide) throw new SimulatorError(60111, `userid ${userId} not found`);
    return guide;
  }
  private contact(externalUserId: string): Contact {
    const contact = this.contacts.get(externalUserId);
    if (!contact) throw new SimulatorError(40096, `invalid external userid ${externalUserId}`);
    return contact;
  }
  private follow(contact: Contact, userId: string): Follow {
    const follow = contact.follows.find((f) => f.userId === userId);
    if (!follow) throw new SimulatorError(84061, `${userId} does not follow ${contact.externalUserId}`);
    return follow;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Callbacks.

  private contactEvent(changeType: string, userId: string, externalUserId: string, extra: Fields = {}): Fields {
    return {
      ToUserName: this.corpId,
      FromUserName: 'sys',
      CreateTime: this.seconds(),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: changeType,
      UserID: userId,
      ExternalUserID: externalUserId,
      ...extra,
    };
  }
  private chatEvent(changeType: string, chatId: string, extra: Fields = {}): Fields {
    return {
      ToUserName: this.corpId,
      FromUserName: 'sys',
      CreateTime: this.seconds(),
      MsgType: 'event',
      Event: 'change_external_chat',
      ChatId: chatId,
      ChangeType: changeType,
      ...extra,
    };
  }
  private tagEvent(changeType: string, id: string | null, tagType: 'tag' | 'tag_group' | null): Fields {
    return {
      ToUserName: this.corpId,
      FromUserName: 'sys',
      CreateTime: this.seconds(),
      MsgType: 'event',
      Event: 'change_external_tag',
      ...(id === null ? {} : { Id: id }),
      ...(tagType === null ? {} : { TagType: tagType }),
      ChangeType: changeType,
    };
  }

  /** Seals fields into the request WeCom would send: query parameters and the envelope body. */
  seal(fields: Fields, options: DeliverOptions = {}): Omit<Delivery, 'status' | 'response' | 'error'> {
    const xml = buildXml(fields);
    const timestamp = options.timestamp ?? String(this.seconds());
    const nonce = options.nonce ?? String(1_000_000_000 + Math.floor(this.random() * 8_999_999_999));
    const keys = { ...this.keys, ...(options.receiveId ? { receiveId: options.receiveId } : {}) };
    const { encrypted } = sealMessage(keys, xml, timestamp, nonce);
    const signature = msgSignature(options.token ?? this.keys.token, timestamp, nonce, encrypted);
    const body = buildXml({ ToUserName: this.corpId, Encrypt: encrypted, AgentID: String(this.options.agentId ?? '') });
    return { fields, xml, timestamp, nonce, signature, body };
  }

  /** Sends a sealed callback as is (also to replay one exactly). */
  async post(sealed: Omit<Delivery, 'status' | 'response' | 'error'>): Promise<Delivery> {
    const delivery: Delivery = { ...sealed, status: null, response: null, error: null };
    this.deliveries.push(delivery);
    if (!this.callbackUrl) return delivery;
    const url = new URL(this.callbackUrl);
    url.searchParams.set('msg_signature', sealed.signature);
    url.searchParams.set('timestamp', sealed.timestamp);
    url.searchParams.set('nonce', sealed.nonce);
    try {
      // WeCom waits five seconds for an answer before it counts the delivery as failed.
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: sealed.body,
        signal: AbortSignal.timeout(5000),
      });
      delivery.status = res.status;
      delivery.response = await res.text();
    } catch (err) {
      delivery.error = (err as Error).message;
    }
    return delivery;
  }

  /** Queues a callback after those already queued (callbacks leave in the order things happened). */
  deliver(fields: Fields, options: DeliverOptions = {}): Promise<Delivery> {
    const sealed = this.seal(fields, options);
    const sent = this.queue.then(() => this.post(sealed));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** Delivers the same event again the way WeCom retries: same content, fresh timestamp, nonce and signature. */
  redeliver(delivery: Delivery, options: DeliverOptions = {}): Promise<Delivery> {
    return this.deliver(delivery.fields, options);
  }

  /** Sends WeCom's URL verification (GET with an encrypted echostr) and checks that the answer is its plaintext. */
  async verifyCallbackUrl(): Promise<{ ok: boolean; status: number; body: string }> {
    if (!this.callbackUrl) throw new SimulatorError(40057, 'no callback url');
    const echo = String(Math.floor(this.random() * 1e18));
    const timestamp = String(this.seconds());
    const nonce = String(Math.floor(this.random() * 1e9));
    const { encrypted, signature } = sealMessage(this.keys, echo, timestamp, nonce);
    const url = new URL(this.callbackUrl);
    for (const [k, v] of Object.entries({ msg_signature: signature, timestamp, nonce, echostr: encrypted })) {
      url.searchParams.set(k, v);
    }
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    return { ok: res.status === 200 && body === echo, status: res.status, body };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Things customers and guides do (each sends WeCom's callback).

  /**
   * A customer adds a guide: directly (`userId`), or by scanning a contact way (`configId`), whose `state` comes
   * with the event and which picks the guide (several-guide ways take turns). A welcome code good for 20 seconds
   * comes with it, unless the contact already followed that guide.
   */
  async customerAddsGuide(input: {
    userId?: string;
    configId?: string;
    state?: string;
    externalUserId?: string;
    name?: string;
    unionId?: string;
    /** add_half_external_contact: the customer added without verification and the guide has not accepted yet. */
    half?: boolean;
    /** Corp tags the guide gives while accepting (WeCom's add screen offers the corp's tags). */
    tagIds?: string[];
  }): Promise<{ externalUserId: string; userId: string; welcomeCode: string; delivery: Delivery }> {
    let userId = input.userId;
    let state = input.state ?? null;
    let addWay = 0;
    if (input.configId) {
      const way = this.contactWays.get(input.configId);
      if (!way) throw new SimulatorError(41044, `invalid config_id ${input.configId}`);
      userId = way.userIds[way.turn % way.userIds.length];
      way.turn++;
      state = way.state || null;
      addWay = way.scene === 2 ? 1 : 3;
    }
    if (!userId) throw new SimulatorError(41009, 'userid or configId is needed');
    if (this.guide(userId).status !== 'active') throw new SimulatorError(60111, `${userId} has left`);
    const externalUserId = input.externalUserId ?? this.id('wm', 30);
    const contact: Contact = this.contacts.get(externalUserId) ?? {
      externalUserId,
      name: input.name ?? `客户${externalUserId.slice(-4)}`,
      type: 1,
      avatar: '',
      gender: 0,
      unionId: input.unionId ?? this.id('o', 27),
      follows: [],
    };
    this.contacts.set(externalUserId, contact);
    if (contact.follows.some((f) => f.userId === userId)) {
      throw new SimulatorError(40058, `${externalUserId} already follows ${userId}`);
    }
    for (const id of input.tagIds ?? []) if (!this.tagById(id)) throw new SimulatorError(40068, `invalid tag ${id}`);
    contact.follows.push({
      userId,
      remark: '',
      description: '',
      createTime: this.seconds(),
      tagIds: [...new Set(input.tagIds ?? [])],
      state,
      addWay,
      operUserId: input.half ? userId : externalUserId,
    });
    const welcomeCode = this.id('', 43);
    this.welcomeCodes.set(welcomeCode, {
      code: welcomeCode,
      userId,
      externalUserId,
      issuedAtMs: this.now().getTime(),
      used: false,
    });
    const delivery = await this.deliver(
      this.contactEvent(input.half ? 'add_half_external_contact' : 'add_external_contact', userId, externalUserId, {
        ...(state ? { State: state } : {}),
        WelcomeCode: welcomeCode,
      }),
    );
    return { externalUserId, userId, welcomeCode, delivery };
  }

  /** The customer deletes the guide (del_follow_user): the guide keeps a one-way record in WeCom, we drop it. */
  customerDeletesGuide(input: { externalUserId: string; userId: string }): Promise<Delivery> {
    const contact = this.contact(input.externalUserId);
    this.follow(contact, input.userId);
    contact.follows = contact.follows.filter((f) => f.userId !== input.userId);
    return this.deliver(this.contactEvent('del_follow_user', input.userId, input.externalUserId));
  }

  /** The guide deletes the customer (del_external_contact). */
  guideDeletesCustomer(input: { userId: string; externalUserId: string }): Promise<Delivery> {
    const contact = this.contact(input.externalUserId);
    this.follow(contact, input.userId);
    contact.follows = contact.follows.filter((f) => f.userId !== input.userId);
    return this.deliver(this.contactEvent('del_external_contact', input.userId, input.externalUserId));
  }

  /** The guide edits the customer's remark or description (edit_external_contact). */
  guideEditsCustomer(input: {
    userId: string;
    externalUserId: string;
    remark?: string;
    description?: string;
  }): Promise<Delivery> {
    const follow = this.follow(this.contact(input.externalUserId), input.userId);
    if (input.remark !== undefined) follow.remark = input.remark;
    if (input.description !== undefined) follow.description = input.description;
    return this.deliver(this.contactEvent('edit_external_contact', input.userId, input.externalUserId));
  }

  /**
   * The guide adds or removes corp tags on a customer in the WeCom app: WeCom sends edit_external_contact (which
   * names neither the tags nor the change; a reader gets them with externalcontact/get).
   */
  guideTagsCustomer(input: {
    userId: string;
    externalUserId: string;
    add?: string[];
    remove?: string[];
  }): Promise<Delivery> {
    const follow = this.follow(this.contact(input.externalUserId), input.userId);
    const add = input.add ?? [];
    const remove = input.remove ?? [];
    for (const id of [...add, ...remove]) if (!this.tagById(id)) throw new SimulatorError(40068, `invalid tag ${id}`);
    follow.tagIds = [...new Set([...follow.tagIds.filter((id) => !remove.includes(id)), ...add])];
    return this.deliver(this.contactEvent('edit_external_contact', input.userId, input.externalUserId));
  }

  /** The corp tag ids a guide's follow record of a customer carries now. */
  followTagIds(userId: string, externalUserId: string): string[] {
    return [...this.follow(this.contact(externalUserId), userId).tagIds];
  }

  /**
   * An admin edits corp tags in WeCom's admin page (管理后台 → 客户联系 → 客户标签): create a group with tags or tags
   * in a group, rename, delete, each with the change_external_tag callback the API's changes send too.
   */
  adminEditsCorpTags(
    change:
      | { op: 'create'; groupId?: string; groupName?: string; tags: string[] }
      | { op: 'rename'; id: string; name: string }
      | { op: 'delete'; tagIds?: string[]; groupIds?: string[] },
  ): Json {
    if (change.op === 'create') {
      return this.api('externalcontact/add_corp_tag', new URL('http://simulator'), {
        group_id: change.groupId,
        group_name: change.groupName,
        tag: change.tags.map((name) => ({ name })),
      });
    }
    if (change.op === 'rename') {
      return this.api('externalcontact/edit_corp_tag', new URL('http://simulator'), {
        id: change.id,
        name: change.name,
      });
    }
    return this.api('externalcontact/del_corp_tag', new URL('http://simulator'), {
      tag_id: change.tagIds,
      group_id: change.groupIds,
    });
  }

  /** Moves a customer to the takeover guide; an in-service handover guide is told by DELETE_BY_TRANSFER. */
  private completeTransfer(t: Transfer): void {
    t.status = 1;
    t.takeoverTime = Math.min(t.takeoverTime, this.seconds());
    const contact = this.contacts.get(t.externalUserId);
    const from = contact?.follows.find((f) => f.userId === t.handoverUserId);
    if (!contact || !from) return;
    contact.follows = contact.follows.filter((f) => f.userId !== t.handoverUserId);
    if (!contact.follows.some((f) => f.userId === t.takeoverUserId)) {
      contact.follows.push({
        ...from,
        userId: t.takeoverUserId,
        createTime: this.seconds(),
        operUserId: t.takeoverUserId,
      });
    }
    if (t.kind === 'in_service') {
      void this.deliver(
        this.contactEvent('del_external_contact', t.handoverUserId, t.externalUserId, { Source: 'DELETE_BY_TRANSFER' }),
      );
    }
    void this.deliver(this.contactEvent('add_external_contact', t.takeoverUserId, t.externalUserId));
  }

  /**
   * Ends waiting transfers (all, or of these customers): `accept` completes them; `refuse` (the customer said no)
   * and `limit` (the takeover guide has too many customers) fail them with WeCom's transfer_fail callback.
   */
  async settleTransfers(input: {
    outcome: 'accept' | 'refuse' | 'limit';
    externalUserIds?: string[];
  }): Promise<number> {
    const waiting = this.transfers.filter(
      (t) => t.status === 2 && (!input.externalUserIds || input.externalUserIds.includes(t.externalUserId)),
    );
    for (const t of waiting) {
      if (input.outcome === 'accept') this.completeTransfer(t);
      else {
        t.status = input.outcome === 'refuse' ? 3 : 4;
        void this.deliver(
          this.contactEvent('transfer_fail', t.takeoverUserId, t.externalUserId, {
            FailReason: input.outcome === 'refuse' ? 'customer_refused' : 'customer_limit_exceed',
          }),
        );
      }
    }
    await this.idle();
    return waiting.length;
  }

  /** Transfers whose 24 hours have passed without a refusal complete, as WeCom's do. */
  private settleDueTransfers(): void {
    for (const t of this.transfers) if (t.status === 2 && t.takeoverTime <= this.seconds()) this.completeTransfer(t);
  }

  private memberVersion(chat: Chat): string {
    // Every change gets a new version, even one back to an earlier member list (a member leaving, joining, leaving
    // again): otherwise two such callbacks in one second would be the same message, taken for a retry.
    const ids = chat.members.map((m) => m.userId).sort();
    return createHash('md5')
      .update(`${chat.changes}:${ids.join(',')}`)
      .digest('hex');
  }

  private chat(chatId: string): Chat {
    const chat = this.chats.get(chatId);
    if (!chat || chat.dismissed) throw new SimulatorError(86003, `chatid ${chatId} not found`);
    return chat;
  }

  private member(memberId: string, joinScene: number, invitor: string | null, state: string | null = null): ChatMember {
    const guide = this.guides.get(memberId);
    return {
      userId: memberId,
      type: guide ? 1 : 2,
      joinTime: this.seconds(),
      joinScene,
      invitor,
      name: guide?.name ?? this.contacts.get(memberId)?.name ?? memberId,
      state,
    };
  }

  async createGroup(input: {
    owner: string;
    name: string;
    memberIds?: string[];
    /** Group admins (群管理员), guides among the members. */
    admins?: string[];
  }): Promise<{ chatId: string; delivery: Delivery }> {
    this.guide(input.owner);
    for (const admin of input.admins ?? []) this.guide(admin);
    const chatId = this.id('wr', 30);
    const chat: Chat = {
      chatId,
      name: input.name,
      owner: input.owner,
      createTime: this.seconds(),
      notice: '',
      members: [this.member(input.owner, 1, null)],
      admins: [],
      dismissed: false,
      changes: 0,
    };
    for (const id of input.memberIds ?? []) if (id !== input.owner) chat.members.push(this.member(id, 1, input.owner));
    for (const admin of input.admins ?? []) {
      if (!chat.members.some((m) => m.userId === admin)) chat.members.push(this.member(admin, 1, input.owner));
      if (admin !== input.owner) chat.admins.push(admin);
    }
    this.chats.set(chatId, chat);
    const delivery = await this.deliver(this.chatEvent('create', chatId));
    return { chatId, delivery };
  }

  /** Members join (joinScene 0 invited directly, 1 by an invitation link, 3 by the group QR code). */
  joinGroup(input: {
    chatId: string;
    memberIds: string[];
    joinScene?: number;
    invitor?: string;
    /** The join way's state, when they came through one (groupchat/get then shows it per member). */
    state?: string;
  }): Promise<Delivery> {
    const chat = this.chat(input.chatId);
    const last = this.memberVersion(chat);
    chat.changes++;
    const joined = input.memberIds.filter((id) => !chat.members.some((m) => m.userId === id));
    const scene = input.joinScene ?? 3;
    // WeCom's member join_scene: 1 direct, 2 link, 3 QR code; the event's JoinScene: 0 direct, 1 link, 3 QR code.
    const memberScene = scene === 0 ? 1 : scene === 1 ? 2 : 3;
    for (const id of joined)
      chat.members.push(this.member(id, memberScene, input.invitor ?? null, input.state ?? null));
    return this.deliver(
      this.chatEvent('update', chat.chatId, {
        UpdateDetail: 'add_member',
        JoinScene: scene,
        MemChangeCnt: joined.length,
        MemChangeList: joined,
        LastMemVer: last,
        CurMemVer: this.memberVersion(chat),
      }),
    );
  }

  /** Members leave (quitScene 0 by themselves, 1 removed by the owner or an admin). */
  quitGroup(input: { chatId: string; memberIds: string[]; quitScene?: number }): Promise<Delivery> {
    const chat = this.chat(input.chatId);
    const last = this.memberVersion(chat);
    chat.changes++;
    const left = input.memberIds.filter((id) => chat.members.some((m) => m.userId === id) && id !== chat.owner);
    chat.members = chat.members.filter((m) => !left.includes(m.userId));
    return this.deliver(
      this.chatEvent('update', chat.chatId, {
        UpdateDetail: 'del_member',
        QuitScene: input.quitScene ?? 0,
        MemChangeCnt: left.length,
        MemChangeList: left,
        LastMemVer: last,
        CurMemVer: this.memberVersion(chat),
      }),
    );
  }

  renameGroup(input: { chatId: string; name: string }): Promise<Delivery> {
    this.chat(input.chatId).name = input.name;
    return this.deliver(this.chatEvent('update', input.chatId, { UpdateDetail: 'change_name' }));
  }

  changeGroupOwner(input: { chatId: string; owner: string }): Promise<Delivery> {
    const chat = this.chat(input.chatId);
    this.guide(input.owner);
    if (!chat.members.some((m) => m.userId === input.owner)) chat.members.push(this.member(input.owner, 1, chat.owner));
    chat.owner = input.owner;
    return this.deliver(this.chatEvent('update', input.chatId, { UpdateDetail: 'change_owner' }));
  }

  dismissGroup(input: { chatId: string }): Promise<Delivery> {
    this.chat(input.chatId).dismissed = true;
    return this.deliver(this.chatEvent('dismiss', input.chatId));
  }

  /** An admin reorders tags in WeCom's admin page (shuffle), which the API cannot do. */
  shuffleTags(input: { groupId?: string } = {}): Promise<Delivery> {
    return this.deliver(this.tagEvent('shuffle', input.groupId ?? null, null));
  }

  /** A guide confirms a group message in the WeCom app: it is sent to its recipients. */
  confirmGroupMessage(input: { msgId: string; userId: string }): number {
    const message = this.messages.get(input.msgId);
    if (!message) throw new SimulatorError(41047, `invalid msgid ${input.msgId}`);
    let sent = 0;
    for (const r of message.recipients) {
      if (r.userId === input.userId && r.status === 0) {
        r.status = 1;
        r.sendTime = this.seconds();
        sent++;
        // A group message lands in the group like anything the owner writes there, so the archive has it too.
        const chat = r.chatId ? this.chats.get(r.chatId) : undefined;
        if (chat && !chat.dismissed && message.text) {
          void this.archiveRecord(chat, input.userId, 'text', { text: { content: message.text } });
        }
      }
    }
    return sent;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Group live codes (加入群聊) and group traffic (the session archive).

  /**
   * A customer scans a join way's QR code: they join the first of its groups with room (WeCom's limit through a
   * QR code is 200 members), or, when every group is full and the way auto-creates, a new group named after the
   * way's base name and number, owned by the last group's owner. Sends create (for a new group) and add_member.
   */
  async customerScansJoinWay(input: {
    configId: string;
    externalUserId?: string;
    name?: string;
    unionId?: string;
  }): Promise<{ chatId: string; externalUserId: string; delivery: Delivery }> {
    const way = this.joinWays.get(input.configId);
    if (!way) throw new SimulatorError(41044, `invalid config_id ${input.configId}`);
    const open = way.chatIds.map((id) => this.chats.get(id)).filter((c): c is Chat => !!c && !c.dismissed);
    let chat = open.find((c) => c.members.length < JOIN_WAY_GROUP_LIMIT);
    if (!chat) {
      const last = open[open.length - 1];
      if (!way.autoCreateRoom || !last) throw new SimulatorError(40058, 'every group of the join way is full');
      const created = await this.createGroup({ owner: last.owner, name: `${way.roomBaseName}${way.roomBaseId}` });
      way.roomBaseId++;
      way.chatIds.push(created.chatId);
      chat = this.chats.get(created.chatId) as Chat;
    }
    const externalUserId = input.externalUserId ?? this.id('wm', 30);
    if (!this.contacts.has(externalUserId)) {
      this.contacts.set(externalUserId, {
        externalUserId,
        name: input.name ?? `客户${externalUserId.slice(-4)}`,
        type: 1,
        avatar: '',
        gender: 0,
        unionId: input.unionId ?? this.id('o', 27),
        follows: [],
      });
    }
    const delivery = await this.joinGroup({
      chatId: chat.chatId,
      memberIds: [externalUserId],
      joinScene: 3,
      ...(way.state ? { state: way.state } : {}),
    });
    return { chatId: chat.chatId, externalUserId, delivery };
  }

  /**
   * A member writes in a group: the message enters the session archive (as the archive gives it once decrypted)
   * and, when `archiveForward` is set, is posted to Siyu the way an archive connector would. Text by default; an
   * image (`qrCode` when it shows a QR code), a link, a mini-program (weapp) or a contact card otherwise.
   */
  postGroupMessage(input: {
    chatId: string;
    from: string;
    msgtype?: 'text' | 'image' | 'link' | 'weapp' | 'card';
    text?: string;
    qrCode?: boolean;
    link?: { title: string; url: string; description?: string };
    weapp?: { title: string; appName?: string };
    card?: { userId: string; corpName?: string };
  }): Promise<ArchiveRecord> {
    const chat = this.chat(input.chatId);
    if (!chat.members.some((m) => m.userId === input.from)) {
      throw new SimulatorError(40058, `${input.from} is not a member of ${input.chatId}`);
    }
    const msgtype = input.msgtype ?? 'text';
    const body: Partial<ArchiveRecord> =
      msgtype === 'text'
        ? { text: { content: input.text ?? '' } }
        : msgtype === 'image'
          ? { image: { md5sum: this.id('', 32).toLowerCase(), qrcode: input.qrCode === true } }
          : msgtype === 'link'
            ? {
                link: {
                  title: input.link?.title ?? '',
                  description: input.link?.description ?? '',
                  link_url: input.link?.url ?? '',
                },
              }
            : msgtype === 'weapp'
              ? {
                  weapp: {
                    title: input.weapp?.title ?? '',
                    username: `gh_${this.id('', 12).toLowerCase()}@app`,
                    displayname: input.weapp?.appName ?? '',
                  },
                }
              : { card: { corpname: input.card?.corpName ?? '', userid: input.card?.userId ?? '' } };
    if (msgtype === 'text' && !input.text) throw new SimulatorError(40058, 'text is required');
    return this.archiveRecord(chat, input.from, msgtype, body);
  }

  private archiveRecord(
    chat: Chat,
    from: string,
    msgtype: string,
    body: Partial<ArchiveRecord>,
  ): Promise<ArchiveRecord> {
    const record: ArchiveRecord = {
      seq: this.archive.length + 1,
      msgid: `${this.id('', 19)}_${this.now().getTime()}_external`,
      action: 'send',
      from,
      tolist: chat.members.map((m) => m.userId).filter((id) => id !== from),
      roomid: chat.chatId,
      msgtime: this.now().getTime(),
      msgtype,
      ...body,
    };
    this.archive.push(record);
    const forwarded = this.queue.then(() => this.forwardArchive([record]));
    this.queue = forwarded.catch(() => undefined);
    return forwarded.then(() => record);
  }

  /** Posts archive records to `archiveForward`, as an archive connector does after decrypting them. */
  private async forwardArchive(records: ArchiveRecord[]): Promise<void> {
    const target = this.archiveForward;
    if (!target) return;
    const delivery: ArchiveDelivery = { seqs: records.map((r) => r.seq), status: null, response: null, error: null };
    this.archiveDeliveries.push(delivery);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
        body: JSON.stringify({ messages: records.map(({ seq: _seq, ...message }) => message) }),
        signal: AbortSignal.timeout(5000),
      });
      delivery.status = res.status;
      delivery.response = await res.text();
    } catch (err) {
      delivery.error = (err as Error).message;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The external-contact API.

  private tagById(id: string): { group: TagGroup; tag: Tag } | null {
    for (const group of this.tagGroups) {
      const tag = group.tags.find((t) => t.id === id);
      if (tag) return { group, tag };
    }
    return null;
  }

  private contactJson(c: Contact) {
    return {
      external_userid: c.externalUserId,
      name: c.name,
      type: c.type,
      avatar: c.avatar,
      gender: c.gender,
      unionid: c.unionId,
    };
  }

  private followJson(f: Follow) {
    return {
      userid: f.userId,
      remark: f.remark,
      description: f.description,
      createtime: f.createTime,
      tags: f.tagIds.flatMap((id) => {
        const found = this.tagById(id);
        return found ? [{ group_name: found.group.groupName, tag_name: found.tag.name, tag_id: id, type: 1 }] : [];
      }),
      ...(f.state ? { state: f.state } : {}),
      add_way: f.addWay,
      oper_userid: f.operUserId,
    };
  }

  private wayJson(w: ContactWay) {
    return {
      config_id: w.configId,
      type: w.type,
      scene: w.scene,
      style: w.style,
      remark: w.remark,
      skip_verify: w.skipVerify,
      state: w.state,
      user: w.userIds,
      party: w.partyIds,
      is_temp: w.isTemp,
      expires_in: w.expiresIn,
      chat_expires_in: w.chatExpiresIn,
      unionid: w.unionId,
      qr_code: w.qrCode,
    };
  }

  /** Cursor paging over a list: the cursor is the next offset. */
  private page<T>(items: T[], cursor: unknown, limit: number): { items: T[]; next: string } {
    const start = typeof cursor === 'string' && /^\d+$/.test(cursor) ? Number(cursor) : 0;
    const slice = items.slice(start, start + limit);
    return { items: slice, next: start + limit < items.length ? String(start + limit) : '' };
  }

  private applyWay(way: ContactWay, b: Json): void {
    if (b.state !== undefined) {
      const state = asString(b.state);
      if (state.length > 30) throw new SimulatorError(40058, 'state is longer than 30 characters');
      way.state = state;
    }
    if (b.user !== undefined) {
      const users = strings(b.user);
      for (const u of users) this.guide(u);
      if (way.type === 1 && users.length !== 1) throw new SimulatorError(41041, 'a single contact way has one user');
      way.userIds = users;
    }
    if (b.remark !== undefined) way.remark = asString(b.remark);
    if (b.skip_verify !== undefined) way.skipVerify = b.skip_verify === true;
    if (b.style !== undefined) way.style = Number(b.style) || 0;
    if (b.party !== undefined) way.partyIds = Array.isArray(b.party) ? b.party.map(Number) : [];
    if (b.expires_in !== undefined) way.expiresIn = Number(b.expires_in) || 0;
    if (b.chat_expires_in !== undefined) way.chatExpiresIn = Number(b.chat_expires_in) || 0;
    if (b.unionid !== undefined) way.unionId = asString(b.unionid);
  }

  /** Checks and applies add_join_way / update_join_way parameters, as WeCom would refuse them. */
  private applyJoinWay(way: JoinWay, b: Json): void {
    const scene = Number(b.scene);
    if (scene !== 1 && scene !== 2) throw new SimulatorError(40058, 'scene: 1 or 2');
    const chatIds = strings(b.chat_id_list);
    if (chatIds.length === 0 || chatIds.length > JOIN_WAY_MAX_CHATS) {
      throw new SimulatorError(40058, `chat_id_list: 1 to ${JOIN_WAY_MAX_CHATS} groups`);
    }
    for (const id of chatIds) this.chat(id);
    const state = asString(b.state);
    if (state.length > 30) throw new SimulatorError(40058, 'state is longer than 30 characters');
    const autoCreate = Number(b.auto_create_room ?? 0) === 1;
    if (autoCreate && !asString(b.room_base_name)) throw new SimulatorError(40058, 'room_base_name is required');
    way.scene = scene;
    way.remark = asString(b.remark);
    way.autoCreateRoom = autoCreate;
    way.roomBaseName = asString(b.room_base_name);
    way.roomBaseId = Number(b.room_base_id ?? 0) || 0;
    way.chatIds = chatIds;
    way.state = state;
  }

  private transferRequest(kind: Transfer['kind'], b: Json): Json {
    const handover = asString(b.handover_userid);
    const takeover = asString(b.takeover_userid);
    const from = this.guide(handover);
    if (this.guide(takeover).status !== 'active') throw new SimulatorError(60111, `${takeover} has left`);
    if (handover === takeover) throw new SimulatorError(40130, 'handover and takeover are the same');
    if (kind === 'resigned' && from.status !== 'resigned') throw new SimulatorError(40097, `${handover} has not left`);
    const ids = strings(b.external_userid);
    if (ids.length === 0 || ids.length > 100) throw new SimulatorError(40058, 'external_userid: 1 to 100 ids');
    const customer = ids.map((externalUserId) => {
      const contact = this.contacts.get(externalUserId);
      if (!contact) return { external_userid: externalUserId, errcode: 40096 };
      if (!contact.follows.some((f) => f.userId === handover))
        return { external_userid: externalUserId, errcode: 40131 };
      if (this.transfers.some((t) => t.externalUserId === externalUserId && t.status === 2)) {
        return { external_userid: externalUserId, errcode: 40129 };
      }
      this.transfers.push({
        kind,
        handoverUserId: handover,
        takeoverUserId: takeover,
        externalUserId,
        status: 2,
        takeoverTime: this.seconds() + TRANSFER_WAIT_SECONDS,
      });
      return { external_userid: externalUserId, errcode: 0 };
    });
    return { customer };
  }

  private transferResult(kind: Transfer['kind'], b: Json): Json {
    this.settleDueTransfers();
    const handover = asString(b.handover_userid);
    const takeover = asString(b.takeover_userid);
    const mine = this.transfers.filter(
      (t) => t.kind === kind && t.handoverUserId === handover && t.takeoverUserId === takeover,
    );
    const { items, next } = this.page(mine, b.cursor, 1000);
    return {
      customer: items.map((t) => ({
        external_userid: t.externalUserId,
        status: t.status,
        takeover_time: t.takeoverTime,
      })),
      next_cursor: next,
    };
  }

  private api(api: string, url: URL, b: Json): Json {
    const q = (name: string) => url.searchParams.get(name) ?? '';
    switch (api) {
      case 'externalcontact/get': {
        const contact = this.contact(q('external_userid'));
        if (contact.follows.length === 0) throw new SimulatorError(84061, 'no relationship with this contact');
        const { items, next } = this.page(contact.follows, q('cursor') || undefined, 500);
        return {
          external_contact: this.contactJson(contact),
          follow_user: items.map((f) => this.followJson(f)),
          next_cursor: next,
        };
      }
      case 'externalcontact/batch/get_by_user': {
        const users = strings(b.userid_list);
        if (users.length === 0 || users.length > 100) throw new SimulatorError(40058, 'userid_list: 1 to 100 users');
        for (const u of users) this.guide(u);
        const limit = Number(b.limit ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new SimulatorError(40058, 'limit: 1 to 100');
        const pairs = [...this.contacts.values()].flatMap((c) =>
          c.follows.filter((f) => users.includes(f.userId)).map((f) => ({ c, f })),
        );
        const { items, next } = this.page(pairs, b.cursor, limit);
        return {
          external_contact_list: items.map(({ c, f }) => ({
            external_contact: this.contactJson(c),
            follow_info: { ...this.followJson(f), tag_id: f.tagIds },
          })),
          next_cursor: next,
        };
      }
      case 'externalcontact/list': {
        this.guide(q('userid'));
        const ids = [...this.contacts.values()]
          .filter((c) => c.follows.some((f) => f.userId === q('userid')))
          .map((c) => c.externalUserId);
        if (ids.length === 0) throw new SimulatorError(84061, 'no external contacts');
        return { external_userid: ids };
      }
      case 'externalcontact/add_contact_way': {
        const type = Number(b.type);
        const scene = Number(b.scene);
        if (type !== 1 && type !== 2) throw new SimulatorError(41039, 'invalid type');
        if (scene !== 1 && scene !== 2) throw new SimulatorError(41040, 'invalid scene');
        const configId = this.id('', 32).toLowerCase();
        const way: ContactWay = {
          configId,
          type,
          scene,
          style: 0,
          remark: '',
          skipVerify: true,
          state: '',
          userIds: [],
          partyIds: [],
          isTemp: b.is_temp === true,
          expiresIn: 0,
          chatExpiresIn: 0,
          unionId: '',
          qrCode: scene === 2 ? `${this.url}/qr/${configId}` : '',
          turn: 0,
        };
        this.applyWay(way, b);
        if (way.userIds.length === 0 && way.partyIds.length === 0) throw new SimulatorError(41041, 'no user or party');
        this.contactWays.set(configId, way);
        return { config_id: configId, ...(way.qrCode ? { qr_code: way.qrCode } : {}) };
      }
      case 'externalcontact/update_contact_way':
      case 'externalcontact/get_contact_way':
      case 'externalcontact/del_contact_way': {
        const configId = asString(b.config_id);
        const way = this.contactWays.get(configId);
        if (!way) throw new SimulatorError(41044, `invalid config_id ${configId}`);
        if (api.endsWith('get_contact_way')) return { contact_way: this.wayJson(way) };
        if (api.endsWith('del_contact_way')) this.contactWays.delete(configId);
        else this.applyWay(way, b);
        return {};
      }
      case 'externalcontact/send_welcome_msg': {
        const code = this.welcomeCodes.get(asString(b.welcome_code));
        const expired = code && this.now().getTime() - code.issuedAtMs > WELCOME_CODE_SECONDS * 1000;
        if (!code || code.used || expired) throw new SimulatorError(41050, 'invalid welcome_code');
        const text = (b.text as Json | undefined)?.content;
        const attachments = Array.isArray(b.attachments) ? b.attachments : [];
        if ((typeof text !== 'string' || text === '') && attachments.length === 0) {
          throw new SimulatorError(40063, 'text or attachments are required');
        }
        if (attachments.length > 9) throw new SimulatorError(40058, 'at most 9 attachments');
        this.checkAttachmentMedia(attachments);
        code.used = true;
        this.welcomeMessages.push({
          welcomeCode: code.code,
          userId: code.userId,
          externalUserId: code.externalUserId,
          text: typeof text === 'string' ? text : null,
          attachments,
          at: this.now(),
        });
        return {};
      }
      case 'externalcontact/get_corp_tag_list': {
        const tagIds = strings(b.tag_id);
        const groupIds = strings(b.group_id);
        const groups = this.tagGroups
          .filter((g) => groupIds.length === 0 || groupIds.includes(g.groupId))
          .map((g) => ({ ...g, tags: g.tags.filter((t) => tagIds.length === 0 || tagIds.includes(t.id)) }))
          .filter((g) => tagIds.length === 0 || g.tags.length > 0);
        return { tag_group: groups.map((g) => this.tagGroupJson(g)) };
      }
      case 'externalcontact/add_corp_tag': {
        const groupId = asString(b.group_id);
        let group = groupId ? this.tagGroups.find((g) => g.groupId === groupId) : undefined;
        if (groupId && !group) throw new SimulatorError(40068, `invalid group_id ${groupId}`);
        const created = !group;
        if (!group) {
          const groupName = asString(b.group_name);
          if (!groupName) throw new SimulatorError(40058, 'group_id or group_name is required');
          group = this.tagGroups.find((g) => g.groupName === groupName);
          if (!group) {
            group = {
              groupId: this.id('et', 30),
              groupName,
              createTime: this.seconds(),
              order: Number(b.order ?? 0),
              tags: [],
            };
            this.tagGroups.push(group);
          }
        }
        const wanted = Array.isArray(b.tag) ? (b.tag as Json[]) : [];
        const added: Tag[] = [];
        for (const t of wanted) {
          const name = asString(t.name);
          if (!name || name.length > 30) throw new SimulatorError(40072, 'invalid tag name');
          if (group.tags.some((x) => x.name === name)) throw new SimulatorError(40071, `tag ${name} exists`);
          const tag = { id: this.id('et', 30), name, createTime: this.seconds(), order: Number(t.order ?? 0) };
          group.tags.push(tag);
          added.push(tag);
        }
        if (created) void this.deliver(this.tagEvent('create', group.groupId, 'tag_group'));
        for (const t of added) void this.deliver(this.tagEvent('create', t.id, 'tag'));
        return { tag_group: this.tagGroupJson({ ...group, tags: added }) };
      }
      case 'externalcontact/edit_corp_tag': {
        const id = asString(b.id);
        const group = this.tagGroups.find((g) => g.groupId === id);
        const found = group ? null : this.tagById(id);
        if (!group && !found) throw new SimulatorError(40068, `invalid id ${id}`);
        const target = group ?? (found as { tag: Tag }).tag;
        if (b.name !== undefined) {
          if (group) group.groupName = asString(b.name);
          else (target as Tag).name = asString(b.name);
        }
        if (b.order !== undefined) target.order = Number(b.order) || 0;
        void this.deliver(this.tagEvent('update', id, group ? 'tag_group' : 'tag'));
        return {};
      }
      case 'externalcontact/del_corp_tag': {
        const tagIds = strings(b.tag_id);
        const groupIds = strings(b.group_id);
        if (tagIds.length === 0 && groupIds.length === 0)
          throw new SimulatorError(40058, 'tag_id or group_id is required');
        for (const id of tagIds) if (!this.tagById(id)) throw new SimulatorError(40068, `invalid tag_id ${id}`);
        for (const id of groupIds)
          if (!this.tagGroups.some((g) => g.groupId === id)) throw new SimulatorError(40068, `invalid group_id ${id}`);
        for (const id of tagIds) {
          const found = this.tagById(id) as { group: TagGroup };
          found.group.tags = found.group.tags.filter((t) => t.id !== id);
          void this.deliver(this.tagEvent('delete', id, 'tag'));
          // A group whose last tag goes is deleted with it, as WeCom does.
          if (found.group.tags.length === 0 && !groupIds.includes(found.group.groupId))
            groupIds.push(found.group.groupId);
        }
        for (const id of groupIds) {
          const index = this.tagGroups.findIndex((g) => g.groupId === id);
          if (index >= 0) this.tagGroups.splice(index, 1);
          void this.deliver(this.tagEvent('delete', id, 'tag_group'));
        }
        const known = new Set(this.tagGroups.flatMap((g) => g.tags.map((t) => t.id)));
        for (const c of this.contacts.values())
          for (const f of c.follows) f.tagIds = f.tagIds.filter((id) => known.has(id));
        return {};
      }
      case 'externalcontact/mark_tag': {
        const follow = this.follow(this.contact(asString(b.external_userid)), asString(b.userid));
        const add = strings(b.add_tag);
        const remove = strings(b.remove_tag);
        if (add.length === 0 && remove.length === 0)
          throw new SimulatorError(40058, 'add_tag or remove_tag is required');
        for (const id of [...add, ...remove])
          if (!this.tagById(id)) throw new SimulatorError(40068, `invalid tag ${id}`);
        follow.tagIds = [...new Set([...follow.tagIds.filter((id) => !remove.includes(id)), ...add])];
        return {};
      }
      case 'externalcontact/transfer_customer':
        return this.transferRequest('in_service', b);
      case 'externalcontact/transfer_result':
        return this.transferResult('in_service', b);
      case 'externalcontact/resigned/transfer_customer':
        return this.transferRequest('resigned', b);
      case 'externalcontact/resigned/transfer_result':
        return this.transferResult('resigned', b);
      case 'externalcontact/groupchat/list': {
        const limit = Number(b.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new SimulatorError(40058, 'limit: 1 to 1000');
        const owners = strings((b.owner_filter as Json | undefined)?.userid_list);
        const statusFilter = Number(b.status_filter ?? 0);
        const chats = [...this.chats.values()].filter(
          (c) =>
            !c.dismissed &&
            (owners.length === 0 || owners.includes(c.owner)) &&
            (statusFilter === 0 || (statusFilter === 1 && this.guides.get(c.owner)?.status === 'resigned')),
        );
        const { items, next } = this.page(chats, b.cursor, limit);
        return {
          group_chat_list: items.map((c) => ({
            chat_id: c.chatId,
            status: this.guides.get(c.owner)?.status === 'resigned' ? 1 : 0,
          })),
          next_cursor: next,
        };
      }
      case 'externalcontact/groupchat/get': {
        const chat = this.chat(asString(b.chat_id));
        const needName = Number(b.need_name) === 1;
        return {
          group_chat: {
            chat_id: chat.chatId,
            name: chat.name,
            owner: chat.owner,
            create_time: chat.createTime,
            notice: chat.notice,
            member_list: chat.members.map((m) => ({
              userid: m.userId,
              type: m.type,
              join_time: m.joinTime,
              join_scene: m.joinScene,
              ...(m.invitor ? { invitor: { userid: m.invitor } } : {}),
              group_nickname: '',
              ...(needName ? { name: m.name } : {}),
              ...(m.type === 2 ? { unionid: this.contacts.get(m.userId)?.unionId ?? '' } : {}),
              ...(m.state ? { state: m.state } : {}),
            })),
            admin_list: chat.admins.map((userid) => ({ userid })),
            member_version: this.memberVersion(chat),
          },
        };
      }
      case 'externalcontact/add_msg_template':
        return this.addMessageTemplate(b);
      case 'message/send': {
        if (Number(b.agentid) !== this.options.agentId) throw new SimulatorError(40056, 'invalid agentid');
        const msgtype = asString(b.msgtype);
        const content = b[msgtype] as Json | undefined;
        if (!['text', 'textcard'].includes(msgtype) || !content)
          throw new SimulatorError(40008, 'invalid message type');
        const to = asString(b.touser)
          .split('|')
          .filter((u) => u !== '');
        const reachable = to.filter((u) => this.guides.get(u)?.status === 'active');
        const invalid = to.filter((u) => !reachable.includes(u));
        if (reachable.length === 0) throw new SimulatorError(81013, 'user & party & tag all invalid');
        const msgId = this.id('', 40);
        this.appMessages.push({
          msgId,
          toUserIds: reachable,
          agentId: Number(b.agentid),
          msgtype,
          content,
          at: this.now(),
        });
        return { invaliduser: invalid.join('|'), msgid: msgId };
      }
      case 'externalcontact/groupchat/add_join_way': {
        const configId = this.id('', 32).toLowerCase();
        const way: JoinWay = {
          configId,
          scene: 0,
          remark: '',
          autoCreateRoom: false,
          roomBaseName: '',
          roomBaseId: 0,
          chatIds: [],
          state: '',
          qrCode: '',
        };
        this.applyJoinWay(way, b);
        way.qrCode = way.scene === 2 ? `${this.url}/qr/${configId}` : '';
        this.joinWays.set(configId, way);
        return { config_id: configId };
      }
      case 'externalcontact/groupchat/get_join_way':
      case 'externalcontact/groupchat/update_join_way':
      case 'externalcontact/groupchat/del_join_way': {
        const configId = asString(b.config_id);
        const way = this.joinWays.get(configId);
        if (!way) throw new SimulatorError(41044, `invalid config_id ${configId}`);
        if (api.endsWith('get_join_way')) {
          return {
            join_way: {
              config_id: way.configId,
              scene: way.scene,
              remark: way.remark,
              auto_create_room: way.autoCreateRoom ? 1 : 0,
              room_base_name: way.roomBaseName,
              room_base_id: way.roomBaseId,
              chat_id_list: way.chatIds,
              qr_code: way.qrCode,
              state: way.state,
            },
          };
        }
        if (api.endsWith('del_join_way')) this.joinWays.delete(configId);
        else this.applyJoinWay(way, b);
        return {};
      }
      case 'externalcontact/get_groupmsg_send_result': {
        const message = this.messages.get(asString(b.msgid));
        if (!message) throw new SimulatorError(41047, 'invalid msgid');
        const mine = message.recipients.filter((r) => r.userId === asString(b.userid));
        const { items, next } = this.page(mine, b.cursor, Number(b.limit ?? 500) || 500);
        return {
          send_list: items.map((r) => ({
            ...(r.externalUserId ? { external_userid: r.externalUserId } : {}),
            ...(r.chatId ? { chat_id: r.chatId } : {}),
            userid: r.userId,
            status: r.status,
            ...(r.sendTime ? { send_time: r.sendTime } : {}),
          })),
          next_cursor: next,
        };
      }
      default:
        throw new SimulatorError(404, `the simulator does not serve ${api}`);
    }
  }

  private tagGroupJson(g: TagGroup) {
    return {
      group_id: g.groupId,
      group_name: g.groupName,
      create_time: g.createTime,
      order: g.order,
      tag: g.tags.map((t) => ({ id: t.id, name: t.name, create_time: t.createTime, order: t.order })),
    };
  }

  private addMessageTemplate(b: Json): Json {
    const chatType = b.chat_type === 'group' ? 'group' : 'single';
    const sender = asString(b.sender);
    const text = (b.text as Json | undefined)?.content;
    const attachments = Array.isArray(b.attachments) ? b.attachments : [];
    if ((typeof text !== 'string' || text === '') && attachments.length === 0) {
      throw new SimulatorError(40063, 'text or attachments are required');
    }
    this.checkAttachmentMedia(attachments);
    const recipients: GroupMessage['recipients'] = [];
    const failList: string[] = [];
    if (chatType === 'single') {
      for (const externalUserId of strings(b.external_userid)) {
        const follows = this.contacts.get(externalUserId)?.follows ?? [];
        const by = sender ? follows.filter((f) => f.userId === sender) : follows.slice(0, 1);
        if (by[0]) recipients.push({ externalUserId, chatId: null, userId: by[0].userId, status: 0, sendTime: null });
        else failList.push(externalUserId);
      }
    } else {
      const chatIds = strings(b.chat_id_list);
      const chats = [...this.chats.values()].filter(
        (c) => !c.dismissed && (chatIds.length > 0 ? chatIds.includes(c.chatId) : !sender || c.owner === sender),
      );
      for (const c of chats)
        recipients.push({ externalUserId: null, chatId: c.chatId, userId: c.owner, status: 0, sendTime: null });
    }
    if (recipients.length === 0) throw new SimulatorError(41048, 'no recipients');
    const msgId = this.id('msg', 27);
    this.messages.set(msgId, {
      msgId,
      chatType,
      sender,
      text: typeof text === 'string' ? text : null,
      attachments,
      recipients,
      failList,
    });
    return { msgid: msgId, fail_list: failList };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Control endpoints for scripted runs: JSON in, JSON out.

  private async control(method: string, url: URL, b: Json, res: ServerResponse): Promise<void> {
    const path = url.pathname.slice('/__sim'.length);
    const s = (name: string) => asString(b[name]);
    const optional = (name: string) => (typeof b[name] === 'string' ? (b[name] as string) : undefined);
    const num = (name: string) => (typeof b[name] === 'number' ? (b[name] as number) : undefined);
    const chatPath = /^\/groups\/([^/]+)\/(join|quit|rename|owner|dismiss|messages)$/.exec(path);
    const scanPath = /^\/join-ways\/([^/]+)\/scan$/.exec(path);
    try {
      if (method === 'GET' && path === '/state') return this.send(res, 200, this.snapshot());
      if (method === 'GET' && path === '/archive') {
        // Pull mode, shaped like the archive SDK's GetChatData: the records after `seq`, at most `limit`.
        const after = Number(url.searchParams.get('seq') ?? 0) || 0;
        const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
        return this.send(res, 200, { errcode: 0, chatdata: this.archive.filter((r) => r.seq > after).slice(0, limit) });
      }
      if (method !== 'POST') return this.send(res, 405, { error: 'POST, or GET /__sim/state' });
      let result: unknown;
      if (path === '/guides') {
        if (!s('userId') || !s('name')) throw new SimulatorError(40058, 'userId and name are required');
        this.addGuide({ userId: s('userId'), name: s('name') });
        result = { userId: s('userId') };
      } else if (path === '/guides/resign') {
        this.resignGuide(s('userId'));
        result = { userId: s('userId') };
      } else if (path === '/customers/add') {
        const added = await this.customerAddsGuide({
          userId: optional('userId'),
          configId: optional('configId'),
          state: optional('state'),
          externalUserId: optional('externalUserId'),
          name: optional('name'),
          half: b.half === true,
          tagIds: strings(b.tagIds),
        });
        result = { ...added, delivery: summary(added.delivery) };
      } else if (path === '/customers/delete-guide') {
        result = summary(await this.customerDeletesGuide({ externalUserId: s('externalUserId'), userId: s('userId') }));
      } else if (path === '/guides/delete-customer') {
        result = summary(await this.guideDeletesCustomer({ userId: s('userId'), externalUserId: s('externalUserId') }));
      } else if (path === '/customers/edit') {
        result = summary(
          await this.guideEditsCustomer({
            userId: s('userId'),
            externalUserId: s('externalUserId'),
            remark: optional('remark'),
            description: optional('description'),
          }),
        );
      } else if (path === '/transfers/settle') {
        const outcome = s('outcome');
        if (outcome !== 'accept' && outcome !== 'refuse' && outcome !== 'limit') {
          throw new SimulatorError(40058, 'outcome: accept, refuse or limit');
        }
        const ids = strings(b.externalUserIds);
        result = { settled: await this.settleTransfers({ outcome, ...(ids.length ? { externalUserIds: ids } : {}) }) };
      } else if (path === '/groups') {
        const created = await this.createGroup({
          owner: s('owner'),
          name: s('name'),
          memberIds: strings(b.memberIds),
          admins: strings(b.admins),
        });
        result = { chatId: created.chatId, delivery: summary(created.delivery) };
      } else if (chatPath) {
        const [, chatId = '', action] = chatPath;
        if (action === 'messages') {
          const msgtype = optional('msgtype');
          if (msgtype !== undefined && !['text', 'image', 'link', 'weapp', 'card'].includes(msgtype)) {
            throw new SimulatorError(40058, 'msgtype: text, image, link, weapp or card');
          }
          const record = await this.postGroupMessage({
            chatId,
            from: s('from'),
            msgtype: msgtype as 'text' | undefined,
            text: optional('text'),
            qrCode: b.qrCode === true,
            ...(typeof b.url === 'string' ? { link: { title: s('title'), url: s('url') } } : {}),
            ...(msgtype === 'weapp' ? { weapp: { title: s('title') } } : {}),
            ...(msgtype === 'card' ? { card: { userId: s('userId') } } : {}),
          });
          return this.send(res, 200, record);
        }
        const delivery =
          action === 'join'
            ? await this.joinGroup({
                chatId,
                memberIds: strings(b.memberIds),
                joinScene: num('joinScene'),
                invitor: optional('invitor'),
              })
            : action === 'quit'
              ? await this.quitGroup({ chatId, memberIds: strings(b.memberIds), quitScene: num('quitScene') })
              : action === 'rename'
                ? await this.renameGroup({ chatId, name: s('name') })
                : action === 'owner'
                  ? await this.changeGroupOwner({ chatId, owner: s('owner') })
                  : await this.dismissGroup({ chatId });
        result = summary(delivery);
      } else if (scanPath) {
        const scanned = await this.customerScansJoinWay({
          configId: scanPath[1] ?? '',
          externalUserId: optional('externalUserId'),
          name: optional('name'),
        });
        result = { ...scanned, delivery: summary(scanned.delivery) };
      } else if (path === '/archive/forward') {
        // Turns the simulated archive connector on (url and apiKey) or off (neither).
        this.archiveForward = s('url') && s('apiKey') ? { url: s('url'), apiKey: s('apiKey') } : null;
        result = { forwarding: this.archiveForward !== null };
      } else if (path === '/customers/tags') {
        result = summary(
          await this.guideTagsCustomer({
            userId: s('userId'),
            externalUserId: s('externalUserId'),
            add: strings(b.add),
            remove: strings(b.remove),
          }),
        );
      } else if (path === '/tags/shuffle') {
        result = summary(await this.shuffleTags({ groupId: optional('groupId') }));
      } else if (path === '/messages/confirm') {
        result = { sent: this.confirmGroupMessage({ msgId: s('msgId'), userId: s('userId') }) };
      } else if (path === '/tokens/expire') {
        this.expireTokens();
        result = {};
      } else if (path === '/fail-next') {
        const errcode = num('errcode');
        if (!s('api') || errcode === undefined) throw new SimulatorError(40058, 'api and errcode are required');
        this.failNext(s('api'), errcode, optional('errmsg'));
        result = {};
      } else if (path === '/clock') {
        const seconds = num('advanceSeconds');
        if (seconds === undefined) throw new SimulatorError(40058, 'advanceSeconds is required');
        this.advance(seconds);
        result = { now: this.now().toISOString() };
      } else if (path === '/verify-url') {
        result = await this.verifyCallbackUrl();
      } else return this.send(res, 404, { error: `no control ${path}` });
      this.send(res, 200, result);
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
      this.send(res, 400, { error: err.message, errcode: err.errcode });
    }
  }

  /** Everything the simulator holds, for scripts and for looking at. */
  snapshot() {
    return {
      corpId: this.corpId,
      now: this.now().toISOString(),
      callbackUrl: this.callbackUrl,
      guides: [...this.guides.values()],
      contacts: [...this.contacts.values()],
      contactWays: [...this.contactWays.values()].map((w) => this.wayJson(w)),
      tagGroups: this.tagGroups.map((g) => this.tagGroupJson(g)),
      transfers: this.transfers,
      chats: [...this.chats.values()],
      joinWays: [...this.joinWays.values()],
      messages: [...this.messages.values()],
      archive: this.archive,
      appMessages: this.appMessages,
      media: [...this.media.values(), ...this.images.values()].map(({ data, ...m }) => ({ ...m, size: data.length })),
      welcomeMessages: this.welcomeMessages,
      deliveries: this.deliveries.map(summary),
    };
  }
}

const summary = (d: Delivery) => ({
  event: d.fields.Event,
  changeType: d.fields.ChangeType,
  status: d.status,
  response: d.response,
  error: d.error,
});

/** Starts a simulator on loopback and returns it listening. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = new Simulator(options);
  await sim.listen();
  return sim;
}

/** A random id for `--corp-id`-less runs and tests: ww + 16 hex characters, the shape of a real CorpID. */
export const randomCorpId = () => `ww${randomBytes(8).toString('hex')}`;
