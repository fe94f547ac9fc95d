// The acquisition module's door: channel live codes (渠道活码) with guide rotation, welcome messages sent from
// WeCom's add callback, attribution of adds to codes, channels, links and guides, statistics, and trackable links
// for H5 landing pages (ARCHITECTURE §4, §11). Design and decisions: README.md in this folder.
//
// It reacts to wecom.contact_added / contact_half_added (the welcome message, inside WeCom's 20 seconds) and to
// relationships' relationship.started / relationship.ended (attribution, tags, rotation, losses); it publishes no
// domain events of its own (tags it gives are announced by the tags module as tag.added).
import type { ContactAdded } from '../../connectors/wecom/index.ts';
import type { RelationshipEnded, RelationshipStarted } from '../../contracts/relationships.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import { type ClaimedJob, enqueue } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { acquisitionMergeParticipant, acquisitionTimelineSource, attributeEnd, attributeStart } from './attribution.ts';
import { DELETE_WAY_JOB, deleteWayJob, PUSH_WAY_JOB, pushWayJob, refreshWorkspace } from './codes.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { acquisitionRoutes } from './routes.ts';
import { welcomeOnAdd } from './welcome.ts';

const REFRESH_JOB = 'acquisition.refresh';
const REFRESH_WORKSPACE_JOB = 'acquisition.refresh-workspace';

const workspaceOf = (job: ClaimedJob): string => {
  if (!job.workspaceId) throw new Error(`${job.kind} job ${job.id} has no workspace`);
  return job.workspaceId;
};

export function acquisitionModule(deps: { participants: CustomerParticipants; now?: () => Date }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  const { participants } = deps;
  participants.addMergeParticipant(acquisitionMergeParticipant);
  participants.addTimelineSource(acquisitionTimelineSource);
  return {
    name: 'acquisition',
    permissions: {
      // A guide: the codes they are in, their own adds, welcome messages and figures.
      'acquisition.read': ['owner', 'admin', 'operator', 'analyst', 'guide'],
      'acquisition.manage': ['owner', 'admin', 'operator'],
    },
    routes: acquisitionRoutes,
    subscribers: [
      {
        name: 'acquisition.welcome',
        events: ['wecom.contact_added', 'wecom.contact_half_added'],
        // Claimed ahead of the queue's backlog: the welcome code is good for 20 seconds from the add.
        priority: 1,
        handle: (event, tx) =>
          welcomeOnAdd(
            tx,
            event.workspaceId,
            event.payload as ContactAdded,
            event.type === 'wecom.contact_half_added',
            now,
          ),
      },
      {
        name: 'acquisition.attribution',
        events: ['relationship.started', 'relationship.ended'],
        handle: (event, tx) =>
          event.type === 'relationship.started'
            ? attributeStart(tx, participants, event.workspaceId, event.payload as RelationshipStarted)
            : attributeEnd(tx, event.workspaceId, event.payload as RelationshipEnded),
      },
    ],
    jobs: {
      [PUSH_WAY_JOB]: pushWayJob,
      [DELETE_WAY_JOB]: deleteWayJob,
      // Every minute: working hours begin and end, caps reset at midnight, guides resign, codes expire.
      [REFRESH_JOB]: async (job, tx) => {
        const rows = await tx.query<{ workspace_id: string }>(
          `SELECT DISTINCT workspace_id FROM acquisition_codes WHERE deleted_at IS NULL AND expired_at IS NULL
           UNION SELECT DISTINCT workspace_id FROM acquisition_early_ends`,
        );
        for (const { workspace_id } of rows) {
          await enqueue(tx, {
            kind: REFRESH_WORKSPACE_JOB,
            workspaceId: workspace_id,
            dedupeKey: `${workspace_id}@${REFRESH_WORKSPACE_JOB}:${job.id}`,
          });
        }
      },
      [REFRESH_WORKSPACE_JOB]: async (job, tx) => {
        await refreshWorkspace(tx, workspaceOf(job), now());
      },
    },
    schedules: [{ name: 'acquisition.rotation', cron: '* * * * *', kind: REFRESH_JOB }],
  };
}
