// Colours of the relationships module's statuses, beside their labels in the locale files.
import type {
  ChurnDirection,
  RelationshipStatus,
  TaskStatus,
  TransferStatus,
} from '../../../src/contracts/relationships.ts';

export const RELATIONSHIP_STATUS_COLORS: Record<RelationshipStatus, string> = {
  active: 'green',
  deleted_by_customer: 'red',
  deleted_by_guide: 'volcano',
  transferred: 'blue',
  ended: 'default',
};

export const TRANSFER_STATUS_COLORS: Record<TransferStatus, string> = {
  waiting: 'processing',
  succeeded: 'success',
  failed: 'error',
};

export const TASK_STATUS_COLORS: Record<TaskStatus, string> = {
  open: 'processing',
  done: 'success',
  skipped: 'default',
  overdue: 'error',
};

export const CHURN_DIRECTION_COLORS: Record<ChurnDirection, string> = {
  customer_deleted_guide: 'red',
  guide_deleted_customer: 'volcano',
  unknown: 'default',
};
