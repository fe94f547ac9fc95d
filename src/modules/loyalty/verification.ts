// Phone verification for the member H5: six-digit codes sent through a `CodeSender` (in development the log; an
// SMS gateway in production, chosen by configuration), kept only as salted hashes, with an expiry, an attempt limit,
// a resend cooldown and hourly limits per phone and per client address — each refusal with its own error code.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../platform/config.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { normalizePhone } from '../../platform/phone.ts';

export interface CodeMessage {
  workspaceId: string;
  /** The brand the code is from, as the SMS signs it. */
  brand: string;
  /** E.164. */
  phone: string;
  code: string;
  ttlMinutes: number;
  locale: Locale;
  /** The message as a member reads it, in their language. */
  text: string;
}

/** Where a sender reports; the request's pino logger fits. */
export interface CodeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Delivers a verification code to a phone. Throwing means it was not delivered: the code is then forgotten, so the
 * member may ask again at once.
 */
export interface CodeSender {
  readonly kind: string;
  send(message: CodeMessage, log: CodeLog): Promise<void>;
}

/** Development and demos: the code is written to the server log, where whoever runs Siyu reads it. */
export function logCodeSender(): CodeSender {
  return {
    kind: 'log',
    async send(message, log) {
      log.info(
        { workspaceId: message.workspaceId, phone: message.phone, code: message.code },
        'member verification code (SIYU_SMS_SENDER=log: not sent to the phone)',
      );
    },
  };
}

/**
 * Production: POSTs the message as JSON to an SMS gateway of the brand's choice (a small adapter in front of
 * Aliyun, Tencent Cloud or any provider), signed so the gateway can tell it came from Siyu:
 * `X-Siyu-Timestamp: <unix seconds>` and `X-Siyu-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
 * the shared secret. Any answer other than 2xx within the timeout counts as not delivered.
 */
export function webhookCodeSender(options: { url: string; secret: string; timeoutMs?: number }): CodeSender {
  return {
    kind: 'webhook',
    async send(message, log) {
      const body = JSON.stringify({
        workspaceId: message.workspaceId,
        brand: message.brand,
        phone: message.phone,
        code: message.code,
        ttlMinutes: message.ttlMinutes,
        locale: message.locale,
        text: message.text,
      });
      // The gateway checks freshness against its own clock, so this is the real time, not the request's clock.
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', options.secret).update(`${timestamp}.${body}`).digest('hex');
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-siyu-timestamp': timestamp,
          'x-siyu-signature': `sha256=${signature}`,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!response.ok) {
        log.warn({ status: response.status, workspaceId: message.workspaceId }, 'SMS gateway refused a code');
        throw new Error(`SMS gateway answered ${response.status}`);
      }
    },
  };
}

/**
 * The sender the environment asks for: `SIYU_SMS_SENDER=log` (default) or `webhook` with `SIYU_SMS_WEBHOOK_URL`
 * and `SIYU_SMS_WEBHOOK_SECRET`.
 */
export function codeSenderFromEnv(env: NodeJS.ProcessEnv): CodeSender {
  const kind = env.SIYU_SMS_SENDER || 'log';
  if (kind === 'log') return logCodeSender();
  if (kind === 'webhook') {
    const url = env.SIYU_SMS_WEBHOOK_URL ?? '';
    const secret = env.SIYU_SMS_WEBHOOK_SECRET ?? '';
    if (!/^https?:\/\//.test(url)) throw new ConfigError('SIYU_SMS_WEBHOOK_URL must be an http(s) URL');
    if (secret.length < 16) throw new ConfigError('SIYU_SMS_WEBHOOK_SECRET must be at least 16 characters');
    return webhookCodeSender({ url, secret });
  }
  throw new ConfigError(`SIYU_SMS_SENDER must be log or webhook, got "${kind}"`);
}

export interface CodePolicy {
  ttlSeconds: number;
  maxAttempts: number;
  cooldownSeconds: number;
  perPhonePerHour: number;
  perIpPerHour: number;
}

/** Five minutes, five tries, a minute between sends, five sends an hour per phone and twenty per address. */
export const CODE_POLICY: CodePolicy = {
  ttlSeconds: 300,
  maxAttempts: 5,
  cooldownSeconds: 60,
  perPhonePerHour: 5,
  perIpPerHour: 20,
};

const HOUR_MS = 3_600_000;

const hashCode = (salt: string, code: string) => createHash('sha256').update(`${salt}:${code}`).digest();

/** The workspace of an H5 request, named by its slug. */
export async function workspaceOf(db: Db, slug: string): Promise<{ id: string; name: string }> {
  const rows = await db.query<{ id: string; name: string }>('SELECT id, name FROM workspaces WHERE slug = $1', [slug]);
  if (!rows[0]) throw notFound('workspace.not_found');
  return rows[0];
}

export function phoneOf(raw: string): string {
  const phone = normalizePhone(raw);
  if (!phone) throw badRequest('loyalty.invalid_phone');
  return phone;
}

/** Serialises sends and checks of one phone's codes, so two at once cannot both pass a limit or use one code. */
const lockPhone = (tx: Tx, workspaceId: string, phone: string) =>
  tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`loyalty:code:${workspaceId}:${phone}`]);

const tooMany = (code: string, retryAfter: number) =>
  new AppError(429, code, { retryAfter }, { retryAfterSeconds: retryAfter });

/**
 * Issues a code for a phone and sends it. Refused with 429 while the phone's cooldown runs or when the phone or
 * the client address used up its hourly sends (`details.retryAfterSeconds` says when to try again).
 */
export async function sendCode(
  db: Db,
  sender: CodeSender,
  policy: CodePolicy,
  input: { slug: string; phone: string; ip: string; locale: Locale; now: Date; log: CodeLog },
): Promise<{ phone: string; expiresInSeconds: number; resendInSeconds: number }> {
  const phone = phoneOf(input.phone);
  const workspace = await workspaceOf(db, input.slug);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const salt = randomBytes(16).toString('hex');
  const now = input.now;
  const issued = await db.tenant(workspace.id, async (tx) => {
    await lockPhone(tx, workspace.id, phone);
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const [byPhone] = await tx.query<{ n: number; last: Date | null; first: Date | null }>(
      `SELECT count(*) FILTER (WHERE sent_at > $3)::int AS n, max(sent_at) AS last,
              min(sent_at) FILTER (WHERE sent_at > $3) AS first
         FROM member_codes WHERE workspace_id = $1 AND phone = $2 AND sent_at > $3 - interval '1 day'`,
      [workspace.id, phone, hourAgo],
    );
    const last = byPhone?.last;
    const sinceLast = last ? now.getTime() - last.getTime() : Number.POSITIVE_INFINITY;
    if (sinceLast < policy.cooldownSeconds * 1000) {
      return {
        refused: 'loyalty.code_cooldown',
        retryAfter: Math.ceil((policy.cooldownSeconds * 1000 - sinceLast) / 1000),
      };
    }
    if ((byPhone?.n ?? 0) >= policy.perPhonePerHour && byPhone?.first) {
      return {
        refused: 'loyalty.code_phone_limit',
        retryAfter: Math.ceil((byPhone.first.getTime() + HOUR_MS - now.getTime()) / 1000),
      };
    }
    const [byIp] = await tx.query<{ n: number; first: Date | null }>(
      `SELECT count(*)::int AS n, min(sent_at) AS first FROM member_codes
        WHERE workspace_id = $1 AND ip = $2 AND sent_at > $3`,
      [workspace.id, input.ip, hourAgo],
    );
    if ((byIp?.n ?? 0) >= policy.perIpPerHour && byIp?.first) {
      return {
        refused: 'loyalty.code_ip_limit',
        retryAfter: Math.ceil((byIp.first.getTime() + HOUR_MS - now.getTime()) / 1000),
      };
    }
    const rows = await tx.query<{ id: number }>(
      `INSERT INTO member_codes (workspace_id, phone, code_hash, salt, ip, sent_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        workspace.id,
        phone,
        hashCode(salt, code).toString('hex'),
        salt,
        input.ip,
        now,
        new Date(now.getTime() + policy.ttlSeconds * 1000),
      ],
    );
    return { id: (rows[0] as { id: number }).id };
  });
  if ('refused' in issued) throw tooMany(issued.refused as string, Math.max(1, issued.retryAfter as number));
  const ttlMinutes = Math.ceil(policy.ttlSeconds / 60);
  try {
    await sender.send(
      {
        workspaceId: workspace.id,
        brand: workspace.name,
        phone,
        code,
        ttlMinutes,
        locale: input.locale,
        text: translate(input.locale, 'loyalty.sms.code', { brand: workspace.name, code, minutes: ttlMinutes }),
      },
      input.log,
    );
  } catch (err) {
    // Not delivered: forget the code, so neither the cooldown nor the hourly limits count it against the member.
    await db.tenant(workspace.id, (tx) =>
      tx.query('DELETE FROM member_codes WHERE workspace_id = $1 AND id = $2', [workspace.id, issued.id]),
    );
    input.log.warn({ err, workspaceId: workspace.id, sender: sender.kind }, 'verification code not delivered');
    throw new AppError(502, 'loyalty.code_send_failed');
  }
  return {
    phone: `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}`,
    expiresInSeconds: policy.ttlSeconds,
    resendInSeconds: policy.cooldownSeconds,
  };
}

export type CodeCheck = { ok: true } | { ok: false; error: AppError };

/**
 * Checks a code against the phone's latest unused one, inside the caller's transaction (which then signs the member
 * in). A wrong code counts an attempt; the caller commits that count even though the check failed, then throws
 * `error`. A code works once.
 */
export async function checkCode(
  tx: Tx,
  workspaceId: string,
  policy: CodePolicy,
  phone: string,
  code: string,
  now: Date,
): Promise<CodeCheck> {
  await lockPhone(tx, workspaceId, phone);
  // Only the latest code counts: sending a new one retires the ones before it.
  const rows = await tx.query<{
    id: number;
    code_hash: string;
    salt: string;
    expires_at: Date;
    attempts: number;
    used_at: Date | null;
  }>(
    `SELECT id, code_hash, salt, expires_at, attempts, used_at FROM member_codes
      WHERE workspace_id = $1 AND phone = $2 ORDER BY sent_at DESC, id DESC LIMIT 1`,
    [workspaceId, phone],
  );
  const row = rows[0];
  // No code (or a used one) answers like a wrong one: nothing is learnt about which phones asked for codes.
  if (!row || row.used_at) return { ok: false, error: badRequest('loyalty.code_invalid', {}, { attemptsLeft: 0 }) };
  if (row.attempts >= policy.maxAttempts) return { ok: false, error: tooManyAttempts() };
  if (row.expires_at <= now) return { ok: false, error: badRequest('loyalty.code_expired') };
  if (!timingSafeEqual(hashCode(row.salt, code), Buffer.from(row.code_hash, 'hex'))) {
    await tx.query('UPDATE member_codes SET attempts = attempts + 1 WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      row.id,
    ]);
    const left = policy.maxAttempts - row.attempts - 1;
    return {
      ok: false,
      error: left > 0 ? badRequest('loyalty.code_invalid', {}, { attemptsLeft: left }) : tooManyAttempts(),
    };
  }
  await tx.query('UPDATE member_codes SET used_at = $3 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    row.id,
    now,
  ]);
  return { ok: true };
}

const tooManyAttempts = () => new AppError(429, 'loyalty.code_attempts_exceeded');

/** Codes are only needed for their hour of limits; sessions until they expire. The daily job clears the rest. */
export async function clearExpired(tx: Tx, workspaceId: string, now: Date): Promise<void> {
  await tx.query(`DELETE FROM member_codes WHERE workspace_id = $1 AND sent_at < $2::timestamptz - interval '1 day'`, [
    workspaceId,
    now,
  ]);
  await tx.query('DELETE FROM member_sessions WHERE workspace_id = $1 AND expires_at < $2', [workspaceId, now]);
}
