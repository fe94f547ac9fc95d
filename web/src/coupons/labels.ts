// Value lists the coupon pages label through i18n and the colours their tags use. The contract's runtime arrays
// stay out of the browser bundle (they would bring TypeBox), so the lists are typed against the contract instead.
import type {
  CouponKind,
  CouponSource,
  CouponStatus,
  IssuanceState,
  RuleTrigger,
  TemplateStatus,
} from '../../../src/contracts/coupons.ts';

// Records force exactly one entry per member of each union: the contract gaining a value breaks this file.
const templateStatusColor: Record<TemplateStatus, string> = {
  draft: 'default',
  active: 'green',
  paused: 'orange',
  ended: 'red',
};
const couponStatusColor: Record<CouponStatus, string> = {
  available: 'green',
  redeemed: 'blue',
  expired: 'default',
  void: 'red',
};
const kindColor: Record<CouponKind, string> = {
  amount_off: 'volcano',
  percent_off: 'magenta',
  gift: 'gold',
  free_shipping: 'cyan',
};
const sourceOrder: Record<CouponSource, number> = {
  manual: 0,
  segment: 1,
  rule: 2,
  reward: 3,
  campaign: 4,
  journey: 5,
};
const triggerOrder: Record<RuleTrigger, number> = {
  'member.joined': 0,
  'member.tier_changed': 1,
  'order.paid': 2,
  'segment.entered': 3,
};
const issuanceStateColor: Record<IssuanceState, string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
};

export const TEMPLATE_STATUSES = Object.keys(templateStatusColor) as TemplateStatus[];
export const COUPON_STATUSES = Object.keys(couponStatusColor) as CouponStatus[];
export const COUPON_KINDS = Object.keys(kindColor) as CouponKind[];
export const COUPON_SOURCES = Object.keys(sourceOrder) as CouponSource[];
export const RULE_TRIGGERS = Object.keys(triggerOrder) as RuleTrigger[];

export const templateStatusTag = (s: TemplateStatus) => templateStatusColor[s];
export const couponStatusTag = (s: CouponStatus) => couponStatusColor[s];
export const kindTag = (k: CouponKind) => kindColor[k];
export const issuanceStateTag = (s: IssuanceState) => issuanceStateColor[s];

/** Fen as the console shows money: ¥12.50. */
export const money = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
