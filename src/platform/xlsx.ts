// Excel workbooks (.xlsx: a zip of XML parts). The reader gives the first sheet as rows of text; dates stored as
// serial numbers in date-formatted cells come out as `YYYY-MM-DD HH:mm:ss` wall-clock text, like a CSV export of
// the same sheet would show them. The writer makes a one-sheet workbook, at once or streamed row by row.
import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** A sheet row: `line` is the sheet's row number (1-based). */
export interface SheetRow {
  line: number;
  cells: string[];
}

// A plain Error: callers (imports) turn it into their own coded error for the user.
const unreadable = () => new Error('unreadable xlsx');

function unzip(buf: Buffer): Map<string, () => Buffer> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadable();
  const entries = new Map<string, () => Buffer>();
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw unreadable();
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    entries.set(name, () => {
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw unreadable();
    });
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return entries;
}

const decodeXml = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()] ?? '';
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const textOf = (xml: string) =>
  [...xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '').matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)]
    .map((m) => decodeXml(m[1] ?? ''))
    .join('');

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57]);

/** Which cell styles (index into cellXfs) show a number as a date or time. */
function dateStyles(stylesXml: string | undefined): Set<number> {
  const out = new Set<number>();
  if (!stylesXml) return out;
  const custom = new Map<number, string>();
  for (const m of stylesXml.matchAll(/<numFmt\b[^>]*\/?>/g)) {
    custom.set(Number(attr(m[0], 'numFmtId')), decodeXml(attr(m[0], 'formatCode') ?? ''));
  }
  const xfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(stylesXml)?.[1] ?? '';
  [...xfs.matchAll(/<xf\b[^>]*>/g)].forEach((m, index) => {
    const id = Number(attr(m[0], 'numFmtId') ?? 0);
    const code = custom.get(id);
    const isDate = code ? /[ymdhs]/i.test(code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '')) : BUILTIN_DATE_FORMATS.has(id);
    if (isDate) out.add(index);
  });
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Excel's day number (days since 1899-12-30, or since 1904-01-01) as wall-clock text. */
function serialToText(serial: number, date1904: boolean): string {
  const ms = Math.round((serial + (date1904 ? 1462 : 0)) * 86_400_000) + Date.UTC(1899, 11, 30);
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return Number.isInteger(serial)
    ? day
    : `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function columnIndex(ref: string | undefined, fallback: number): number {
  const letters = ref ? /^[A-Z]+/.exec(ref)?.[0] : undefined;
  if (!letters) return fallback;
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The rows of the workbook's first sheet; `line` is the sheet's row number. */
export function readXlsx(data: Uint8Array): SheetRow[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const zip = unzip(buf);
  const part = (name: string) => zip.get(name)?.().toString('utf8');
  const workbook = part('xl/workbook.xml');
  if (!workbook) throw unreadable();
  const firstSheet = /<(?:\w+:)?sheet\b[^>]*>/.exec(workbook)?.[0] ?? '';
  const relId = /\s(?:\w+:)?id="([^"]+)"/.exec(firstSheet.replace(/\ssheetId="[^"]*"/, ''))?.[1];
  let target = 'worksheets/sheet1.xml';
  for (const m of (part('xl/_rels/workbook.xml.rels') ?? '').matchAll(/<Relationship\b[^>]*>/g)) {
    if (attr(m[0], 'Id') === relId) target = attr(m[0], 'Target') ?? target;
  }
  const sheet = part(target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  if (!sheet) throw unreadable();
  const shared = [...(part('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
    textOf(m[1] ?? ''),
  );
  const dates = dateStyles(part('xl/styles.xml'));
  const date1904 = /<workbookPr\b[^>]*\sdate1904="(1|true)"/.test(workbook);

  const rows: SheetRow[] = [];
  let rowNumber = 0;
  for (const m of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    rowNumber = Number(attr(m[1] ?? '', 'r') ?? rowNumber + 1);
    const cells: string[] = [];
    let col = 0;
    for (const c of (m[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1] ?? '';
      const body = c[2] ?? '';
      col = columnIndex(attr(attrs, 'r'), col);
      const type = attr(attrs, 't') ?? 'n';
      const raw = decodeXml(/<v>([\s\S]*?)<\/v>/.exec(body)?.[1] ?? '');
      let value = '';
      if (type === 's') value = shared[Number(raw)] ?? '';
      else if (type === 'inlineStr') value = textOf(body);
      else if (type === 'str') value = raw;
      else if (type === 'b') value = raw === '1' ? 'TRUE' : 'FALSE';
      else if (type === 'n' && raw !== '') {
        const num = Number(raw);
        // Binary floating point shows 12.3 as 12.300000000000001; 15 significant digits is what Excel displays.
        value = dates.has(Number(attr(attrs, 's') ?? -1))
          ? serialToText(num, date1904)
          : String(Number(num.toPrecision(15)));
      }
      while (cells.length < col) cells.push('');
      cells[col] = value;
      col++;
    }
    if (cells.some((v) => v.trim() !== '')) rows.push({ line: rowNumber, cells });
  }
  return rows;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What a cell may hold: text (kept as text, so phone numbers and ids are never turned into numbers), a number, a
 * date (a date-formatted serial of its UTC wall clock), or nothing. */
export type XlsxCell = string | number | Date | null;

// XML 1.0 forbids most control characters even when escaped; Excel refuses a sheet that contains one.
const escapeXml = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch] as string);

const columnLetters = (n: number): string =>
  n < 26 ? String.fromCharCode(65 + n) : columnLetters(Math.floor(n / 26) - 1) + columnLetters(n % 26);

/** Excel's last row: a sheet holds at most this many rows, header included. */
export const XLSX_MAX_ROWS = 1_048_576;

/** One `<row>` of the sheet, for row number `line` (1-based). */
export function xlsxRow(line: number, cells: readonly XlsxCell[]): string {
  const body = cells
    .map((v, c) => {
      const ref = `${columnLetters(c)}${line}`;
      if (v === null || v === '') return '';
      if (typeof v === 'number') return Number.isFinite(v) ? `<c r="${ref}"><v>${v}</v></c>` : '';
      if (v instanceof Date)
        return `<c r="${ref}" s="1"><v>${(v.getTime() - Date.UTC(1899, 11, 30)) / 86_400_000}</v></c>`;
      return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(v)}</t></is></c>`;
    })
    .join('');
  return `<row r="${line}">${body}</row>`;
}

// Bit 3: CRC and sizes follow the data (they are not known when an entry starts); bit 11: names are UTF-8.
const ZIP_FLAGS = 0x0808;
// 1980-01-01 in MS-DOS date format: the earliest valid date, since the entries carry no meaningful time.
const DOS_DATE = 0x21;

/**
 * Zip entries written one after another as pieces of output, so a large entry never has to be held whole. Each
 * entry's data is deflated piece by piece; its CRC and sizes go in a data descriptor after it and in the central
 * directory at the end.
 */
class ZipWriter {
  private readonly central: Buffer[] = [];
  private offset = 0;
  private count = 0;
  private entry: { name: Buffer; crc: number; size: number; compressed: number; offset: number } | null = null;

  begin(name: string): Buffer {
    const nameBuf = Buffer.from(name, 'utf8');
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(ZIP_FLAGS, 6);
    head.writeUInt16LE(8, 8);
    head.writeUInt16LE(DOS_DATE, 12);
    head.writeUInt16LE(nameBuf.length, 26);
    this.entry = { name: nameBuf, crc: 0, size: 0, compressed: 0, offset: this.offset };
    return this.out(Buffer.concat([head, nameBuf]));
  }

  write(data: Buffer): Buffer {
    const entry = this.current();
    entry.crc = crc32(data, entry.crc);
    entry.size += data.length;
    // Each piece is its own deflate run ended by a sync flush: byte-aligned and without the final-block bit, so
    // the runs concatenate into one valid deflate stream (each refers back only into itself); end() closes it.
    const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
    entry.compressed += out.length;
    return this.out(out);
  }

  end(): Buffer {
    const entry = this.current();
    const last = deflateRawSync(Buffer.alloc(0));
    entry.compressed += last.length;
    if (entry.compressed > 0xffffffff || entry.size > 0xffffffff) throw new RangeError('zip entry over 4 GiB');
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(entry.crc, 4);
    descriptor.writeUInt32LE(entry.compressed, 8);
    descriptor.writeUInt32LE(entry.size, 12);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(ZIP_FLAGS, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(entry.crc, 16);
    central.writeUInt32LE(entry.compressed, 20);
    central.writeUInt32LE(entry.size, 24);
    central.writeUInt16LE(entry.name.length, 28);
    central.writeUInt32LE(entry.offset, 42);
    this.central.push(central, entry.name);
    this.count++;
    this.entry = null;
    return this.out(Buffer.concat([last, descriptor]));
  }

  /** The central directory and its end record: the last piece of the file. */
  finish(): Buffer {
    const dir = Buffer.concat(this.central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.count, 8);
    end.writeUInt16LE(this.count, 10);
    end.writeUInt32LE(dir.length, 12);
    end.writeUInt32LE(this.offset, 16);
    return Buffer.concat([dir, end]);
  }

  private current() {
    if (!this.entry) throw new Error('no zip entry begun');
    return this.entry;
  }

  private out(piece: Buffer): Buffer {
    this.offset += piece.length;
    return piece;
  }
}

const NS = 'http://schemas.openxmlformats.org';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** A sheet name as Excel accepts it: at most 31 characters, none of : \ / ? * [ ]. */
const sheetNameOf = (name: string) =>
  name
    .replace(/[:\\/?*[\]]/g, ' ')
    .slice(0, 31)
    .trim() || 'Sheet1';

function workbookParts(sheetName: string): [string, string][] {
  return [
    [
      '[Content_Types].xml',
      `${XML}<Types xmlns="${NS}/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
        `<Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
        `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
        '</Types>',
    ],
    [
      '_rels/.rels',
      `${XML}<Relationships xmlns="${NS}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      `${XML}<workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships">` +
        `<sheets><sheet name="${escapeXml(sheetNameOf(sheetName))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML}<Relationships xmlns="${NS}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
        `<Relationship Id="rId2" Type="${NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/styles.xml',
      `${XML}<styleSheet xmlns="${NS}/spreadsheetml/2006/main">` +
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>' +
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>' +
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
    ],
  ];
}

// The first row stays in view while scrolling: it is the header of every sheet written here.
const SHEET_HEAD =
  `${XML}<worksheet xmlns="${NS}/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0">` +
  '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>';
const SHEET_TAIL = '</sheetData></worksheet>';

function* workbookStart(zip: ZipWriter, sheetName: string): Generator<Buffer> {
  for (const [name, text] of workbookParts(sheetName)) {
    yield zip.begin(name);
    yield zip.write(Buffer.from(text, 'utf8'));
    yield zip.end();
  }
  yield zip.begin('xl/worksheets/sheet1.xml');
  yield zip.write(Buffer.from(SHEET_HEAD, 'utf8'));
}

function* workbookEnd(zip: ZipWriter): Generator<Buffer> {
  yield zip.write(Buffer.from(SHEET_TAIL, 'utf8'));
  yield zip.end();
  yield zip.finish();
}

/**
 * A one-sheet workbook written as its rows arrive: each element of `rows` is one or more `<row>`s made by
 * xlsxRow, and memory holds one element at a time whatever the sheet's size.
 */
export async function* xlsxStream(rows: AsyncIterable<string>, sheetName = 'Sheet1'): AsyncGenerator<Buffer> {
  const zip = new ZipWriter();
  yield* workbookStart(zip, sheetName);
  for await (const piece of rows) if (piece) yield zip.write(Buffer.from(piece, 'utf8'));
  yield* workbookEnd(zip);
}

/** A one-sheet workbook at once, for import templates and tests. */
export function writeXlsx(rows: readonly (readonly XlsxCell[])[], sheetName = 'Sheet1'): Buffer {
  const zip = new ZipWriter();
  const sheet = rows.map((row, r) => xlsxRow(r + 1, row)).join('');
  return Buffer.concat([...workbookStart(zip, sheetName), zip.write(Buffer.from(sheet, 'utf8')), ...workbookEnd(zip)]);
}
