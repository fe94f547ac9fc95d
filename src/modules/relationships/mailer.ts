// Notices by e-mail over SMTP (nodemailer): a workspace's own SMTP settings, or the server's (SIYU_SMTP_URL and
// SIYU_MAIL_FROM) for every workspace that has none. Without either, notices stay in the console inbox.
import nodemailer from 'nodemailer';
import type { EmailSettings, EmailSettingsBody } from '../../contracts/relationships.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
}

/**
 * The server-wide SMTP settings: `SIYU_SMTP_URL` as `smtp://user:password@host:587` (STARTTLS when offered) or
 * `smtps://…:465` (TLS from the start), user and password URL-encoded; `SIYU_MAIL_FROM` the sender address.
 * Null when unset; a malformed URL stops the start rather than losing every notice silently.
 */
export function smtpFromEnv(env: NodeJS.ProcessEnv): SmtpConfig | null {
  const raw = env.SIYU_SMTP_URL;
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SIYU_SMTP_URL is not a URL (smtp://user:password@host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error('SIYU_SMTP_URL must start with smtp:// or smtps://');
  }
  const secure = url.protocol === 'smtps:';
  const from = env.SIYU_MAIL_FROM ?? (url.username ? decodeURIComponent(url.username) : '');
  if (!from.includes('@')) throw new Error('SIYU_MAIL_FROM must be the sender e-mail address');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
    from,
  };
}

interface SettingsRow {
  smtp_enabled: boolean;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_secure: boolean;
  smtp_user: string | null;
  smtp_password: string | null;
  mail_from: string | null;
}

async function settingsRow(q: Queryable, workspaceId: string): Promise<SettingsRow | null> {
  const rows = await q.query<SettingsRow>(
    `SELECT smtp_enabled, smtp_host, smtp_port, smtp_secure, smtp_user, smtp_password, mail_from
       FROM relationship_settings WHERE workspace_id = $1`,
    [workspaceId],
  );
  return rows[0] ?? null;
}

/** The SMTP settings a workspace sends with: its own when it saved any (enabled or not), else the server's. */
export async function smtpConfigOf(
  q: Queryable,
  workspaceId: string,
  env: SmtpConfig | null,
): Promise<SmtpConfig | null> {
  const row = await settingsRow(q, workspaceId);
  if (row?.smtp_host) {
    if (!row.smtp_enabled) return null;
    return {
      host: row.smtp_host,
      port: row.smtp_port ?? 587,
      secure: row.smtp_secure,
      user: row.smtp_user,
      password: row.smtp_password,
      from: row.mail_from ?? '',
    };
  }
  return env;
}

/** The e-mail settings as the API shows them: the password only as whether one is set. */
export async function emailSettings(q: Queryable, workspaceId: string, env: SmtpConfig | null): Promise<EmailSettings> {
  const row = await settingsRow(q, workspaceId);
  if (row?.smtp_host) {
    return {
      source: 'workspace',
      enabled: row.smtp_enabled,
      host: row.smtp_host,
      port: row.smtp_port,
      secure: row.smtp_secure,
      user: row.smtp_user,
      hasPassword: Boolean(row.smtp_password),
      from: row.mail_from,
    };
  }
  if (env) {
    return {
      source: 'env',
      enabled: true,
      host: env.host,
      port: env.port,
      secure: env.secure,
      user: env.user,
      hasPassword: Boolean(env.password),
      from: env.from,
    };
  }
  return {
    source: 'none',
    enabled: false,
    host: null,
    port: null,
    secure: false,
    user: null,
    hasPassword: false,
    from: null,
  };
}

export async function saveEmailSettings(
  q: Queryable,
  workspaceId: string,
  body: EmailSettingsBody,
  env: SmtpConfig | null,
): Promise<EmailSettings> {
  await q.query(
    `INSERT INTO relationship_settings (workspace_id, smtp_enabled, smtp_host, smtp_port, smtp_secure, smtp_user,
                                        smtp_password, mail_from, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (workspace_id) DO UPDATE SET
       smtp_enabled = EXCLUDED.smtp_enabled, smtp_host = EXCLUDED.smtp_host, smtp_port = EXCLUDED.smtp_port,
       smtp_secure = EXCLUDED.smtp_secure, smtp_user = EXCLUDED.smtp_user,
       smtp_password = CASE WHEN $9 THEN EXCLUDED.smtp_password ELSE relationship_settings.smtp_password END,
       mail_from = EXCLUDED.mail_from, updated_at = now()`,
    [
      workspaceId,
      body.enabled,
      body.host,
      body.port,
      body.secure,
      body.user ?? null,
      body.password ?? null,
      body.from,
      body.password !== undefined,
    ],
  );
  return emailSettings(q, workspaceId, env);
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Stable per notice, so a resend after a crash is recognisable as the same message. */
  messageId: string;
}

/** Sends one message; an SMTP failure is an AppError naming the server's answer. */
export async function sendMail(config: SmtpConfig, mail: Mail): Promise<string> {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
    });
    return String(info.messageId ?? mail.messageId);
  } catch (err) {
    const reason = (err as Error).message.slice(0, 300);
    throw new AppError(502, 'notification.smtp_failed', { reason }, { reason });
  } finally {
    transport.close();
  }
}
