// Custom profile fields a workspace defines (text, number, date, single and multi choice), validated on write;
// edited (label, required, more options) and archived or restored, never deleted.
import type { Queryable } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'single_choice', 'multi_choice'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomField {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
  archivedAt: string | null;
}

const FIELD_COLUMNS = `key, label, type, options, required,
  to_char(archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "archivedAt"`;

/** The workspace's fields in the order they were defined; archived ones only when asked for. */
export async function listCustomFields(
  q: Queryable,
  workspaceId: string,
  options: { includeArchived?: boolean } = {},
): Promise<CustomField[]> {
  return q.query<CustomField>(
    `SELECT ${FIELD_COLUMNS} FROM custom_fields WHERE workspace_id = $1 AND ($2 OR archived_at IS NULL)
      ORDER BY created_at, key`,
    [workspaceId, options.includeArchived ?? false],
  );
}

/**
 * Changes a field's label, whether it is required, and its choices. Type and key stay (stored values depend on
 * them), and choices may only be added: a removed one would leave customers holding a value no longer allowed.
 */
export async function updateCustomField(
  q: Queryable,
  workspaceId: string,
  key: string,
  patch: { label?: string; required?: boolean; options?: string[] },
): Promise<CustomField> {
  const [current] = await q.query<CustomField>(
    `SELECT ${FIELD_COLUMNS} FROM custom_fields WHERE workspace_id = $1 AND key = $2 FOR UPDATE`,
    [workspaceId, key],
  );
  if (!current) throw notFound('customer.custom_field_not_found', { key });
  const choice = current.type === 'single_choice' || current.type === 'multi_choice';
  if (patch.options && !choice) throw new AppError(400, 'customer.custom_field_options_not_choice', { key });
  const removed = patch.options ? current.options.filter((o) => !patch.options?.includes(o)) : [];
  if (removed.length > 0)
    throw new AppError(409, 'customer.custom_field_option_removed', { options: removed.join(', ') });
  const [row] = await q.query<CustomField>(
    `UPDATE custom_fields SET label = coalesce($3, label), required = coalesce($4, required),
       options = coalesce($5::text[], options) WHERE workspace_id = $1 AND key = $2 RETURNING ${FIELD_COLUMNS}`,
    [workspaceId, key, patch.label ?? null, patch.required ?? null, patch.options ? [...new Set(patch.options)] : null],
  );
  return row as CustomField;
}

/** Archives (`archived` true) or restores a field; an archived field is no longer required. */
export async function archiveCustomField(
  q: Queryable,
  workspaceId: string,
  key: string,
  archived: boolean,
  at: Date,
): Promise<CustomField> {
  const [row] = await q.query<CustomField>(
    `UPDATE custom_fields SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, $4) END,
       required = CASE WHEN $3 THEN false ELSE required END
      WHERE workspace_id = $1 AND key = $2 RETURNING ${FIELD_COLUMNS}`,
    [workspaceId, key, archived, at],
  );
  if (!row) throw notFound('customer.custom_field_not_found', { key });
  return row;
}

function invalid(key: string, reason: string): AppError {
  return new AppError(400, 'customer.invalid_custom_field', { key, reason }, { field: `custom.${key}`, reason });
}

/** Checks each value against its field's type; unknown keys are refused. Null removes a value. */
export async function validateCustom(
  q: Queryable,
  workspaceId: string,
  values: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const fields = new Map((await listCustomFields(q, workspaceId, { includeArchived: true })).map((f) => [f.key, f]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = fields.get(key);
    if (!field) throw invalid(key, 'unknown field');
    if (field.archivedAt && value !== null) throw invalid(key, 'archived field');
    if (value === null) {
      if (field.required) throw invalid(key, 'required');
      out[key] = null;
      continue;
    }
    switch (field.type) {
      case 'text':
        if (typeof value !== 'string' || value.length > 1000) throw invalid(key, 'text of at most 1000 characters');
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(key, 'a number');
        break;
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
          throw invalid(key, 'a date YYYY-MM-DD');
        }
        break;
      case 'single_choice':
        if (typeof value !== 'string' || !field.options.includes(value)) {
          throw invalid(key, `one of ${field.options.join(', ')}`);
        }
        break;
      case 'multi_choice':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && field.options.includes(v))) {
          throw invalid(key, `a list of ${field.options.join(', ')}`);
        }
        break;
    }
    out[key] = value;
  }
  return out;
}
