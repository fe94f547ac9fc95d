// The member H5's one place that calls fetch: the member session cookie travels by itself (httpOnly, same origin),
// every change carries `X-Siyu-H5: 1` (the server's CSRF wall for member routes), error messages come back in the
// language picked here, and a 401 from any call tells the app the member is signed out. Types come from the shared
// contracts, imported as types only so TypeBox never reaches the phone.
import type { WalletCoupon } from '../../src/contracts/coupons.ts';
import type { Page } from '../../src/contracts/foundation.ts';
import type {
  H5Benefits,
  H5Card,
  H5CheckIn,
  H5Draw,
  H5Invite,
  H5Leaderboard,
  H5Lotteries,
  H5Notices,
  H5Reward,
  H5RewardOrder,
  H5Rewards,
  H5Transaction,
  H5Wallet,
} from '../../src/contracts/h5.ts';
import type {
  H5Me,
  H5Terms,
  JoinBody,
  MemberCard,
  SendCodeResult,
  VerifyCodeResult,
} from '../../src/contracts/loyalty.ts';
import type { CheckIn } from '../../src/contracts/points.ts';
import type { ShippingAddress } from '../../src/contracts/rewards.ts';
import { currentLanguage } from '../src/i18n.ts';

export type { H5Reward, H5RewardOrder, WalletCoupon };

export class H5Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'H5Error';
  }
}

let signedOut: (() => void) | null = null;

/** Called when a member route answers 401: the session expired or was ended elsewhere. */
export function onSignedOut(listener: (() => void) | null): void {
  signedOut = listener;
}

/**
 * A fresh id for one member action (a redemption, a draw), kept while the member retries it. `crypto.randomUUID`
 * needs a secure context, which a brand's H5 opened over plain http on a LAN is not; `getRandomValues` always works.
 */
export function newRequestId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type Method = 'GET' | 'POST' | 'PUT';

/** The brand of this page (`?ws=<slug>`): the member cookie may hold sessions of several brands on one host. */
const brand = new URLSearchParams(window.location.search).get('ws');

async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
  if (brand) headers['X-Siyu-Workspace'] = brand;
  if (method !== 'GET') headers['X-Siyu-H5'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new H5Error(0, 'network', '');
  }
  if (!response.ok) {
    let error = new H5Error(response.status, 'http.error', '');
    try {
      const parsed = (await response.json()) as { error?: { code: string; message: string; details?: unknown } };
      if (parsed.error)
        error = new H5Error(response.status, parsed.error.code, parsed.error.message, parsed.error.details);
    } catch {
      // A proxy's HTML page: the status is all there is.
    }
    if (response.status === 401 && !path.startsWith('/api/h5/auth/')) signedOut?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const q = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};
const id = encodeURIComponent;

export const h5api = {
  terms: (ws: string) => call<H5Terms>('GET', `/api/h5/terms${q({ ws })}`),
  me: () => call<H5Me>('GET', '/api/h5/me'),
  sendCode: (ws: string, phone: string) => call<SendCodeResult>('POST', '/api/h5/auth/code', { ws, phone }),
  verify: (ws: string, phone: string, code: string) =>
    call<VerifyCodeResult>('POST', '/api/h5/auth/verify', { ws, phone, code }),
  join: (body: JoinBody) => call<MemberCard>('POST', '/api/h5/join', body),
  logout: () => call<void>('POST', '/api/h5/auth/logout'),

  card: () => call<H5Card>('GET', '/api/h5/card'),
  checkInView: (month?: string) => call<H5CheckIn>('GET', `/api/h5/check-in${q({ month })}`),
  checkIn: () => call<CheckIn>('POST', '/api/h5/check-in'),
  history: (cursor?: string) => call<Page<H5Transaction>>('GET', `/api/h5/points/history${q({ cursor })}`),

  rewards: () => call<H5Rewards>('GET', '/api/h5/rewards'),
  redeem: (rewardId: string, requestId: string, address?: ShippingAddress) =>
    call<H5RewardOrder>('POST', `/api/h5/rewards/${id(rewardId)}/redeem`, {
      requestId,
      ...(address ? { address } : {}),
    }),
  orders: (cursor?: string) => call<Page<H5RewardOrder>>('GET', `/api/h5/reward-orders${q({ cursor })}`),
  setAddress: (orderId: string, address: ShippingAddress) =>
    call<H5RewardOrder>('PUT', `/api/h5/reward-orders/${id(orderId)}/address`, { address }),
  cancelOrder: (orderId: string) => call<H5RewardOrder>('POST', `/api/h5/reward-orders/${id(orderId)}/cancel`),

  lotteries: () => call<H5Lotteries>('GET', '/api/h5/lotteries'),
  draw: (lotteryId: string, requestId: string) =>
    call<H5Draw>('POST', `/api/h5/lotteries/${id(lotteryId)}/draws`, { requestId }),
  draws: (lotteryId: string, cursor?: string) =>
    call<Page<H5Draw>>('GET', `/api/h5/lotteries/${id(lotteryId)}/draws${q({ cursor })}`),

  coupons: () => call<H5Wallet>('GET', '/api/h5/coupons'),
  benefits: () => call<H5Benefits>('GET', '/api/h5/benefits'),
  notices: () => call<H5Notices>('GET', '/api/h5/notices'),
  leaderboard: (period: 'week' | 'month') => call<H5Leaderboard>('GET', `/api/h5/leaderboards/${period}`),
  invite: () => call<H5Invite>('GET', '/api/h5/invite'),
};
