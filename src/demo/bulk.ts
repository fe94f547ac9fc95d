// Bulk loading for the demo on PostgreSQL: rows encoded straight to COPY text, COPY inside one transaction, and on
// an empty database the secondary indexes and foreign keys built once after the load instead of row by row.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Tx } from '../platform/db/index.ts';

const SPECIAL = /[\\\t\n\r]/;
const escapeCopy = (text: string) =>
  text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/**
 * One value in COPY's text format. The same rules as `Db.copy`, but a value is scanned once and only escaped when
 * it needs it: most demo values are ids, codes and times, and the per-value regex replacements of the general
 * encoder cost more than generating the data.
 */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return SPECIAL.test(value) ? escapeCopy(value) : value;
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  const text = Array.isArray(value)
    ? `{${value.map((v) => `"${String(v).replace(/(["\\])/g, '\\$1')}"`).join(',')}}`
    : JSON.stringify(value);
  return SPECIAL.test(text) ? escapeCopy(text) : text;
}

/** Rows as COPY text, in pieces of about 256 KB so the socket gets large writes. */
export function copyChunks(rows: readonly (readonly unknown[])[]): string[] {
  const out: string[] = [];
  let buffer = '';
  for (const row of rows) {
    let line = field(row[0]);
    for (let i = 1; i < row.length; i++) line += `\t${field(row[i])}`;
    buffer += `${line}\n`;
    if (buffer.length > 262_144) {
      out.push(buffer);
      buffer = '';
    }
  }
  if (buffer) out.push(buffer);
  return out;
}

/**
 * COPY of already encoded text on the transaction's own connection, so the load commits or rolls back as one.
 * `Db.copy` takes a pooled connection of its own, outside any transaction; node-postgres runs any object with a
 * `submit` method as a query, which is how the copy stream joins this transaction's connection.
 */
export async function copyInTx(tx: Tx, table: string, columns: readonly string[], chunks: string[]): Promise<void> {
  if (chunks.length === 0) return;
  const stream = copyFrom(`COPY ${table} (${columns.join(',')}) FROM STDIN`);
  await tx.query(stream as unknown as string);
  await pipeline(Readable.from(chunks), stream);
}

/**
 * When every one of `tables` is empty (a new database), drops their secondary indexes and foreign keys inside the
 * caller's transaction and returns the statements that rebuild them exactly as they were; otherwise changes
 * nothing and returns none. The tables are locked first, so no other session writes to them, and sees them
 * without their indexes, until the transaction ends; a failed load rolls the drops back with it. Primary keys and
 * unique constraints stay: other tables' foreign keys depend on them.
 */
export async function deferIndexes(tx: Tx, tables: readonly string[]): Promise<string[]> {
  await tx.exec(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  const nonEmpty = await tx.query(
    tables.map((t) => `SELECT 1 FROM (SELECT 1 FROM ${t} LIMIT 1) x`).join(' UNION ALL '),
  );
  if (nonEmpty.length > 0) return [];
  const foreignKeys = await tx.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[]) ORDER BY conrelid, conname`,
    [tables],
  );
  const indexes = await tx.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY i.indexrelid`,
    [tables],
  );
  for (const fk of foreignKeys) await tx.exec(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.name}"`);
  for (const index of indexes) await tx.exec(`DROP INDEX ${index.name}`);
  return [
    ...indexes.map((i) => i.def),
    ...foreignKeys.map((fk) => `ALTER TABLE ${fk.tbl} ADD CONSTRAINT "${fk.name}" ${fk.def}`),
  ];
}
