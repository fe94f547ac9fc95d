// Value lists the customer pages label through i18n; values outside them are shown as stored.
import type { Customer } from '../../../src/contracts/customers.ts';

export const GENDERS: Customer['gender'][] = ['female', 'male', 'unknown'];
/** Source and preferred channels as the ingestion API and the demo name them. */
export const CHANNELS = ['store', 'mini_program', 'wecom', 'official_account', 'referral', 'app', 'h5'] as const;
/** Behaviour events the demo and the SDKs send, labelled in the timeline and suggested in the segment builder. */
export const EVENT_NAMES = [
  'signed_up',
  'view_product',
  'add_to_cart',
  'order_completed',
  'check_in',
  'app_open',
] as const;
export const ORDER_STATUSES = ['pending', 'paid', 'partially_refunded', 'refunded', 'cancelled'] as const;

export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

export function isOneOf<T extends string>(list: readonly T[], value: string | null | undefined): value is T {
  return value !== null && value !== undefined && (list as readonly string[]).includes(value);
}
