// Rules of the points programme and their changes. Rules are versions with the moment they take effect; the
// version in force is the latest effective one, so a change scheduled for a date starts on that date by itself.
// Once points have been issued, a change must be announced at least NOTICE_DAYS ahead, and members see it until then.
import type { PointsRules, RuleChange, RuleNotice, RulesOverview } from '../../contracts/points.ts';
import { type Queryable, sqlState, type Tx, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { conflict, notFound, unprocessable } from '../../platform/errors.ts';
/** The programme a workspace starts with (issue 4): 1 point per yuan, 100 points = 10 yuan, a year to use them. */
export const DEFAULT_RULES: PointsRules = {
  purchase: { enabled: true, fenPerPoint: 100, dailyCap: null, monthlyCap: null },
  checkIn: {
    enabled: true,
    points: 2,
    streakBonuses: [
      { day: 3, points: 5 },
      { day: 7, points: 20 },
    ],
    cycleDays: 7,
    monthlyCap: null,
  },
  invite: { enabled: true, points: 50, monthlyCap: 500 },
  interaction: { enabled: true, points: 10, dailyCap: 30, monthlyCap: null },
  task: { dailyCap: null, monthlyCap: null },
  redemption: { enabled: true, points: 100, valueFen: 1000, maxOrderSharePct: 50, minPoints: 100 },
  expiry: { months: 12 },
};

/**
 * Stored rules completed with the defaults section by section, so rules saved before a field existed still read
 * as a whole programme.
 */
export function rulesOf(stored: unknown): PointsRules {
  if (!stored || typeof stored !== 'object') return DEFAULT_RULES;
  const s = stored as Partial<Record<keyof PointsRules, object>>;
  const merged = {} as Record<string, object>;
  for (const section of Object.keys(DEFAULT_RULES) as (keyof PointsRules)[]) {
    merged[section] = { ...DEFAULT_RULES[section], ...(s[section] ?? {}) };
  }
  return merged as unknown as PointsRules;
}

/** What the schema cannot say: streak bonus days are distinct and fall inside the cycle. */
export function checkRules(rules: PointsRules): void {
  const days = rules.checkIn.streakBonuses.map((b) => b.day);
  if (new Set(days).size !== days.length) throw unprocessable('points.duplicate_streak_day');
  const cycle = rules.checkIn.cycleDays;
  if (cycle > 0 && days.some((d) => d > cycle)) throw unprocessable('points.streak_day_outside_cycle', { cycle });
}

/** The rules in force at `at` and since when (null: the defaults, nothing was ever set). */
export async function rulesAt(
  q: Queryable,
  workspaceId: string,
  at: Date,
): Promise<{ rules: PointsRules; since: Date | null }> {
  const rows = await q.query<{ rules: unknown; effective_at: Date }>(
    `SELECT rules, effective_at FROM points_rule_sets
      WHERE workspace_id = $1 AND cancelled_at IS NULL AND effective_at <= $2
      ORDER BY effective_at DESC LIMIT 1`,
    [workspaceId, at],
  );
  return { rules: rulesOf(rows[0]?.rules), since: rows[0]?.effective_at ?? null };
}

/** Days of notice a change of the rules needs once members hold points (issue 4: announced 30 days ahead). */
export const NOTICE_DAYS = 30;

interface RuleSetRow {
  id: string;
  rules: unknown;
  effective_on: string;
  effective_at: Date;
  note: string | null;
  created_by: string | null;
  created_at: Date;
  cancelled_at: Date | null;
}
const RULE_SET_COLUMNS = `id, rules, to_char(effective_on, 'YYYY-MM-DD') AS effective_on, effective_at, note, created_by,
  created_at, cancelled_at`;

/** Every version, oldest first, each with its status at `now`. */
export async function listRuleChanges(q: Queryable, workspaceId: string, now: Date): Promise<RuleChange[]> {
  const rows = await q.query<RuleSetRow>(
    `SELECT ${RULE_SET_COLUMNS} FROM points_rule_sets WHERE workspace_id = $1 ORDER BY effective_at, created_at`,
    [workspaceId],
  );
  const live = rows.filter((r) => !r.cancelled_at && r.effective_at <= now);
  const activeId = live[live.length - 1]?.id;
  return rows.map((r) => ({
    id: r.id,
    rules: rulesOf(r.rules),
    effectiveOn: r.effective_on,
    effectiveAt: r.effective_at.toISOString(),
    note: r.note,
    status: r.cancelled_at
      ? 'cancelled'
      : r.effective_at > now
        ? 'pending'
        : r.id === activeId
          ? 'active'
          : 'superseded',
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    cancelledAt: r.cancelled_at?.toISOString() ?? null,
  }));
}

/** The workspace's calendar at `now`: today and the earliest day a change may take effect. */
async function calendar(q: Queryable, workspaceId: string, now: Date) {
  const rows = await q.query<{ today: string; earliest: string; issued: boolean }>(
    `SELECT to_char(($2::timestamptz AT TIME ZONE w.timezone)::date, 'YYYY-MM-DD') AS today,
            to_char(($2::timestamptz AT TIME ZONE w.timezone)::date + $3::int, 'YYYY-MM-DD') AS earliest,
            EXISTS (SELECT 1 FROM points_transactions t WHERE t.workspace_id = w.id) AS issued
       FROM workspaces w WHERE w.id = $1`,
    [workspaceId, now, NOTICE_DAYS],
  );
  return rows[0] as { today: string; earliest: string; issued: boolean };
}

export async function rulesOverview(q: Queryable, workspaceId: string, now: Date): Promise<RulesOverview> {
  const { rules, since } = await rulesAt(q, workspaceId, now);
  const changes = await listRuleChanges(q, workspaceId, now);
  const cal = await calendar(q, workspaceId, now);
  return {
    current: rules,
    effectiveAt: since?.toISOString() ?? null,
    pending: changes.filter((c) => c.status === 'pending'),
    noticeDays: NOTICE_DAYS,
    earliestEffectiveOn: cal.earliest,
    locked: cal.issued,
  };
}

async function insertRuleSet(
  tx: Tx,
  workspaceId: string,
  input: { rules: PointsRules; effectiveOn: string | null; note: string | null; createdBy: string; now: Date },
): Promise<RuleSetRow> {
  try {
    const rows = await tx.query<RuleSetRow>(
      `INSERT INTO points_rule_sets (workspace_id, rules, effective_on, effective_at, note, created_by, created_at)
       SELECT $1, $2::jsonb, coalesce($3::date, ($6::timestamptz AT TIME ZONE w.timezone)::date),
              coalesce(($3::date)::timestamp AT TIME ZONE w.timezone, $6), $4, $5, $6
         FROM workspaces w WHERE w.id = $1
       RETURNING ${RULE_SET_COLUMNS}`,
      [workspaceId, JSON.stringify(input.rules), input.effectiveOn, input.note, input.createdBy, input.now],
    );
    return rows[0] as RuleSetRow;
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw conflict('points.rule_change_exists', { date: input.effectiveOn ?? '' });
    }
    throw err;
  }
}

/**
 * Sets the rules at once. Only while no points have been issued: after that a change would alter the value of
 * points members already hold without notice, so it must be scheduled.
 */
export async function setRulesNow(tx: Tx, workspaceId: string, rules: PointsRules, createdBy: string, now: Date) {
  checkRules(rules);
  const cal = await calendar(tx, workspaceId, now);
  if (cal.issued) throw conflict('points.rules_locked', { days: NOTICE_DAYS, earliest: cal.earliest });
  await insertRuleSet(tx, workspaceId, { rules, effectiveOn: null, note: null, createdBy, now });
  return rulesOverview(tx, workspaceId, now);
}

/** Schedules new rules for a day at least NOTICE_DAYS ahead (in the workspace's time zone). */
export async function scheduleRuleChange(
  tx: Tx,
  workspaceId: string,
  input: { rules: PointsRules; effectiveOn: string; note?: string | undefined },
  createdBy: string,
  now: Date,
): Promise<RuleChange> {
  checkRules(input.rules);
  const cal = await calendar(tx, workspaceId, now);
  if (Number.isNaN(Date.parse(`${input.effectiveOn}T00:00:00Z`))) {
    throw unprocessable('points.invalid_date', { date: input.effectiveOn });
  }
  // ISO dates compare as text.
  if (input.effectiveOn < cal.earliest) {
    throw unprocessable('points.rule_change_too_soon', { days: NOTICE_DAYS, earliest: cal.earliest });
  }
  const row = await insertRuleSet(tx, workspaceId, {
    rules: input.rules,
    effectiveOn: input.effectiveOn,
    note: input.note?.trim() || null,
    createdBy,
    now,
  });
  const all = await listRuleChanges(tx, workspaceId, now);
  return all.find((c) => c.id === row.id) as RuleChange;
}

/** Withdraws a change that has not taken effect yet. */
export async function cancelRuleChange(tx: Tx, workspaceId: string, id: string, now: Date): Promise<RuleChange> {
  const rows = await tx.query<{ effective_at: Date; cancelled_at: Date | null }>(
    'SELECT effective_at, cancelled_at FROM points_rule_sets WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
    [workspaceId, id],
  );
  const row = rows[0];
  if (!row) throw notFound('points.rule_change_not_found');
  if (row.cancelled_at || row.effective_at <= now) throw conflict('points.rule_change_not_pending');
  await tx.query('UPDATE points_rule_sets SET cancelled_at = $3 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    id,
    now,
  ]);
  const all = await listRuleChanges(tx, workspaceId, now);
  return all.find((c) => c.id === id) as RuleChange;
}

/**
 * The changes members are to be told about: those not yet in force, each with the rules it replaces. The H5's
 * notice board reads this (through `GET /api/points/notices?ws=…`, or the member routes).
 */
export async function pendingRuleNotices(q: Queryable, workspaceId: string, now: Date): Promise<RuleNotice[]> {
  const changes = (await listRuleChanges(q, workspaceId, now)).filter((c) => c.status !== 'cancelled');
  let previous = (await rulesAt(q, workspaceId, now)).rules;
  const notices: RuleNotice[] = [];
  for (const c of changes) {
    if (c.status !== 'pending') continue;
    notices.push({ id: c.id, effectiveOn: c.effectiveOn, note: c.note, rules: c.rules, previous });
    previous = c.rules;
  }
  return notices;
}
