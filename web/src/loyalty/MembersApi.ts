// The members and tiers API as the console calls it, through the console's one fetch wrapper (CSRF, idempotency
// keys, localised errors). Types come from the shared contract, imported as types only.
import type { Page } from '../../../src/contracts/foundation.ts';
import type {
  EnrolBody,
  EnrolResult,
  GrowthRules,
  LoyaltySettings,
  Member,
  MemberListItem,
  MemberListQuery,
  MemberStatus,
  MemberTerms,
  PublishTermsBody,
  Tier,
  TierBody,
  TierPolicy,
  UpdateTierBody,
  UpdateTierPolicyBody,
} from '../../../src/contracts/loyalty.ts';
import { newIdempotencyKey, request } from '../api.ts';

const id = encodeURIComponent;

export const membersApi = {
  list: (query: MemberListQuery) => request<Page<MemberListItem>>('GET', '/api/members', { query }),
  get: (customerId: string) => request<Member>('GET', `/api/members/${id(customerId)}`),
  enrol: (body: EnrolBody, idempotencyKey = newIdempotencyKey()) =>
    request<EnrolResult>('POST', '/api/members', { body, idempotencyKey }),

  tiers: () => request<{ items: Tier[] }>('GET', '/api/loyalty/tiers'),
  createTier: (body: TierBody, idempotencyKey = newIdempotencyKey()) =>
    request<Tier>('POST', '/api/loyalty/tiers', { body, idempotencyKey }),
  updateTier: (tierId: string, body: UpdateTierBody) =>
    request<Tier>('PATCH', `/api/loyalty/tiers/${id(tierId)}`, { body }),
  deleteTier: (tierId: string) => request<void>('DELETE', `/api/loyalty/tiers/${id(tierId)}`),

  settings: () => request<LoyaltySettings>('GET', '/api/loyalty/settings'),
  updatePolicy: (body: UpdateTierPolicyBody) => request<TierPolicy>('PATCH', '/api/loyalty/tier-policy', { body }),
  setGrowthRules: (body: GrowthRules) => request<GrowthRules>('PUT', '/api/loyalty/growth-rules', { body }),
  publishTerms: (body: PublishTermsBody, idempotencyKey = newIdempotencyKey()) =>
    request<MemberTerms>('POST', '/api/loyalty/terms', { body, idempotencyKey }),
};

// The contract's runtime arrays stay out of the browser bundle (they would bring TypeBox): the lists are typed
// against it instead, so a status added there fails the typecheck here until it has a label and a colour.
export const MEMBER_STATUS_COLORS: Record<MemberStatus, string> = {
  active: 'green',
  frozen: 'orange',
  cancelled: 'default',
  merged: 'purple',
};
export const MEMBER_STATUSES = Object.keys(MEMBER_STATUS_COLORS) as MemberStatus[];

/** Colours of the tiers by rank order, lowest first (the default ladder's 普通 / 银 / 金 / 钻石, then repeating). */
const TIER_COLORS = ['default', 'geekblue', 'gold', 'purple', 'magenta', 'volcano'];
export const tierColor = (index: number) => TIER_COLORS[index % TIER_COLORS.length] as string;
