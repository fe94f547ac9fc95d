// From a decrypted WeCom callback to the connector's domain event: which WeCom change becomes which `wecom.*` event,
// and the key that recognises the same callback when WeCom delivers it again.
import { createHash } from 'node:crypto';
import type { WeComDomainEvents, WeComDomainEventType } from '../../contracts/wecom.ts';
import { list, text, type XmlFields } from './xml.ts';

export type WeComEvent = {
  [T in WeComDomainEventType]: { type: T; payload: WeComDomainEvents[T] };
}[WeComDomainEventType];

/** Thrown for a callback of a kind the connector handles but with a required field missing. */
export class IncompleteEvent extends Error {}

/**
 * The same callback delivered again (WeCom retries up to three times when it gets no `success` within five
 * seconds) has the same fields, CreateTime included; two real changes differ in at least one. So the key is a hash
 * of every field of the decrypted message in a canonical order, prefixed by its kind for readability.
 */
export function dedupKey(fields: XmlFields): string {
  const canonical = Object.keys(fields)
    .sort()
    .map((name) => [name, fields[name]]);
  const hash = createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
  return `${text(fields, 'Event') ?? text(fields, 'MsgType') ?? 'unknown'}:${text(fields, 'ChangeType') ?? ''}:${hash}`;
}

/** CreateTime (Unix seconds) as a date; null when absent or not a number. */
export function createTimeOf(fields: XmlFields): Date | null {
  const raw = text(fields, 'CreateTime');
  if (raw === null || !/^\d{1,12}$/.test(raw)) return null;
  return new Date(Number(raw) * 1000);
}

function required(fields: XmlFields, name: string): string {
  const value = text(fields, name);
  if (value === null)
    throw new IncompleteEvent(`${text(fields, 'Event')}/${text(fields, 'ChangeType')} has no ${name}`);
  return value;
}

function integer(fields: XmlFields, name: string): number | null {
  const value = text(fields, name);
  return value !== null && /^-?\d{1,9}$/.test(value) ? Number(value) : null;
}

const TAG_CHANGES = ['create', 'update', 'delete', 'shuffle'] as const;

/**
 * The domain event a callback becomes, or null for a callback the connector does not handle (WeCom sends other
 * events to the same URL, e.g. staff changes or app messages; they stay in the inbox as `ignored`).
 *
 * | WeCom Event / ChangeType                             | domain event                     |
 * | ---------------------------------------------------- | -------------------------------- |
 * | change_external_contact / add_external_contact       | wecom.contact_added              |
 * | change_external_contact / add_half_external_contact  | wecom.contact_half_added         |
 * | change_external_contact / edit_external_contact      | wecom.contact_edited             |
 * | change_external_contact / del_follow_user            | wecom.contact_deleted            |
 * | change_external_contact / del_external_contact       | wecom.contact_removed_by_guide   |
 * | change_external_contact / transfer_fail              | wecom.transfer_failed            |
 * | change_external_chat / create, update, dismiss       | wecom.chat_created/updated/dismissed |
 * | change_external_tag / create, update, delete, shuffle | wecom.tag_changed               |
 */
export function toDomainEvent(fields: XmlFields, inboxId: string): WeComEvent | null {
  if (text(fields, 'MsgType') !== 'event') return null;
  const event = text(fields, 'Event');
  const change = text(fields, 'ChangeType');
  const occurredAt = createTimeOf(fields);
  if (occurredAt === null) throw new IncompleteEvent(`${event}/${change} has no CreateTime`);
  const common = { corpId: required(fields, 'ToUserName'), occurredAt: occurredAt.toISOString(), inboxId };

  if (event === 'change_external_contact') {
    const contact = () => ({
      ...common,
      userId: required(fields, 'UserID'),
      externalUserId: required(fields, 'ExternalUserID'),
    });
    switch (change) {
      case 'add_external_contact':
      case 'add_half_external_contact':
        return {
          type: change === 'add_external_contact' ? 'wecom.contact_added' : 'wecom.contact_half_added',
          payload: { ...contact(), state: text(fields, 'State'), welcomeCode: text(fields, 'WelcomeCode') },
        };
      case 'edit_external_contact':
        return { type: 'wecom.contact_edited', payload: contact() };
      case 'del_follow_user':
        return { type: 'wecom.contact_deleted', payload: contact() };
      case 'del_external_contact': {
        const source = text(fields, 'Source');
        return {
          type: 'wecom.contact_removed_by_guide',
          payload: { ...contact(), source, byTransfer: source === 'DELETE_BY_TRANSFER' },
        };
      }
      case 'transfer_fail':
        return { type: 'wecom.transfer_failed', payload: { ...contact(), failReason: required(fields, 'FailReason') } };
      default:
        return null;
    }
  }

  if (event === 'change_external_chat') {
    const chatId = required(fields, 'ChatId');
    switch (change) {
      case 'create':
        return { type: 'wecom.chat_created', payload: { ...common, chatId } };
      case 'dismiss':
        return { type: 'wecom.chat_dismissed', payload: { ...common, chatId } };
      case 'update':
        return {
          type: 'wecom.chat_updated',
          payload: {
            ...common,
            chatId,
            updateDetail: required(fields, 'UpdateDetail'),
            joinScene: integer(fields, 'JoinScene'),
            quitScene: integer(fields, 'QuitScene'),
            memberChangeCount: integer(fields, 'MemChangeCnt'),
            memberIds: list(fields, 'MemChangeList'),
            lastMemberVersion: text(fields, 'LastMemVer'),
            currentMemberVersion: text(fields, 'CurMemVer'),
          },
        };
      default:
        return null;
    }
  }

  if (event === 'change_external_tag') {
    const changeType = TAG_CHANGES.find((c) => c === change);
    if (!changeType) return null;
    const tagType = text(fields, 'TagType');
    if (changeType !== 'shuffle' && tagType !== 'tag' && tagType !== 'tag_group') {
      throw new IncompleteEvent(`change_external_tag/${changeType} has no TagType tag or tag_group`);
    }
    return {
      type: 'wecom.tag_changed',
      payload: {
        ...common,
        changeType,
        tagId: changeType === 'shuffle' ? text(fields, 'Id') : required(fields, 'Id'),
        tagType: tagType === 'tag' || tagType === 'tag_group' ? tagType : null,
        strategyId: text(fields, 'StrategyId'),
      },
    };
  }
  return null;
}
