// Custom profile fields a workspace defines (text, number, date, single and multi choice), validated on write.
import type { Queryable } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'single_choice', 'multi_choice'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomField {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
}

export async function listCustomFields(q: Queryable, workspaceId: string): Promise<CustomField[]> {
  return q.query<CustomField>(
    'SELECT key, label, type, options, required FROM custom_fields WHERE workspace_id = $1 ORDER BY created_at, key',
    [workspaceId],
  );
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
  const fields = new Map((await listCustomFields(q, workspaceId)).map((f) => [f.key, f]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = fields.get(key);
    if (!field) throw invalid(key, 'unknown field');
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
