// The acquisition API as the console calls it (channels, channel live codes, statistics, trackable links, welcome
// messages), through the console's one fetch wrapper. Types come from the shared contract, imported as types only.
import type {
  Acquisition,
  AcquisitionListQuery,
  AcquisitionOverview,
  AcquisitionSettings,
  AcquisitionSettingsBody,
  AcquisitionStats,
  Channel,
  ChannelBody,
  ChannelCode,
  ChannelCodeBody,
  ChannelListQuery,
  CodeListQuery,
  Link,
  LinkBody,
  LinkListQuery,
  LinkStats,
  LinkStatsQuery,
  RefreshResult,
  StatsQuery,
  UpdateChannelBody,
  UpdateChannelCodeBody,
  UpdateLinkBody,
  WelcomeListQuery,
  WelcomePreview,
  WelcomePreviewBody,
  WelcomeSend,
} from '../../../src/contracts/acquisition.ts';
import type { Page } from '../../../src/contracts/foundation.ts';
import { newIdempotencyKey, request } from '../api.ts';

const id = encodeURIComponent;
const base = '/api/acquisition';

export const acquisitionApi = {
  overview: () => request<AcquisitionOverview>('GET', `${base}/overview`),

  listChannels: (query: ChannelListQuery = {}) =>
    request<Page<Channel>>('GET', `${base}/channels`, {
      query: { includeArchived: query.includeArchived === undefined ? undefined : String(query.includeArchived) },
    }),
  createChannel: (body: ChannelBody, idempotencyKey = newIdempotencyKey()) =>
    request<Channel>('POST', `${base}/channels`, { body, idempotencyKey }),
  updateChannel: (channelId: string, body: UpdateChannelBody) =>
    request<Channel>('PATCH', `${base}/channels/${id(channelId)}`, { body }),
  deleteChannel: (channelId: string) => request<void>('DELETE', `${base}/channels/${id(channelId)}`),

  listCodes: (query: CodeListQuery = {}) => request<Page<ChannelCode>>('GET', `${base}/codes`, { query }),
  getCode: (codeId: string) => request<ChannelCode>('GET', `${base}/codes/${id(codeId)}`),
  createCode: (body: ChannelCodeBody, idempotencyKey = newIdempotencyKey()) =>
    request<ChannelCode>('POST', `${base}/codes`, { body, idempotencyKey }),
  updateCode: (codeId: string, body: UpdateChannelCodeBody) =>
    request<ChannelCode>('PATCH', `${base}/codes/${id(codeId)}`, { body }),
  pauseCode: (codeId: string) => request<ChannelCode>('POST', `${base}/codes/${id(codeId)}/pause`),
  resumeCode: (codeId: string) => request<ChannelCode>('POST', `${base}/codes/${id(codeId)}/resume`),
  syncCode: (codeId: string) => request<ChannelCode>('POST', `${base}/codes/${id(codeId)}/sync`),
  deleteCode: (codeId: string) => request<void>('DELETE', `${base}/codes/${id(codeId)}`),
  refresh: () => request<RefreshResult>('POST', `${base}/refresh`),

  listAdds: (query: AcquisitionListQuery) =>
    request<Page<Acquisition>>('GET', `${base}/adds`, {
      query: { ...query, lost: query.lost === undefined ? undefined : String(query.lost) },
    }),
  listWelcomes: (query: WelcomeListQuery) => request<Page<WelcomeSend>>('GET', `${base}/welcomes`, { query }),
  previewWelcome: (body: WelcomePreviewBody) => request<WelcomePreview>('POST', `${base}/welcome/preview`, { body }),
  getSettings: () => request<AcquisitionSettings>('GET', `${base}/settings`),
  saveSettings: (body: AcquisitionSettingsBody) => request<AcquisitionSettings>('PUT', `${base}/settings`, { body }),

  stats: (query: StatsQuery) => request<AcquisitionStats>('GET', `${base}/stats`, { query }),

  listLinks: (query: LinkListQuery = {}) => request<Page<Link>>('GET', `${base}/links`, { query }),
  getLink: (linkId: string) => request<Link>('GET', `${base}/links/${id(linkId)}`),
  createLink: (body: LinkBody, idempotencyKey = newIdempotencyKey()) =>
    request<Link>('POST', `${base}/links`, { body, idempotencyKey }),
  updateLink: (linkId: string, body: UpdateLinkBody) => request<Link>('PATCH', `${base}/links/${id(linkId)}`, { body }),
  deleteLink: (linkId: string) => request<void>('DELETE', `${base}/links/${id(linkId)}`),
  linkStats: (linkId: string, query: LinkStatsQuery) =>
    request<LinkStats>('GET', `${base}/links/${id(linkId)}/stats`, { query }),
};
