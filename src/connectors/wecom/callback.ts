// The receiving end of WeCom's callbacks for one workspace: URL verification and events. A callback is checked
// (signature, timestamp, receive id, nonce), stored in the inbox once however often WeCom delivers it, and answered
// at once; turning it into a domain event is the inbox job's work. Every refusal is logged with its code.
import type { FastifyBaseLogger } from 'fastify';
import {
  WECOM_REJECTIONS,
  type WeComRejection,
  type WeComSecurityEntry,
  type WeComSecurityQuery,
} from '../../contracts/wecom.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { aesKeyOf, decryptMessage, verifySignature } from './crypto.ts';
import { createTimeOf, dedupKey } from './events.ts';
import { callbackKeysOf, loadSettings, type StoredSettings } from './settings.ts';
import { parseXml, text } from './xml.ts';

/** Job kind that turns one inbox row into its domain event. */
export const INBOX_JOB = 'wecom.inbox';

export interface CallbackQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
  echostr?: string;
}

export interface CallbackRequest {
  workspaceId: string;
  query: CallbackQuery;
  ip: string;
  now: Date;
  log: FastifyBaseLogger;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The workspace a callback URL names, by slug or by id. */
export async function callbackWorkspace(db: Db, slugOrId: string): Promise<string> {
  const rows = await db.query<{ id: string }>(
    UUID_RE.test(slugOrId) ? 'SELECT id FROM workspaces WHERE id = $1' : 'SELECT id FROM workspaces WHERE slug = $1',
    [slugOrId],
  );
  const id = rows[0]?.id;
  if (!id) throw notFound('wecom.unknown_workspace', { workspace: slugOrId });
  return id;
}

const isRejection = (err: unknown): err is AppError & { code: WeComRejection } =>
  err instanceof AppError && (WECOM_REJECTIONS as readonly string[]).includes(err.code);

/** Records a refused callback in the workspace's security log, in a transaction of its own. */
async function recordRejection(db: Db, req: CallbackRequest, method: string, code: string, details: object) {
  await db.tenant(req.workspaceId, (tx) =>
    tx.query(
      `INSERT INTO wecom_security_log (workspace_id, at, code, ip, method, details) VALUES ($1, $2, $3, $4, $5, $6)`,
      [req.workspaceId, req.now, code, req.ip, method, JSON.stringify(details)],
    ),
  );
}

/**
 * Runs the checks of one callback; a refusal is written to the security log and the application log, then thrown
 * on to become the 4xx answer.
 */
async function guarded<T>(db: Db, req: CallbackRequest, method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!isRejection(err)) throw err;
    const details = {
      timestamp: req.query.timestamp,
      nonce: req.query.nonce,
      signature: req.query.msg_signature,
      ...(err.details && typeof err.details === 'object' ? err.details : {}),
    };
    req.log.warn({ workspaceId: req.workspaceId, code: err.code, ip: req.ip, ...details }, 'wecom callback refused');
    await recordRejection(db, req, method, err.code, details);
    throw err;
  }
}

async function settingsOf(db: Db, workspaceId: string): Promise<StoredSettings> {
  const settings = await db.tenant(workspaceId, (tx) => loadSettings(tx, workspaceId));
  if (!settings) throw notFound('wecom.not_configured');
  return settings;
}

/**
 * A callback whose timestamp is further than the allowed skew from our clock is refused: a captured request can
 * then only be replayed within the window, and within the window its nonce is remembered.
 */
function checkFreshness(settings: StoredSettings, query: CallbackQuery, now: Date): number {
  const sentAt = Number(query.timestamp);
  const skew = Math.round(Math.abs(now.getTime() / 1000 - sentAt));
  if (skew > settings.maxSkewSeconds) {
    throw new AppError(403, 'wecom.stale_timestamp', { max: settings.maxSkewSeconds }, { skewSeconds: skew });
  }
  return sentAt;
}

/** Remembers a signed request; the same signature, timestamp and nonce seen before is a replay. */
async function rememberNonce(tx: Tx, req: CallbackRequest, sentAt: number): Promise<void> {
  const rows = await tx.query(
    `INSERT INTO wecom_callback_nonces (workspace_id, signature, sent_at, nonce, seen_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [req.workspaceId, req.query.msg_signature.toLowerCase(), sentAt, req.query.nonce, req.now],
  );
  if (rows.length === 0) throw new AppError(409, 'wecom.replayed_nonce');
}

/** URL verification (WeCom's GET when an admin saves the callback URL): the decrypted echostr, to answer as is. */
export async function verifyCallbackUrl(db: Db, req: CallbackRequest): Promise<string> {
  const settings = await settingsOf(db, req.workspaceId);
  // Base64 has no spaces: a '+' that reached us as a space was left unencoded in the URL by whoever built it.
  const echostr = (req.query.echostr ?? '').replaceAll(' ', '+');
  return guarded(db, req, 'GET', async () => {
    verifySignature(settings.token, req.query.timestamp, req.query.nonce, echostr, req.query.msg_signature);
    const sentAt = checkFreshness(settings, req.query, req.now);
    const plain = decryptMessage(aesKeyOf(settings.encodingAesKey), echostr, callbackKeysOf(settings).receiveId);
    await db.tenant(req.workspaceId, async (tx) => {
      await rememberNonce(tx, req, sentAt);
      await tx.query('UPDATE wecom_settings SET last_verified_at = $2 WHERE workspace_id = $1', [
        req.workspaceId,
        req.now,
      ]);
    });
    return plain;
  });
}

export interface Received {
  inboxId: string;
  /** False when WeCom delivered this event before (counted as a delivery, no second job). */
  first: boolean;
}

/** An event callback (`<xml><ToUserName/><Encrypt/><AgentID/></xml>`): checked, decrypted and put in the inbox. */
export async function receiveCallback(db: Db, req: CallbackRequest, body: Buffer | undefined): Promise<Received> {
  const settings = await settingsOf(db, req.workspaceId);
  return guarded(db, req, 'POST', async () => {
    const envelope = parseXml((body ?? Buffer.alloc(0)).toString('utf8'));
    const encrypted = text(envelope, 'Encrypt');
    if (encrypted === null) throw new AppError(400, 'wecom.malformed_xml');
    verifySignature(settings.token, req.query.timestamp, req.query.nonce, encrypted, req.query.msg_signature);
    const sentAt = checkFreshness(settings, req.query, req.now);
    const xml = decryptMessage(aesKeyOf(settings.encodingAesKey), encrypted, settings.corpId);
    const fields = parseXml(xml);
    return db.tenant(req.workspaceId, async (tx) => {
      await rememberNonce(tx, req, sentAt);
      const rows = await tx.query<{ id: number; deliveries: number }>(
        `INSERT INTO wecom_inbox (workspace_id, dedup_key, event, change_type, created_at, received_at, xml)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (workspace_id, dedup_key) DO UPDATE SET deliveries = wecom_inbox.deliveries + 1
         RETURNING id, deliveries`,
        [
          req.workspaceId,
          dedupKey(fields),
          text(fields, 'Event') ?? text(fields, 'MsgType') ?? 'unknown',
          text(fields, 'ChangeType'),
          createTimeOf(fields),
          req.now,
          xml,
        ],
      );
      const row = rows[0] as { id: number; deliveries: number };
      const first = row.deliveries === 1;
      if (first) {
        await enqueue(tx, {
          kind: INBOX_JOB,
          payload: { inboxId: row.id },
          dedupeKey: `${req.workspaceId}:${row.id}`,
          // Ahead of the backlog: an add's welcome code is good for 20 seconds from the callback.
          priority: 1,
        });
      }
      await tx.query('UPDATE wecom_settings SET last_event_at = $2 WHERE workspace_id = $1', [
        req.workspaceId,
        req.now,
      ]);
      return { inboxId: String(row.id), first };
    });
  });
}

interface SecurityRow {
  id: number;
  at: Date;
  code: string;
  ip: string | null;
  method: string;
  details: Record<string, unknown>;
}

/** The refused callbacks, newest first. */
export async function listSecurityLog(tx: Tx, workspaceId: string, query: WeComSecurityQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<SecurityRow>(
    `SELECT id, at, code, ip, method, details FROM wecom_security_log
      WHERE workspace_id = $1 AND ($2::text IS NULL OR code = $2) AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [workspaceId, query.code ?? null, cursor ? Number(cursor[0]) : null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r): WeComSecurityEntry => ({
      id: String(r.id),
      at: r.at.toISOString(),
      code: r.code,
      ip: r.ip,
      method: r.method,
      details: r.details,
    }),
    (r) => [r.id],
  );
}
