// The WeCom connector's door. Other modules use WeCom through what is exported here and by subscribing to the
// `wecom.*` domain events (names and payloads in src/contracts/wecom.ts; the mapping from WeCom's callbacks in
// events.ts and README.md):
//
//   subscribers: [{ name: 'acquisition.attribute-add', events: ['wecom.contact_added'],
//                   handle: (event, tx) => attribute(tx, event.payload as ContactAdded) }]
//
//   const client = await workspaceClient(tx, workspaceId);          // the workspace's 客户联系 app
//   await client.sendWelcomeMessage({ welcomeCode, text: '欢迎！' });
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import { INBOX_JOB } from './callback.ts';
import { inboxJob, pruneJob } from './inbox.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { MEDIA_REFRESH_JOB, MEDIA_UPLOAD_JOB, queueRenewals, uploadJob } from './media.ts';
import { wecomRoutes } from './routes.ts';

export type {
  ChatCreated,
  ChatDismissed,
  ChatUpdated,
  ContactAdded,
  ContactDeleted,
  ContactEdited,
  ContactHalfAdded,
  ContactRemovedByGuide,
  SettingsSaved,
  TagChanged,
  TransferFailed,
  WeComDomainEvents,
  WeComDomainEventType,
} from '../../contracts/wecom.ts';
export { WECOM_EVENT_TYPES } from '../../contracts/wecom.ts';
export {
  type AppMessageInput,
  type ContactWay,
  type ContactWayInput,
  type CorpTag,
  type CorpTagGroup,
  createWeComClient,
  type ExternalContact,
  type ExternalContactDetail,
  type FollowUser,
  type GroupChat,
  type GroupChatMember,
  type JoinWay,
  type JoinWayInput,
  type MediaFile,
  type MediaType,
  type MessageTemplateInput,
  sharedTokenCache,
  TokenCache,
  type TransferOutcome,
  type TransferStatus,
  type UploadedMedia,
  type WeComClient,
  type WeComClientOptions,
  type WelcomeAttachment,
} from './client.ts';
export {
  aesKeyOf,
  type CallbackKeys,
  decryptMessage,
  encryptMessage,
  generateEncodingAesKey,
  msgSignature,
  openMessage,
  sealMessage,
} from './crypto.ts';
export { ERRCODES, WeComApiError } from './errors.ts';
export {
  ensureMediaId,
  MEDIA_REFRESH_JOB,
  MEDIA_UPLOAD_JOB,
  MEDIA_USABLE_FOR_MS,
  queueRenewals,
  setMediaUses,
  sniffImage,
} from './media.ts';
export {
  clientFor,
  loadSettings,
  type StoredSettings,
  saveSettings,
  type WeComApp,
  workspaceClient,
} from './settings.ts';
export { type Delivery, Simulator, type SimulatorOptions, startSimulator } from './simulator.ts';

/** Job kind of the hourly clean-up of nonces, old refusals and handled inbox rows. */
const PRUNE_JOB = 'wecom.prune';

export function wecomModule(deps: { now?: () => Date } = {}): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  return {
    name: 'wecom',
    permissions: {
      // Settings without secrets, the security log and the inbox.
      'wecom.read': ['owner', 'admin', 'auditor'],
      'wecom.manage': ['owner', 'admin'],
      // The media library: everyone who edits welcome messages uploads; whoever reads them sees the images.
      'media.read': ['owner', 'admin', 'operator', 'analyst', 'guide'],
      'media.manage': ['owner', 'admin', 'operator'],
    },
    routes: wecomRoutes,
    jobs: {
      [INBOX_JOB]: inboxJob,
      [PRUNE_JOB]: pruneJob,
      [MEDIA_REFRESH_JOB]: async (_job, tx) => {
        await queueRenewals(tx, now());
      },
      [MEDIA_UPLOAD_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${job.kind} job ${job.id} has no workspace`);
        await uploadJob(tx, job.workspaceId, job.payload);
      },
    },
    schedules: [
      { name: 'wecom.prune', cron: '17 * * * *', kind: PRUNE_JOB },
      // Media ids in use are renewed at 2.5 days of their 3; every half hour leaves ample room.
      { name: 'wecom.media-refresh', cron: '*/30 * * * *', kind: MEDIA_REFRESH_JOB },
    ],
  };
}
