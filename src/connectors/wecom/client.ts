// The outbound WeCom API behind one interface: access tokens cached per (corp, secret) and refreshed when WeCom
// says they are stale, network failures retried with backoff where a retry cannot do a thing twice, and every
// errcode turned into an error with a stable code. The simulator serves the same endpoints over loopback.
import { createHash } from 'node:crypto';
import { WECOM_PRODUCTION_API } from '../../contracts/wecom.ts';
import { networkError, TOKEN_ERRCODES, timeoutError, WeComApiError } from './errors.ts';

// ---------------------------------------------------------------------------------------------------------------
// What the API returns and takes, in our spelling. Field meanings follow WeCom's external-contact documentation.

export interface FollowUser {
  userId: string;
  remark: string;
  description: string;
  /** When the customer was added, Unix seconds. */
  createTime: number;
  tags: { groupName: string; tagName: string; tagId: string | null; type: number }[];
  state: string | null;
  addWay: number;
  operUserId: string | null;
}

export interface ExternalContact {
  externalUserId: string;
  name: string;
  /** 1 WeChat user, 2 WeCom user. */
  type: number;
  avatar: string | null;
  /** 0 unknown, 1 male, 2 female. */
  gender: number;
  unionId: string | null;
}

export interface ExternalContactDetail {
  contact: ExternalContact;
  followUsers: FollowUser[];
  /** More follow users beyond the first 500 (WeCom pages them). */
  nextCursor: string | null;
}

export interface ContactWayInput {
  /** 1 one guide, 2 several (WeCom spreads adds across them). */
  type: 1 | 2;
  /** 1 in a mini-program, 2 a QR code. */
  scene: 1 | 2;
  style?: number;
  remark?: string;
  skipVerify?: boolean;
  /** Up to 30 characters; returned in the add event to tell which code a customer came through. */
  state?: string;
  userIds?: string[];
  partyIds?: number[];
  isTemp?: boolean;
  expiresIn?: number;
  chatExpiresIn?: number;
  unionId?: string;
}

export interface ContactWay extends ContactWayInput {
  configId: string;
  qrCode: string | null;
}

export type WelcomeAttachment =
  | { kind: 'image'; mediaId: string }
  | { kind: 'image'; picUrl: string }
  | { kind: 'link'; title: string; url: string; picUrl?: string; description?: string }
  | { kind: 'miniprogram'; title: string; appId: string; page: string; picMediaId: string }
  | { kind: 'video'; mediaId: string }
  | { kind: 'file'; mediaId: string };

/** Kinds of temporary media (临时素材); each lasts 3 days from its upload. */
export type MediaType = 'image' | 'voice' | 'video' | 'file';

/** A file to upload: WeCom takes it as the `media` part of a multipart/form-data body. */
export interface MediaFile {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface UploadedMedia {
  type: MediaType;
  mediaId: string;
  /** Unix seconds of the upload; the media id stops working 3 days later. */
  createdAt: number;
}

export interface CorpTag {
  id: string;
  name: string;
  createTime: number;
  order: number;
  deleted: boolean;
}
export interface CorpTagGroup {
  groupId: string;
  groupName: string;
  createTime: number;
  order: number;
  deleted: boolean;
  tags: CorpTag[];
}

export interface TransferInput {
  handoverUserId: string;
  takeoverUserId: string;
  externalUserIds: string[];
  /** In-service transfers only: the message the customer receives (default text when absent). */
  transferSuccessMessage?: string;
}

/** WeCom's per-customer answer to a transfer request; errcode 0 means accepted (waiting for the customer). */
export interface TransferAccepted {
  externalUserId: string;
  errcode: number;
}

/** 1 done, 2 waiting, 3 the customer refused, 4 the takeover guide is at the customer limit, 5 no transfer. */
export type TransferStatus = 1 | 2 | 3 | 4 | 5;
export interface TransferOutcome {
  externalUserId: string;
  status: TransferStatus;
  /** Unix seconds when the takeover guide took (or is due to take) the customer. */
  takeoverTime: number;
}

export interface GroupChatMember {
  userId: string;
  /** 1 a WeCom member (guide), 2 an external contact. */
  type: number;
  joinTime: number;
  /** 1 invited directly, 2 by an invitation link, 3 by scanning the group QR code. */
  joinScene: number;
  invitorUserId: string | null;
  groupNickname: string;
  name: string;
  unionId: string | null;
  /** The `state` of the join way (群活码) the member joined through, when they joined through one that has it. */
  state: string | null;
}
export interface GroupChat {
  chatId: string;
  name: string;
  owner: string;
  createTime: number;
  notice: string;
  members: GroupChatMember[];
  adminUserIds: string[];
  memberVersion: string | null;
}

export interface MessageTemplateInput {
  chatType: 'single' | 'group';
  /** single: the customers to send to (the sender's own customers). */
  externalUserIds?: string[];
  /** group: the groups to send to. */
  chatIds?: string[];
  sender?: string;
  text?: string;
  attachments?: WelcomeAttachment[];
}

/** A way to join customer groups (加入群聊, the QR code or mini-program button behind a group live code). */
export interface JoinWayInput {
  /** 1 in a mini-program, 2 a QR code. */
  scene: 1 | 2;
  remark?: string;
  /** When every group is full (200 members through a QR code), WeCom creates a new one named base name + id. */
  autoCreateRoom?: boolean;
  roomBaseName?: string;
  roomBaseId?: number;
  /** Up to 5 groups, filled in this order. */
  chatIds: string[];
  /** Up to 30 characters; returned as each member's `state` in groupchat/get. */
  state?: string;
}

export interface JoinWay extends JoinWayInput {
  configId: string;
  qrCode: string | null;
}

/** A message of the self-built app to staff (应用消息), shown in their WeCom app. */
export type AppMessageInput = { toUserIds: string[] } & (
  | { kind: 'text'; content: string }
  | { kind: 'textcard'; title: string; description: string; url: string; buttonText?: string }
);

export interface GroupMessageSendResult {
  externalUserId: string | null;
  chatId: string | null;
  userId: string;
  /** 0 not sent, 1 sent, 2 not a friend, 3 the customer got another group message that day. */
  status: number;
  sendTime: number | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The WeCom API as Siyu uses it. One instance speaks for one (corp, secret). */
export interface WeComClient {
  /** An access token, from the cache while it is fresh. */
  accessToken(): Promise<string>;
  getExternalContact(externalUserId: string, cursor?: string): Promise<ExternalContactDetail>;
  batchGetExternalContacts(input: {
    userIds: string[];
    cursor?: string;
    limit?: number;
  }): Promise<Page<{ contact: ExternalContact; followInfo: FollowUser }>>;
  listExternalContacts(userId: string): Promise<string[]>;
  addContactWay(input: ContactWayInput): Promise<{ configId: string; qrCode: string | null }>;
  updateContactWay(configId: string, changes: Omit<Partial<ContactWayInput>, 'type' | 'scene'>): Promise<void>;
  getContactWay(configId: string): Promise<ContactWay>;
  deleteContactWay(configId: string): Promise<void>;
  sendWelcomeMessage(input: { welcomeCode: string; text?: string; attachments?: WelcomeAttachment[] }): Promise<void>;
  /** media/upload: a temporary media id (3 days) for image, video and file attachments and mini-program covers. */
  uploadMedia(type: MediaType, file: MediaFile): Promise<UploadedMedia>;
  /** media/uploadimg: a permanent image URL (jpg/png up to 2 MB) for link cards' picurl and image pic_url. */
  uploadImage(file: MediaFile): Promise<{ url: string }>;
  getCorpTags(filter?: { tagIds?: string[]; groupIds?: string[] }): Promise<CorpTagGroup[]>;
  addCorpTags(input: {
    groupId?: string;
    groupName?: string;
    order?: number;
    tags: { name: string; order?: number }[];
  }): Promise<CorpTagGroup>;
  editCorpTag(input: { id: string; name?: string; order?: number }): Promise<void>;
  deleteCorpTags(input: { tagIds?: string[]; groupIds?: string[] }): Promise<void>;
  markTags(input: { userId: string; externalUserId: string; add?: string[]; remove?: string[] }): Promise<void>;
  transferCustomers(input: TransferInput): Promise<TransferAccepted[]>;
  transferResult(input: {
    handoverUserId: string;
    takeoverUserId: string;
    cursor?: string;
  }): Promise<Page<TransferOutcome>>;
  resignedTransferCustomers(input: Omit<TransferInput, 'transferSuccessMessage'>): Promise<TransferAccepted[]>;
  resignedTransferResult(input: {
    handoverUserId: string;
    takeoverUserId: string;
    cursor?: string;
  }): Promise<Page<TransferOutcome>>;
  listGroupChats(input: {
    statusFilter?: 0 | 1 | 2 | 3;
    ownerUserIds?: string[];
    cursor?: string;
    limit: number;
  }): Promise<Page<{ chatId: string; status: number }>>;
  getGroupChat(chatId: string, needName?: boolean): Promise<GroupChat>;
  addJoinWay(input: JoinWayInput): Promise<{ configId: string }>;
  getJoinWay(configId: string): Promise<JoinWay>;
  updateJoinWay(configId: string, input: JoinWayInput): Promise<void>;
  deleteJoinWay(configId: string): Promise<void>;
  /** message/send of the self-built app (its secret and AgentId); answers the user ids WeCom could not reach. */
  sendAppMessage(agentId: number, message: AppMessageInput): Promise<{ invalidUserIds: string[] }>;
  addMessageTemplate(input: MessageTemplateInput): Promise<{ msgId: string; failList: string[] }>;
  getGroupMessageSendResult(input: {
    msgId: string;
    userId: string;
    cursor?: string;
    limit?: number;
  }): Promise<Page<GroupMessageSendResult>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Access tokens.

interface CachedToken {
  token: string;
  /** Milliseconds since the epoch after which the token is not used again. */
  usableUntil: number;
}

/**
 * Access tokens per (API, corp, secret), shared by every client of the process. WeCom limits how often tokens may
 * be fetched, so concurrent callers wait for one fetch instead of each making their own.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly fetching = new Map<string, Promise<string>>();

  /**
   * A usable token: the cached one, unless it expired or is `stale` (the one WeCom just refused), in which case one
   * fetch serves every caller waiting at that moment.
   */
  async get(key: string, nowMs: number, fetchToken: () => Promise<CachedToken>, stale?: string): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && cached.token !== stale && cached.usableUntil > nowMs) return cached.token;
    const running = this.fetching.get(key);
    if (running) return running;
    const fetch = fetchToken()
      .then((fresh) => {
        this.tokens.set(key, fresh);
        return fresh.token;
      })
      .finally(() => this.fetching.delete(key));
    this.fetching.set(key, fetch);
    return fetch;
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** The process-wide cache used unless a client is given its own. */
export const sharedTokenCache = new TokenCache();

/** Seconds before WeCom's expiry that a token stops being used, so a call never races its expiry. */
const TOKEN_MARGIN_SECONDS = 300;

// ---------------------------------------------------------------------------------------------------------------
// The HTTP client.

export interface WeComClientOptions {
  corpId: string;
  secret: string;
  /** WeCom's production API by default; the simulator's URL in tests and the demo. */
  baseUrl?: string;
  tokens?: TokenCache;
  now?: () => Date;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts after a network failure; default 2. */
  retries?: number;
  /** First backoff; doubled each retry, with jitter. Default 200 ms. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

type Json = Record<string, unknown>;

interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  /** A file sent as multipart/form-data (field `media`) instead of a JSON body. */
  file?: MediaFile;
  /**
   * Whether sending the request twice does no harm. Reads are; so are updates and deletes by id, and a welcome
   * message (its code works once). A creation is not: after a timeout it may have happened, so it is retried only
   * when the connection was never made.
   */
  idempotent: boolean;
}

/** Failures before any byte of the request reached WeCom: retrying cannot repeat what never happened. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A failure worth another attempt: the network, a timeout, an HTTP 5xx, or WeCom's errcode -1 (busy). */
class Transient extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'server' | 'busy',
    message: string,
    /** The request never left: retrying is safe even for a creation. */
    readonly notSent = false,
  ) {
    super(message);
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const cursorOf = (v: unknown): string | null => strOrNull(v);

/** One attachment as WeCom spells it (welcome messages and group message templates share the shape). */
function attachmentOut(a: WelcomeAttachment): Json {
  if (a.kind === 'image')
    return { msgtype: 'image', image: 'mediaId' in a ? { media_id: a.mediaId } : { pic_url: a.picUrl } };
  if (a.kind === 'link') {
    return { msgtype: 'link', link: { title: a.title, url: a.url, picurl: a.picUrl, desc: a.description } };
  }
  if (a.kind === 'miniprogram') {
    return {
      msgtype: 'miniprogram',
      miniprogram: { title: a.title, appid: a.appId, page: a.page, pic_media_id: a.picMediaId },
    };
  }
  return { msgtype: a.kind, [a.kind]: { media_id: a.mediaId } };
}

/** The multipart body WeCom's media APIs take: one part named `media` with the file's name, type and length. */
function formOf(file: MediaFile): FormData {
  const form = new FormData();
  // A copy as a plain ArrayBuffer-backed view: Blob takes no view over a shared buffer.
  form.append('media', new Blob([new Uint8Array(file.data)], { type: file.contentType }), file.filename);
  return form;
}

const MEDIA_TYPES: readonly string[] = ['image', 'voice', 'video', 'file'];

const attachmentsOut = (attachments: WelcomeAttachment[] | undefined) => attachments?.map(attachmentOut);

function contactWayOut(w: Partial<ContactWayInput>) {
  return {
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
  };
}

const contactIn = (c: Json): ExternalContact => ({
  externalUserId: str(c.external_userid),
  name: str(c.name),
  type: num(c.type),
  avatar: strOrNull(c.avatar),
  gender: num(c.gender),
  unionId: strOrNull(c.unionid),
});

const followIn = (f: Json): FollowUser => ({
  userId: str(f.userid),
  remark: str(f.remark),
  description: str(f.description),
  createTime: num(f.createtime),
  tags: arr(f.tags).map((t) => ({
    groupName: str(t.group_name),
    tagName: str(t.tag_name),
    tagId: strOrNull(t.tag_id),
    type: num(t.type),
  })),
  state: strOrNull(f.state),
  addWay: num(f.add_way),
  operUserId: strOrNull(f.oper_userid),
});

function joinWayOut(w: JoinWayInput) {
  return {
    scene: w.scene,
    remark: w.remark,
    auto_create_room: w.autoCreateRoom === undefined ? undefined : w.autoCreateRoom ? 1 : 0,
    room_base_name: w.roomBaseName,
    room_base_id: w.roomBaseId,
    chat_id_list: w.chatIds,
    state: w.state,
  };
}

const tagGroupIn = (g: Json): CorpTagGroup => ({
  groupId: str(g.group_id),
  groupName: str(g.group_name),
  createTime: num(g.create_time),
  order: num(g.order),
  deleted: g.deleted === true,
  tags: arr(g.tag).map((t) => ({
    id: str(t.id),
    name: str(t.name),
    createTime: num(t.create_time),
    order: num(t.order),
    deleted: t.deleted === true,
  })),
});

const transferOutcomesIn = (r: Json): Page<TransferOutcome> => ({
  items: arr(r.customer).map((c) => ({
    externalUserId: str(c.external_userid),
    status: num(c.status) as TransferStatus,
    takeoverTime: num(c.takeover_time),
  })),
  nextCursor: cursorOf(r.next_cursor),
});

const acceptedIn = (r: Json): TransferAccepted[] =>
  arr(r.customer).map((c) => ({ externalUserId: str(c.external_userid), errcode: num(c.errcode) }));

export function createWeComClient(options: WeComClientOptions): WeComClient {
  const baseUrl = (options.baseUrl ?? WECOM_PRODUCTION_API).replace(/\/+$/, '');
  const tokens = options.tokens ?? sharedTokenCache;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const fetchImpl = options.fetch ?? fetch;
  // The secret is part of the key only as a hash, so the cache never holds it in a readable form.
  const cacheKey = `${baseUrl}\u0000${options.corpId}\u0000${createHash('sha256').update(options.secret).digest('hex')}`;

  /** One HTTP exchange; network failures and WeCom's "busy" come back as Transient for the retry loop. */
  async function exchange(method: 'GET' | 'POST', api: string, call: CallOptions, token: string | null): Promise<Json> {
    const url = new URL(`${baseUrl}/cgi-bin/${api}`);
    if (token !== null) url.searchParams.set('access_token', token);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method,
        // A FormData body gets its multipart content type (with the boundary) from fetch itself.
        headers: call.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body: call.file ? formOf(call.file) : call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Transient('timeout', 'timeout');
      const code = e.cause?.code ?? '';
      throw new Transient('network', code || e.message, NOT_SENT.has(code));
    }
    const body = await res.text().catch(() => '');
    if (res.status >= 500) throw new Transient('server', `HTTP ${res.status}`);
    let json: Json;
    try {
      json = JSON.parse(body) as Json;
    } catch {
      throw networkError(api, `HTTP ${res.status}, not JSON`);
    }
    if (typeof json !== 'object' || json === null) throw networkError(api, `HTTP ${res.status}, not an object`);
    if (num(json.errcode) === -1) throw new Transient('busy', str(json.errmsg));
    return json;
  }

  /** An exchange with retries and exponential backoff (with jitter) for what is safe to retry. */
  async function withRetries(method: 'GET' | 'POST', api: string, call: CallOptions, token: string | null) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await exchange(method, api, call, token);
      } catch (err) {
        if (!(err instanceof Transient)) throw err;
        const safe = call.idempotent || err.notSent;
        if (!safe || attempt >= retries) {
          if (err.kind === 'busy') throw new WeComApiError(-1, err.message, api);
          throw err.kind === 'timeout' ? timeoutError(api, timeoutMs) : networkError(api, err.message);
        }
        await sleep(backoffMs * 2 ** attempt * (0.5 + Math.random() / 2));
      }
    }
  }

  async function fetchToken(): Promise<CachedToken> {
    const json = await withRetries(
      'GET',
      'gettoken',
      {
        query: { corpid: options.corpId, corpsecret: options.secret },
        idempotent: true,
      },
      null,
    );
    const errcode = num(json.errcode);
    if (errcode !== 0) throw new WeComApiError(errcode, str(json.errmsg), 'gettoken');
    const expiresIn = num(json.expires_in) || 7200;
    const usable = Math.max(expiresIn - TOKEN_MARGIN_SECONDS, Math.floor(expiresIn / 2));
    return { token: str(json.access_token), usableUntil: now().getTime() + usable * 1000 };
  }

  const accessToken = (stale?: string) => tokens.get(cacheKey, now().getTime(), fetchToken, stale);

  /** Calls an API with a token; a token WeCom calls invalid or expired is replaced once and the call repeated. */
  async function call(method: 'GET' | 'POST', api: string, options: CallOptions): Promise<Json> {
    let token = await accessToken();
    for (let refreshed = false; ; refreshed = true) {
      const json = await withRetries(method, api, options, token);
      const errcode = num(json.errcode);
      if (errcode === 0) return json;
      if (TOKEN_ERRCODES.has(errcode) && !refreshed) {
        token = await accessToken(token);
        continue;
      }
      throw new WeComApiError(errcode, str(json.errmsg), api);
    }
  }
  const get = (api: string, query: Record<string, string>) => call('GET', api, { query, idempotent: true });
  const post = (api: string, body: unknown, idempotent: boolean) => call('POST', api, { body, idempotent });

  // In-service and resigned transfers share their shapes; only the resigned one has no message for the customer.
  const transfer = async (api: string, input: TransferInput) =>
    acceptedIn(
      await post(
        api,
        {
          handover_userid: input.handoverUserId,
          takeover_userid: input.takeoverUserId,
          external_userid: input.externalUserIds,
          transfer_success_msg: input.transferSuccessMessage,
        },
        false,
      ),
    );
  const transferResult = async (
    api: string,
    input: { handoverUserId: string; takeoverUserId: string; cursor?: string },
  ) =>
    transferOutcomesIn(
      await post(
        api,
        { handover_userid: input.handoverUserId, takeover_userid: input.takeoverUserId, cursor: input.cursor },
        true,
      ),
    );

  return {
    accessToken: () => accessToken(),
    async getExternalContact(externalUserId, cursor) {
      const r = await get('externalcontact/get', { external_userid: externalUserId, ...(cursor ? { cursor } : {}) });
      return {
        contact: contactIn((r.external_contact ?? {}) as Json),
        followUsers: arr(r.follow_user).map(followIn),
        nextCursor: cursorOf(r.next_cursor),
      };
    },
    async batchGetExternalContacts({ userIds, cursor, limit }) {
      const r = await post('externalcontact/batch/get_by_user', { userid_list: userIds, cursor, limit }, true);
      return {
        items: arr(r.external_contact_list).map((e) => ({
          contact: contactIn((e.external_contact ?? {}) as Json),
          followInfo: followIn((e.follow_info ?? {}) as Json),
        })),
        nextCursor: cursorOf(r.next_cursor),
      };
    },
    async listExternalContacts(userId) {
      const r = await get('externalcontact/list', { userid: userId });
      return Array.isArray(r.external_userid) ? r.external_userid.map(str) : [];
    },
    async addContactWay(input) {
      const r = await post('externalcontact/add_contact_way', contactWayOut(input), false);
      return { configId: str(r.config_id), qrCode: strOrNull(r.qr_code) };
    },
    async updateContactWay(configId, changes) {
      await post('externalcontact/update_contact_way', { config_id: configId, ...contactWayOut(changes) }, true);
    },
    async getContactWay(configId) {
      const r = await post('externalcontact/get_contact_way', { config_id: configId }, true);
      const w = (r.contact_way ?? {}) as Json;
      return {
        configId: str(w.config_id),
        type: num(w.type) as 1 | 2,
        scene: num(w.scene) as 1 | 2,
        style: num(w.style),
        remark: str(w.remark),
        skipVerify: w.skip_verify === true,
        state: str(w.state),
        userIds: Array.isArray(w.user) ? w.user.map(str) : [],
        partyIds: Array.isArray(w.party) ? w.party.map(num) : [],
        isTemp: w.is_temp === true,
        expiresIn: num(w.expires_in),
        chatExpiresIn: num(w.chat_expires_in),
        unionId: str(w.unionid),
        qrCode: strOrNull(w.qr_code),
      };
    },
    async deleteContactWay(configId) {
      await post('externalcontact/del_contact_way', { config_id: configId }, true);
    },
    async sendWelcomeMessage({ welcomeCode, text, attachments }) {
      await post(
        'externalcontact/send_welcome_msg',
        {
          welcome_code: welcomeCode,
          ...(text === undefined ? {} : { text: { content: text } }),
          ...(attachments ? { attachments: attachmentsOut(attachments) } : {}),
        },
        true,
      );
    },
    async uploadMedia(type, file) {
      // A retry after a timeout may leave a second copy in WeCom: harmless, temporary media expire on their own.
      const r = await call('POST', 'media/upload', { query: { type }, file, idempotent: true });
      const answered = str(r.type);
      return {
        type: (MEDIA_TYPES.includes(answered) ? answered : type) as MediaType,
        mediaId: str(r.media_id),
        // WeCom answers created_at as a string of Unix seconds.
        createdAt: num(r.created_at),
      };
    },
    async uploadImage(file) {
      const r = await call('POST', 'media/uploadimg', { file, idempotent: true });
      return { url: str(r.url) };
    },
    async getCorpTags(filter) {
      const r = await post(
        'externalcontact/get_corp_tag_list',
        { tag_id: filter?.tagIds, group_id: filter?.groupIds },
        true,
      );
      return arr(r.tag_group).map(tagGroupIn);
    },
    async addCorpTags(input) {
      const r = await post(
        'externalcontact/add_corp_tag',
        { group_id: input.groupId, group_name: input.groupName, order: input.order, tag: input.tags },
        false,
      );
      return tagGroupIn((r.tag_group ?? {}) as Json);
    },
    async editCorpTag(input) {
      await post('externalcontact/edit_corp_tag', input, true);
    },
    async deleteCorpTags(input) {
      await post('externalcontact/del_corp_tag', { tag_id: input.tagIds, group_id: input.groupIds }, true);
    },
    async markTags(input) {
      await post(
        'externalcontact/mark_tag',
        { userid: input.userId, external_userid: input.externalUserId, add_tag: input.add, remove_tag: input.remove },
        true,
      );
    },
    transferCustomers: (input) => transfer('externalcontact/transfer_customer', input),
    transferResult: (input) => transferResult('externalcontact/transfer_result', input),
    resignedTransferCustomers: (input) => transfer('externalcontact/resigned/transfer_customer', input),
    resignedTransferResult: (input) => transferResult('externalcontact/resigned/transfer_result', input),
    async listGroupChats(input) {
      const r = await post(
        'externalcontact/groupchat/list',
        {
          status_filter: input.statusFilter,
          owner_filter: input.ownerUserIds ? { userid_list: input.ownerUserIds } : undefined,
          cursor: input.cursor,
          limit: input.limit,
        },
        true,
      );
      return {
        items: arr(r.group_chat_list).map((g) => ({ chatId: str(g.chat_id), status: num(g.status) })),
        nextCursor: cursorOf(r.next_cursor),
      };
    },
    async getGroupChat(chatId, needName) {
      const r = await post('externalcontact/groupchat/get', { chat_id: chatId, need_name: needName ? 1 : 0 }, true);
      const g = (r.group_chat ?? {}) as Json;
      return {
        chatId: str(g.chat_id),
        name: str(g.name),
        owner: str(g.owner),
        createTime: num(g.create_time),
        notice: str(g.notice),
        members: arr(g.member_list).map((m) => ({
          userId: str(m.userid),
          type: num(m.type),
          joinTime: num(m.join_time),
          joinScene: num(m.join_scene),
          invitorUserId: strOrNull((m.invitor as Json | undefined)?.userid),
          groupNickname: str(m.group_nickname),
          name: str(m.name),
          unionId: strOrNull(m.unionid),
          state: strOrNull(m.state),
        })),
        adminUserIds: arr(g.admin_list).map((a) => str(a.userid)),
        memberVersion: strOrNull(g.member_version),
      };
    },
    async addJoinWay(input) {
      const r = await post('externalcontact/groupchat/add_join_way', joinWayOut(input), false);
      return { configId: str(r.config_id) };
    },
    async getJoinWay(configId) {
      const r = await post('externalcontact/groupchat/get_join_way', { config_id: configId }, true);
      const w = (r.join_way ?? {}) as Json;
      return {
        configId: str(w.config_id),
        scene: num(w.scene) as 1 | 2,
        remark: str(w.remark),
        autoCreateRoom: num(w.auto_create_room) === 1,
        roomBaseName: str(w.room_base_name),
        roomBaseId: num(w.room_base_id),
        chatIds: Array.isArray(w.chat_id_list) ? w.chat_id_list.map(str) : [],
        state: str(w.state),
        qrCode: strOrNull(w.qr_code),
      };
    },
    async updateJoinWay(configId, input) {
      await post('externalcontact/groupchat/update_join_way', { config_id: configId, ...joinWayOut(input) }, true);
    },
    async deleteJoinWay(configId) {
      await post('externalcontact/groupchat/del_join_way', { config_id: configId }, true);
    },
    async sendAppMessage(agentId, message) {
      const content =
        message.kind === 'text'
          ? { msgtype: 'text', text: { content: message.content } }
          : {
              msgtype: 'textcard',
              textcard: {
                title: message.title,
                description: message.description,
                url: message.url,
                btntxt: message.buttonText,
              },
            };
      // Not idempotent (a second call is a second message), so only retried when it never left.
      const r = await post(
        'message/send',
        { touser: message.toUserIds.join('|'), agentid: agentId, ...content },
        false,
      );
      return {
        invalidUserIds: str(r.invaliduser)
          .split('|')
          .filter((u) => u !== ''),
      };
    },
    async addMessageTemplate(input) {
      const r = await post(
        'externalcontact/add_msg_template',
        {
          chat_type: input.chatType,
          external_userid: input.externalUserIds,
          chat_id_list: input.chatIds,
          sender: input.sender,
          ...(input.text === undefined ? {} : { text: { content: input.text } }),
          ...(input.attachments ? { attachments: attachmentsOut(input.attachments) } : {}),
        },
        false,
      );
      return { msgId: str(r.msgid), failList: Array.isArray(r.fail_list) ? r.fail_list.map(str) : [] };
    },
    async getGroupMessageSendResult(input) {
      const r = await post(
        'externalcontact/get_groupmsg_send_result',
        { msgid: input.msgId, userid: input.userId, cursor: input.cursor, limit: input.limit },
        true,
      );
      return {
        items: arr(r.send_list).map((s) => ({
          externalUserId: strOrNull(s.external_userid),
          chatId: strOrNull(s.chat_id),
          userId: str(s.userid),
          status: num(s.status),
          sendTime: s.send_time === undefined ? null : num(s.send_time),
        })),
        nextCursor: cursorOf(r.next_cursor),
      };
    },
  };
}
