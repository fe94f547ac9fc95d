// Value lists the community pages label through i18n, and the colours of their tags. The contract's runtime arrays
// stay out of the browser bundle (they would bring TypeBox), so the lists are typed against the contract instead:
// each Record needs exactly one entry per member of its union.
import type {
  GroupStatus,
  LiveCodeSyncState,
  MatchKind,
  MemberRole,
  MemberStatus,
  MessageType,
  ModerationAction,
  ModerationKind,
  RemovalStatus,
  SendState,
  SopSchedule,
  WeComRole,
} from '../../../src/contracts/community.ts';

const keys = <T extends string>(record: Record<T, unknown>) => Object.keys(record) as T[];

const groupStatusColor: Record<GroupStatus, string> = { active: 'green', dismissed: 'default' };
const memberStatusColor: Record<MemberStatus, string> = { active: 'green', left: 'default' };
const roleColor: Record<MemberRole, string> = { admin: 'blue', koc: 'gold', member: 'default' };
const wecomRoleColor: Record<WeComRole, string> = { owner: 'purple', admin: 'geekblue', member: 'default' };
const syncColor: Record<LiveCodeSyncState, string> = { pending: 'processing', synced: 'green', failed: 'red' };
const sendColor: Record<SendState, string> = { pending: 'processing', sent: 'green', failed: 'red' };
const removalColor: Record<RemovalStatus, string> = { requested: 'orange', done: 'green', cancelled: 'default' };
const actionColor: Record<ModerationAction, string> = { warn: 'orange', remove: 'volcano', blacklist: 'red' };
const kindNames: Record<ModerationKind, true> = { ad_link: true, qr_code: true, sensitive_words: true, flood: true };
const matchNames: Record<MatchKind, true> = { exact: true, contains: true, regex: true };
const scheduleNames: Record<SopSchedule, true> = { once: true, daily: true, weekly: true };
const messageTypeNames: Record<MessageType, true> = {
  text: true,
  image: true,
  link: true,
  weapp: true,
  card: true,
  other: true,
};

export const GROUP_STATUSES = keys(groupStatusColor);
export const MEMBER_STATUSES = keys(memberStatusColor);
export const MEMBER_ROLES = keys(roleColor);
export const MODERATION_KINDS = keys(kindNames);
export const MODERATION_ACTIONS = keys(actionColor);
export const MATCH_KINDS = keys(matchNames);
export const SOP_SCHEDULES = keys(scheduleNames);
export const REMOVAL_STATUSES = keys(removalColor);
export const MESSAGE_TYPES = keys(messageTypeNames);

export const groupStatusTag = (s: GroupStatus) => groupStatusColor[s];
export const memberStatusTag = (s: MemberStatus) => memberStatusColor[s];
export const roleTag = (r: MemberRole) => roleColor[r];
export const wecomRoleTag = (r: WeComRole) => wecomRoleColor[r];
export const syncTag = (s: LiveCodeSyncState) => syncColor[s];
export const sendTag = (s: SendState) => sendColor[s];
export const removalTag = (s: RemovalStatus) => removalColor[s];
export const actionTag = (a: ModerationAction) => actionColor[a];

/** WeCom's member join_scene and the del_member QuitScene, as the pages name them. */
export const JOIN_SCENES = [1, 2, 3] as const;
export const QUIT_SCENES = [0, 1] as const;

/** ISO weekdays, Monday first. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
