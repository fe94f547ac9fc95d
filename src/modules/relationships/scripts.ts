// The script library (话术库): categories and scripts guides copy into WeCom, with variables such as {{name}} or
// {{name|亲}} filled from the customer's profile, their guide and the brand when shown. Unknown variables are
// refused on save, so a typo never reaches a customer as "{{nmae}}"; a value the customer lacks is rendered with
// the fallback written in the placeholder, else the variable's default one.
import {
  SCRIPT_VARIABLES,
  type Script,
  type ScriptBody,
  type ScriptCategory,
  type ScriptCategoryBody,
  type ScriptListQuery,
  type ScriptVariable,
  type UpdateScriptBody,
  type UpdateScriptCategoryBody,
} from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { memberTier } from '../loyalty/index.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|([^{}]*))?\}\}/g;

/** The variables a text uses, in order of first use. */
export function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/** Refuses a script text with variables nobody can fill (400 script.unknown_variables, naming them). */
export function checkScriptText(text: string): void {
  const unknown = variablesOf(text).filter((v) => !(SCRIPT_VARIABLES as readonly string[]).includes(v));
  if (unknown.length > 0) {
    throw new AppError(
      400,
      'script.unknown_variables',
      { names: unknown.join(', '), known: SCRIPT_VARIABLES.join(', ') },
      { unknown, known: SCRIPT_VARIABLES },
    );
  }
}

export type ScriptValues = Partial<Record<ScriptVariable, string | null>>;

/** Fills the placeholders; returns the text and the variables that fell back (no value for this customer). */
export function renderScript(
  text: string,
  values: ScriptValues,
  locale: Locale,
): { text: string; fallbacks: string[] } {
  const fallbacks = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_whole, name: string, fallback: string | undefined) => {
    const value = values[name as ScriptVariable];
    if (typeof value === 'string' && value.trim() !== '') return value;
    fallbacks.add(name);
    return fallback !== undefined ? fallback.trim() : translate(locale, `script.fallback.${name}`);
  });
  return { text: out, fallbacks: [...fallbacks] };
}

/**
 * What the variables stand for, for one customer (or none, for a task about all of a guide's customers) and guide:
 * name (the profile's, else the guide's WeCom remark, else the WeChat name), guide, store (the guide's department),
 * tier (the loyalty tier's name), city, birthday (month and day), brand (the workspace's name).
 */
export async function scriptValues(
  tx: Tx,
  workspaceId: string,
  customerId: string | null,
  guideStaffId: string | null,
  locale: Locale,
): Promise<ScriptValues> {
  const [base] = await tx.query<{ brand: string; guide: string | null; store: string | null }>(
    `SELECT w.name AS brand, s.name AS guide, s.department AS store FROM workspaces w
       LEFT JOIN staff s ON s.workspace_id = w.id AND s.id = $2 WHERE w.id = $1`,
    [workspaceId, guideStaffId],
  );
  const values: ScriptValues = { brand: base?.brand ?? null, guide: base?.guide ?? null, store: base?.store ?? null };
  if (!customerId) return values;
  const [c] = await tx.query<{
    name: string | null;
    city: string | null;
    birthday: string | null;
    remark: string | null;
  }>(
    `SELECT c.name, c.city, to_char(c.birthday, 'MM-DD') AS birthday,
            (SELECT nullif(coalesce(nullif(r.remark, ''), r.contact_name), '') FROM customer_relationships r
               JOIN guides g ON g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid
              WHERE r.workspace_id = c.workspace_id AND r.customer_id = c.id AND g.staff_id = $3
              ORDER BY (r.status = 'active') DESC, r.created_at DESC LIMIT 1) AS remark
       FROM customers c WHERE c.workspace_id = $1 AND c.id = $2`,
    [workspaceId, customerId, guideStaffId],
  );
  if (!c) return values;
  const tier = await memberTier(tx, workspaceId, customerId);
  values.name = c.name ?? c.remark;
  values.city = c.city;
  values.tier = tier && (tier.status === 'active' || tier.status === 'frozen') ? tier.name : null;
  values.birthday = c.birthday
    ? translate(locale, 'script.birthday_format', {
        month: Number(c.birthday.slice(0, 2)),
        day: Number(c.birthday.slice(3)),
      })
    : null;
  return values;
}

// ---------------------------------------------------------------------------------------------------------------
// Categories and scripts.

interface CategoryRow {
  id: string;
  name: string;
  sort: number;
  script_count: number;
  created_at: Date;
}
const toCategory = (r: CategoryRow): ScriptCategory => ({
  id: r.id,
  name: r.name,
  sort: r.sort,
  scriptCount: r.script_count,
  createdAt: r.created_at.toISOString(),
});

export async function listCategories(q: Queryable, workspaceId: string): Promise<ScriptCategory[]> {
  const rows = await q.query<CategoryRow>(
    `SELECT k.id, k.name, k.sort, k.created_at,
            (SELECT count(*)::int FROM scripts s WHERE s.workspace_id = k.workspace_id AND s.category_id = k.id)
              AS script_count
       FROM script_categories k WHERE k.workspace_id = $1 ORDER BY k.sort, k.name`,
    [workspaceId],
  );
  return rows.map(toCategory);
}

async function getCategory(q: Queryable, workspaceId: string, id: string): Promise<ScriptCategory> {
  const all = await listCategories(q, workspaceId);
  const found = all.find((c) => c.id === id);
  if (!found) throw notFound('script.category_not_found');
  return found;
}

const nameTaken = (err: unknown, code: string, params: Record<string, string>): never => {
  if (sqlState(err) === UNIQUE_VIOLATION) throw conflict(code, params);
  throw err;
};

export async function createCategory(q: Queryable, workspaceId: string, body: ScriptCategoryBody) {
  try {
    const rows = await q.query<{ id: string }>(
      'INSERT INTO script_categories (workspace_id, name, sort) VALUES ($1, $2, $3) RETURNING id',
      [workspaceId, body.name, body.sort ?? 0],
    );
    return getCategory(q, workspaceId, (rows[0] as { id: string }).id);
  } catch (err) {
    return nameTaken(err, 'script.category_name_taken', { name: body.name });
  }
}

export async function updateCategory(q: Queryable, workspaceId: string, id: string, body: UpdateScriptCategoryBody) {
  try {
    const rows = await q.query(
      `UPDATE script_categories SET name = coalesce($3, name), sort = coalesce($4, sort)
        WHERE workspace_id = $1 AND id = $2 RETURNING 1`,
      [workspaceId, id, body.name ?? null, body.sort ?? null],
    );
    if (rows.length === 0) throw notFound('script.category_not_found');
  } catch (err) {
    if (err instanceof AppError) throw err;
    nameTaken(err, 'script.category_name_taken', { name: body.name ?? '' });
  }
  return getCategory(q, workspaceId, id);
}

export async function deleteCategory(q: Queryable, workspaceId: string, id: string): Promise<void> {
  const category = await getCategory(q, workspaceId, id);
  if (category.scriptCount > 0) throw conflict('script.category_not_empty', { count: category.scriptCount });
  await q.query('DELETE FROM script_categories WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
}

interface ScriptRow {
  id: string;
  category_id: string;
  category_name: string;
  title: string;
  body: string;
  created_at: Date;
  updated_at: Date;
}
const toScript = (r: ScriptRow): Script => ({
  id: r.id,
  categoryId: r.category_id,
  categoryName: r.category_name,
  title: r.title,
  body: r.body,
  variables: variablesOf(r.body),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});
const SCRIPT_SELECT = `SELECT s.id, s.category_id, k.name AS category_name, s.title, s.body, s.created_at, s.updated_at
  FROM scripts s JOIN script_categories k ON k.workspace_id = s.workspace_id AND k.id = s.category_id`;

export async function listScripts(q: Queryable, workspaceId: string, query: ScriptListQuery): Promise<Script[]> {
  const rows = await q.query<ScriptRow>(
    `${SCRIPT_SELECT} WHERE s.workspace_id = $1 AND ($2::uuid IS NULL OR s.category_id = $2)
        AND ($3::text IS NULL OR s.title ILIKE '%' || $3 || '%' OR s.body ILIKE '%' || $3 || '%')
      ORDER BY k.sort, k.name, s.title LIMIT 1000`,
    [workspaceId, query.categoryId ?? null, query.q?.replace(/[\\%_]/g, (m) => `\\${m}`) ?? null],
  );
  return rows.map(toScript);
}

export async function getScript(q: Queryable, workspaceId: string, id: string): Promise<Script> {
  const rows = await q.query<ScriptRow>(`${SCRIPT_SELECT} WHERE s.workspace_id = $1 AND s.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('script.not_found');
  return toScript(rows[0]);
}

export async function createScript(q: Queryable, workspaceId: string, body: ScriptBody): Promise<Script> {
  checkScriptText(body.body);
  await getCategory(q, workspaceId, body.categoryId);
  try {
    const rows = await q.query<{ id: string }>(
      'INSERT INTO scripts (workspace_id, category_id, title, body) VALUES ($1, $2, $3, $4) RETURNING id',
      [workspaceId, body.categoryId, body.title, body.body],
    );
    return getScript(q, workspaceId, (rows[0] as { id: string }).id);
  } catch (err) {
    return nameTaken(err, 'script.title_taken', { title: body.title });
  }
}

export async function updateScript(
  q: Queryable,
  workspaceId: string,
  id: string,
  body: UpdateScriptBody,
): Promise<Script> {
  if (body.body !== undefined) checkScriptText(body.body);
  if (body.categoryId !== undefined) await getCategory(q, workspaceId, body.categoryId);
  try {
    const rows = await q.query(
      `UPDATE scripts SET category_id = coalesce($3, category_id), title = coalesce($4, title),
              body = coalesce($5, body), updated_at = now()
        WHERE workspace_id = $1 AND id = $2 RETURNING 1`,
      [workspaceId, id, body.categoryId ?? null, body.title ?? null, body.body ?? null],
    );
    if (rows.length === 0) throw notFound('script.not_found');
  } catch (err) {
    if (err instanceof AppError) throw err;
    nameTaken(err, 'script.title_taken', { title: body.title ?? '' });
  }
  return getScript(q, workspaceId, id);
}

/** Deletes a script no SOP step uses (409 script.in_use naming how many do). */
export async function deleteScript(q: Queryable, workspaceId: string, id: string): Promise<void> {
  await getScript(q, workspaceId, id);
  const used = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sop_steps WHERE workspace_id = $1 AND script_id = $2',
    [workspaceId, id],
  );
  if ((used[0]?.n ?? 0) > 0) throw conflict('script.in_use', { count: used[0]?.n ?? 0 });
  await q.query('DELETE FROM scripts WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
}
