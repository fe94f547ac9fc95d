// How a coupon reads, in the console's language: its face value (满100减20, 8.5折 最高减50元, 赠随行杯, 包邮), its
// conditions and its validity, from a template or a form being filled in.
import type { TFunction } from 'i18next';
import type { CouponKind } from '../../../src/contracts/coupons.ts';
import { currentLanguage } from '../i18n.ts';

/** The template fields the wording needs; a form in progress may lack some. */
export interface CouponTerms {
  kind: CouponKind;
  amountOffFen?: number | null;
  percentOffBp?: number | null;
  maxDiscountFen?: number | null;
  minSpendFen?: number | null;
  giftName?: string | null;
  validityKind?: 'fixed' | 'relative';
  validFrom?: string | null;
  validUntil?: string | null;
  validDays?: number | null;
  scope?: { skus?: string[]; categories?: string[]; channels?: string[]; stores?: string[] };
}

/** As printed on receipts: three groups of four (the server's formatCode, for the browser). */
export const formatCode = (code: string) => code.replace(/(.{4})(?=.)/g, '$1-');

/** Yuan without needless zeros: 10000 fen → "100", 1250 → "12.5", 99 → "0.99". */
export function plainYuan(fen: number): string {
  const yuan = Math.floor(fen / 100);
  const cents = fen % 100;
  if (cents === 0) return String(yuan);
  return cents % 10 === 0 ? `${yuan}.${cents / 10}` : `${yuan}.${String(cents).padStart(2, '0')}`;
}

/** 1500 bp off → "8.5" (折), 1250 → "8.75", 1000 → "9". */
export function zhe(percentOffBp: number): string {
  return String((10_000 - percentOffBp) / 1000);
}

/** The big text of a coupon: what it is worth. */
export function faceValue(t: TFunction, c: CouponTerms): string {
  switch (c.kind) {
    case 'amount_off':
      return c.amountOffFen ? t('coupons.preview.amount', { amount: plainYuan(c.amountOffFen) }) : '—';
    case 'percent_off':
      return c.percentOffBp
        ? t('coupons.preview.percent', { zhe: zhe(c.percentOffBp), percent: c.percentOffBp / 100 })
        : '—';
    case 'gift':
      return t('coupons.preview.giftFace');
    case 'free_shipping':
      return t('coupons.preview.freeShippingFace');
  }
}

/** The one-line rule of a coupon: 满100减20 · 8.5折 最高减50元 · 满30元赠随行杯 · 包邮. */
export function headline(t: TFunction, c: CouponTerms): string {
  const min = c.minSpendFen ?? 0;
  switch (c.kind) {
    case 'amount_off': {
      if (!c.amountOffFen) return t('coupons.preview.incomplete');
      const amount = plainYuan(c.amountOffFen);
      return min > 0
        ? t('coupons.preview.amountOffThreshold', { min: plainYuan(min), amount })
        : t('coupons.preview.amountOffNoThreshold', { amount });
    }
    case 'percent_off': {
      if (!c.percentOffBp) return t('coupons.preview.incomplete');
      const parts = [t('coupons.preview.percentOff', { zhe: zhe(c.percentOffBp), percent: c.percentOffBp / 100 })];
      if (c.maxDiscountFen) parts.push(t('coupons.preview.cap', { cap: plainYuan(c.maxDiscountFen) }));
      if (min > 0) parts.unshift(t('coupons.preview.minSpend', { min: plainYuan(min) }));
      return parts.join(' ');
    }
    case 'gift': {
      if (!c.giftName) return t('coupons.preview.incomplete');
      const gift = t('coupons.preview.gift', { name: c.giftName });
      return min > 0 ? `${t('coupons.preview.minSpend', { min: plainYuan(min) })} ${gift}` : gift;
    }
    case 'free_shipping': {
      const free = t('coupons.preview.freeShipping');
      return min > 0 ? `${t('coupons.preview.minSpend', { min: plainYuan(min) })} ${free}` : free;
    }
  }
}

/** Where it applies, when limited: 限品类：果茶 · 限门店：SH-001. */
export function scopeText(t: TFunction, c: CouponTerms): string | null {
  const s = c.scope ?? {};
  const parts: string[] = [];
  if (s.categories?.length) parts.push(t('coupons.preview.scopeCategories', { list: s.categories.join('、') }));
  if (s.skus?.length) parts.push(t('coupons.preview.scopeSkus', { list: s.skus.join('、') }));
  if (s.channels?.length) parts.push(t('coupons.preview.scopeChannels', { list: s.channels.join('、') }));
  if (s.stores?.length) parts.push(t('coupons.preview.scopeStores', { list: s.stores.join('、') }));
  return parts.length > 0 ? parts.join(' · ') : null;
}

/**
 * A calendar day in the browser's language. An end is exclusive (the first moment the coupon no longer works), so
 * it is shown as the last day it still works.
 */
export function formatDay(iso: string, end = false): string {
  const at = new Date(new Date(iso).getTime() - (end ? 1 : 0));
  return new Intl.DateTimeFormat(currentLanguage(), { year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function validityText(t: TFunction, c: CouponTerms): string {
  if (c.validityKind === 'relative') {
    return c.validDays ? t('coupons.preview.validDays', { days: c.validDays }) : t('coupons.preview.incomplete');
  }
  if (!c.validFrom || !c.validUntil) return t('coupons.preview.incomplete');
  return t('coupons.preview.validRange', { from: formatDay(c.validFrom), until: formatDay(c.validUntil, true) });
}
