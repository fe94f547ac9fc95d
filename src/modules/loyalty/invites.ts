// Invite rewards: the inviter earns once the invitee qualifies — a member who joined with the inviter's code and
// then paid an order (net of refunds above zero). If that order is later refunded in full or cancelled, the reward
// is reversed like any other earning, so an invite cannot be farmed with an order bought to be returned.
import type { Order } from '../../contracts/events.ts';
import type { Tx } from '../../platform/db/index.ts';
import { survivorsOf } from '../customers/index.ts';
import { activeMember, capped } from './earn-rules.ts';
import { earn, findTransaction, lockMembers, type MemberState, type States } from './ledger.ts';
import { reverse } from './reversal.ts';

/** The idempotency key of an invite reward: the invitee's customer id is the invite's id. */
export const inviteKey = (inviteeId: string) => `invite:${inviteeId}`;

/**
 * Pays or reverses the invite reward an order of the invitee decides. The invitee's balance is locked by the
 * caller; the inviter's is locked here, after it.
 */
export async function reconcileInvite(
  tx: Tx,
  workspaceId: string,
  states: States,
  input: { order: Order; netFen: number; now: Date },
): Promise<void> {
  const { order, netFen, now } = input;
  const invitee = states.get(order.customerId) as MemberState;
  const key = inviteKey(order.customerId);
  const paid = await findTransaction(tx, workspaceId, key);
  if (paid) {
    if (netFen > 0 || paid.details.orderId !== order.id) return;
    const reverseKey = `${key}:reverse`;
    if (await findTransaction(tx, workspaceId, reverseKey)) return;
    for (const [id, s] of await lockMembers(tx, workspaceId, [paid.customer_id], now)) states.set(id, s);
    await reverse(tx, workspaceId, states, {
      customerId: paid.customer_id,
      points: paid.amount,
      cause: 'invite',
      key: reverseKey,
      now,
      details: { inviteeId: order.customerId, orderId: order.id, orderNo: order.orderNo },
    });
    return;
  }
  const invitedBy = invitee.member?.invitedBy;
  if (!invitedBy || netFen <= 0 || !activeMember(invitee)) return;
  if (new Date(order.placedAt) < (invitee.member?.joinedAt as Date)) return;
  // The inviter may have been merged into another profile since: the reward follows to the survivor.
  const inviterId = (await survivorsOf(tx, workspaceId, [invitedBy])).get(invitedBy) ?? invitedBy;
  if (inviterId === order.customerId) return;
  for (const [id, s] of await lockMembers(tx, workspaceId, [inviterId], now)) states.set(id, s);
  const inviter = states.get(inviterId) as MemberState;
  const rule = inviter.program.rules.invite;
  if (!rule.enabled || !activeMember(inviter)) return;
  // An inviter at the monthly cap is paid when a later order of the invitee lands in a month with room.
  const points = await capped(tx, workspaceId, inviter, 'invite', rule.points, rule);
  if (points <= 0) return;
  await earn(tx, workspaceId, states, {
    customerId: inviterId,
    points,
    cause: 'invite',
    key,
    at: now,
    details: { inviteeId: order.customerId, orderId: order.id, orderNo: order.orderNo },
  });
}
