// Bulk loading for the demo on PostgreSQL: rows encoded straight to COPY text, COPY inside one transaction, and on
// an empty database the secondary indexes and foreign keys built once after the load instead of row by row.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable, Tx } from '../platform/db/index.ts';

const SPECIAL = /[\\\t\n\r]/;
/** Room every row must fit in; rows are a few hundred bytes at most. */
const ROW_ROOM = 4096;
const PIECE = 262_144;

/** Two ASCII digits for 0–99, so times and dates are written without building strings. */
const DIGITS2 = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/**
 * Rows of one table written straight into COPY text bytes, in pieces of about 256 KB so the socket gets large
 * writes. Generating a million customers makes tens of millions of values: building them as row arrays, Dates
 * and strings first cost more in garbage collection than the generation itself, so values go in as bytes.
 * Text that is not a fixed constant is ASCII the generator made (ids, codes, numbers), which needs no escaping;
 * constants are encoded once with `constant`, which escapes them.
 */
export class CopyText {
  private buffer = Buffer.allocUnsafe(PIECE);
  private start = 0;
  private pos = 0;
  private pieces: Buffer[] = [];
  rows = 0;

  /** Starts a row: makes sure it fits in the current piece. */
  row(): this {
    if (this.pos + ROW_ROOM > this.buffer.length) {
      if (this.pos > this.start) this.pieces.push(this.buffer.subarray(this.start, this.pos));
      this.buffer = Buffer.allocUnsafe(PIECE);
      this.start = 0;
      this.pos = 0;
    }
    this.rows++;
    return this;
  }

  /** The text written since the last call, as pieces ready for COPY. */
  take(): Buffer[] {
    if (this.pos > this.start) this.pieces.push(this.buffer.subarray(this.start, this.pos));
    this.start = this.pos;
    const pieces = this.pieces;
    this.pieces = [];
    return pieces;
  }

  tab(): this {
    this.buffer[this.pos++] = 9;
    return this;
  }

  end(): void {
    this.buffer[this.pos++] = 10;
  }

  null(): this {
    this.buffer[this.pos++] = 92;
    this.buffer[this.pos++] = 78;
    return this;
  }

  /** ASCII text without tabs, newlines or backslashes (ids, codes, e-mail addresses the generator made). */
  ascii(text: string): this {
    const b = this.buffer;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
    this.pos = p;
    return this;
  }

  /** A constant encoded once by `constant`. */
  bytes(bytes: Uint8Array): this {
    const b = this.buffer;
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) b[p++] = bytes[i] as number;
    this.pos = p;
    return this;
  }

  /** A whole number ≥ 0. */
  int(n: number): this {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    return this.padded(n, digits);
  }

  /** A whole number ≥ 0 in at least `width` digits, zero-padded. */
  padded(n: number, width: number): this {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    if (digits < width) digits = width;
    const b = this.buffer;
    let x = n;
    for (let p = this.pos + digits - 1; p >= this.pos; p--) {
      const next = Math.floor(x / 10);
      b[p] = 48 + x - next * 10;
      x = next;
    }
    this.pos += digits;
    return this;
  }

  /** Lowercase hex of a whole number ≥ 0, in exactly `width` digits. */
  hex(n: number, width: number): this {
    const b = this.buffer;
    let x = n;
    for (let p = this.pos + width - 1; p >= this.pos; p--) {
      const d = x % 16;
      b[p] = d < 10 ? 48 + d : 87 + d;
      x = Math.floor(x / 16);
    }
    this.pos += width;
    return this;
  }

  /** An instant as `YYYY-MM-DD HH:MM:SS.mmm+00` (what PostgreSQL reads for timestamptz), from epoch milliseconds. */
  time(ms: number): this {
    const day = Math.floor(ms / 86_400_000);
    let rest = ms - day * 86_400_000;
    this.date(day);
    const b = this.buffer;
    let p = this.pos;
    const hour = Math.floor(rest / 3_600_000);
    rest -= hour * 3_600_000;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const second = Math.floor(rest / 1000);
    const milli = rest - second * 1000;
    b[p++] = 32;
    b[p++] = DIGITS2[hour * 2] as number;
    b[p++] = DIGITS2[hour * 2 + 1] as number;
    b[p++] = 58;
    b[p++] = DIGITS2[minute * 2] as number;
    b[p++] = DIGITS2[minute * 2 + 1] as number;
    b[p++] = 58;
    b[p++] = DIGITS2[second * 2] as number;
    b[p++] = DIGITS2[second * 2 + 1] as number;
    b[p++] = 46;
    b[p++] = 48 + Math.floor(milli / 100);
    b[p++] = 48 + (Math.floor(milli / 10) % 10);
    b[p++] = 48 + (milli % 10);
    b[p++] = 43;
    b[p++] = 48;
    b[p++] = 48;
    this.pos = p;
    return this;
  }

  /** A calendar date `YYYY-MM-DD` from days since 1970-01-01 (Hinnant's civil-from-days, years 0–9999). */
  date(days: number): this {
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    return this.ymd(year, month, day);
  }

  ymd(year: number, month: number, day: number): this {
    this.padded(year, 4);
    const b = this.buffer;
    let p = this.pos;
    b[p++] = 45;
    b[p++] = DIGITS2[month * 2] as number;
    b[p++] = DIGITS2[month * 2 + 1] as number;
    b[p++] = 45;
    b[p++] = DIGITS2[day * 2] as number;
    b[p++] = DIGITS2[day * 2 + 1] as number;
    this.pos = p;
    return this;
  }
}

/** A constant value as COPY text bytes, escaped once here rather than per row. */
export function constant(text: string): Uint8Array {
  const escaped = SPECIAL.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;
  return new Uint8Array(Buffer.from(escaped, 'utf8'));
}

/**
 * COPY of already encoded text on the transaction's own connection, so the load commits or rolls back as one.
 * `Db.copy` takes a pooled connection of its own, outside any transaction; node-postgres runs any object with a
 * `submit` method as a query, which is how the copy stream joins this transaction's connection.
 */
export async function copyInTx(tx: Tx, table: string, columns: readonly string[], pieces: Buffer[]): Promise<void> {
  if (pieces.length === 0) return;
  const stream = copyFrom(`COPY ${table} (${columns.join(',')}) FROM STDIN`);
  await tx.query(stream as unknown as string);
  await pipeline(Readable.from(pieces), stream);
}

/**
 * When every one of `tables` is empty (a new database), drops their indexes, primary keys and unique constraints,
 * and the foreign keys that reference them, inside the caller's transaction, and returns the statements that
 * rebuild them exactly as they were (keys, then indexes, then foreign keys); otherwise changes nothing and returns
 * none. Building an index once from sorted rows is several times cheaper than inserting the rows one by one into
 * it, above all into keys on random UUIDs, which outgrow the buffer cache. The tables are locked first, so no other
 * session writes to them, or sees them without their indexes, until the transaction ends; a failed load rolls the
 * drops back with it. Foreign keys from the loaded tables to others stay and are checked row by row: dropping or
 * adding one locks the table it references until commit, and two loaders in parallel would each wait for the
 * other's lock on a table both reference (workspaces).
 */
export async function deferIndexes(tx: Queryable, tables: readonly string[]): Promise<string[]> {
  await tx.exec(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  const nonEmpty = await tx.query(
    tables.map((t) => `SELECT 1 FROM (SELECT 1 FROM ${t} LIMIT 1) x`).join(' UNION ALL '),
  );
  if (nonEmpty.length > 0) return [];
  const constraintsWhere = async (where: string) =>
    tx.query<{ tbl: string; name: string; def: string }>(
      `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
         FROM pg_constraint WHERE ${where} ORDER BY conrelid, conname`,
      [tables],
    );
  const foreignKeys = await constraintsWhere(`contype = 'f' AND confrelid = ANY($1::regclass[])`);
  const keys = await constraintsWhere(`contype IN ('p', 'u') AND conrelid = ANY($1::regclass[])`);
  const indexes = await tx.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY i.indexrelid`,
    [tables],
  );
  for (const fk of foreignKeys) await tx.exec(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.name}"`);
  for (const key of keys) await tx.exec(`ALTER TABLE ${key.tbl} DROP CONSTRAINT "${key.name}"`);
  for (const index of indexes) await tx.exec(`DROP INDEX ${index.name}`);
  const add = (c: { tbl: string; name: string; def: string }) =>
    `ALTER TABLE ${c.tbl} ADD CONSTRAINT "${c.name}" ${c.def}`;
  return [...keys.map(add), ...indexes.map((i) => i.def), ...foreignKeys.map(add)];
}
