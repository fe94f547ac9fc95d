// HTTP routes of the WeCom connector: the public callback endpoint WeCom calls (one per workspace), and the
// console's settings, credential check, security log and inbox.
import { Type } from '@sinclair/typebox';
import { page } from '../../contracts/foundation.ts';
import {
  MEDIA_CONTENT_TYPES,
  MEDIA_MAX_BYTES,
  MediaAsset,
  MediaContentFile,
  MediaListQuery,
  MediaUploadQuery,
  type SettingsSaved,
  WeComCheckResult,
  WeComInboxItem,
  WeComInboxQuery,
  WeComSecurityEntry,
  WeComSecurityQuery,
  WeComSettings,
  WeComSettingsBody,
  WeComSettingsSaved,
} from '../../contracts/wecom.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { FileBody, type PublicContext, type RouteRegistrar } from '../../platform/http/routes.ts';
import { translate } from '../../platform/i18n/index.ts';
import { emit } from '../../platform/jobs/index.ts';
import {
  type CallbackQuery,
  callbackWorkspace,
  listSecurityLog,
  receiveCallback,
  verifyCallbackUrl,
} from './callback.ts';
import { createWeComClient, TokenCache } from './client.ts';
import { listInbox } from './inbox.ts';
import { assetContent, deleteAsset, getAsset, listAssets, uploadAsset } from './media.ts';
import { loadSettings, publicSettings, saveSettings } from './settings.ts';

/** WeCom's events are a few hundred bytes; this leaves room for any callback WeCom sends to the same URL. */
const CALLBACK_MAX_BYTES = 256 * 1024;

const CallbackParams = Type.Object(
  { workspace: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }) },
  { additionalProperties: false },
);
const signed = {
  msg_signature: Type.String({ pattern: '^[0-9a-fA-F]{40}$' }),
  timestamp: Type.String({ pattern: '^\\d{1,12}$' }),
  nonce: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
};
const VerifyQuery = Type.Object(
  { ...signed, echostr: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);
const EventQuery = Type.Object(signed, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

async function slugOf(tx: Tx, workspaceId: string): Promise<string> {
  const rows = await tx.query<{ slug: string }>('SELECT slug FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.slug ?? workspaceId;
}

function callbackRequest(ctx: PublicContext, workspaceId: string, query: CallbackQuery) {
  return { workspaceId, query, ip: ctx.ip, now: ctx.now(), log: ctx.request.log };
}

export function wecomRoutes(r: RouteRegistrar): void {
  r.publicRoute({
    method: 'GET',
    url: '/api/wecom/callback/:workspace',
    summary: '企业微信回调 URL 验证 / WeCom callback URL verification',
    description:
      'WeCom calls this when an admin saves the callback URL: the signature, timestamp and receive id are checked ' +
      'and the decrypted echostr is answered as text/plain. Refusals answer 4xx with a stable code and are recorded ' +
      'in the security log.',
    tags: ['wecom'],
    params: CallbackParams,
    query: VerifyQuery,
    response: Type.String({ description: 'The decrypted echostr (text/plain)' }),
    handler: async (ctx, { params, query }) => {
      const workspaceId = await callbackWorkspace(ctx.db, params.workspace);
      const plain = await verifyCallbackUrl(ctx.db, callbackRequest(ctx, workspaceId, query));
      return ctx.reply.code(200).type('text/plain; charset=utf-8').send(plain);
    },
  });
  r.publicRoute({
    method: 'POST',
    url: '/api/wecom/callback/:workspace',
    summary: '企业微信回调事件 / WeCom callback events',
    description:
      'WeCom posts `<xml><ToUserName/><Encrypt/><AgentID/></xml>` here. The event is checked, decrypted, stored ' +
      'once however often WeCom delivers it, and answered with `success` at once; its domain event follows from a ' +
      'job. Any Content-Type is accepted.',
    tags: ['wecom'],
    params: CallbackParams,
    query: EventQuery,
    body: FileBody,
    upload: { maxBytes: CALLBACK_MAX_BYTES, contentTypes: ['text/xml', 'application/xml'] },
    response: Type.String({ description: '`success` (text/plain)' }),
    handler: async (ctx, { params, query, body }) => {
      const workspaceId = await callbackWorkspace(ctx.db, params.workspace);
      await receiveCallback(ctx.db, callbackRequest(ctx, workspaceId, query), body);
      return ctx.reply.code(200).type('text/plain; charset=utf-8').send('success');
    },
  });

  r.route({
    method: 'GET',
    url: '/api/wecom/settings',
    summary: '企业微信设置 / WeCom settings (secrets are never returned)',
    tags: ['wecom'],
    permission: 'wecom.read',
    response: WeComSettings,
    handler: async (ctx) =>
      publicSettings(await loadSettings(ctx.tx, ctx.workspaceId), await slugOf(ctx.tx, ctx.workspaceId)),
  });
  r.route({
    method: 'PUT',
    url: '/api/wecom/settings',
    summary: '保存企业微信设置 / Save WeCom settings',
    description:
      'Fields left out keep their value. The first save without a token or EncodingAESKey generates them and ' +
      'returns them once in `generated`. The API base URL changes only together with every secret kept.',
    tags: ['wecom'],
    permission: 'wecom.manage',
    audit: { action: 'wecom.settings_save', targetType: 'wecom_settings' },
    body: WeComSettingsBody,
    response: WeComSettingsSaved,
    handler: async (ctx, { body }) => {
      ctx.audit.targetId = ctx.workspaceId;
      // Which fields changed, never their values: the audit log must not become a copy of the secrets.
      ctx.audit.details = { fields: Object.keys(body).sort() };
      const saved = await saveSettings(ctx.tx, ctx.workspaceId, await slugOf(ctx.tx, ctx.workspaceId), body, ctx.now());
      // Modules that mirror WeCom data (the corp tags) sync when the customer-contact app can be reached.
      if (saved.settings.hasContactSecret) {
        const event: SettingsSaved = {
          corpId: saved.settings.corpId ?? body.corpId,
          apiBaseUrl: saved.settings.apiBaseUrl,
        };
        await emit(ctx.tx, 'wecom.settings_saved', event);
      }
      return saved;
    },
  });
  r.route({
    method: 'POST',
    url: '/api/wecom/settings/check',
    summary: '检查企业微信凭据 / Check the WeCom secrets by fetching an access token with each',
    tags: ['wecom'],
    permission: 'wecom.manage',
    readOnly: true,
    response: WeComCheckResult,
    handler: async (ctx) => {
      const settings = await loadSettings(ctx.tx, ctx.workspaceId);
      if (!settings) throw notFound('wecom.not_configured');
      // A fresh cache: the point is to ask WeCom now, not to reuse a token fetched before a secret changed.
      const tokens = new TokenCache();
      const check = async (secret: string | null) => {
        if (!secret) return { configured: false, ok: false, code: null, message: null };
        const client = createWeComClient({
          corpId: settings.corpId,
          secret,
          baseUrl: settings.apiBaseUrl,
          tokens,
          now: ctx.now,
          retries: 0,
          timeoutMs: 5000,
        });
        try {
          await client.accessToken();
          return { configured: true, ok: true, code: null, message: null };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return { configured: true, ok: false, code: err.code, message: translate(ctx.locale, err.code, err.params) };
        }
      };
      const [contact, app] = await Promise.all([check(settings.contactSecret), check(settings.appSecret)]);
      return { contact, app };
    },
  });
  r.route({
    method: 'GET',
    url: '/api/wecom/security-log',
    summary: '被拒绝的企业微信回调 / Refused WeCom callbacks, newest first',
    tags: ['wecom'],
    permission: 'wecom.read',
    query: WeComSecurityQuery,
    response: page(WeComSecurityEntry),
    handler: (ctx, { query }) => listSecurityLog(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'GET',
    url: '/api/wecom/inbox',
    summary: '收到的企业微信回调 / Accepted WeCom callbacks and what became of them, newest first',
    tags: ['wecom'],
    permission: 'wecom.read',
    query: WeComInboxQuery,
    response: page(WeComInboxItem),
    handler: (ctx, { query }) => listInbox(ctx.tx, ctx.workspaceId, query),
  });

  // The media library (素材库): see media.ts and the README.
  r.route({
    method: 'POST',
    url: '/api/wecom/media',
    summary: '上传图片到素材库 / Add an image to the media library',
    description:
      'The body is the image itself (JPG or PNG, told by its bytes whatever the Content-Type says, at most 10 MB, ' +
      'WeCom’s limit); `name` comes in the query. The same bytes uploaded again answer the image already there ' +
      '(`existing: true`). Refused: another format (400 wecom.media_unsupported), an empty body (400 ' +
      'wecom.media_empty), more than 10 MB (413). WeCom’s media id follows when something first uses the image.',
    tags: ['wecom'],
    permission: 'media.manage',
    audit: { action: 'wecom.media_upload', targetType: 'media_asset' },
    upload: { maxBytes: MEDIA_MAX_BYTES, contentTypes: [...MEDIA_CONTENT_TYPES, 'application/octet-stream'] },
    query: MediaUploadQuery,
    body: FileBody,
    response: MediaAsset,
    status: 201,
    handler: (ctx, { query, body }) =>
      uploadAsset(ctx.tx, ctx.workspaceId, { name: query.name, data: body, createdBy: ctx.actor.id }, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/wecom/media',
    summary: '素材库图片 / Images of the media library, newest first',
    tags: ['wecom'],
    permission: 'media.read',
    query: MediaListQuery,
    response: page(MediaAsset),
    handler: (ctx, { query }) => listAssets(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'GET',
    url: '/api/wecom/media/:id',
    summary: '一张素材图片 / One image of the media library',
    tags: ['wecom'],
    permission: 'media.read',
    params: IdParams,
    response: MediaAsset,
    handler: (ctx, { params }) => getAsset(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'GET',
    url: '/api/wecom/media/:id/content',
    summary: '素材图片文件 / The image file itself (thumbnails in the console)',
    tags: ['wecom'],
    permission: 'media.read',
    params: IdParams,
    response: MediaContentFile,
    handler: (ctx, { params }) => assetContent(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'DELETE',
    url: '/api/wecom/media/:id',
    summary: '删除素材图片 / Delete an image nobody uses',
    description:
      'An image a welcome message or other content uses is refused: 409 wecom.media_in_use, its uses in details.',
    tags: ['wecom'],
    permission: 'media.manage',
    audit: { action: 'wecom.media_delete', targetType: 'media_asset' },
    params: IdParams,
    response: null,
    handler: (ctx, { params }) => deleteAsset(ctx.tx, ctx.workspaceId, params.id),
  });
}
