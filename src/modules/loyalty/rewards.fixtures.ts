// What the rewards, lottery and H5 tests share: a member signed in to the H5 (a member session started the way a
// verified phone starts one), points granted by an audited adjustment, and an active coupon template.
import { expect } from 'vitest';
import type { CouponTemplateBody } from '../../contracts/coupons.ts';
import { activeTemplate, amountOff } from '../coupons/fixtures.ts';
import { member } from './fixtures/points.ts';
import type { PointsServer } from './fixtures/server.ts';
import { startMemberSession } from './member-auth.ts';
import { H5Client } from './members.fixtures.ts';

/** An H5 client signed in as this customer. */
export async function h5As(s: PointsServer, customerId: string): Promise<H5Client> {
  const token = await s.world.db.tenant(s.world.workspaceId, (tx) =>
    startMemberSession(tx, s.world.workspaceId, customerId, { ip: '127.0.0.1', userAgent: 'test', now: s.clock.now }),
  );
  const h5 = new H5Client(s.url);
  h5.cookie = `siyu_member=${token}`;
  return h5;
}

/** Adds points to a member's balance by hand (audited, like the console's adjustment). */
export async function grant(s: PointsServer, customerId: string, points: number): Promise<void> {
  const res = await s.owner.post(`/api/points/members/${customerId}/adjustments`, { points, reason: '测试发放' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A member with `points` to spend and an H5 session. */
export async function richMember(s: PointsServer, phone: string, points: number) {
  const customerId = await member(s.world, phone, s.clock.now);
  if (points > 0) await grant(s, customerId, points);
  return { customerId, h5: await h5As(s, customerId) };
}

export async function couponTemplate(s: PointsServer, over: Partial<CouponTemplateBody> = {}): Promise<string> {
  return (await activeTemplate(s.owner, amountOff({ title: '满100减20', ...over }))).id;
}

export async function balanceOf(s: PointsServer, customerId: string): Promise<number> {
  const res = await s.owner.get(`/api/points/members/${customerId}`);
  expect(res.status).toBe(200);
  return res.body.balance;
}

export const ADDRESS = {
  name: '王小明',
  phone: '13800138000',
  region: '广东省 深圳市 南山区',
  detail: '科技园路 1 号',
};

/** A fresh request id, as the H5 makes one per confirmation. */
export const requestId = () => crypto.randomUUID();
