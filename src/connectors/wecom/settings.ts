// A workspace's WeCom settings: its corp, the secrets of the apps the API client calls with, the callback Token and
// EncodingAESKey, and where the API lives. Secrets go in and are used, but never come back out through the API.
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_MAX_SKEW_SECONDS,
  WECOM_PRODUCTION_API,
  type WeComSettings,
  type WeComSettingsBody,
  type WeComSettingsSaved,
} from '../../contracts/wecom.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { conflict, notFound, unprocessable } from '../../platform/errors.ts';
import { createWeComClient, type WeComClient, type WeComClientOptions } from './client.ts';
import { aesKeyOf, type CallbackKeys, generateEncodingAesKey } from './crypto.ts';

/** What the connector itself needs of a workspace's settings (secrets included): never sent to a client. */
export interface StoredSettings {
  workspaceId: string;
  corpId: string;
  agentId: number | null;
  contactSecret: string | null;
  appSecret: string | null;
  token: string;
  encodingAesKey: string;
  apiBaseUrl: string;
  maxSkewSeconds: number;
  lastVerifiedAt: Date | null;
  lastEventAt: Date | null;
  updatedAt: Date;
}

interface SettingsRow {
  workspace_id: string;
  corp_id: string;
  agent_id: number | null;
  contact_secret: string | null;
  app_secret: string | null;
  token: string;
  encoding_aes_key: string;
  api_base_url: string;
  max_skew_seconds: number;
  last_verified_at: Date | null;
  last_event_at: Date | null;
  updated_at: Date;
}

const toStored = (r: SettingsRow): StoredSettings => ({
  workspaceId: r.workspace_id,
  corpId: r.corp_id,
  agentId: r.agent_id,
  contactSecret: r.contact_secret,
  appSecret: r.app_secret,
  token: r.token,
  encodingAesKey: r.encoding_aes_key,
  apiBaseUrl: r.api_base_url,
  maxSkewSeconds: r.max_skew_seconds,
  lastVerifiedAt: r.last_verified_at,
  lastEventAt: r.last_event_at,
  updatedAt: r.updated_at,
});

export async function loadSettings(q: Queryable, workspaceId: string): Promise<StoredSettings | null> {
  const rows = await q.query<SettingsRow>(
    `SELECT workspace_id, corp_id, agent_id, contact_secret, app_secret, token, encoding_aes_key, api_base_url,
            max_skew_seconds, last_verified_at, last_event_at, updated_at
       FROM wecom_settings WHERE workspace_id = $1`,
    [workspaceId],
  );
  return rows[0] ? toStored(rows[0]) : null;
}

export const callbackKeysOf = (s: StoredSettings): CallbackKeys => ({
  token: s.token,
  encodingAesKey: s.encodingAesKey,
  receiveId: s.corpId,
});

/** The settings as the API shows them: secrets reduced to whether they are set. */
export function publicSettings(s: StoredSettings | null, workspaceSlug: string): WeComSettings {
  return {
    configured: s !== null,
    corpId: s?.corpId ?? null,
    agentId: s?.agentId ?? null,
    apiBaseUrl: s?.apiBaseUrl ?? WECOM_PRODUCTION_API,
    callbackPath: `/api/wecom/callback/${workspaceSlug}`,
    hasContactSecret: Boolean(s?.contactSecret),
    hasAppSecret: Boolean(s?.appSecret),
    hasToken: Boolean(s?.token),
    hasEncodingAesKey: Boolean(s?.encodingAesKey),
    maxSkewSeconds: s?.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS,
    lastVerifiedAt: s?.lastVerifiedAt?.toISOString() ?? null,
    lastEventAt: s?.lastEventAt?.toISOString() ?? null,
    updatedAt: s?.updatedAt.toISOString() ?? null,
  };
}

/** 32 letters and digits, the longest Token WeCom's admin page accepts. */
function generateToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // 62 does not divide 256: bytes from 248 up are skipped so every character is equally likely.
  let out = '';
  while (out.length < 32) {
    for (const b of randomBytes(48)) if (b < 248 && out.length < 32) out += alphabet[b % 62];
  }
  return out;
}

/**
 * Creates or updates a workspace's settings. Fields left out keep their value; a first save without a Token or
 * EncodingAESKey (or any save with `generateCallbackKeys`) gets generated ones, returned this once. Changing the API base URL needs every kept secret again
 * in the same body (see the contract), and the corp cannot change while secrets of the old corp would stay.
 */
export async function saveSettings(
  q: Queryable,
  workspaceId: string,
  workspaceSlug: string,
  body: WeComSettingsBody,
  now: Date,
): Promise<WeComSettingsSaved> {
  const current = await loadSettings(q, workspaceId);
  if (body.encodingAesKey !== undefined) aesKeyOf(body.encodingAesKey);
  const secretsAfter = {
    contact: body.contactSecret ?? current?.contactSecret ?? null,
    app: body.appSecret ?? current?.appSecret ?? null,
  };
  const resent = (kept: string | null, given: string | undefined) => kept === null || given !== undefined;
  const baseUrl = body.apiBaseUrl?.replace(/\/+$/, '');
  const currentBase = current?.apiBaseUrl ?? WECOM_PRODUCTION_API;
  if (baseUrl !== undefined && baseUrl !== currentBase) {
    if (
      !resent(current?.contactSecret ?? null, body.contactSecret) ||
      !resent(current?.appSecret ?? null, body.appSecret)
    ) {
      throw unprocessable('wecom.secrets_required_for_base_url');
    }
  }
  if (current && body.corpId !== current.corpId) {
    if (!resent(current.contactSecret, body.contactSecret) || !resent(current.appSecret, body.appSecret)) {
      throw conflict('wecom.secrets_required_for_corp');
    }
  }
  if (body.generateCallbackKeys && (body.token !== undefined || body.encodingAesKey !== undefined)) {
    throw unprocessable('wecom.generate_or_give_keys');
  }
  const generate = body.generateCallbackKeys === true || !current;
  const generated = {
    token: body.token === undefined && generate ? generateToken() : null,
    encodingAesKey: body.encodingAesKey === undefined && generate ? generateEncodingAesKey() : null,
  };
  await q.query(
    `INSERT INTO wecom_settings (workspace_id, corp_id, agent_id, contact_secret, app_secret, token, encoding_aes_key,
                                 api_base_url, max_skew_seconds, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (workspace_id) DO UPDATE SET
       corp_id = EXCLUDED.corp_id, agent_id = EXCLUDED.agent_id, contact_secret = EXCLUDED.contact_secret,
       app_secret = EXCLUDED.app_secret, token = EXCLUDED.token, encoding_aes_key = EXCLUDED.encoding_aes_key,
       api_base_url = EXCLUDED.api_base_url, max_skew_seconds = EXCLUDED.max_skew_seconds,
       updated_at = EXCLUDED.updated_at`,
    [
      workspaceId,
      body.corpId,
      body.agentId === undefined ? (current?.agentId ?? null) : body.agentId,
      secretsAfter.contact,
      secretsAfter.app,
      body.token ?? generated.token ?? current?.token,
      body.encodingAesKey ?? generated.encodingAesKey ?? current?.encodingAesKey,
      baseUrl ?? currentBase,
      body.maxSkewSeconds ?? current?.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS,
      now,
    ],
  );
  const saved = await loadSettings(q, workspaceId);
  return { settings: publicSettings(saved, workspaceSlug), generated };
}

/** Which of a workspace's secrets a client speaks with: customer contact (客户联系) or the self-built app. */
export type WeComApp = 'contact' | 'app';

/** A client for one of the workspace's apps, at the workspace's API base URL. */
export function clientFor(
  settings: StoredSettings,
  app: WeComApp = 'contact',
  options: Omit<WeComClientOptions, 'corpId' | 'secret' | 'baseUrl'> = {},
): WeComClient {
  const secret = app === 'contact' ? settings.contactSecret : settings.appSecret;
  if (!secret) throw conflict('wecom.secret_missing', { app });
  return createWeComClient({ ...options, corpId: settings.corpId, secret, baseUrl: settings.apiBaseUrl });
}

/** The workspace's client (settings read in the caller's transaction); `wecom.not_configured` without settings. */
export async function workspaceClient(
  q: Queryable,
  workspaceId: string,
  app: WeComApp = 'contact',
  options: Omit<WeComClientOptions, 'corpId' | 'secret' | 'baseUrl'> = {},
): Promise<WeComClient> {
  const settings = await loadSettings(q, workspaceId);
  if (!settings) throw notFound('wecom.not_configured');
  return clientFor(settings, app, options);
}
