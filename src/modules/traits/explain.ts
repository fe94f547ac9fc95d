// Turns a customer's stored (or live-computed) traits into the API's answer, with a sentence for every number.
import type { CustomerTraits } from '../../contracts/traits.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import type { ClvDetail, TraitValues } from './compute.ts';

const DAY_MS = 86_400_000;
const yuan = (fen: number) => (fen / 100).toFixed(2);

export function explainTraits(
  customerId: string,
  v: TraitValues,
  computedAt: Date | null,
  now: Date,
  locale: Locale,
): CustomerTraits {
  const t = (key: string, params?: Record<string, string | number>) => translate(locale, key, params);
  const recencyDays = v.last_order_at ? Math.floor((now.getTime() - Date.parse(v.last_order_at)) / DAY_MS) : null;
  const scores =
    v.recency_score !== null && v.frequency_score !== null && v.monetary_score !== null
      ? { r: v.recency_score, f: v.frequency_score, m: v.monetary_score }
      : null;
  const explanation = scores
    ? [
        t('traits.rfm.r', { score: scores.r, days: recencyDays ?? 0 }),
        t('traits.rfm.f', { score: scores.f, count: v.frequency_365 }),
        t('traits.rfm.m', { score: scores.m, yuan: yuan(v.monetary_365_fen) }),
      ]
    : [t(v.order_count === 0 ? 'traits.rfm.no_orders' : 'traits.rfm.not_scored')];
  const clv: ClvDetail = v.clv_detail;
  return {
    customerId,
    computedAt: computedAt?.toISOString() ?? null,
    orderCount: v.order_count,
    firstOrderAt: v.first_order_at,
    lastOrderAt: v.last_order_at,
    rfm: {
      recencyDays,
      frequency: v.frequency_365,
      monetaryFen: v.monetary_365_fen,
      scores,
      group: v.rfm_group,
      groupLabel: v.rfm_group ? t(`traits.rfm_group.${v.rfm_group}`) : null,
      explanation,
    },
    lifecycle: { stage: v.lifecycle_stage, label: t(`traits.lifecycle.${v.lifecycle_stage}`) },
    clv: {
      historicFen: v.clv_historic_fen,
      predictedFen: v.clv_predicted_fen,
      totalFen: v.clv_historic_fen + v.clv_predicted_fen,
      model: clv.model,
      expectedOrders: clv.expectedOrders ?? null,
      expectedOrderValueFen: clv.expectedOrderValueFen ?? null,
      probabilityAlive: clv.probabilityAlive ?? null,
      label: t(`traits.clv.${clv.model}`, {
        orders: clv.expectedOrders ?? 0,
        value: yuan(clv.expectedOrderValueFen ?? 0),
        alive: Math.round((clv.probabilityAlive ?? 0) * 100),
      }),
    },
    churn: {
      risk: v.churn_risk,
      factors: v.churn_factors.map((f) => ({
        ...f,
        label: t(`traits.churn.${f.factor}`, {
          ...f.detail,
          ...('refundedFen' in f.detail ? { refundedYuan: yuan(f.detail.refundedFen ?? 0) } : {}),
          ...('paidFen' in f.detail ? { paidYuan: yuan(f.detail.paidFen ?? 0) } : {}),
        }),
      })),
    },
    preferredChannel: v.preferred_channel,
    activeHour: v.active_hour,
  };
}
