// Typed client for the foundation API. The session cookie is httpOnly, so the only session state held here is the
// CSRF token that must accompany every state-changing request.
import type { Static } from '@sinclair/typebox';
import type {
  Customer,
  CustomerDetail,
  CustomerListQuery,
  CustomField,
  CustomFieldBody,
  MergeBody,
  TimelineItem,
  UpdateCustomerBody,
  UpdateCustomFieldBody,
} from '../../src/contracts/customers.ts';
import type { DataImport, ImportKind, ImportRowError, Order } from '../../src/contracts/events.ts';
import type {
  ApiKey,
  AuditEntry,
  AuditQuery,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedStaff,
  CreateStaffBody,
  ErrorBody,
  Job,
  JobListQuery,
  LoginBody,
  Page,
  Session,
  Staff,
  StaffListQuery,
  UpdateStaffBody,
} from '../../src/contracts/foundation.ts';
import type {
  CreateSegmentBody,
  ExportFormat,
  Segment,
  SegmentCount,
  SegmentExport,
  SegmentMember,
  SegmentTaggingBody,
  UpdateSegmentBody,
} from '../../src/contracts/segments.ts';
import type {
  BulkTagBody,
  BulkTagResult,
  CustomerTag,
  Tag,
  TagBody,
  TagGroup,
  TagGroupBody,
  UpdateTagBody,
  UpdateTagGroupBody,
  WecomTagSync,
} from '../../src/contracts/tags.ts';
import type { CustomerTraits } from '../../src/contracts/traits.ts';
import type { MediaAsset } from '../../src/contracts/wecom.ts';
import { currentLanguage } from './i18n.ts';

export type JobQuery = Static<typeof JobListQuery>;
export type PageParams = { cursor?: string; limit?: number };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401, i.e. the session expired or was revoked elsewhere. */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

/**
 * A fresh key per logical create; pass the same key again when re-sending after a network failure so the server
 * can recognise the duplicate. `crypto.randomUUID` exists only in secure contexts, and self-hosted consoles are often
 * opened over plain http on a LAN address, so fall back to `getRandomValues`, which is always available.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type CustomFieldDef = Static<typeof CustomField>;
export type TimelineEntry = Static<typeof TimelineItem>;
export type CustomerMerge = CustomerDetail['merges'][number];
export type CustomerIdentity = CustomerDetail['identities'][number];

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  idempotencyKey?: string;
  /** Login and the initial session probe answer 401 as a normal outcome, not as "your session ended". */
  expectUnauthorized?: boolean;
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') {
      return new ApiError(response.status, body.error.code, body.error.message, body.error.details);
    }
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): report the HTTP status instead.
  }
  return new ApiError(response.status, 'http.error', `HTTP ${response.status} ${response.statusText}`.trim());
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  // The server localises error messages from Accept-Language; the browser's own header may not match the language
  // picked in the console, so send the picked one.
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;

  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.expectUnauthorized) unauthorizedListener?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * Sends a file as the request body with XMLHttpRequest, because fetch reports no upload progress and a file of
 * tens of megabytes takes a while on a store's uplink.
 */
function uploadFile<T>(
  path: string,
  query: Query,
  file: Blob,
  idempotencyKey: string,
  onProgress: (percent: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withQuery(path, query));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', currentLanguage());
    // The server reads the file by its name's extension; the browser's guess at a type (CSV files are often
    // labelled as Excel on Windows) adds nothing.
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.floor((event.loaded * 100) / event.total));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(JSON.parse(xhr.responseText) as T);
        return;
      }
      if (xhr.status === 401) unauthorizedListener?.();
      void errorFrom(new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText })).then(reject);
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.send(file);
  });
}

export const api = {
  login: (body: LoginBody) => request<Session>('POST', '/api/auth/login', { body, expectUnauthorized: true }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  /** Resolves to null when nobody is signed in. */
  me: async (): Promise<Session | null> => {
    try {
      return await request<Session>('GET', '/api/auth/me', { expectUnauthorized: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },

  listStaff: (query: StaffListQuery) => request<Page<Staff>>('GET', '/api/staff', { query }),
  createStaff: (body: CreateStaffBody, idempotencyKey = newIdempotencyKey()) =>
    request<CreatedStaff>('POST', '/api/staff', { body, idempotencyKey }),
  updateStaff: (id: string, body: UpdateStaffBody) =>
    request<Staff>('PATCH', `/api/staff/${encodeURIComponent(id)}`, { body }),

  listApiKeys: (query: PageParams) => request<Page<ApiKey>>('GET', '/api/api-keys', { query }),
  createApiKey: (body: CreateApiKeyBody, idempotencyKey = newIdempotencyKey()) =>
    request<CreatedApiKey>('POST', '/api/api-keys', { body, idempotencyKey }),
  revokeApiKey: (id: string) => request<ApiKey>('POST', `/api/api-keys/${encodeURIComponent(id)}/revoke`),

  listAudit: (query: AuditQuery) => request<Page<AuditEntry>>('GET', '/api/audit', { query }),

  listJobs: (query: JobQuery) => request<Page<Job>>('GET', '/api/jobs', { query }),
  retryJob: (id: string) => request<Job>('POST', `/api/jobs/${encodeURIComponent(id)}/retry`),

  listCustomers: (query: CustomerListQuery) => request<Page<Customer>>('GET', '/api/customers', { query }),
  getCustomer: (id: string) => request<CustomerDetail>('GET', `/api/customers/${encodeURIComponent(id)}`),
  updateCustomer: (id: string, body: UpdateCustomerBody) =>
    request<Customer>('PATCH', `/api/customers/${encodeURIComponent(id)}`, { body }),
  customerTimeline: (id: string, query: PageParams) =>
    request<Page<TimelineEntry>>('GET', `/api/customers/${encodeURIComponent(id)}/timeline`, { query }),
  customerOrders: (id: string, query: PageParams) =>
    request<Page<Order>>('GET', `/api/customers/${encodeURIComponent(id)}/orders`, { query }),
  customerTraits: (id: string) => request<CustomerTraits>('GET', `/api/customers/${encodeURIComponent(id)}/traits`),
  unmerge: (mergeId: string) =>
    request<{ survivor: Customer; restored: Customer }>(
      'POST',
      `/api/customers/merges/${encodeURIComponent(mergeId)}/unmerge`,
    ),
  mergeCustomers: (body: MergeBody) => request<CustomerDetail>('POST', '/api/customers/merge', { body }),
  listCustomFields: (includeArchived = false) =>
    request<{ items: CustomFieldDef[] }>('GET', '/api/custom-fields', {
      query: { includeArchived: includeArchived ? 'true' : undefined },
    }),
  createCustomField: (body: CustomFieldBody, idempotencyKey = newIdempotencyKey()) =>
    request<CustomFieldDef>('POST', '/api/custom-fields', { body, idempotencyKey }),
  updateCustomField: (key: string, body: UpdateCustomFieldBody) =>
    request<CustomFieldDef>('PATCH', `/api/custom-fields/${encodeURIComponent(key)}`, { body }),
  archiveCustomField: (key: string, archived: boolean) =>
    request<CustomFieldDef>(
      'POST',
      `/api/custom-fields/${encodeURIComponent(key)}/${archived ? 'archive' : 'restore'}`,
    ),

  listTagGroups: () => request<Page<TagGroup>>('GET', '/api/tag-groups'),
  createTagGroup: (body: TagGroupBody, idempotencyKey = newIdempotencyKey()) =>
    request<TagGroup>('POST', '/api/tag-groups', { body, idempotencyKey }),
  updateTagGroup: (id: string, body: UpdateTagGroupBody) =>
    request<TagGroup>('PATCH', `/api/tag-groups/${encodeURIComponent(id)}`, { body }),
  deleteTagGroup: (id: string) => request<void>('DELETE', `/api/tag-groups/${encodeURIComponent(id)}`),
  createTag: (body: TagBody, idempotencyKey = newIdempotencyKey()) =>
    request<Tag>('POST', '/api/tags', { body, idempotencyKey }),
  updateTag: (id: string, body: UpdateTagBody) =>
    request<Tag>('PATCH', `/api/tags/${encodeURIComponent(id)}`, { body }),
  deleteTag: (id: string) => request<void>('DELETE', `/api/tags/${encodeURIComponent(id)}`),
  wecomTagSync: () => request<WecomTagSync>('GET', '/api/tags/wecom-sync'),
  /** Queues a sync of WeCom's corp tags (企业客户标签) into Siyu; answers at once with its state. */
  startWecomTagSync: () => request<WecomTagSync>('POST', '/api/tags/wecom-sync', { body: {} }),
  customerTags: (id: string) => request<Page<CustomerTag>>('GET', `/api/customers/${encodeURIComponent(id)}/tags`),
  tagCustomer: (id: string, tagIds: string[]) =>
    request<Page<CustomerTag>>('POST', `/api/customers/${encodeURIComponent(id)}/tags`, { body: { tagIds } }),
  untagCustomer: (id: string, tagId: string) =>
    request<void>('DELETE', `/api/customers/${encodeURIComponent(id)}/tags/${encodeURIComponent(tagId)}`),
  /** Adds (or with `remove`, takes away) a tag for every customer a list of ids and phone numbers names. */
  bulkTag: (tagId: string, body: BulkTagBody, remove: boolean) =>
    request<BulkTagResult>('POST', `/api/tags/${encodeURIComponent(tagId)}/customers${remove ? '/remove' : ''}`, {
      body,
    }),

  listSegments: (query: PageParams) => request<Page<Segment>>('GET', '/api/segments', { query }),
  getSegment: (id: string) => request<Segment>('GET', `/api/segments/${encodeURIComponent(id)}`),
  createSegment: (body: CreateSegmentBody, idempotencyKey = newIdempotencyKey()) =>
    request<Segment>('POST', '/api/segments', { body, idempotencyKey }),
  updateSegment: (id: string, body: UpdateSegmentBody) =>
    request<Segment>('PATCH', `/api/segments/${encodeURIComponent(id)}`, { body }),
  deleteSegment: (id: string) => request<void>('DELETE', `/api/segments/${encodeURIComponent(id)}`),
  previewSegment: (rule: Record<string, unknown>) =>
    request<SegmentCount>('POST', '/api/segments/preview', { body: { rule } }),
  segmentCount: (id: string) => request<SegmentCount>('GET', `/api/segments/${encodeURIComponent(id)}/count`),
  segmentMembers: (id: string, query: PageParams) =>
    request<Page<SegmentMember>>('GET', `/api/segments/${encodeURIComponent(id)}/members`, { query }),
  startSegmentExport: (id: string, format: ExportFormat, idempotencyKey = newIdempotencyKey()) =>
    request<SegmentExport>('POST', `/api/segments/${encodeURIComponent(id)}/exports`, {
      body: { format },
      idempotencyKey,
    }),
  segmentExport: (id: string, exportId: string) =>
    request<SegmentExport>('GET', `/api/segments/${encodeURIComponent(id)}/exports/${encodeURIComponent(exportId)}`),
  /** The download itself: a plain link, so the browser streams it to disk under the server's filename. */
  segmentExportFileUrl: (id: string, exportId: string) =>
    `/api/segments/${encodeURIComponent(id)}/exports/${encodeURIComponent(exportId)}/file`,
  /** Uploads a CSV or .xlsx file; the import then runs as background jobs (follow it with `getImport`). */
  startImport: (
    kind: ImportKind,
    file: File,
    onProgress: (percent: number) => void,
    idempotencyKey = newIdempotencyKey(),
  ) => uploadFile<DataImport>('/api/imports', { kind, filename: file.name }, file, idempotencyKey, onProgress),
  listImports: (query: PageParams) => request<Page<DataImport>>('GET', '/api/imports', { query }),
  /** Adds an image (JPG/PNG, ≤ 10 MB) to the media library; the same bytes again answer the image already there. */
  uploadMedia: (file: File, onProgress: (percent: number) => void, idempotencyKey = newIdempotencyKey()) =>
    uploadFile<MediaAsset>('/api/wecom/media', { name: file.name }, file, idempotencyKey, onProgress),
  listMedia: (query: PageParams) => request<Page<MediaAsset>>('GET', '/api/wecom/media', { query }),
  getMedia: (id: string) => request<MediaAsset>('GET', `/api/wecom/media/${encodeURIComponent(id)}`),
  deleteMedia: (id: string) => request<void>('DELETE', `/api/wecom/media/${encodeURIComponent(id)}`),
  /** The image itself, for <img>: the session cookie goes with it. */
  mediaContentUrl: (id: string) => `/api/wecom/media/${encodeURIComponent(id)}/content`,
  getImport: (id: string) => request<DataImport>('GET', `/api/imports/${encodeURIComponent(id)}`),
  importErrors: (id: string, query: PageParams) =>
    request<Page<ImportRowError>>('GET', `/api/imports/${encodeURIComponent(id)}/errors`, { query }),
  /** The template download: a plain link, in the console's language. */
  importTemplateUrl: (kind: ImportKind) =>
    withQuery(`/api/imports/templates/${encodeURIComponent(kind)}`, { lang: currentLanguage() }),
  tagSegment: (id: string, body: SegmentTaggingBody) =>
    request<BulkTagResult>('POST', `/api/segments/${encodeURIComponent(id)}/tagging`, { body }),
};
