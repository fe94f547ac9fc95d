// Enrolment: a customer becomes a member — through the API (staff, POS, a brand's own app) or through the H5 after
// verifying their phone — with a card number, an invite code, the entry tier and consent to the current member
// terms. Idempotent: joining again returns the same membership.
import type { EnrolBody, GrowthRules, JoinBody, JoinChannel, MemberCard } from '../../contracts/loyalty.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { type AppError, badRequest, conflict } from '../../platform/errors.ts';
import type { MemberContext, RequestContext } from '../../platform/http/routes.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { emit } from '../../platform/jobs/index.ts';
import { type CustomerParticipants, findIdentities, normalizeIdentity, resolveCustomer } from '../customers/index.ts';
import {
  cleanProfile,
  getCustomerRow,
  maskPhone,
  type ProfileInput,
  setMemberStatus,
  updateProfile,
} from '../customers/profiles.ts';
import { startMemberSession } from './member-auth.ts';
import { findMember, issueCardNo, MEMBER_COLUMNS, type MemberRow, memberCard, newInviteCode } from './members.ts';
import { ladder, readGrowthRules, readSettings, recordJoinTier } from './tiers.ts';
import { type CodePolicy, checkCode, phoneOf, workspaceOf } from './verification.ts';

export interface JoinInput {
  channel: JoinChannel;
  termsVersion: string;
  inviteCode?: string | undefined;
  consentIp: string | null;
  actorId: string | null;
  now: Date;
}

/**
 * Makes a customer a member, or returns their membership when they already are one (`created: false`). Consent is
 * to the current terms only; a member who consents again to a newer version has that recorded. Joining starts in
 * the entry tier and is announced as `member.joined`.
 */
export async function joinMembership(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  input: JoinInput,
): Promise<{ member: MemberRow; created: boolean }> {
  // Two joins of one customer at once (a double tap, a retry) queue here; the second finds the first's membership.
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `loyalty:join:${workspaceId}:${customerId}`,
  ]);
  const settings = await readSettings(tx, workspaceId);
  if (input.termsVersion !== settings.termsVersion) {
    throw conflict(
      'loyalty.terms_outdated',
      { current: settings.termsVersion },
      { currentVersion: settings.termsVersion },
    );
  }
  const existing = await findMember(tx, workspaceId, customerId);
  if (existing) {
    if (existing.terms_version === settings.termsVersion) return { member: existing, created: false };
    const renewed = await tx.query<MemberRow>(
      `UPDATE members SET terms_version = $3, consented_at = $4, consent_ip = $5, updated_at = now()
        WHERE workspace_id = $1 AND customer_id = $2 RETURNING ${MEMBER_COLUMNS}`,
      [workspaceId, customerId, settings.termsVersion, input.now, input.consentIp],
    );
    return { member: renewed[0] as MemberRow, created: false };
  }
  let invitedBy: string | null = null;
  if (input.inviteCode) {
    const inviter = await tx.query<{ customer_id: string }>(
      `SELECT customer_id FROM members WHERE workspace_id = $1 AND invite_code = $2 AND status = 'active'`,
      [workspaceId, input.inviteCode.toUpperCase()],
    );
    if (!inviter[0]) throw badRequest('loyalty.invite_invalid');
    invitedBy = inviter[0].customer_id;
  }
  const entry = (await ladder(tx, workspaceId))[0];
  if (!entry) throw new Error(`workspace ${workspaceId} has no tiers`);
  const cardNo = await issueCardNo(tx, workspaceId, customerId, input.now);
  let member: MemberRow | undefined;
  // Invite codes are random too: a clash with another member's only means drawing again.
  for (let attempt = 0; !member && attempt < 20; attempt++) {
    const rows = await tx.query<MemberRow>(
      `INSERT INTO members (workspace_id, customer_id, card_no, tier_id, tier_since, join_channel, terms_version,
                            consented_at, consent_ip, invite_code, invited_by, joined_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8, $9, $10, $5)
       ON CONFLICT (workspace_id, invite_code) DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
      [
        workspaceId,
        customerId,
        cardNo,
        entry.id,
        input.now,
        input.channel,
        settings.termsVersion,
        input.consentIp,
        newInviteCode(),
        invitedBy,
      ],
    );
    member = rows[0];
  }
  if (!member) throw new Error('no free invite code after 20 draws');
  await recordJoinTier(tx, workspaceId, customerId, entry, input.now, input.actorId);
  await setMemberStatus(tx, workspaceId, [customerId], 'member');
  await emit(tx, 'member.joined', { customerId, cardNo, tierId: entry.id, invitedBy });
  return { member, created: true };
}

function profilePatch(body: { name?: string; gender?: ProfileInput['gender']; birthday?: string }): ProfileInput {
  const patch: ProfileInput = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.gender !== undefined) patch.gender = body.gender;
  if (body.birthday !== undefined) patch.birthday = body.birthday;
  return patch;
}

/** Applies what a member filled in when joining to their profile, announced like any profile edit. */
async function patchProfile(tx: Tx, workspaceId: string, customerId: string, patch: ProfileInput): Promise<void> {
  const fields = Object.keys(patch);
  if (fields.length === 0) return;
  const clean = await cleanProfile(tx, workspaceId, patch);
  await updateProfile(tx, workspaceId, customerId, clean);
  await emit(tx, 'customer.updated', { customerId, fields });
}

/**
 * A customer known by their phone identity alone gets it as their profile's phone too (lists and the member card
 * show it); a profile phone already set is left as it is.
 */
async function fillPhone(tx: Tx, workspaceId: string, customerId: string, phone: string): Promise<void> {
  const customer = await getCustomerRow(tx, workspaceId, customerId);
  if (customer.phone) return;
  await updateProfile(tx, workspaceId, customerId, { phone }, { fillOnly: true });
  await emit(tx, 'customer.updated', { customerId, fields: ['phone'] });
}

/**
 * `POST /api/members`: the customer named by id, or by phone and identities (resolved, created when new), joins.
 * Staff and API keys attest the customer's consent to `termsVersion`.
 */
export async function enrolByApi(
  ctx: RequestContext,
  participants: CustomerParticipants,
  body: EnrolBody,
): Promise<{ customerId: string; created: boolean }> {
  const byIdentity = body.phone !== undefined || body.identities !== undefined;
  if ((body.customerId !== undefined) === byIdentity) throw badRequest('loyalty.enrol_target');
  const patch = profilePatch(body);
  let customerId: string;
  if (body.customerId !== undefined) {
    customerId = (await getCustomerRow(ctx.tx, ctx.workspaceId, body.customerId)).id;
    await patchProfile(ctx.tx, ctx.workspaceId, customerId, patch);
  } else {
    const identities = [
      ...(body.phone !== undefined ? [{ kind: 'phone', value: body.phone }] : []),
      ...(body.identities ?? []),
    ].map(normalizeIdentity);
    const profile = await cleanProfile(ctx.tx, ctx.workspaceId, patch);
    const resolved = await resolveCustomer(ctx.tx, participants, ctx.workspaceId, identities, {
      ...(Object.keys(profile).length > 0 ? { profile } : {}),
      seenAt: ctx.now(),
      reason: 'api',
    });
    customerId = resolved.customerId;
    const phone = identities.find((i) => i.kind === 'phone');
    if (phone) await fillPhone(ctx.tx, ctx.workspaceId, customerId, phone.value);
  }
  const { created } = await joinMembership(ctx.tx, ctx.workspaceId, customerId, {
    channel: ctx.actor.type === 'api_key' ? 'api' : 'console',
    termsVersion: body.termsVersion,
    inviteCode: body.inviteCode,
    consentIp: ctx.ip,
    actorId: ctx.actor.id,
    now: ctx.now(),
  });
  ctx.audit.targetId = customerId;
  ctx.audit.details = { created, termsVersion: body.termsVersion };
  return { customerId, created };
}

/** `POST /api/h5/join`: the signed-in customer joins, with what they filled in on the join form. */
export async function joinByMember(ctx: MemberContext, body: JoinBody): Promise<MemberCard> {
  await patchProfile(ctx.tx, ctx.workspaceId, ctx.customerId, profilePatch(body));
  const { member } = await joinMembership(ctx.tx, ctx.workspaceId, ctx.customerId, {
    channel: 'h5',
    termsVersion: body.termsVersion,
    inviteCode: body.inviteCode,
    consentIp: ctx.ip,
    actorId: null,
    now: ctx.now(),
  });
  return memberCard(ctx.tx, ctx.workspaceId, member, ctx.now());
}

/**
 * `POST /api/h5/auth/verify`: checks the code, finds the phone's customer (a new one when the number is unknown),
 * and starts a member session. A wrong code's attempt is committed before the error is thrown.
 */
export async function signInWithCode(
  db: Db,
  participants: CustomerParticipants,
  policy: CodePolicy,
  input: { slug: string; phone: string; code: string; ip: string; userAgent: string | null; now: Date; locale: Locale },
): Promise<{ workspaceId: string; token: string; isMember: boolean; card: MemberCard | null }> {
  const phone = phoneOf(input.phone);
  const workspace = await workspaceOf(db, input.slug);
  const outcome = await db.tenant(workspace.id, async (tx) => {
    const check = await checkCode(tx, workspace.id, policy, phone, input.code, input.now);
    if (!check.ok) return { error: check.error };
    const identity = normalizeIdentity({ kind: 'phone', value: phone });
    const known = await findIdentities(tx, workspace.id, [identity]);
    const { customerId } = await resolveCustomer(tx, participants, workspace.id, [identity], {
      ...(known.length === 0 ? { profile: { phone, sourceChannel: 'h5' } } : {}),
      seenAt: input.now,
      reason: 'h5',
    });
    await fillPhone(tx, workspace.id, customerId, phone);
    const token = await startMemberSession(tx, workspace.id, customerId, {
      ip: input.ip,
      userAgent: input.userAgent,
      now: input.now,
    });
    const member = await findMember(tx, workspace.id, customerId);
    return { token, card: member ? await memberCard(tx, workspace.id, member, input.now) : null };
  });
  if ('error' in outcome) throw outcome.error as AppError;
  return { workspaceId: workspace.id, token: outcome.token, isMember: outcome.card !== null, card: outcome.card };
}

/** `GET /api/h5/me`: who is signed in, and their member card once they joined. */
export async function me(ctx: MemberContext) {
  const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, ctx.customerId);
  const member = await findMember(ctx.tx, ctx.workspaceId, customer.id);
  return {
    customerId: customer.id,
    phone: customer.phone ? maskPhone(customer.phone) : null,
    member: member ? await memberCard(ctx.tx, ctx.workspaceId, member, ctx.now()) : null,
  };
}

/** What a bulk load (the demo) needs to write members along with their customers: the ladder and the rules. */
export interface BulkMembership {
  /** The ladder, lowest rank first. */
  tiers: { id: string; threshold: number }[];
  termsVersion: string;
  growthRules: GrowthRules;
  /** Orders placed after this count towards growth: the evaluation window that ends at the load's `now`. */
  windowStart: Date;
  /** Until when the tier of a member placed above the entry tier is protected (null: no protection). */
  protectedUntil: Date | null;
}

/**
 * The membership set-up of a workspace (created with the defaults if new) as a bulk load writes members by COPY,
 * a million customers at a time, without going through enrolment one by one. The load gives each member a card
 * number and invite code from `cardNoOf` / `inviteCodeOf`, growth entries per month of orders, the tier that growth
 * reaches and the tier history, and announces nothing, like the rest of the load.
 */
export async function bulkMembership(db: Db, workspaceId: string, now: Date): Promise<BulkMembership> {
  return db.tenant(workspaceId, async (tx) => {
    const settings = await readSettings(tx, workspaceId);
    const tiers = await ladder(tx, workspaceId);
    const [bounds] = await tx.query<{ start: Date; protected_until: Date }>(
      `SELECT $1::timestamptz - make_interval(months => $2::int) AS start,
              $1::timestamptz + make_interval(months => $3::int) AS protected_until`,
      [now, settings.evaluationMonths, settings.protectionMonths],
    );
    return {
      tiers: tiers.map((t) => ({ id: t.id, threshold: Number(t.growth_threshold) })),
      termsVersion: settings.termsVersion,
      growthRules: await readGrowthRules(tx, workspaceId),
      windowStart: (bounds as { start: Date }).start,
      protectedUntil: settings.protectionMonths > 0 ? (bounds as { protected_until: Date }).protected_until : null,
    };
  });
}
