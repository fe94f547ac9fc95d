// Trackable links (H5 landing pages): a short public path `/l/<slug>` that records each visit (user-agent kind,
// referring host, a visitor cookie for unique visitors) and either redirects to an external page or serves a small
// landing page with a QR code. A link to a code has a WeCom contact way of its own — the code's guides, rotation and
// welcome message, but its own state — because WeCom tells adds apart only by the state of the way they came
// through: that is how adds are attributed to the link and not just to its code.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {
  Link,
  LinkBody,
  LinkListQuery,
  LinkStats,
  LinkStatsQuery,
  UaKind,
  UpdateLinkBody,
} from '../../contracts/acquisition.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { usableChannel } from './channels.ts';
import { addWay, codeStatus, dayStartSql, removeWays, toWayStatus, WAY_COLUMNS, type WayRow } from './codes.ts';
import { addDays, dayIn, ownStaffId, randomToken, workspaceInfo } from './shared.ts';
import { rangeOf } from './stats.ts';

/** The visitor cookie: a random id, so unique visitors are counted without knowing who anyone is. */
const VISITOR_COOKIE = 'siyu_visitor';
const VISITOR_MAX_AGE_SECONDS = 365 * 86_400;
const SLUG_LENGTH = 8;

interface LinkRow {
  id: string;
  name: string;
  channel_id: string | null;
  channel_key: string | null;
  channel_name: string | null;
  target_kind: 'code' | 'url';
  code_id: string | null;
  code_name: string | null;
  url: string | null;
  slug: string;
  title: string;
  description: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const LINK_SELECT = `
  SELECT l.id, l.name, l.channel_id, ch.key AS channel_key, ch.name AS channel_name, l.target_kind, l.code_id,
         c.name AS code_name, l.url, l.slug, l.title, l.description, l.created_at, l.updated_at,
         l.created_at::text AS cursor_at
    FROM acquisition_links l
    LEFT JOIN acquisition_channels ch ON ch.workspace_id = l.workspace_id AND ch.id = l.channel_id
    LEFT JOIN acquisition_codes c ON c.workspace_id = l.workspace_id AND c.id = l.code_id`;

/** A guide sees the links to codes whose pool or backup they are in. */
const ownLinkSql = (staffParam: string) => `(c.backup_staff_id = ${staffParam} OR EXISTS (
  SELECT 1 FROM acquisition_code_guides g WHERE g.workspace_id = l.workspace_id AND g.code_id = l.code_id
     AND g.staff_id = ${staffParam}))`;

async function toLinks(tx: Tx, workspaceId: string, rows: LinkRow[]): Promise<Link[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const ways = await tx.query<WayRow>(
    `SELECT ${WAY_COLUMNS} FROM acquisition_ways
      WHERE workspace_id = $1 AND link_id = ANY($2::uuid[]) ORDER BY removed_at NULLS FIRST, created_at DESC`,
    [workspaceId, ids],
  );
  const counts = await tx.query<{ link_id: string; clicks: number; visitors: number; adds: number }>(
    `SELECT l.id AS link_id,
            (SELECT count(*)::int FROM acquisition_link_clicks k
              WHERE k.workspace_id = l.workspace_id AND k.link_id = l.id AND k.ua_kind <> 'bot') AS clicks,
            (SELECT count(*)::int FROM acquisition_link_clicks k
              WHERE k.workspace_id = l.workspace_id AND k.link_id = l.id AND k.ua_kind <> 'bot' AND k.first_visit)
              AS visitors,
            (SELECT count(*)::int FROM acquisitions a WHERE a.workspace_id = l.workspace_id AND a.link_id = l.id)
              AS adds
       FROM acquisition_links l WHERE l.workspace_id = $1 AND l.id = ANY($2::uuid[])`,
    [workspaceId, ids],
  );
  return rows.map((r): Link => {
    const way = ways.find((w) => w.link_id === r.id);
    const c = counts.find((x) => x.link_id === r.id);
    const visitors = c?.visitors ?? 0;
    const adds = c?.adds ?? 0;
    return {
      id: r.id,
      name: r.name,
      channel:
        r.channel_id && r.channel_key && r.channel_name
          ? { id: r.channel_id, key: r.channel_key, name: r.channel_name }
          : null,
      target:
        r.target_kind === 'code'
          ? { kind: 'code', codeId: r.code_id as string, codeName: r.code_name ?? '' }
          : { kind: 'url', url: r.url as string },
      slug: r.slug,
      path: `/l/${r.slug}`,
      title: r.title,
      description: r.description,
      way: way && !way.removed_at ? toWayStatus(way) : null,
      clicks: c?.clicks ?? 0,
      uniqueVisitors: visitors,
      adds,
      conversion: visitors === 0 ? null : adds / visitors,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  });
}

export async function listLinks(ctx: RequestContext, query: LinkListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['l.workspace_id = $1', 'l.deleted_at IS NULL'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.codeId) add((p) => `l.code_id = ${p}`, query.codeId);
  if (query.channelId) add((p) => `l.channel_id = ${p}`, query.channelId);
  const own = ownStaffId(ctx);
  if (own) add((p) => ownLinkSql(`${p}::uuid`), own);
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(l.created_at, l.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<LinkRow>(
    `${LINK_SELECT} WHERE ${where.join(' AND ')} ORDER BY l.created_at DESC, l.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = pageOf(
    rows,
    limit,
    (r) => r,
    (r) => [r.cursor_at, r.id],
  );
  return { items: await toLinks(ctx.tx, ctx.workspaceId, page.items), nextCursor: page.nextCursor };
}

export async function getLink(tx: Tx, workspaceId: string, id: string, own: string | null): Promise<Link> {
  const params: unknown[] = [workspaceId, id];
  if (own) params.push(own);
  const rows = await tx.query<LinkRow>(
    `${LINK_SELECT} WHERE l.workspace_id = $1 AND l.id = $2 AND l.deleted_at IS NULL
       ${own ? `AND ${ownLinkSql('$3::uuid')}` : ''}`,
    params,
  );
  const [link] = await toLinks(tx, workspaceId, rows);
  if (!link) throw notFound('acquisition.link_not_found');
  return link;
}

export async function createLink(tx: Tx, workspaceId: string, body: LinkBody, now: Date): Promise<string> {
  let channelId = body.channelId ?? null;
  if (channelId) await usableChannel(tx, workspaceId, channelId);
  let codeId: string | null = null;
  if (body.target.kind === 'code') {
    const [code] = await tx.query<{
      id: string;
      channel_id: string;
      name: string;
      expires_at: Date | null;
      expired_at: Date | null;
      paused_at: Date | null;
    }>(
      `SELECT id, channel_id, name, expires_at, expired_at, paused_at FROM acquisition_codes
        WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, body.target.codeId],
    );
    if (!code) throw badRequest('acquisition.unknown_code');
    if (codeStatus(code, now) === 'expired') throw conflict('acquisition.code_expired', { name: code.name });
    codeId = code.id;
    if (body.channelId === undefined) channelId = code.channel_id;
  }
  // The slug is unique across workspaces, which this transaction cannot see: a collision (62^8 slugs) is caught
  // by the unique index, undone to a savepoint and drawn again.
  for (let attempt = 1; ; attempt++) {
    await tx.query('SAVEPOINT link_slug');
    try {
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO acquisition_links (workspace_id, name, channel_id, target_kind, code_id, url, slug, title,
                                        description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
        [
          workspaceId,
          body.name,
          channelId,
          body.target.kind,
          codeId,
          body.target.kind === 'url' ? body.target.url : null,
          randomToken(SLUG_LENGTH),
          body.title ?? body.name,
          body.description ?? '',
          now,
        ],
      );
      await tx.query('RELEASE SAVEPOINT link_slug');
      const id = (rows[0] as { id: string }).id;
      if (codeId) await addWay(tx, workspaceId, codeId, id);
      return id;
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION || attempt >= 3) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT link_slug');
    }
  }
}

export async function updateLink(tx: Tx, workspaceId: string, id: string, body: UpdateLinkBody, now: Date) {
  const link = await getLink(tx, workspaceId, id, null);
  if (body.url !== undefined && link.target.kind !== 'url') throw badRequest('acquisition.link_target_fixed');
  if (body.channelId) await usableChannel(tx, workspaceId, body.channelId);
  await tx.query(
    `UPDATE acquisition_links
        SET name = coalesce($3, name), channel_id = CASE WHEN $4 THEN $5::uuid ELSE channel_id END,
            url = coalesce($6, url), title = coalesce($7, title), description = coalesce($8, description),
            updated_at = $9
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name ?? null,
      body.channelId !== undefined,
      body.channelId ?? null,
      body.url ?? null,
      body.title ?? null,
      body.description ?? null,
      now,
    ],
  );
}

/** Deletes a link: its path answers 404 and its contact way leaves WeCom; clicks and adds stay in the figures. */
export async function deleteLink(tx: Tx, workspaceId: string, id: string, now: Date): Promise<void> {
  await getLink(tx, workspaceId, id, null);
  await tx.query('UPDATE acquisition_links SET deleted_at = $3, updated_at = $3 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    id,
    now,
  ]);
  await removeWays(tx, workspaceId, 'link_id = $2', [id]);
}

export async function linkStats(ctx: RequestContext, id: string, query: LinkStatsQuery): Promise<LinkStats> {
  await getLink(ctx.tx, ctx.workspaceId, id, ownStaffId(ctx));
  const { timezone } = await workspaceInfo(ctx.tx, ctx.workspaceId);
  const { from, to, days } = rangeOf(query, dayIn(ctx.now(), timezone));
  const params = [ctx.workspaceId, id, from, to, timezone];
  const s = dayStartSql('$3::date', '$5');
  const e = `${dayStartSql('$4::date', '$5')} + interval '1 day'`;
  const perDay = await ctx.tx.query<{ day: string; clicks: number; visitors: number; adds: number }>(
    `SELECT day::text, sum(clicks)::int AS clicks, sum(visitors)::int AS visitors, sum(adds)::int AS adds FROM (
       SELECT (k.at AT TIME ZONE $5)::date AS day, 1 AS clicks, k.first_visit::int AS visitors, 0 AS adds
         FROM acquisition_link_clicks k
        WHERE k.workspace_id = $1 AND k.link_id = $2 AND k.ua_kind <> 'bot' AND k.at >= ${s} AND k.at < ${e}
       UNION ALL
       SELECT (a.added_at AT TIME ZONE $5)::date, 0, 0, 1 FROM acquisitions a
        WHERE a.workspace_id = $1 AND a.link_id = $2 AND a.added_at >= ${s} AND a.added_at < ${e}
     ) AS x GROUP BY day`,
    params,
  );
  const byUa = await ctx.tx.query<{ ua_kind: UaKind; clicks: number }>(
    `SELECT ua_kind, count(*)::int AS clicks FROM acquisition_link_clicks k
      WHERE k.workspace_id = $1 AND k.link_id = $2 AND k.at >= ${s} AND k.at < ${e}
      GROUP BY ua_kind ORDER BY clicks DESC, ua_kind`,
    params,
  );
  const byReferrer = await ctx.tx.query<{ host: string | null; clicks: number }>(
    `SELECT referrer_host AS host, count(*)::int AS clicks FROM acquisition_link_clicks k
      WHERE k.workspace_id = $1 AND k.link_id = $2 AND k.ua_kind <> 'bot' AND k.at >= ${s} AND k.at < ${e}
      GROUP BY referrer_host ORDER BY clicks DESC, referrer_host NULLS LAST LIMIT 10`,
    params,
  );
  const byDay = new Map(perDay.map((d) => [d.day, d]));
  const daysOut = Array.from({ length: days }, (_, i) => {
    const day = addDays(from, i);
    const d = byDay.get(day);
    return { day, clicks: d?.clicks ?? 0, uniqueVisitors: d?.visitors ?? 0, adds: d?.adds ?? 0 };
  });
  const sum = (k: 'clicks' | 'uniqueVisitors' | 'adds') => daysOut.reduce((total, d) => total + d[k], 0);
  const visitors = sum('uniqueVisitors');
  return {
    from,
    to,
    timezone,
    totals: {
      clicks: sum('clicks'),
      uniqueVisitors: visitors,
      adds: sum('adds'),
      conversion: visitors === 0 ? null : sum('adds') / visitors,
    },
    days: daysOut,
    byUaKind: byUa.map((u) => ({ uaKind: u.ua_kind, clicks: u.clicks })),
    byReferrer,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The public path.

export function uaKindOf(ua: string | undefined): UaKind {
  if (!ua) return 'other';
  if (/wxwork/i.test(ua)) return 'wecom';
  if (/MicroMessenger/i.test(ua)) return 'wechat';
  if (/bot|spider|crawl|slurp|curl|wget|python|java\/|go-http|headless|preview|facebookexternalhit/i.test(ua)) {
    return 'bot';
  }
  if (/Mobile|Android|iPhone|iPad|iPod|HarmonyOS/i.test(ua)) return 'mobile';
  if (/Windows|Macintosh|X11|Linux|CrOS/i.test(ua)) return 'desktop';
  return 'other';
}

function referrerHost(referrer: string | undefined): string | null {
  if (!referrer) return null;
  try {
    return new URL(referrer).host.slice(0, 255) || null;
  } catch {
    return null;
  }
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The landing page of a code link: the link's texts and its contact way's QR code, or why there is none. */
function landingPage(
  locale: Locale,
  page: { title: string; description: string; qrCode: string | null; notice: string | null },
): string {
  const t = (key: string) => escapeHtml(translate(locale, `acquisition.landing.${key}`));
  const body = page.qrCode
    ? `<img class="qr" src="${escapeHtml(page.qrCode)}" alt="${t('qr_alt')}" width="240" height="240">
    <p class="hint">${t('hint')}</p>`
    : `<p class="notice">${escapeHtml(page.notice ?? '')}</p>`;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; background: #f5f6f8; color: #1f2329; }
  main { max-width: 420px; margin: 0 auto; padding: 48px 24px; text-align: center; }
  h1 { font-size: 22px; margin: 0 0 12px; }
  .description { color: #646a73; line-height: 1.6; margin: 0 0 28px; }
  .qr { background: #fff; padding: 16px; border-radius: 12px; box-shadow: 0 2px 12px rgba(0, 0, 0, .06); }
  .hint { color: #646a73; margin-top: 20px; }
  .notice { color: #8f959e; margin-top: 40px; }
</style>
</head>
<body>
<main>
  <h1>${escapeHtml(page.title)}</h1>
  ${page.description ? `<p class="description">${escapeHtml(page.description)}</p>` : ''}
  ${body}
</main>
</body>
</html>`;
}

interface PublicLink {
  workspace_id: string;
  id: string;
  target_kind: 'code' | 'url';
  url: string | null;
  title: string;
  description: string;
}

/**
 * GET /l/:slug. Finds the link by its slug (unique across workspaces, so no workspace in the path), records the
 * visit in the link's workspace, sets the visitor cookie, and redirects or serves the landing page.
 */
export async function visitLink(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { slug: string; now: Date; locale: Locale },
): Promise<FastifyReply> {
  const notFoundPage = () =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(
        landingPage(input.locale, {
          title: translate(input.locale, 'acquisition.landing.not_found_title'),
          description: '',
          qrCode: null,
          notice: translate(input.locale, 'acquisition.landing.not_found'),
        }),
      );
  const [found] = await db.query<PublicLink>(
    `SELECT workspace_id, id, target_kind, url, title, description FROM acquisition_links
      WHERE slug = $1 AND deleted_at IS NULL`,
    [input.slug],
  );
  if (!found) return notFoundPage();
  const cookie = request.cookies[VISITOR_COOKIE];
  const visitor = cookie && /^[A-Za-z0-9]{16,32}$/.test(cookie) ? cookie : randomToken(22);
  const ua = request.headers['user-agent'];
  const uaKind = uaKindOf(typeof ua === 'string' ? ua : undefined);
  const referer = request.headers.referer;
  const qr = await db.tenant(found.workspace_id, async (tx) => {
    await tx.query(
      `INSERT INTO acquisition_link_clicks (workspace_id, link_id, at, visitor, first_visit, ua_kind, referrer_host)
       SELECT $1, $2, $3, $4, NOT EXISTS (SELECT 1 FROM acquisition_link_clicks
                                           WHERE workspace_id = $1 AND link_id = $2 AND visitor = $4), $5, $6`,
      [found.workspace_id, found.id, input.now, visitor, uaKind, referrerHost(referer)],
    );
    if (found.target_kind === 'url') return null;
    const [way] = await tx.query<{ qr_code: string | null }>(
      `SELECT qr_code FROM acquisition_ways WHERE workspace_id = $1 AND link_id = $2 AND removed_at IS NULL`,
      [found.workspace_id, found.id],
    );
    return { qrCode: way?.qr_code ?? null, gone: !way };
  });
  reply.setCookie(VISITOR_COOKIE, visitor, {
    path: '/l/',
    maxAge: VISITOR_MAX_AGE_SECONDS,
    httpOnly: true,
    sameSite: 'lax',
  });
  reply.header('cache-control', 'no-store');
  if (found.target_kind === 'url')
    return reply
      .code(302)
      .header('location', found.url as string)
      .send();
  const notice = qr?.gone
    ? translate(input.locale, 'acquisition.landing.expired')
    : translate(input.locale, 'acquisition.landing.pending');
  return reply
    .code(qr?.gone ? 410 : 200)
    .header('content-security-policy', "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'")
    .type('text/html; charset=utf-8')
    .send(
      landingPage(input.locale, {
        title: found.title,
        description: found.description,
        qrCode: qr?.qrCode ?? null,
        notice,
      }),
    );
}
