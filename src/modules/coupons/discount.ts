// What a coupon is worth on one order, and every reason it may not apply: pure arithmetic over integers of fen,
// shared by validate and redeem so the till sees exactly the discount that will be recorded.

export type CouponKind = 'amount_off' | 'percent_off' | 'gift' | 'free_shipping';

/** The parts of a template the arithmetic needs. */
export interface DiscountTerms {
  kind: CouponKind;
  amountOffFen: number | null;
  percentOffBp: number | null;
  maxDiscountFen: number | null;
  minSpendFen: number;
  giftSku: string | null;
  giftName: string | null;
  scope: { skus: string[]; categories: string[]; channels: string[]; stores: string[] };
}

export interface CheckoutItem {
  sku: string;
  category?: string | null;
  quantity: number;
  unitPriceFen: number;
}

export interface Checkout {
  orderAmountFen: number;
  items?: CheckoutItem[] | undefined;
  channel?: string | undefined;
  store?: string | undefined;
  shippingFen?: number | undefined;
}

/** A reason the coupon does not apply: the error code (messages in the locale files) and its parameters. */
export interface Refusal {
  code: string;
  params?: Record<string, string | number>;
}

export interface Worth {
  /** The amount the coupon's conditions and discount are measured on: the applicable items, or the whole order. */
  eligibleFen: number;
  discountFen: number;
  gift: { sku: string; name: string } | null;
  freeShipping: boolean;
  refusals: Refusal[];
}

/** Whether the template limits which items count (by SKU or category). */
export const limitsItems = (t: DiscountTerms) => t.scope.skus.length > 0 || t.scope.categories.length > 0;

/**
 * The part of the order the coupon applies to. Without an item scope, the order amount as the till sends it
 * (which may already include other discounts the till applied first). With one, the sum of matching lines:
 * quantity × unit price, computed in BigInt because the product of two large integers may pass 2^53.
 */
export function eligibleAmount(t: DiscountTerms, checkout: Checkout): number | null {
  if (!limitsItems(t)) return checkout.orderAmountFen;
  if (!checkout.items) return null;
  const skus = new Set(t.scope.skus);
  const categories = new Set(t.scope.categories);
  let sum = 0n;
  for (const item of checkout.items) {
    if (skus.has(item.sku) || (item.category != null && categories.has(item.category))) {
      sum += BigInt(item.quantity) * BigInt(item.unitPriceFen);
    }
  }
  // Never more than the order itself: the items may be listed at list price before the till's own discounts.
  return Number(sum < BigInt(checkout.orderAmountFen) ? sum : BigInt(checkout.orderAmountFen));
}

/**
 * Percentage discounts round down to the fen (floor): the member never gets more than the stated rate, and every
 * client computing `eligible × bp ÷ 10000` in integers gets the same answer. 8.5折 on ¥9.99 takes 149 fen off
 * (not 149.85), so ¥8.50 is paid. The cap applies after rounding.
 */
export function percentDiscount(eligibleFen: number, percentOffBp: number, maxDiscountFen: number | null): number {
  const raw = Number((BigInt(eligibleFen) * BigInt(percentOffBp)) / 10_000n);
  return maxDiscountFen === null ? raw : Math.min(raw, maxDiscountFen);
}

/** The coupon's worth on this checkout, with every scope and threshold reason it does not apply. */
export function worth(t: DiscountTerms, checkout: Checkout): Worth {
  const refusals: Refusal[] = [];
  if (t.scope.channels.length > 0 && !(checkout.channel && t.scope.channels.includes(checkout.channel))) {
    refusals.push({ code: 'coupon.channel_not_applicable', params: { channel: checkout.channel ?? '—' } });
  }
  if (t.scope.stores.length > 0 && !(checkout.store && t.scope.stores.includes(checkout.store))) {
    refusals.push({ code: 'coupon.store_not_applicable', params: { store: checkout.store ?? '—' } });
  }
  const eligible = eligibleAmount(t, checkout);
  if (eligible === null) {
    refusals.push({ code: 'coupon.items_required' });
  } else if (limitsItems(t) && eligible === 0) {
    refusals.push({ code: 'coupon.no_applicable_items' });
  } else if (eligible < t.minSpendFen) {
    refusals.push({
      code: 'coupon.below_min_spend',
      params: { minSpend: yuanText(t.minSpendFen), eligible: yuanText(eligible) },
    });
  }
  const base = eligible ?? 0;
  let discountFen = 0;
  if (t.kind === 'amount_off') discountFen = Math.min(t.amountOffFen ?? 0, base);
  if (t.kind === 'percent_off') discountFen = percentDiscount(base, t.percentOffBp ?? 0, t.maxDiscountFen);
  if (t.kind === 'free_shipping') discountFen = checkout.shippingFen ?? 0;
  const gift = t.kind === 'gift' && t.giftSku && t.giftName ? { sku: t.giftSku, name: t.giftName } : null;
  return {
    eligibleFen: base,
    discountFen: refusals.length > 0 ? 0 : discountFen,
    gift: refusals.length > 0 ? null : gift,
    freeShipping: refusals.length === 0 && t.kind === 'free_shipping',
    refusals,
  };
}

/** Fen as yuan text for messages (12.5 → "12.50"), in integers so no float rounding creeps in. */
export function yuanText(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
