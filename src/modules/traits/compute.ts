// Computing traits: one set-based query gathers every customer's order and event aggregates, the models (rfm.ts,
// lifecycle.ts, clv-model.ts, churn.ts) turn them into traits in JS, and rows that changed are upserted in chunks
// with one `traits.changed` event each. The full recompute also refreshes the workspace's RFM cut points and CLV
// model; the incremental path scores single customers against the stored ones, so both give the same answer.
import type { Db, Tx } from '../../platform/db/index.ts';
import { emitMany, packedEmitSql } from '../../platform/jobs/index.ts';
import { type ChurnFactor, churnRisk } from './churn.ts';
import {
  type BgNbdParams,
  expectedOrderValue,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  type GammaGammaParams,
  probabilityAlive,
  type Rfm,
} from './clv-model.ts';
import { type LifecycleThresholds, lifecycleStage, lifecycleThresholds } from './lifecycle.ts';
import { computeRfmCuts, type RfmCuts, type RfmValues, rfmGroup, scoreRfm } from './rfm.ts';

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;
/** 12 months in weeks, the horizon of the predicted CLV. */
const HORIZON_WEEKS = 365 / WEEK_DAYS;
/** Fewer repeat buyers than this and the model is not fitted (the estimates would be noise). */
export const MIN_REPEAT_CUSTOMERS = 50;
/** Largest sample the model is fitted on; the likelihood is a sum, so a systematic sample estimates it well. */
const FIT_SAMPLE = 20_000;
const UPSERT_CHUNK = 1000;

export interface Aggregate {
  customer_id: string;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  order_count: number;
  spend_fen: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
  frequency_365: number;
  monetary_365: number;
  orders_last_90: number;
  orders_prior_90: number;
  paid_365: number;
  refunded_365: number;
  events_30: number;
  last_event_at: Date | null;
  preferred_channel: string | null;
  active_hour: number | null;
}

// Purchases are paid and partially refunded orders; fully refunded ones count only in money (their net is what
// was kept). Touches (channel, hour) are every event and order of the last 180 days.
const AGGREGATES_SQL = `
WITH scope AS (
  SELECT id, first_seen_at, last_seen_at FROM customers
   WHERE workspace_id = $1 AND merged_into IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))
),
o AS (
  SELECT o.customer_id,
         count(*) FILTER (WHERE o.status <> 'refunded')::int AS order_count,
         sum(o.paid_fen - o.refunded_fen)::bigint AS spend_fen,
         min(o.placed_at) FILTER (WHERE o.status <> 'refunded') AS first_order_at,
         max(o.placed_at) FILTER (WHERE o.status <> 'refunded') AS last_order_at,
         count(*) FILTER (WHERE o.status <> 'refunded' AND o.placed_at > $2::timestamptz - interval '365 days')::int
           AS frequency_365,
         coalesce(sum(o.paid_fen - o.refunded_fen) FILTER (WHERE o.placed_at > $2::timestamptz - interval '365 days'),
                  0)::bigint AS monetary_365,
         count(*) FILTER (WHERE o.status <> 'refunded' AND o.placed_at > $2::timestamptz - interval '90 days')::int
           AS orders_last_90,
         count(*) FILTER (WHERE o.status <> 'refunded' AND o.placed_at > $2::timestamptz - interval '180 days'
                                AND o.placed_at <= $2::timestamptz - interval '90 days')::int AS orders_prior_90,
         coalesce(sum(o.paid_fen) FILTER (WHERE o.placed_at > $2::timestamptz - interval '365 days'), 0)::bigint
           AS paid_365,
         coalesce(sum(o.refunded_fen) FILTER (WHERE o.placed_at > $2::timestamptz - interval '365 days'), 0)::bigint
           AS refunded_365
    FROM orders o JOIN scope s ON s.id = o.customer_id
   WHERE o.workspace_id = $1 AND o.placed_at <= $2 AND o.status IN ('paid', 'partially_refunded', 'refunded')
   GROUP BY o.customer_id
),
e AS (
  SELECT e.customer_id, max(e.occurred_at) AS last_event_at,
         count(*) FILTER (WHERE e.occurred_at > $2::timestamptz - interval '30 days')::int AS events_30
    FROM events e JOIN scope s ON s.id = e.customer_id
   WHERE e.workspace_id = $1 AND e.occurred_at <= $2
   GROUP BY e.customer_id
),
touches AS (
  SELECT e.customer_id, e.channel, e.occurred_at AS at
    FROM events e JOIN scope s ON s.id = e.customer_id
   WHERE e.workspace_id = $1 AND e.occurred_at > $2::timestamptz - interval '180 days' AND e.occurred_at <= $2
  UNION ALL
  SELECT o.customer_id, o.channel, o.placed_at
    FROM orders o JOIN scope s ON s.id = o.customer_id
   WHERE o.workspace_id = $1 AND o.placed_at > $2::timestamptz - interval '180 days' AND o.placed_at <= $2
),
ch AS (
  SELECT DISTINCT ON (customer_id) customer_id, channel
    FROM (SELECT customer_id, channel, count(*) AS n, max(at) AS latest FROM touches
           WHERE channel IS NOT NULL GROUP BY customer_id, channel) x
   ORDER BY customer_id, n DESC, latest DESC, channel
),
hr AS (
  SELECT DISTINCT ON (customer_id) customer_id, hour
    FROM (SELECT customer_id,
                 extract(hour FROM at AT TIME ZONE (SELECT timezone FROM workspaces WHERE id = $1))::int AS hour,
                 count(*) AS n
            FROM touches GROUP BY 1, 2) x
   ORDER BY customer_id, n DESC, hour
)
SELECT s.id AS customer_id, s.first_seen_at, s.last_seen_at,
       coalesce(o.order_count, 0) AS order_count, coalesce(o.spend_fen, 0)::bigint AS spend_fen,
       o.first_order_at, o.last_order_at,
       coalesce(o.frequency_365, 0) AS frequency_365, coalesce(o.monetary_365, 0)::bigint AS monetary_365,
       coalesce(o.orders_last_90, 0) AS orders_last_90, coalesce(o.orders_prior_90, 0) AS orders_prior_90,
       coalesce(o.paid_365, 0)::bigint AS paid_365, coalesce(o.refunded_365, 0)::bigint AS refunded_365,
       coalesce(e.events_30, 0) AS events_30, e.last_event_at,
       ch.channel AS preferred_channel, hr.hour AS active_hour
  FROM scope s
  LEFT JOIN o ON o.customer_id = s.id
  LEFT JOIN e ON e.customer_id = s.id
  LEFT JOIN ch ON ch.customer_id = s.id
  LEFT JOIN hr ON hr.customer_id = s.id
 ORDER BY s.id`;

export function loadAggregates(tx: Tx, workspaceId: string, now: Date, customerIds: string[] | null) {
  return tx.query<Aggregate>(AGGREGATES_SQL, [workspaceId, now, customerIds]);
}

export type ClvModel =
  | {
      kind: 'bgnbd';
      bgnbd: BgNbdParams;
      gammaGamma: GammaGammaParams | null;
      buyers: number;
      repeatBuyers: number;
      fittedAt: string;
    }
  | { kind: 'average'; buyers: number; repeatBuyers: number };

export interface TraitSettings {
  lifecycle: LifecycleThresholds;
  rfmCuts: RfmCuts | null;
  clvModel: ClvModel | null;
  recomputedAt: Date | null;
}

export async function loadSettings(tx: Tx, workspaceId: string): Promise<TraitSettings> {
  const rows = await tx.query<{
    lifecycle: unknown;
    rfm_cuts: unknown;
    clv_model: unknown;
    recomputed_at: Date | null;
  }>('SELECT lifecycle, rfm_cuts, clv_model, recomputed_at FROM trait_settings WHERE workspace_id = $1', [workspaceId]);
  const row = rows[0];
  const cuts = row?.rfm_cuts as RfmCuts | undefined;
  const model = row?.clv_model as ClvModel | undefined;
  return {
    lifecycle: lifecycleThresholds(row?.lifecycle),
    rfmCuts: cuts && Array.isArray(cuts.recency) && cuts.recency.length === 4 ? cuts : null,
    clvModel: model && 'kind' in model ? model : null,
    recomputedAt: row?.recomputed_at ?? null,
  };
}

const days = (now: Date, at: Date | null) => (at ? (now.getTime() - at.getTime()) / DAY_MS : null);

function rfmValuesOf(a: Aggregate, now: Date): RfmValues | null {
  if (a.order_count === 0 || !a.last_order_at) return null;
  return {
    recencyDays: Math.floor(days(now, a.last_order_at) as number),
    frequency: a.frequency_365,
    monetaryFen: a.monetary_365,
  };
}

function bgnbdInput(a: Aggregate, now: Date): Rfm | null {
  if (a.order_count === 0 || !a.first_order_at || !a.last_order_at) return null;
  return {
    x: a.order_count - 1,
    tx: (a.last_order_at.getTime() - a.first_order_at.getTime()) / DAY_MS / WEEK_DAYS,
    T: (now.getTime() - a.first_order_at.getTime()) / DAY_MS / WEEK_DAYS,
  };
}

/**
 * Fits BG/NBD (and Gamma-Gamma for order values) on the workspace's buyers, or settles for the historic average
 * when there are too few repeat buyers or the fit is unusable.
 */
export function fitClvModel(aggregates: readonly Aggregate[], now: Date): ClvModel {
  const buyers = aggregates.filter((a) => a.order_count > 0);
  const repeat = buyers.filter((a) => a.order_count > 1);
  const average: ClvModel = { kind: 'average', buyers: buyers.length, repeatBuyers: repeat.length };
  if (repeat.length < MIN_REPEAT_CUSTOMERS) return average;
  const stride = Math.max(1, Math.ceil(buyers.length / FIT_SAMPLE));
  const sample = buyers.filter((_, i) => i % stride === 0);
  const bgnbd = fitBgNbd(sample.map((a) => bgnbdInput(a, now) as Rfm));
  const usable = [bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b].every(Number.isFinite) && Math.abs(bgnbd.a - 1) > 1e-3;
  if (!usable) return average;
  const spend = repeat
    .filter((_, i) => i % stride === 0)
    .filter((a) => a.spend_fen > 0)
    .map((a) => ({ frequency: a.order_count, meanValue: a.spend_fen / a.order_count }));
  const gg = spend.length >= MIN_REPEAT_CUSTOMERS ? fitGammaGamma(spend) : null;
  return {
    kind: 'bgnbd',
    bgnbd: { r: bgnbd.r, alpha: bgnbd.alpha, a: bgnbd.a, b: bgnbd.b },
    // Gamma-Gamma has no finite mean with q ≤ 1; the customer's own average order value is used then.
    gammaGamma: gg && gg.q > 1 && Number.isFinite(gg.gamma) ? { p: gg.p, q: gg.q, gamma: gg.gamma } : null,
    buyers: buyers.length,
    repeatBuyers: repeat.length,
    fittedAt: now.toISOString(),
  };
}

export interface ClvDetail {
  model: 'bgnbd' | 'average' | 'none';
  expectedOrders?: number;
  expectedOrderValueFen?: number;
  probabilityAlive?: number;
}

function predictClv(a: Aggregate, now: Date, model: ClvModel | null): { fen: number; detail: ClvDetail } {
  const input = bgnbdInput(a, now);
  if (!input) return { fen: 0, detail: { model: 'none' } };
  const ownMean = a.spend_fen / a.order_count;
  if (model?.kind === 'bgnbd') {
    const orders = expectedPurchases(model.bgnbd, input, HORIZON_WEEKS);
    const value =
      model.gammaGamma && ownMean > 0
        ? expectedOrderValue(model.gammaGamma, { frequency: a.order_count, meanValue: ownMean })
        : Math.max(0, ownMean);
    return {
      fen: Math.max(0, Math.round(orders * value)),
      detail: {
        model: 'bgnbd',
        expectedOrders: Math.round(orders * 1000) / 1000,
        expectedOrderValueFen: Math.round(value),
        probabilityAlive: Math.round(probabilityAlive(model.bgnbd, input) * 1000) / 1000,
      },
    };
  }
  // Historic average: what the customer spent per year as a customer, a year counting at least as one.
  const years = Math.max(1, input.T / (365 / WEEK_DAYS));
  return {
    fen: Math.max(0, Math.round(a.spend_fen / years)),
    detail: { model: 'average', expectedOrders: Math.round((a.order_count / years) * 1000) / 1000 },
  };
}

/** A customer_traits row as stored (times as ISO strings, so rows compare and serialise alike). */
export interface TraitValues {
  order_count: number;
  spend_fen: number;
  first_order_at: string | null;
  last_order_at: string | null;
  frequency_365: number;
  monetary_365_fen: number;
  recency_score: number | null;
  frequency_score: number | null;
  monetary_score: number | null;
  rfm_group: string | null;
  lifecycle_stage: string;
  clv_historic_fen: number;
  clv_predicted_fen: number;
  clv_detail: ClvDetail;
  churn_risk: number;
  churn_factors: ChurnFactor[];
  preferred_channel: string | null;
  active_hour: number | null;
}

export function computeTraits(a: Aggregate, now: Date, settings: TraitSettings): TraitValues {
  const rfm = rfmValuesOf(a, now);
  const scores = rfm && settings.rfmCuts ? scoreRfm(rfm, settings.rfmCuts) : null;
  const clv = predictClv(a, now, settings.clvModel);
  const churn = churnRisk({
    orderCount: a.order_count,
    daysSinceLastOrder: days(now, a.last_order_at),
    meanIntervalDays:
      a.order_count > 1 && a.first_order_at && a.last_order_at
        ? (a.last_order_at.getTime() - a.first_order_at.getTime()) / DAY_MS / (a.order_count - 1)
        : null,
    ordersLast90: a.orders_last_90,
    ordersPrior90: a.orders_prior_90,
    paidFen365: a.paid_365,
    refundedFen365: a.refunded_365,
    events30: a.events_30,
    daysSinceLastEvent: days(now, a.last_event_at),
  });
  return {
    order_count: a.order_count,
    spend_fen: a.spend_fen,
    first_order_at: a.first_order_at?.toISOString() ?? null,
    last_order_at: a.last_order_at?.toISOString() ?? null,
    frequency_365: a.frequency_365,
    monetary_365_fen: a.monetary_365,
    recency_score: scores?.r ?? null,
    frequency_score: scores?.f ?? null,
    monetary_score: scores?.m ?? null,
    rfm_group: scores && settings.rfmCuts ? rfmGroup(scores, settings.rfmCuts.means) : null,
    lifecycle_stage: lifecycleStage(
      {
        orderCount: a.order_count,
        daysSinceLastOrder: days(now, a.last_order_at),
        daysSinceFirstSeen: days(now, a.first_seen_at),
        daysSinceLastSeen: days(now, a.last_seen_at),
      },
      settings.lifecycle,
    ),
    clv_historic_fen: Math.max(0, a.spend_fen),
    clv_predicted_fen: clv.fen,
    clv_detail: clv.detail,
    churn_risk: churn.risk,
    churn_factors: churn.factors,
    preferred_channel: a.preferred_channel,
    active_hour: a.active_hour,
  };
}

/** What `traits.changed` reports, by the names the rest of the platform uses. */
const PUBLIC_FIELDS: Record<string, keyof TraitValues> = {
  orderCount: 'order_count',
  spendFen: 'spend_fen',
  recencyScore: 'recency_score',
  frequencyScore: 'frequency_score',
  monetaryScore: 'monetary_score',
  rfmGroup: 'rfm_group',
  lifecycleStage: 'lifecycle_stage',
  clvHistoricFen: 'clv_historic_fen',
  clvPredictedFen: 'clv_predicted_fen',
  churnRisk: 'churn_risk',
  preferredChannel: 'preferred_channel',
  activeHour: 'active_hour',
};

const STORED = `order_count, spend_fen, first_order_at, last_order_at, frequency_365, monetary_365_fen, recency_score,
  frequency_score, monetary_score, rfm_group, lifecycle_stage, clv_historic_fen, clv_predicted_fen, clv_detail,
  churn_risk, churn_factors, preferred_channel, active_hour`;
const STORED_COLUMNS = STORED.split(',').map((c) => c.trim());

type StoredRow = Omit<TraitValues, 'first_order_at' | 'last_order_at'> & {
  customer_id: string;
  first_order_at: Date | null;
  last_order_at: Date | null;
};

async function loadStored(tx: Tx, workspaceId: string, ids: string[] | null): Promise<Map<string, TraitValues>> {
  const rows = await tx.query<StoredRow>(
    `SELECT customer_id, ${STORED} FROM customer_traits
      WHERE workspace_id = $1 AND ($2::uuid[] IS NULL OR customer_id = ANY($2::uuid[]))`,
    [workspaceId, ids],
  );
  return new Map(
    rows.map(({ customer_id, ...r }) => [
      customer_id,
      {
        ...r,
        first_order_at: r.first_order_at?.toISOString() ?? null,
        last_order_at: r.last_order_at?.toISOString() ?? null,
      },
    ]),
  );
}

// jsonb does not keep key order, so values compare with their keys sorted.
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/**
 * Writes the rows whose values differ from what is stored and emits one `traits.changed` per customer whose
 * public traits moved. Returns the number of customers whose traits changed.
 */
async function writeChanges(
  tx: Tx,
  workspaceId: string,
  computed: readonly [string, TraitValues][],
  stored: Map<string, TraitValues>,
  now: Date,
): Promise<number> {
  const rows: (TraitValues & { customer_id: string })[] = [];
  const events: { customerId: string; changed: Record<string, unknown> }[] = [];
  for (const [customerId, values] of computed) {
    const before = stored.get(customerId);
    if (before && STORED_COLUMNS.every((c) => same(before[c as keyof TraitValues], values[c as keyof TraitValues]))) {
      continue;
    }
    rows.push({ customer_id: customerId, ...values });
    const changed: Record<string, unknown> = {};
    for (const [name, column] of Object.entries(PUBLIC_FIELDS)) {
      if (!before || !same(before[column], values[column])) changed[name] = values[column];
    }
    if (Object.keys(changed).length > 0) events.push({ customerId, changed });
  }
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await tx.query(
      `INSERT INTO customer_traits (workspace_id, customer_id, ${STORED}, computed_at)
       SELECT $1, r.customer_id, ${STORED}, $3 FROM jsonb_to_recordset($2::jsonb) AS r (
         customer_id uuid, order_count int, spend_fen bigint, first_order_at timestamptz, last_order_at timestamptz,
         frequency_365 int, monetary_365_fen bigint, recency_score smallint, frequency_score smallint,
         monetary_score smallint, rfm_group text, lifecycle_stage text, clv_historic_fen bigint,
         clv_predicted_fen bigint, clv_detail jsonb, churn_risk smallint, churn_factors jsonb,
         preferred_channel text, active_hour smallint)
       ON CONFLICT (workspace_id, customer_id) DO UPDATE SET
         ${STORED_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, computed_at = EXCLUDED.computed_at`,
      [workspaceId, JSON.stringify(rows.slice(i, i + UPSERT_CHUNK)), now],
    );
  }
  for (let i = 0; i < events.length; i += UPSERT_CHUNK) {
    await emitMany(tx, 'traits.changed', events.slice(i, i + UPSERT_CHUNK));
  }
  return events.length;
}

export interface RecomputeResult {
  customers: number;
  changed: number;
  rfmCuts: RfmCuts | null;
  clvModel: ClvModel;
}

/** Customers the full recompute computes, compares and writes per statement. */
const RECOMPUTE_CHUNK = 5000;

/** Each stored column with its SQL type, as the computed rows carry them into the statement. */
const STORED_TYPES: [keyof TraitValues, string][] = [
  ['order_count', 'int'],
  ['spend_fen', 'bigint'],
  ['first_order_at', 'timestamptz'],
  ['last_order_at', 'timestamptz'],
  ['frequency_365', 'int'],
  ['monetary_365_fen', 'bigint'],
  ['recency_score', 'smallint'],
  ['frequency_score', 'smallint'],
  ['monetary_score', 'smallint'],
  ['rfm_group', 'text'],
  ['lifecycle_stage', 'text'],
  ['clv_historic_fen', 'bigint'],
  ['clv_predicted_fen', 'bigint'],
  ['clv_detail', 'jsonb'],
  ['churn_risk', 'smallint'],
  ['churn_factors', 'jsonb'],
  ['preferred_channel', 'text'],
  ['active_hour', 'smallint'],
];

/**
 * One statement per chunk of the full recompute: the computed rows arrive as one JSON document (arrays of
 * JSON strings as text[] parameters cost node-postgres more to escape than the database to write), the
 * `traits.changed` payloads are built against the rows stored before (every sub-statement sees the same snapshot)
 * and packed into the outbox by the same statement, and only rows that differ are written. Compares as
 * `writeChanges` does, in SQL, so a million customers are not round-tripped through JavaScript objects twice.
 */
function recomputeSql(announce: boolean): string {
  const fresh = `fresh AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb)
    AS f (customer_id uuid, ${STORED_TYPES.map(([column, type]) => `${column} ${type}`).join(', ')})
)`;
  const written = `written AS (
  INSERT INTO customer_traits AS t (workspace_id, customer_id, ${STORED}, computed_at)
  SELECT $1, customer_id, ${STORED}, $3 FROM fresh
  ON CONFLICT (workspace_id, customer_id) DO UPDATE SET
    ${STORED_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, computed_at = EXCLUDED.computed_at
  WHERE (${STORED_COLUMNS.map((c) => `t.${c}`).join(', ')})
        IS DISTINCT FROM (${STORED_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})
  RETURNING 1
)`;
  if (!announce) return `WITH ${fresh}, ${written} SELECT count(*)::int AS n FROM written`;
  return `
WITH ${fresh},
changes AS (
  SELECT f.customer_id,
         ${Object.entries(PUBLIC_FIELDS)
           .map(
             ([name, column]) =>
               `CASE WHEN t.customer_id IS NULL OR t.${column} IS DISTINCT FROM f.${column}
                     THEN jsonb_build_object('${name}', f.${column}) ELSE '{}' END`,
           )
           .join(' || ')} AS changed
    FROM fresh f
    LEFT JOIN customer_traits t ON t.workspace_id = $1 AND t.customer_id = f.customer_id
),
${written},
moved AS (SELECT customer_id, changed FROM changes WHERE changed <> '{}'),
${packedEmitSql('announced', 'traits.changed', 'moved', `jsonb_build_object('customerId', customer_id, 'changed', changed)`, '$1')}
SELECT count(*)::int AS n, (SELECT count(*) FROM announced_notified) AS notified FROM moved`;
}
const RECOMPUTE_SQL = { announced: recomputeSql(true), quiet: recomputeSql(false) };

/**
 * Computes, compares and writes every customer's traits chunk by chunk; with `announce`, emits one
 * `traits.changed` per customer whose public traits moved and returns how many did, else how many rows changed.
 */
async function writeAllTraits(
  tx: Tx,
  workspaceId: string,
  aggregates: readonly Aggregate[],
  settings: TraitSettings,
  now: Date,
  announce: boolean,
): Promise<number> {
  let changed = 0;
  for (let i = 0; i < aggregates.length; i += RECOMPUTE_CHUNK) {
    const rows = aggregates.slice(i, i + RECOMPUTE_CHUNK).map((a) => ({
      customer_id: a.customer_id,
      ...computeTraits(a, now, settings),
    }));
    const [result] = await tx.query<{ n: number }>(announce ? RECOMPUTE_SQL.announced : RECOMPUTE_SQL.quiet, [
      workspaceId,
      JSON.stringify(rows),
      now,
    ]);
    changed += result?.n ?? 0;
  }
  return changed;
}

/**
 * The full recompute inside one tenant transaction (what the nightly job and the recompute job run). `announce`
 * false skips the `traits.changed` events: for a workspace whose history was bulk-loaded without domain events
 * (the demo), where nothing listens yet and a million announcements would only be work for the workers.
 */
export async function recomputeInTx(
  tx: Tx,
  workspaceId: string,
  now: Date,
  options: { announce?: boolean } = {},
): Promise<RecomputeResult> {
  const settings = await loadSettings(tx, workspaceId);
  const aggregates = await loadAggregates(tx, workspaceId, now, null);
  const rfmValues = aggregates.map((a) => rfmValuesOf(a, now)).filter((v): v is RfmValues => v !== null);
  const rfmCuts = computeRfmCuts(rfmValues);
  const clvModel = fitClvModel(aggregates, now);
  const fresh: TraitSettings = { ...settings, rfmCuts, clvModel };
  const changed = await writeAllTraits(tx, workspaceId, aggregates, fresh, now, options.announce ?? true);
  // Profiles merged away since the last run keep no traits of their own.
  await tx.query(
    `DELETE FROM customer_traits t USING customers c
      WHERE t.workspace_id = $1 AND c.workspace_id = $1 AND c.id = t.customer_id AND c.merged_into IS NOT NULL`,
    [workspaceId],
  );
  await tx.query(
    `INSERT INTO trait_settings (workspace_id, rfm_cuts, clv_model, recomputed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id) DO UPDATE
       SET rfm_cuts = EXCLUDED.rfm_cuts, clv_model = EXCLUDED.clv_model, recomputed_at = EXCLUDED.recomputed_at`,
    [workspaceId, JSON.stringify(rfmCuts ?? {}), JSON.stringify(clvModel), now],
  );
  return { customers: aggregates.length, changed, rfmCuts, clvModel };
}

/** Recomputes every customer's traits of a workspace, refitting the RFM cut points and the CLV model. */
export function recomputeWorkspace(
  db: Db,
  workspaceId: string,
  now: Date,
  options: { announce?: boolean } = {},
): Promise<RecomputeResult> {
  return db.tenant(workspaceId, (tx) => recomputeInTx(tx, workspaceId, now, options));
}

/**
 * Brings a few customers' traits up to date against the stored cut points and model (the incremental path);
 * customers merged away lose their row. Returns how many customers' traits changed.
 */
export async function updateCustomerTraits(
  tx: Tx,
  workspaceId: string,
  customerIds: readonly string[],
  now: Date,
): Promise<number> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return 0;
  const settings = await loadSettings(tx, workspaceId);
  const aggregates = await loadAggregates(tx, workspaceId, now, ids);
  const computed = aggregates.map((a) => [a.customer_id, computeTraits(a, now, settings)] as [string, TraitValues]);
  const stored = await loadStored(tx, workspaceId, ids);
  const current = new Set(aggregates.map((a) => a.customer_id));
  const gone = ids.filter((id) => !current.has(id) && stored.has(id));
  if (gone.length > 0) {
    await tx.query('DELETE FROM customer_traits WHERE workspace_id = $1 AND customer_id = ANY($2::uuid[])', [
      workspaceId,
      gone,
    ]);
  }
  return writeChanges(tx, workspaceId, computed, stored, now);
}

/** A customer's stored traits, or computed live (not stored) when the customer has no row yet. */
export async function readCustomerTraits(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  now: Date,
): Promise<{ values: TraitValues; computedAt: Date | null }> {
  const stored = await loadStored(tx, workspaceId, [customerId]);
  const values = stored.get(customerId);
  if (values) {
    const rows = await tx.query<{ computed_at: Date }>(
      'SELECT computed_at FROM customer_traits WHERE workspace_id = $1 AND customer_id = $2',
      [workspaceId, customerId],
    );
    return { values, computedAt: rows[0]?.computed_at ?? null };
  }
  const [aggregate] = await loadAggregates(tx, workspaceId, now, [customerId]);
  if (!aggregate) throw new Error(`customer ${customerId} has no aggregate row`);
  return { values: computeTraits(aggregate, now, await loadSettings(tx, workspaceId)), computedAt: null };
}
