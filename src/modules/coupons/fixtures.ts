// What the coupon tests share: template bodies of each kind, and calls that create customers, active templates and
// issued coupons through the HTTP API as the console would.
import { expect } from 'vitest';
import type { ApiClient } from '../../../test/support/client.ts';
import type { CouponTemplate, CouponTemplateBody, CreatedIssuance } from '../../contracts/coupons.ts';

const DAY = 86_400_000;

/** 满100减20, valid 30 days from issue. */
export const amountOff = (over: Partial<CouponTemplateBody> = {}): CouponTemplateBody => ({
  title: '满100减20',
  kind: 'amount_off',
  amountOffFen: 2000,
  minSpendFen: 10_000,
  validityKind: 'relative',
  validDays: 30,
  ...over,
});

/** 8.5折 最高减50元, valid for a fixed month from now. */
export const percentOff = (over: Partial<CouponTemplateBody> = {}): CouponTemplateBody => ({
  title: '8.5折券',
  kind: 'percent_off',
  percentOffBp: 1500,
  maxDiscountFen: 5000,
  validityKind: 'fixed',
  validFrom: new Date(Date.now() - DAY).toISOString(),
  validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
  ...over,
});

export const gift = (over: Partial<CouponTemplateBody> = {}): CouponTemplateBody => ({
  title: '满30送随行杯',
  kind: 'gift',
  giftSku: 'CUP-01',
  giftName: '随行杯',
  minSpendFen: 3000,
  validityKind: 'relative',
  validDays: 7,
  ...over,
});

export const freeShipping = (over: Partial<CouponTemplateBody> = {}): CouponTemplateBody => ({
  title: '包邮券',
  kind: 'free_shipping',
  validityKind: 'relative',
  validDays: 7,
  ...over,
});

export async function createCustomer(client: ApiClient, phone: string): Promise<string> {
  const res = await client.post('/api/customers', { identities: [{ kind: 'phone', value: phone }] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customer.id;
}

export async function activeTemplate(client: ApiClient, body: CouponTemplateBody): Promise<CouponTemplate> {
  const created = await client.post('/api/coupon-templates', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const active = await client.post(`/api/coupon-templates/${created.body.id}/status`, { status: 'active' });
  expect(active.status, JSON.stringify(active.body)).toBe(200);
  return active.body;
}

export async function issueTo(
  client: ApiClient,
  templateId: string,
  customerIds: string[],
  quantity = 1,
): Promise<CreatedIssuance> {
  const res = await client.post('/api/coupon-issuances', { templateId, customerIds, quantity });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** The codes of a customer's coupons of a template, oldest first. */
export async function codesOf(client: ApiClient, templateId: string, customerId: string): Promise<string[]> {
  const res = await client.get(`/api/coupons?templateId=${templateId}&customerId=${customerId}&limit=200`);
  expect(res.status).toBe(200);
  return (res.body.items as { code: string }[]).map((c) => c.code).reverse();
}

/** Polls until `check` holds (background jobs), failing after about 20 seconds. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  expect(check(value), JSON.stringify(value)).toBe(true);
  return value;
}
