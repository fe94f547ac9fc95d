// Welcome messages (欢迎语), sent straight from WeCom's add callback (wecom.contact_added) with the welcome code it
// carries, which WeCom accepts once and only within 20 seconds of the add. The path to WeCom is kept short on
// purpose: one indexed read finds the code by the add's state (with the workspace's default and language in the
// same statement), a unique row claims the welcome code, and the message is sent before anything else; the contact
// is never looked up in WeCom first. Variables use the script library's syntax and renderer.
import type { ContactAdded, WelcomeAttachment as WeComAttachment } from '../../connectors/wecom/index.ts';
import { ensureMediaId, MEDIA_USABLE_FOR_MS, WeComApiError, workspaceClient } from '../../connectors/wecom/index.ts';
import {
  WELCOME_TEXT_MAX_BYTES,
  WELCOME_VARIABLES,
  type WelcomeAttachment,
  type WelcomeListQuery,
  type WelcomeMessage,
  type WelcomePreview,
  type WelcomeSend,
  type WelcomeStatus,
} from '../../contracts/acquisition.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, badRequest } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { findIdentities, normalizeIdentity } from '../customers/index.ts';
import { guideByStaffId, guideByWecomUserId, renderScript, scriptValues } from '../relationships/index.ts';
import { ownStaffId } from './shared.ts';

/** A customer greeted by the same guide this recently gets no second message (a half add then the add, a re-add). */
const RECENT_GREETING_MS = 24 * 3600 * 1000;
/** Per request to send_welcome_msg, and one retry: both well inside WeCom's 20 seconds. */
const SEND_TIMEOUT_MS = 5000;

const ALIASES = new Map<string, string>(WELCOME_VARIABLES.map((v) => [v.alias, v.key]));
const ALIAS_PLACEHOLDER = /\{\{\s*([^{}|\s]+)\s*(\|[^{}]*)?\}\}/g;

/** `{{客户昵称}}` → `{{name}}`: the Chinese aliases operators type, in the script library's spelling. */
export function normalizeWelcomeText(text: string): string {
  return text.replace(ALIAS_PLACEHOLDER, (whole, name: string, fallback: string | undefined) => {
    const key = ALIASES.get(name);
    return key ? `{{${key}${fallback ?? ''}}}` : whole;
  });
}

/** The media library images a welcome message uses (images and mini-program covers named by asset). */
export function assetIdsOf(message: WelcomeMessage | null): string[] {
  const ids = (message?.attachments ?? []).flatMap((a) =>
    'assetId' in a ? [a.assetId] : 'picAssetId' in a ? [a.picAssetId] : [],
  );
  return [...new Set(ids)];
}

/** WeCom's errcode for a media id it does not know (purged, expired, of another corp). */
const INVALID_MEDIA_ID = 40007;

/**
 * The attachments as WeCom takes them: media library images become their current WeCom media id (normally fresh
 * from the renewal job; uploaded now, once, when not). `replace` maps images to ids WeCom just refused.
 */
async function resolveAttachments(
  tx: Tx,
  workspaceId: string,
  attachments: WelcomeAttachment[],
  now: Date,
  replace: ReadonlyMap<string, string>,
): Promise<{ attachments: WeComAttachment[]; used: Map<string, string> }> {
  const used = new Map<string, string>();
  const mediaId = async (assetId: string) => {
    const id = await ensureMediaId(tx, workspaceId, assetId, {
      uploadedAfter: new Date(now.getTime() - MEDIA_USABLE_FOR_MS),
      replace: replace.get(assetId) ?? null,
      client: { timeoutMs: SEND_TIMEOUT_MS, retries: 1 },
    });
    used.set(assetId, id);
    return id;
  };
  const out: WeComAttachment[] = [];
  for (const a of attachments) {
    if ('assetId' in a) out.push({ kind: 'image', mediaId: await mediaId(a.assetId) });
    else if ('picAssetId' in a) {
      const { picAssetId, ...card } = a;
      out.push({ ...card, picMediaId: await mediaId(picAssetId) });
    } else out.push(a);
  }
  return { attachments: out, used };
}

/** Refuses a welcome message WeCom would refuse or Siyu could not fill (400, each with its own code). */
export function checkWelcome(message: WelcomeMessage): void {
  if (message.text.trim() === '' && message.attachments.length === 0) throw badRequest('acquisition.welcome_empty');
  checkWelcomeText(message.text);
}

/** Any `{{…}}` placeholder, whatever its name, so a mistyped Chinese name is caught rather than sent as it is. */
const ANY_PLACEHOLDER = /\{\{\s*([^{}|]*?)\s*(?:\|[^{}]*)?\}\}/g;
const KNOWN = new Set<string>(WELCOME_VARIABLES.map((v) => v.key));

function checkWelcomeText(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > WELCOME_TEXT_MAX_BYTES) {
    throw badRequest('acquisition.welcome_too_long', { bytes, max: WELCOME_TEXT_MAX_BYTES });
  }
  const names = [...normalizeWelcomeText(text).matchAll(ANY_PLACEHOLDER)].map((m) => m[1] as string);
  const unknown = [...new Set(names.filter((n) => !KNOWN.has(n)))];
  if (unknown.length > 0) {
    throw badRequest(
      'acquisition.unknown_variables',
      { names: unknown.join(', '), known: WELCOME_VARIABLES.map((v) => `${v.key}/${v.alias}`).join(', ') },
      { unknown },
    );
  }
}

/** Cuts a rendered text to WeCom's byte limit on a character boundary (a long nickname must not lose the message). */
export function clipToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > max) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** Fills the variables: the guide's (name, store), the brand, and the customer's when Siyu already holds them. */
async function renderFor(
  tx: Tx,
  workspaceId: string,
  text: string,
  wecomUserId: string,
  externalUserId: string,
  locale: Locale,
): Promise<string> {
  const normalized = normalizeWelcomeText(text);
  if (!normalized.includes('{{')) return normalized;
  const guide = await guideByWecomUserId(tx, workspaceId, wecomUserId);
  const known = await findIdentities(tx, workspaceId, [
    normalizeIdentity({ kind: 'wecom_external_userid', value: externalUserId }),
  ]);
  const values = await scriptValues(tx, workspaceId, known[0]?.customerId ?? null, guide?.staffId ?? null, locale);
  return clipToBytes(renderScript(normalized, values, locale).text, WELCOME_TEXT_MAX_BYTES);
}

export async function previewWelcome(
  ctx: RequestContext,
  body: { text: string; staffId?: string | undefined },
): Promise<WelcomePreview> {
  const normalized = normalizeWelcomeText(body.text);
  checkWelcomeText(body.text);
  const staffId = body.staffId ?? ownStaffId(ctx);
  if (staffId && !(await guideByStaffId(ctx.tx, ctx.workspaceId, staffId))) {
    throw badRequest('acquisition.unknown_guides', { count: 1 }, { missing: [staffId] });
  }
  const values = await scriptValues(ctx.tx, ctx.workspaceId, null, staffId ?? null, ctx.locale);
  const rendered = renderScript(normalized, values, ctx.locale);
  return { text: rendered.text, bytes: Buffer.byteLength(rendered.text, 'utf8'), fallbacks: rendered.fallbacks };
}

interface Found {
  code_id: string | null;
  link_id: string | null;
  code_welcome: WelcomeMessage | null;
  paused: boolean | null;
  live: boolean | null;
  default_enabled: boolean | null;
  default_welcome: WelcomeMessage | null;
  locale: string;
}

/** The message an add gets: its code's (active, with one), else the workspace's default when it is on. */
function chooseMessage(found: Found): { message: WelcomeMessage; source: 'code' | 'default' } | null {
  if (found.code_id && found.live && !found.paused && found.code_welcome) {
    return { message: found.code_welcome, source: 'code' };
  }
  if (found.default_enabled && found.default_welcome) return { message: found.default_welcome, source: 'default' };
  return null;
}

/**
 * The subscriber of wecom.contact_added / contact_half_added. Exactly one attempt per welcome code: the claim row is
 * unique, and a failure is recorded rather than retried (a retry would come after the job backoff, past WeCom's
 * 20 seconds, and after a timeout the first attempt may have gone through).
 */
export async function welcomeOnAdd(
  tx: Tx,
  workspaceId: string,
  p: ContactAdded,
  half: boolean,
  now: () => Date,
): Promise<void> {
  if (!p.welcomeCode) return;
  const addedAt = new Date(p.occurredAt);
  const [found] = await tx.query<Found>(
    `SELECT w.code_id, w.link_id, c.welcome AS code_welcome, c.paused_at IS NOT NULL AS paused,
            (c.deleted_at IS NULL AND c.expired_at IS NULL) AS live,
            s.default_welcome_enabled AS default_enabled, s.default_welcome, ws.locale
       FROM workspaces ws
       LEFT JOIN acquisition_ways w ON w.workspace_id = ws.id AND w.state = $2
       LEFT JOIN acquisition_codes c ON c.workspace_id = w.workspace_id AND c.id = w.code_id
       LEFT JOIN acquisition_settings s ON s.workspace_id = ws.id
      WHERE ws.id = $1`,
    [workspaceId, p.state ?? ''],
  );
  if (!found) return;
  const chosen = chooseMessage(found);
  const claimed = await tx.query<{ id: string; recent: boolean }>(
    `INSERT INTO acquisition_welcomes (workspace_id, welcome_code, code_id, link_id, source, wecom_userid,
                                       external_userid, half, status, added_at, attachment_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sending', $9, $10)
     ON CONFLICT (workspace_id, welcome_code) DO NOTHING
     RETURNING id, EXISTS (SELECT 1 FROM acquisition_welcomes r
                            WHERE r.workspace_id = $1 AND r.wecom_userid = $6 AND r.external_userid = $7
                              AND r.status = 'sent' AND r.added_at > $9::timestamptz - make_interval(secs => $11)
                              AND r.added_at <= $9) AS recent`,
    [
      workspaceId,
      p.welcomeCode,
      found.code_id,
      found.link_id,
      chosen?.source ?? null,
      p.userId,
      p.externalUserId,
      half,
      addedAt,
      chosen?.message.attachments.length ?? 0,
      RECENT_GREETING_MS / 1000,
    ],
  );
  const claim = claimed[0];
  if (!claim) return;
  const finish = (status: WelcomeStatus, fields: { error?: string; text?: string; sentAt?: Date }) =>
    tx.query(
      `UPDATE acquisition_welcomes SET status = $3, error = $4, text = $5, sent_at = $6,
              latency_ms = CASE WHEN $6::timestamptz IS NULL THEN NULL
                                ELSE GREATEST(0, (extract(epoch FROM $6::timestamptz - added_at) * 1000)::int) END
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, claim.id, status, fields.error ?? null, fields.text ?? null, fields.sentAt ?? null],
    );
  if (!chosen) return void (await finish('skipped', { error: 'no_message' }));
  if (claim.recent) return void (await finish('skipped', { error: 'recently_greeted' }));

  const locale: Locale = found.locale === 'en' ? 'en' : 'zh-CN';
  const text = await renderFor(tx, workspaceId, chosen.message.text, p.userId, p.externalUserId, locale);
  try {
    const client = await workspaceClient(tx, workspaceId, 'contact', { timeoutMs: SEND_TIMEOUT_MS, retries: 1 });
    const send = (attachments: WeComAttachment[]) =>
      client.sendWelcomeMessage({
        welcomeCode: p.welcomeCode as string,
        ...(text.trim() === '' ? {} : { text }),
        ...(attachments.length > 0 ? { attachments } : {}),
      });
    const addedNow = now();
    let resolved = await resolveAttachments(tx, workspaceId, chosen.message.attachments, addedNow, new Map());
    try {
      await send(resolved.attachments);
    } catch (err) {
      // WeCom refused a media id Siyu held for fresh (dropped early, or the clocks differ): upload those images
      // again and send once more. A refusal leaves the welcome code unused, and the window is 20 seconds.
      if (!(err instanceof WeComApiError && err.errcode === INVALID_MEDIA_ID && resolved.used.size > 0)) throw err;
      resolved = await resolveAttachments(tx, workspaceId, chosen.message.attachments, addedNow, resolved.used);
      await send(resolved.attachments);
    }
    await finish('sent', { text, sentAt: now() });
  } catch (err) {
    // WeCom's refusal, the network or a workspace without WeCom settings: the row says which.
    if (!(err instanceof AppError)) throw err;
    await finish('failed', { error: err.code, text, sentAt: now() });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The welcome log.

interface WelcomeRow {
  id: string;
  code_id: string | null;
  code_name: string | null;
  link_id: string | null;
  source: 'code' | 'default' | null;
  wecom_userid: string;
  guide_name: string | null;
  external_userid: string;
  status: WelcomeStatus | 'sending';
  error: string | null;
  latency_ms: number | null;
  added_at: Date;
  sent_at: Date | null;
  text: string | null;
  attachment_count: number;
  cursor_at: string;
}

export async function listWelcomes(ctx: RequestContext, query: WelcomeListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['a.workspace_id = $1', "a.status <> 'sending'"];
  if (query.codeId) {
    params.push(query.codeId);
    where.push(`a.code_id = $${params.length}`);
  }
  if (query.status) {
    params.push(query.status);
    where.push(`a.status = $${params.length}`);
  }
  const own = ownStaffId(ctx);
  if (own) {
    const guide = await guideByStaffId(ctx.tx, ctx.workspaceId, own);
    params.push(guide?.wecomUserId ?? '');
    where.push(`a.wecom_userid = $${params.length}`);
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(a.added_at, a.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<WelcomeRow>(
    `SELECT a.id, a.code_id, c.name AS code_name, a.link_id, a.source, a.wecom_userid, a.external_userid, a.status,
            a.error, a.latency_ms, a.added_at, a.sent_at, a.text, a.attachment_count, a.added_at::text AS cursor_at,
            NULL::text AS guide_name
       FROM acquisition_welcomes a
       LEFT JOIN acquisition_codes c ON c.workspace_id = a.workspace_id AND c.id = a.code_id
      WHERE ${where.join(' AND ')}
      ORDER BY a.added_at DESC, a.id DESC LIMIT $${params.length}`,
    params,
  );
  const names = new Map<string, string | null>();
  for (const userId of new Set(rows.map((r) => r.wecom_userid))) {
    names.set(userId, (await guideByWecomUserId(ctx.tx, ctx.workspaceId, userId))?.name ?? null);
  }
  return pageOf(
    rows,
    limit,
    (r): WelcomeSend => ({
      id: r.id,
      codeId: r.code_id,
      codeName: r.code_name,
      linkId: r.link_id,
      source: r.source,
      wecomUserId: r.wecom_userid,
      guideName: names.get(r.wecom_userid) ?? null,
      externalUserId: r.external_userid,
      status: r.status === 'sending' ? 'failed' : r.status,
      error: r.error,
      latencyMs: r.latency_ms,
      addedAt: r.added_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      text: r.text,
      attachmentCount: r.attachment_count,
    }),
    (r) => [r.cursor_at, r.id],
  );
}
