// The arithmetic of each kind of coupon in integer fen: thresholds, caps, rounding, scope and what is refused.
import { expect, test } from 'vitest';
import { type DiscountTerms, eligibleAmount, percentDiscount, worth, yuanText } from './discount.ts';

const ANY = { skus: [], categories: [], channels: [], stores: [] };
const terms = (t: Partial<DiscountTerms>): DiscountTerms => ({
  kind: 'amount_off',
  amountOffFen: null,
  percentOffBp: null,
  maxDiscountFen: null,
  minSpendFen: 0,
  giftSku: null,
  giftName: null,
  scope: ANY,
  ...t,
});

test('满100减20 takes 20 yuan off from exactly 100 yuan up, and nothing below with the shortfall named', () => {
  const t = terms({ kind: 'amount_off', amountOffFen: 2000, minSpendFen: 10_000 });
  expect(worth(t, { orderAmountFen: 10_000 })).toMatchObject({ discountFen: 2000, refusals: [] });
  expect(worth(t, { orderAmountFen: 25_000 }).discountFen).toBe(2000);
  const short = worth(t, { orderAmountFen: 9_999 });
  expect(short.discountFen).toBe(0);
  expect(short.refusals).toEqual([
    { code: 'coupon.below_min_spend', params: { minSpend: '100.00', eligible: '99.99' } },
  ]);
});

test('a no-threshold amount coupon never takes off more than the order costs', () => {
  const t = terms({ kind: 'amount_off', amountOffFen: 1000 });
  expect(worth(t, { orderAmountFen: 650 }).discountFen).toBe(650);
  expect(worth(t, { orderAmountFen: 0 }).discountFen).toBe(0);
});

test('8.5折 最高减50元: 15 % off rounded down to the fen, then capped at 50 yuan', () => {
  const t = terms({ kind: 'percent_off', percentOffBp: 1500, maxDiscountFen: 5000 });
  expect(worth(t, { orderAmountFen: 10_000 }).discountFen).toBe(1500);
  // ¥9.99 × 15 % = 149.85 fen → 149 (floor: never more than the stated rate); the member pays ¥8.50.
  expect(worth(t, { orderAmountFen: 999 }).discountFen).toBe(149);
  expect(worth(t, { orderAmountFen: 33_333 }).discountFen).toBe(4999);
  expect(worth(t, { orderAmountFen: 33_334 }).discountFen).toBe(5000);
  expect(worth(t, { orderAmountFen: 1_000_000 }).discountFen).toBe(5000);
  expect(percentDiscount(1, 9999, null)).toBe(0);
  expect(percentDiscount(10_000, 9999, null)).toBe(9999);
});

test('percentages of amounts beyond 2^53 / 10000 stay exact (BigInt), uncapped', () => {
  // 9,999,999,999,999 fen × 3333 bp would lose digits as a float product.
  expect(percentDiscount(9_999_999_999_999, 3333, null)).toBe(3_332_999_999_999);
});

test('a gift coupon takes nothing off and names the gift; free shipping takes off the shipping sent', () => {
  const gift = terms({ kind: 'gift', giftSku: 'CUP-01', giftName: '随行杯', minSpendFen: 3000 });
  expect(worth(gift, { orderAmountFen: 3000 })).toMatchObject({
    discountFen: 0,
    gift: { sku: 'CUP-01', name: '随行杯' },
    freeShipping: false,
  });
  expect(worth(gift, { orderAmountFen: 2999 }).gift).toBeNull();
  const ship = terms({ kind: 'free_shipping' });
  expect(worth(ship, { orderAmountFen: 5000, shippingFen: 800 })).toMatchObject({
    discountFen: 800,
    freeShipping: true,
  });
  expect(worth(ship, { orderAmountFen: 5000 })).toMatchObject({ discountFen: 0, freeShipping: true });
});

test('an item scope measures threshold and discount on the matching lines only', () => {
  const t = terms({
    kind: 'percent_off',
    percentOffBp: 2000,
    minSpendFen: 5000,
    scope: { ...ANY, skus: ['TEA-01'], categories: ['果茶'] },
  });
  const items = [
    { sku: 'TEA-01', quantity: 2, unitPriceFen: 1800 },
    { sku: 'FRUIT-9', category: '果茶', quantity: 1, unitPriceFen: 2200 },
    { sku: 'BREAD', category: '烘焙', quantity: 3, unitPriceFen: 1500 },
  ];
  expect(eligibleAmount(t, { orderAmountFen: 10_300, items })).toBe(5800);
  expect(worth(t, { orderAmountFen: 10_300, items })).toMatchObject({ eligibleFen: 5800, discountFen: 1160 });
  expect(worth(t, { orderAmountFen: 10_300 }).refusals).toEqual([{ code: 'coupon.items_required' }]);
  expect(worth(t, { orderAmountFen: 4500, items: [items[2]!] }).refusals).toEqual([
    { code: 'coupon.no_applicable_items' },
  ]);
  // Lines at list price never count for more than the order the till sends.
  expect(eligibleAmount(t, { orderAmountFen: 3000, items })).toBe(3000);
});

test('channel and store scopes refuse other channels and stores, and an order that names none', () => {
  const t = terms({
    kind: 'amount_off',
    amountOffFen: 500,
    scope: { ...ANY, channels: ['mini_program'], stores: ['SH-001'] },
  });
  expect(worth(t, { orderAmountFen: 3000, channel: 'mini_program', store: 'SH-001' }).refusals).toEqual([]);
  expect(worth(t, { orderAmountFen: 3000, channel: 'store', store: 'BJ-002' }).refusals.map((r) => r.code)).toEqual([
    'coupon.channel_not_applicable',
    'coupon.store_not_applicable',
  ]);
  expect(worth(t, { orderAmountFen: 3000 }).discountFen).toBe(0);
});

test('fen read as yuan for messages without float rounding', () => {
  expect(yuanText(0)).toBe('0.00');
  expect(yuanText(5)).toBe('0.05');
  expect(yuanText(123_456)).toBe('1234.56');
  expect(yuanText(-250)).toBe('-2.50');
});
