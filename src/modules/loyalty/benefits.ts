// Tier benefits: the typed list a tier carries (discount, free shipping, birthday gift, exclusive service, early
// access, custom) and the lookup POS and e-commerce make at the till — a member by phone, card or id with their tier
// and benefits, in one or two indexed queries.
import type { Benefit, MemberLookup, MemberLookupQuery, TierBenefit } from '../../contracts/loyalty.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { getCustomerRow } from '../customers/profiles.ts';

/** Each kind at most once (two discounts on one tier would leave the till guessing); custom benefits may repeat. */
export function cleanBenefits(benefits: readonly Benefit[]): Benefit[] {
  const seen = new Set<string>();
  benefits.forEach((b, index) => {
    if (b.type !== 'custom' && seen.has(b.type)) {
      throw badRequest('loyalty.benefit_repeated', { type: b.type }, { path: `benefits[${index}]` });
    }
    seen.add(b.type);
  });
  return benefits.map((b) => ({ ...b }));
}

/** What a tier gives, as the lookup and the member card list it: the points multiplier first. */
export function tierBenefits(pointsMultiplierPct: number, benefits: readonly Benefit[]): TierBenefit[] {
  return [{ type: 'points_multiplier', pct: pointsMultiplierPct }, ...benefits];
}

interface LookupRow {
  customer_id: string;
  merged_into: string | null;
  card_no: string;
  status: MemberLookup['status'];
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  points_multiplier_pct: number;
  benefits: Benefit[];
}

const LOOKUP_SELECT = `SELECT m.customer_id, c.merged_into, m.card_no, m.status, t.id AS tier_id, t.code, t.name, t.rank,
       t.points_multiplier_pct, t.benefits
  FROM members m
  JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
  JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id`;

/** The membership of a customer, or of the customer it was merged into. */
async function byCustomer(tx: Tx, workspaceId: string, customerId: string): Promise<LookupRow[]> {
  const customer = await getCustomerRow(tx, workspaceId, customerId).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw notFound('loyalty.member_not_found');
    throw err;
  });
  return tx.query<LookupRow>(`${LOOKUP_SELECT} WHERE m.workspace_id = $1 AND m.customer_id = $2`, [
    workspaceId,
    customer.id,
  ]);
}

/**
 * The member named by exactly one of phone, card number or customer id. A phone finds its customer through the
 * identity index; a card or id of a customer merged into another member answers with the survivor's membership.
 */
export async function lookupMember(tx: Tx, workspaceId: string, query: MemberLookupQuery): Promise<MemberLookup> {
  const given = [query.phone, query.cardNo, query.customerId].filter((v) => v !== undefined);
  if (given.length !== 1) throw badRequest('loyalty.lookup_one_key');
  let rows: LookupRow[];
  if (query.phone !== undefined) {
    const phone = normalizePhone(query.phone);
    if (!phone) throw badRequest('loyalty.invalid_phone');
    rows = await tx.query<LookupRow>(
      `${LOOKUP_SELECT}
        WHERE m.workspace_id = $1 AND m.customer_id = (
          SELECT customer_id FROM customer_identities WHERE workspace_id = $1 AND kind = 'phone' AND app_id = '' AND value = $2)`,
      [workspaceId, phone],
    );
  } else if (query.cardNo !== undefined) {
    rows = await tx.query<LookupRow>(`${LOOKUP_SELECT} WHERE m.workspace_id = $1 AND m.card_no = $2`, [
      workspaceId,
      query.cardNo,
    ]);
  } else {
    rows = await byCustomer(tx, workspaceId, query.customerId as string);
  }
  let row = rows[0];
  // A merged customer's card still works: it leads to the membership the survivor kept.
  if (row?.status === 'merged' && row.merged_into) row = (await byCustomer(tx, workspaceId, row.merged_into))[0];
  if (!row || row.status === 'merged') throw notFound('loyalty.member_not_found');
  return {
    customerId: row.customer_id,
    cardNo: row.card_no,
    status: row.status,
    tier: {
      id: row.tier_id,
      code: row.code,
      name: row.name,
      rank: row.rank,
      pointsMultiplierPct: row.points_multiplier_pct,
    },
    benefits: tierBenefits(row.points_multiplier_pct, row.benefits),
  };
}
