// Tiers and growth value: the ladder a workspace configures (with the default 普通/银卡/金卡/钻石 created on first
// use), the tier policy and member terms, each member's place on the ladder, and what moves them: an upgrade the
// moment growth reaches a tier, a downgrade on the daily schedule after a notice, never within the protection period.
import type {
  Benefit,
  GrowthRules,
  LoyaltySettings,
  MemberTerms,
  PublishTermsBody,
  Tier,
  TierBody,
  TierChangeReason,
  TierPolicy,
  TierSummary,
  UpdateTierBody,
  UpdateTierPolicyBody,
} from '../../contracts/loyalty.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { conflict, notFound, unprocessable } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { emitMany } from '../../platform/jobs/index.ts';
import { cleanBenefits } from './benefits.ts';

export interface MemberTier {
  tierId: string;
  code: string;
  name: string;
  rank: number;
  /** Purchase points multiplier in percent (100 = 1×). */
  pointsMultiplierPct: number;
  growth: number;
  status: 'active' | 'frozen' | 'cancelled' | 'merged';
}

/** The member's current tier, or null when the customer has not joined. */
export async function memberTier(tx: Tx, workspaceId: string, customerId: string): Promise<MemberTier | null> {
  const rows = await tx.query<{
    tier_id: string;
    code: string;
    name: string;
    rank: number;
    points_multiplier_pct: number;
    growth: string;
    status: MemberTier['status'];
  }>(
    `SELECT m.tier_id, t.code, t.name, t.rank, t.points_multiplier_pct, m.growth, m.status
       FROM members m JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
      WHERE m.workspace_id = $1 AND m.customer_id = $2`,
    [workspaceId, customerId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    tierId: r.tier_id,
    code: r.code,
    name: r.name,
    rank: r.rank,
    pointsMultiplierPct: r.points_multiplier_pct,
    growth: Number(r.growth),
    status: r.status,
  };
}

export interface TierRow {
  id: string;
  code: string;
  name: string;
  rank: number;
  growth_threshold: number;
  points_multiplier_pct: number;
  benefits: Benefit[];
  created_at: Date;
  updated_at: Date;
}

const TIER_COLUMNS = 'id, code, name, rank, growth_threshold, points_multiplier_pct, benefits, created_at, updated_at';

export const summaryOf = (t: { id: string; code: string; name: string; rank: number }): TierSummary => ({
  id: t.id,
  code: t.code,
  name: t.name,
  rank: t.rank,
});

export interface Settings extends TierPolicy {
  termsVersion: string;
}

const DEFAULT_TIERS: readonly {
  code: string;
  rank: number;
  threshold: number;
  multiplier: number;
  benefits: (t: (key: string) => string) => Benefit[];
}[] = [
  { code: 'normal', rank: 0, threshold: 0, multiplier: 100, benefits: () => [] },
  {
    code: 'silver',
    rank: 10,
    threshold: 300,
    multiplier: 120,
    benefits: (t) => [
      { type: 'discount', percentOff: 2 },
      { type: 'birthday_gift', description: t('loyalty.default_benefit.birthday_gift') },
    ],
  },
  {
    code: 'gold',
    rank: 20,
    threshold: 1000,
    multiplier: 150,
    benefits: (t) => [
      { type: 'discount', percentOff: 5 },
      { type: 'free_shipping', minOrderFen: 0 },
      { type: 'birthday_gift', description: t('loyalty.default_benefit.birthday_gift') },
    ],
  },
  {
    code: 'diamond',
    rank: 30,
    threshold: 3000,
    multiplier: 200,
    benefits: (t) => [
      { type: 'discount', percentOff: 10 },
      { type: 'free_shipping', minOrderFen: 0 },
      { type: 'birthday_gift', description: t('loyalty.default_benefit.birthday_gift_premium') },
      { type: 'exclusive_service', description: t('loyalty.default_benefit.exclusive_service') },
      { type: 'early_access', hours: 24 },
    ],
  },
];

/**
 * Creates a workspace's membership set-up the first time loyalty is used there: the default ladder, tier policy,
 * growth rules and version 1 of the member terms, in the workspace's language. Workspaces are created by the
 * platform, which knows nothing of loyalty, so this runs lazily; concurrent first uses queue on the settings row.
 */
async function createDefaults(tx: Tx, workspaceId: string): Promise<void> {
  const created = await tx.query(
    `INSERT INTO membership_settings (workspace_id, terms_version) VALUES ($1, '1')
     ON CONFLICT (workspace_id) DO NOTHING RETURNING workspace_id`,
    [workspaceId],
  );
  if (created.length === 0) return;
  const ws = await tx.query<{ locale: string }>('SELECT locale FROM workspaces WHERE id = $1', [workspaceId]);
  const locale: Locale = ws[0]?.locale === 'en' ? 'en' : 'zh-CN';
  const t = (key: string) => translate(locale, key);
  await tx.query(
    `INSERT INTO member_terms (workspace_id, version, body, published_by) VALUES ($1, '1', $2, 'system')
     ON CONFLICT DO NOTHING`,
    [workspaceId, t('loyalty.default_terms')],
  );
  await tx.query('INSERT INTO growth_rules (workspace_id) VALUES ($1) ON CONFLICT DO NOTHING', [workspaceId]);
  await tx.query(
    `INSERT INTO tiers (workspace_id, code, name, rank, growth_threshold, points_multiplier_pct, benefits)
     SELECT $1, * FROM jsonb_to_recordset($2::jsonb)
       AS x(code text, name text, rank int, growth_threshold bigint, points_multiplier_pct int, benefits jsonb)`,
    [
      workspaceId,
      JSON.stringify(
        DEFAULT_TIERS.map((d) => ({
          code: d.code,
          name: t(`loyalty.default_tier.${d.code}`),
          rank: d.rank,
          growth_threshold: d.threshold,
          points_multiplier_pct: d.multiplier,
          benefits: d.benefits(t),
        })),
      ),
    ],
  );
}

/** The workspace's tier policy and current terms version, set up with the defaults on first use. */
export async function readSettings(tx: Tx, workspaceId: string): Promise<Settings> {
  const read = () =>
    tx.query<{ evaluation_months: number; protection_months: number; notice_days: number; terms_version: string }>(
      `SELECT evaluation_months, protection_months, notice_days, terms_version FROM membership_settings
        WHERE workspace_id = $1`,
      [workspaceId],
    );
  let rows = await read();
  if (rows.length === 0) {
    await createDefaults(tx, workspaceId);
    rows = await read();
  }
  const r = rows[0] as NonNullable<(typeof rows)[0]>;
  return {
    evaluationMonths: r.evaluation_months,
    protectionMonths: r.protection_months,
    noticeDays: r.notice_days,
    termsVersion: r.terms_version,
  };
}

/** The ladder, lowest rank first. */
export async function ladder(tx: Tx, workspaceId: string): Promise<TierRow[]> {
  await readSettings(tx, workspaceId);
  return tx.query<TierRow>(`SELECT ${TIER_COLUMNS} FROM tiers WHERE workspace_id = $1 ORDER BY rank`, [workspaceId]);
}

export async function listTiers(tx: Tx, workspaceId: string): Promise<Tier[]> {
  const tiers = await ladder(tx, workspaceId);
  const counts = await tx.query<{ tier_id: string; n: number }>(
    `SELECT tier_id, count(*)::int AS n FROM members
      WHERE workspace_id = $1 AND status IN ('active', 'frozen') GROUP BY tier_id`,
    [workspaceId],
  );
  const countOf = new Map(counts.map((c) => [c.tier_id, c.n]));
  return tiers.map((t) => toTier(t, countOf.get(t.id) ?? 0));
}

const toTier = (t: TierRow, memberCount: number): Tier => ({
  id: t.id,
  code: t.code,
  name: t.name,
  rank: t.rank,
  growthThreshold: Number(t.growth_threshold),
  pointsMultiplierPct: t.points_multiplier_pct,
  benefits: t.benefits,
  memberCount,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
});

async function getTier(tx: Tx, workspaceId: string, id: string): Promise<Tier> {
  const tier = (await listTiers(tx, workspaceId)).find((t) => t.id === id);
  if (!tier) throw notFound('loyalty.tier_not_found');
  return tier;
}

/**
 * The ladder after a change must still be one: a single entry tier at growth 0, ranks distinct, and thresholds
 * strictly increasing with rank (a tier nobody could reach, or two tiers for the same growth, would be ambiguous).
 * Runs inside the changing transaction, which a failure rolls back.
 */
async function checkLadder(tx: Tx, workspaceId: string): Promise<void> {
  const tiers = await tx.query<TierRow>(
    `SELECT ${TIER_COLUMNS} FROM tiers WHERE workspace_id = $1 ORDER BY rank, growth_threshold`,
    [workspaceId],
  );
  if (tiers.length === 0) throw conflict('loyalty.tier_last');
  const [entry] = tiers as [TierRow];
  if (Number(entry.growth_threshold) !== 0) {
    throw unprocessable('loyalty.tier_entry_threshold', { name: entry.name }, { tierId: entry.id });
  }
  for (let i = 1; i < tiers.length; i++) {
    const below = tiers[i - 1] as TierRow;
    const tier = tiers[i] as TierRow;
    if (tier.rank === below.rank) {
      throw conflict('loyalty.tier_rank_taken', { rank: tier.rank, name: below.name }, { tierId: tier.id });
    }
    if (Number(tier.growth_threshold) <= Number(below.growth_threshold)) {
      throw unprocessable(
        'loyalty.tier_thresholds',
        { name: tier.name, below: below.name, threshold: Number(below.growth_threshold) },
        { tierId: tier.id },
      );
    }
  }
}

export async function createTier(tx: Tx, workspaceId: string, body: TierBody): Promise<Tier> {
  await readSettings(tx, workspaceId);
  const taken = await tx.query('SELECT 1 FROM tiers WHERE workspace_id = $1 AND code = $2', [workspaceId, body.code]);
  if (taken.length > 0) throw conflict('loyalty.tier_code_taken', { code: body.code });
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO tiers (workspace_id, code, name, rank, growth_threshold, points_multiplier_pct, benefits)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      workspaceId,
      body.code,
      body.name,
      body.rank,
      body.growthThreshold,
      body.pointsMultiplierPct ?? 100,
      JSON.stringify(cleanBenefits(body.benefits ?? [])),
    ],
  );
  await checkLadder(tx, workspaceId);
  return getTier(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateTier(tx: Tx, workspaceId: string, id: string, body: UpdateTierBody): Promise<Tier> {
  await readSettings(tx, workspaceId);
  const rows = await tx.query(
    `UPDATE tiers SET name = coalesce($3, name), rank = coalesce($4, rank),
            growth_threshold = coalesce($5, growth_threshold),
            points_multiplier_pct = coalesce($6, points_multiplier_pct), benefits = coalesce($7::jsonb, benefits),
            updated_at = now()
      WHERE workspace_id = $1 AND id = $2 RETURNING id`,
    [
      workspaceId,
      id,
      body.name ?? null,
      body.rank ?? null,
      body.growthThreshold ?? null,
      body.pointsMultiplierPct ?? null,
      body.benefits ? JSON.stringify(cleanBenefits(body.benefits)) : null,
    ],
  );
  if (rows.length === 0) throw notFound('loyalty.tier_not_found');
  await checkLadder(tx, workspaceId);
  return getTier(tx, workspaceId, id);
}

/** A tier anyone holds (or held, in a membership kept for history) stays: their tier would be gone. */
export async function deleteTier(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const held = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM members WHERE workspace_id = $1 AND tier_id = $2',
    [workspaceId, id],
  );
  const n = held[0]?.n ?? 0;
  if (n > 0) throw conflict('loyalty.tier_has_members', { count: n });
  const rows = await tx.query('DELETE FROM tiers WHERE workspace_id = $1 AND id = $2 RETURNING id', [workspaceId, id]);
  if (rows.length === 0) throw notFound('loyalty.tier_not_found');
  await checkLadder(tx, workspaceId);
}

export async function updateTierPolicy(tx: Tx, workspaceId: string, body: UpdateTierPolicyBody): Promise<TierPolicy> {
  await readSettings(tx, workspaceId);
  await tx.query(
    `UPDATE membership_settings SET evaluation_months = coalesce($2, evaluation_months),
            protection_months = coalesce($3, protection_months), notice_days = coalesce($4, notice_days),
            updated_at = now()
      WHERE workspace_id = $1`,
    [workspaceId, body.evaluationMonths ?? null, body.protectionMonths ?? null, body.noticeDays ?? null],
  );
  const s = await readSettings(tx, workspaceId);
  return { evaluationMonths: s.evaluationMonths, protectionMonths: s.protectionMonths, noticeDays: s.noticeDays };
}

interface TermsRow {
  version: string;
  body: string;
  published_at: Date;
}

export async function currentTerms(tx: Tx, workspaceId: string): Promise<MemberTerms> {
  const { termsVersion } = await readSettings(tx, workspaceId);
  const rows = await tx.query<TermsRow>(
    'SELECT version, body, published_at FROM member_terms WHERE workspace_id = $1 AND version = $2',
    [workspaceId, termsVersion],
  );
  const r = rows[0] as TermsRow;
  return { version: r.version, text: r.body, publishedAt: r.published_at.toISOString(), current: true };
}

export async function listTerms(tx: Tx, workspaceId: string): Promise<MemberTerms[]> {
  const { termsVersion } = await readSettings(tx, workspaceId);
  const rows = await tx.query<TermsRow>(
    'SELECT version, body, published_at FROM member_terms WHERE workspace_id = $1 ORDER BY published_at DESC, version',
    [workspaceId],
  );
  return rows.map((r) => ({
    version: r.version,
    text: r.body,
    publishedAt: r.published_at.toISOString(),
    current: r.version === termsVersion,
  }));
}

/** Publishes a new version of the member terms; new members consent to it from now on. Versions are never reused. */
export async function publishTerms(
  tx: Tx,
  workspaceId: string,
  body: PublishTermsBody,
  by: string,
): Promise<MemberTerms> {
  await readSettings(tx, workspaceId);
  const rows = await tx.query(
    `INSERT INTO member_terms (workspace_id, version, body, published_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING version`,
    [workspaceId, body.version, body.text, by],
  );
  if (rows.length === 0) throw conflict('loyalty.terms_version_taken', { version: body.version });
  await tx.query('UPDATE membership_settings SET terms_version = $2, updated_at = now() WHERE workspace_id = $1', [
    workspaceId,
    body.version,
  ]);
  return currentTerms(tx, workspaceId);
}

export async function readGrowthRules(tx: Tx, workspaceId: string): Promise<GrowthRules> {
  await readSettings(tx, workspaceId);
  const rows = await tx.query<{
    spend_unit_yuan: number;
    spend_growth: number;
    check_in_growth: number;
    task_growth: number;
  }>('SELECT spend_unit_yuan, spend_growth, check_in_growth, task_growth FROM growth_rules WHERE workspace_id = $1', [
    workspaceId,
  ]);
  const r = rows[0] as NonNullable<(typeof rows)[0]>;
  return {
    spendUnitYuan: r.spend_unit_yuan,
    spendGrowth: r.spend_growth,
    checkInGrowth: r.check_in_growth,
    taskGrowth: r.task_growth,
  };
}

export async function updateGrowthRules(tx: Tx, workspaceId: string, rules: GrowthRules): Promise<GrowthRules> {
  await readSettings(tx, workspaceId);
  await tx.query(
    `UPDATE growth_rules SET spend_unit_yuan = $2, spend_growth = $3, check_in_growth = $4, task_growth = $5,
            updated_at = now()
      WHERE workspace_id = $1`,
    [workspaceId, rules.spendUnitYuan, rules.spendGrowth, rules.checkInGrowth, rules.taskGrowth],
  );
  return readGrowthRules(tx, workspaceId);
}

export async function loyaltySettings(tx: Tx, workspaceId: string): Promise<LoyaltySettings> {
  const s = await readSettings(tx, workspaceId);
  return {
    tierPolicy: {
      evaluationMonths: s.evaluationMonths,
      protectionMonths: s.protectionMonths,
      noticeDays: s.noticeDays,
    },
    growthRules: await readGrowthRules(tx, workspaceId),
    terms: await currentTerms(tx, workspaceId),
  };
}

/** The moment the evaluation window starts: growth counted after it decides the tier at `now`. */
export async function windowStart(q: Queryable, now: Date, months: number): Promise<Date> {
  const rows = await q.query<{ start: Date }>(`SELECT $1::timestamptz - make_interval(months => $2::int) AS start`, [
    now,
    months,
  ]);
  return (rows[0] as { start: Date }).start;
}

/** A member's growth in the evaluation window ending at `now`. */
export async function windowGrowth(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  now: Date,
  months: number,
): Promise<number> {
  const rows = await q.query<{ growth: number }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS growth FROM growth_entries
      WHERE workspace_id = $1 AND customer_id = $2 AND at > $3::timestamptz - make_interval(months => $4::int)`,
    [workspaceId, customerId, now, months],
  );
  return Number(rows[0]?.growth ?? 0);
}

/** The highest tier a window growth reaches. */
export function tierFor(tiers: readonly TierRow[], growth: number): TierRow {
  let best = tiers[0] as TierRow;
  for (const t of tiers) if (Number(t.growth_threshold) <= growth && t.rank >= best.rank) best = t;
  return best;
}

/** The next tier above `current` and the growth still missing to reach it, or null at the top. */
export function nextTierOf(tiers: readonly TierRow[], current: TierRow, growth: number) {
  const next = tiers.find((t) => t.rank > current.rank);
  if (!next) return null;
  const threshold = Number(next.growth_threshold);
  return { tier: summaryOf(next), threshold, remaining: Math.max(0, threshold - growth) };
}

export interface TierMove {
  customerId: string;
  from: TierRow;
  to: TierRow;
  growth: number;
}

/**
 * Moves members to new tiers in one statement per table: sets the tier (with a protection period after an upgrade
 * or a change by hand; none after a downgrade), clears any announced downgrade, writes the history and announces
 * each as `member.tier_changed`.
 */
export async function moveTiers(
  tx: Tx,
  workspaceId: string,
  moves: readonly TierMove[],
  reason: Exclude<TierChangeReason, 'join'>,
  options: { now: Date; protectionMonths: number; actorId?: string | null; note?: string | null },
): Promise<void> {
  if (moves.length === 0) return;
  const protect = reason !== 'downgrade' && options.protectionMonths > 0;
  await tx.query(
    `UPDATE members m SET tier_id = u.to_tier, tier_since = $3,
            tier_protected_until = CASE WHEN $4 THEN $3::timestamptz + make_interval(months => $5::int) END,
            downgrade_due_at = NULL, downgrade_to_tier_id = NULL, updated_at = now()
       FROM unnest($2::uuid[], $6::uuid[]) AS u(customer_id, to_tier)
      WHERE m.workspace_id = $1 AND m.customer_id = u.customer_id`,
    [
      workspaceId,
      moves.map((m) => m.customerId),
      options.now,
      protect,
      options.protectionMonths,
      moves.map((m) => m.to.id),
    ],
  );
  await tx.query(
    `INSERT INTO tier_history (workspace_id, customer_id, from_tier_id, to_tier_id, reason, growth, actor_id, note, at)
     SELECT $1, u.customer_id, u.from_tier, u.to_tier, $5, u.growth, $6, $7, $8
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $9::bigint[]) AS u(customer_id, from_tier, to_tier, growth)`,
    [
      workspaceId,
      moves.map((m) => m.customerId),
      moves.map((m) => m.from.id),
      moves.map((m) => m.to.id),
      reason,
      options.actorId ?? null,
      options.note ?? null,
      options.now,
      moves.map((m) => m.growth),
    ],
  );
  await emitMany(
    tx,
    'member.tier_changed',
    moves.map((m) => ({
      customerId: m.customerId,
      fromTierId: m.from.id,
      toTierId: m.to.id,
      fromRank: m.from.rank,
      toRank: m.to.rank,
      reason,
    })),
  );
}

interface LockedMember {
  customer_id: string;
  status: string;
  tier_id: string;
  downgrade_due_at: Date | null;
}

/**
 * Upgrades a member at once when their window growth reaches a higher tier, and cancels an announced downgrade
 * once growth holds the current tier again. Called after every growth change; the caller holds the member's row.
 */
export async function reviewTier(tx: Tx, workspaceId: string, customerId: string, now: Date): Promise<void> {
  const rows = await tx.query<LockedMember>(
    `SELECT customer_id, status, tier_id, downgrade_due_at FROM members
      WHERE workspace_id = $1 AND customer_id = $2 FOR UPDATE`,
    [workspaceId, customerId],
  );
  const member = rows[0];
  if (member?.status !== 'active') return;
  const settings = await readSettings(tx, workspaceId);
  const tiers = await ladder(tx, workspaceId);
  const current = tiers.find((t) => t.id === member.tier_id) as TierRow;
  const growth = await windowGrowth(tx, workspaceId, customerId, now, settings.evaluationMonths);
  const reached = tierFor(tiers, growth);
  if (reached.rank > current.rank) {
    await moveTiers(tx, workspaceId, [{ customerId, from: current, to: reached, growth }], 'upgrade', {
      now,
      protectionMonths: settings.protectionMonths,
    });
  } else if (member.downgrade_due_at && growth >= Number(current.growth_threshold)) {
    await tx.query(
      `UPDATE members SET downgrade_due_at = NULL, downgrade_to_tier_id = NULL, updated_at = now()
        WHERE workspace_id = $1 AND customer_id = $2`,
      [workspaceId, customerId],
    );
  }
}

/** Sets a member's tier by hand (a VIP, a correction); protected like an upgrade so the schedule leaves it be. */
export async function setTierByHand(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  tierId: string,
  options: { now: Date; actorId: string; note: string },
): Promise<void> {
  const rows = await tx.query<LockedMember>(
    `SELECT customer_id, status, tier_id, downgrade_due_at FROM members
      WHERE workspace_id = $1 AND customer_id = $2 FOR UPDATE`,
    [workspaceId, customerId],
  );
  const member = rows[0];
  if (!member || member.status === 'merged') throw notFound('loyalty.member_not_found');
  const settings = await readSettings(tx, workspaceId);
  const tiers = await ladder(tx, workspaceId);
  const to = tiers.find((t) => t.id === tierId);
  if (!to) throw notFound('loyalty.tier_not_found');
  if (to.id === member.tier_id) return;
  const growth = await windowGrowth(tx, workspaceId, customerId, options.now, settings.evaluationMonths);
  await moveTiers(
    tx,
    workspaceId,
    [{ customerId, from: tiers.find((t) => t.id === member.tier_id) as TierRow, to, growth }],
    'manual',
    { now: options.now, protectionMonths: settings.protectionMonths, actorId: options.actorId, note: options.note },
  );
}

export interface EvaluationResult {
  upgraded: number;
  noticed: number;
  downgraded: number;
  recovered: number;
}

/**
 * The daily tier review of a workspace (and a review after the ladder or policy changed). For every active member
 * whose window growth no longer matches their tier:
 * - growth reaches a higher tier (thresholds were lowered): upgraded now;
 * - growth no longer holds the tier and the protection period is over: a notice first (`member.downgrade_notice`,
 *   due `noticeDays` later), then, when due and growth has not recovered, a downgrade to the tier growth holds then
 *   (at once when the notice period is 0);
 * - an announced downgrade whose member's growth holds the tier again: cancelled.
 * Set-based: one query finds who needs attention, one statement per kind of change.
 */
export async function evaluateTiers(tx: Tx, workspaceId: string, now: Date): Promise<EvaluationResult> {
  const settings = await readSettings(tx, workspaceId);
  const tiers = await ladder(tx, workspaceId);
  const byId = new Map(tiers.map((t) => [t.id, t]));
  const rows = await tx.query<{
    customer_id: string;
    tier_id: string;
    protected: boolean;
    downgrade_due_at: Date | null;
    growth: number;
  }>(
    `WITH g AS (
       SELECT customer_id, sum(amount) AS growth FROM growth_entries
        WHERE workspace_id = $1 AND at > $2::timestamptz - make_interval(months => $3::int)
        GROUP BY customer_id
     )
     SELECT m.customer_id, m.tier_id, coalesce(m.tier_protected_until > $2, false) AS protected, m.downgrade_due_at,
            coalesce(g.growth, 0)::bigint AS growth
       FROM members m
       JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
       LEFT JOIN g ON g.customer_id = m.customer_id
      WHERE m.workspace_id = $1 AND m.status = 'active'
        AND (m.downgrade_due_at IS NOT NULL
             OR t.growth_threshold > coalesce(g.growth, 0)
             OR EXISTS (SELECT 1 FROM tiers h WHERE h.workspace_id = $1 AND h.rank > t.rank
                          AND h.growth_threshold <= coalesce(g.growth, 0)))
      ORDER BY m.customer_id
        FOR UPDATE OF m`,
    [workspaceId, now, settings.evaluationMonths],
  );
  const upgrades: TierMove[] = [];
  const downgrades: TierMove[] = [];
  const notices: TierMove[] = [];
  const recovered: string[] = [];
  for (const r of rows) {
    const current = byId.get(r.tier_id) as TierRow;
    const growth = Number(r.growth);
    const reached = tierFor(tiers, growth);
    const move = { customerId: r.customer_id, from: current, to: reached, growth };
    if (reached.rank > current.rank) upgrades.push(move);
    else if (reached.rank === current.rank) {
      if (r.downgrade_due_at) recovered.push(r.customer_id);
    } else if (!r.protected) {
      if (r.downgrade_due_at && r.downgrade_due_at <= now) downgrades.push(move);
      else if (!r.downgrade_due_at) (settings.noticeDays === 0 ? downgrades : notices).push(move);
    }
  }
  const options = { now, protectionMonths: settings.protectionMonths };
  await moveTiers(tx, workspaceId, upgrades, 'upgrade', options);
  await moveTiers(tx, workspaceId, downgrades, 'downgrade', options);
  if (notices.length > 0) {
    const due = new Date(now.getTime() + settings.noticeDays * 86_400_000);
    await tx.query(
      `UPDATE members m SET downgrade_due_at = $3, downgrade_to_tier_id = u.to_tier, updated_at = now()
         FROM unnest($2::uuid[], $4::uuid[]) AS u(customer_id, to_tier)
        WHERE m.workspace_id = $1 AND m.customer_id = u.customer_id`,
      [workspaceId, notices.map((n) => n.customerId), due, notices.map((n) => n.to.id)],
    );
    await emitMany(
      tx,
      'member.downgrade_notice',
      notices.map((n) => ({
        customerId: n.customerId,
        tierId: n.from.id,
        toTierId: n.to.id,
        dueAt: due.toISOString(),
        growth: n.growth,
        requiredGrowth: Number(n.from.growth_threshold),
      })),
    );
  }
  if (recovered.length > 0) {
    await tx.query(
      `UPDATE members SET downgrade_due_at = NULL, downgrade_to_tier_id = NULL, updated_at = now()
        WHERE workspace_id = $1 AND customer_id = ANY($2::uuid[])`,
      [workspaceId, recovered],
    );
  }
  return {
    upgraded: upgrades.length,
    noticed: notices.length,
    downgraded: downgrades.length,
    recovered: recovered.length,
  };
}

/** Records a member's entry tier at joining, as the first line of their tier history. */
export async function recordJoinTier(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  tier: TierRow,
  now: Date,
  actorId: string | null,
): Promise<void> {
  await tx.query(
    `INSERT INTO tier_history (workspace_id, customer_id, from_tier_id, to_tier_id, reason, growth, actor_id, at)
     VALUES ($1, $2, NULL, $3, 'join', 0, $4, $5)`,
    [workspaceId, customerId, tier.id, actorId, now],
  );
}
