// From the WeCom connector's contact events to relationships: an add (or half add, or an edit of a relationship a
// missed callback never announced) reads the contact and the guide's follow record through WeCom's API and records
// the relationship; deletions end it and record churn; a removal by transfer and the takeover guide's add settle
// the transfer; transfer_fail fails it. The welcome message is acquisition's (it must leave within WeCom's 20 s).
import type {
  ContactAdded,
  ContactDeleted,
  ContactEdited,
  ContactRemovedByGuide,
  TransferFailed,
} from '../../connectors/wecom/index.ts';
import { workspaceClient } from '../../connectors/wecom/index.ts';
import type { Tx } from '../../platform/db/index.ts';
import type { DomainEvent } from '../../platform/jobs/index.ts';
import type { CustomerParticipants } from '../customers/index.ts';
import { recordChurn } from './churn.ts';
import type { SmtpConfig } from './mailer.ts';
import { recordEnd, recordStart } from './ownership.ts';
import { skipTasksOfEnded, startRelationshipTasks } from './sop-tasks.ts';
import { followOf, settleFailed, settleSucceeded, transferInto, waitingTransferFrom } from './transfers.ts';

export const CONTACT_EVENTS = [
  'wecom.contact_added',
  'wecom.contact_half_added',
  'wecom.contact_edited',
  'wecom.contact_deleted',
  'wecom.contact_removed_by_guide',
  'wecom.transfer_failed',
] as const;

export interface ContactDeps {
  participants: CustomerParticipants;
  now: () => Date;
  smtp: SmtpConfig | null;
}

/** A relationship a sync finds (or an edit reveals) counts as new for the SOP only if it began this recently. */
const RECENT_MS = 2 * 86_400_000;

export async function handleContactEvent(tx: Tx, deps: ContactDeps, event: DomainEvent): Promise<void> {
  const workspaceId = event.workspaceId;
  switch (event.type) {
    case 'wecom.contact_added':
    case 'wecom.contact_half_added':
      return started(tx, deps, workspaceId, event.payload as ContactAdded, event.type === 'wecom.contact_half_added');
    case 'wecom.contact_edited':
      return started(tx, deps, workspaceId, event.payload as ContactEdited, undefined);
    case 'wecom.contact_deleted': {
      const p = event.payload as ContactDeleted;
      return ended(tx, deps, workspaceId, p.userId, p.externalUserId, new Date(p.occurredAt), 'deleted_by_customer');
    }
    case 'wecom.contact_removed_by_guide': {
      const p = event.payload as ContactRemovedByGuide;
      const at = new Date(p.occurredAt);
      if (!p.byTransfer) return ended(tx, deps, workspaceId, p.userId, p.externalUserId, at, 'deleted_by_guide');
      const transfer = await waitingTransferFrom(tx, workspaceId, p.externalUserId, p.userId);
      if (transfer) await settleSucceeded(tx, deps.participants, workspaceId, transfer, at, deps.now());
      await recordEnd(tx, deps.participants, workspaceId, {
        wecomUserId: p.userId,
        externalUserId: p.externalUserId,
        at,
        status: 'transferred',
      });
      return;
    }
    case 'wecom.transfer_failed': {
      const p = event.payload as TransferFailed;
      // Only a waiting transfer can fail; news of one already settled changes nothing.
      const transfer = await transferInto(tx, workspaceId, p.externalUserId, p.userId, new Date(p.occurredAt));
      if (transfer) await settleFailed(tx, workspaceId, transfer, p.failReason, deps.now(), deps.smtp);
      return;
    }
  }
}

async function started(
  tx: Tx,
  deps: ContactDeps,
  workspaceId: string,
  p: ContactAdded | ContactEdited,
  pending: boolean | undefined,
): Promise<void> {
  const at = new Date(p.occurredAt);
  const client = await workspaceClient(tx, workspaceId);
  const readAt = deps.now();
  const facts = await followOf(client, p.userId, p.externalUserId);
  const transfer = await transferInto(tx, workspaceId, p.externalUserId, p.userId, at);
  const isAdd = pending !== undefined;
  const outcome = await recordStart(tx, deps.participants, workspaceId, {
    wecomUserId: p.userId,
    externalUserId: p.externalUserId,
    contact: facts.contact,
    follow: facts.follow,
    at,
    origin: transfer ? 'transfer' : isAdd ? 'add' : 'sync',
    ...(pending === undefined ? {} : { pending }),
    welcomeCode: 'welcomeCode' in p ? p.welcomeCode : null,
    readAt,
  });
  if (transfer) await settleSucceeded(tx, deps.participants, workspaceId, transfer, at, deps.now());
  if (!outcome?.started) return;
  const r = outcome.relationship;
  const recent = r.added_at !== null && deps.now().getTime() - r.added_at.getTime() <= RECENT_MS;
  if (r.origin === 'add' || (r.origin === 'sync' && recent)) await startRelationshipTasks(tx, workspaceId, r);
}

async function ended(
  tx: Tx,
  deps: ContactDeps,
  workspaceId: string,
  wecomUserId: string,
  externalUserId: string,
  at: Date,
  status: 'deleted_by_customer' | 'deleted_by_guide',
): Promise<void> {
  const outcome = await recordEnd(tx, deps.participants, workspaceId, { wecomUserId, externalUserId, at, status });
  if (!outcome?.ended) return;
  const r = outcome.relationship;
  await skipTasksOfEnded(tx, workspaceId, r.customer_id, wecomUserId, deps.now());
  await recordChurn(
    tx,
    workspaceId,
    r,
    status === 'deleted_by_customer' ? 'customer_deleted_guide' : 'guide_deleted_customer',
    { now: deps.now(), smtp: deps.smtp },
  );
}
