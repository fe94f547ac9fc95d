// Value lists the acquisition pages label through i18n, and the colours of their tags. The contract's runtime arrays
// stay out of the browser bundle (they would bring TypeBox), so each list is a Record typed against the contract's
// union: the contract gaining a value breaks this file until the value has a colour and a label.
import type {
  CodeStatus,
  WELCOME_ATTACHMENTS_MAX as ContractAttachmentsMax,
  WELCOME_TEXT_MAX_BYTES as ContractTextMaxBytes,
  ExposureReason,
  RotationMode,
  SyncState,
  WELCOME_VARIABLES,
  WelcomeAttachment,
  WelcomeStatus,
} from '../../../src/contracts/acquisition.ts';

const keys = <T extends string>(record: Record<T, unknown>) => Object.keys(record) as T[];

const statusColor: Record<CodeStatus, string> = { active: 'green', paused: 'orange', expired: 'default' };
const syncColor: Record<SyncState, string> = { pending: 'processing', synced: 'green', failed: 'red' };
const welcomeColor: Record<WelcomeStatus, string> = { sent: 'green', failed: 'red', skipped: 'default' };
const exposureColor: Record<ExposureReason, string> = { pool: 'green', backup: 'orange', fallback: 'red' };
const modeNames: Record<RotationMode, true> = { round_robin: true, weighted: true, all: true };
const attachmentNames: Record<WelcomeAttachment['kind'], true> = { image: true, link: true, miniprogram: true };

export const CODE_STATUSES = keys(statusColor);
export const ROTATION_MODES = keys(modeNames);
export const WELCOME_STATUSES = keys(welcomeColor);
export const ATTACHMENT_KINDS = keys(attachmentNames);

export const statusTag = (s: CodeStatus) => statusColor[s];
export const syncTag = (s: SyncState) => syncColor[s];
export const welcomeTag = (s: WelcomeStatus) => welcomeColor[s];
export const exposureTag = (e: ExposureReason) => exposureColor[e];

/** WeCom's send_welcome_msg limits, typed as the contract's literals so a change there fails here. */
export const WELCOME_TEXT_MAX_BYTES: typeof ContractTextMaxBytes = 4000;
export const WELCOME_ATTACHMENTS_MAX: typeof ContractAttachmentsMax = 9;

/** ISO weekdays, Monday first (the contract's working-hours days). */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

type WelcomeVariable = (typeof WELCOME_VARIABLES)[number];
/**
 * The welcome-text variables with their Chinese aliases (the contract's WELCOME_VARIABLES, checked by type so either
 * side changing fails the typecheck). The editor inserts `{{客户昵称}}` in Chinese and `{{name}}` in English; the
 * server reads both.
 */
export const WELCOME_VARIABLE_ALIASES = {
  name: '客户昵称',
  guide: '导购名',
  store: '门店',
  brand: '品牌',
  tier: '会员等级',
  city: '城市',
  birthday: '生日',
} as const satisfies { [V in WelcomeVariable as V['key']]: V['alias'] };
export const WELCOME_VARIABLE_KEYS = keys(WELCOME_VARIABLE_ALIASES);

/** Working-hours choices every 15 minutes; `24:00` ends the day (the contract's TimeOfDay). */
export const TIMES_OF_DAY: string[] = Array.from({ length: 97 }, (_, i) => {
  const minutes = i * 15;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

/** A share (0–1) as a percentage with one decimal, or a dash when there is nothing to divide by. */
export const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

/** Milliseconds as seconds with one decimal: welcome latency against WeCom's 20-second window. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
