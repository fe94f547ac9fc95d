// Import of customers and orders from CSV or Excel: headers in Chinese or English, every row checked on its own,
// good rows written in chunks (one transaction each, one savepoint per row), bad rows reported with their line.
// Rows resolve to customers by their identities and orders upsert by number, so importing a file twice changes
// nothing the second time.
import type { ImportKind, OrderItemInput, OrderStatus } from '../../contracts/events.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { readXlsx } from '../../platform/xlsx.ts';
import {
  type CustomerParticipants,
  cleanProfile,
  findIdentities,
  type Identity,
  type IdentityInput,
  normalizeIdentity,
  type ProfileInput,
  resolveCustomer,
  resolveSightings,
  type Sighting,
  touchSeen,
} from '../customers/index.ts';
import { decodeText, parseCsv, type TableRow } from './csv.ts';
import { checkOrder, type OrderInput, upsertOrder } from './orders.ts';

export interface ImportFile {
  name: string;
  data: Uint8Array;
}

/** Rows written per transaction (a chunk job of a console import); an order's rows are never split. */
export const IMPORT_CHUNK = 500;

// Header spellings per field; compared after lower-casing and dropping spaces and brackets. The first spelling (and
// the first in ASCII, for English) is the one the downloadable template uses.
const CUSTOMER_COLUMNS: Record<string, string[]> = {
  name: ['姓名', '名字', '客户姓名', 'name'],
  phone: ['手机号', '手机', '手机号码', '电话', 'phone', 'mobile'],
  email: ['邮箱', '电子邮箱', 'email', 'e-mail'],
  gender: ['性别', 'gender', 'sex'],
  birthday: ['生日', '出生日期', 'birthday', 'birthdate'],
  city: ['城市', 'city'],
  region: ['省份', '省', '地区', 'region', 'province', 'state'],
  member_card: ['会员卡号', '会员卡', '会员号', 'member_card', 'membercard', 'card_no'],
  user_id: ['用户ID', '用户编号', 'user_id', 'userid'],
  source_channel: ['来源渠道', '来源', '渠道', 'source_channel', 'source', 'channel'],
  occupation: ['职业', 'occupation', 'title'],
  interests: ['兴趣', '兴趣爱好', 'interests'],
  registered_at: ['注册时间', '注册日期', '入会时间', 'registered_at', 'created_at', 'first_seen_at'],
};
const ORDER_COLUMNS: Record<string, string[]> = {
  order_no: ['订单号', '订单编号', 'order_no', 'orderno', 'order_id'],
  phone: ['手机号', '手机', '手机号码', 'phone', 'mobile'],
  email: ['邮箱', 'email'],
  member_card: ['会员卡号', '会员卡', '会员号', 'member_card', 'membercard'],
  user_id: ['用户ID', 'user_id', 'userid'],
  status: ['订单状态', '状态', 'status'],
  amount: ['订单金额（元）', '金额（元）', '金额', '订单金额', 'amount', 'total'],
  amount_fen: ['金额分', '订单金额分', 'amount_fen', 'total_fen'],
  paid_amount: ['实付金额（元）', '实付金额', '实付', 'paid_amount', 'paid'],
  paid_fen: ['实付金额分', 'paid_fen'],
  refund_amount: ['退款金额（元）', '退款金额', '退款', 'refund_amount', 'refunded'],
  refunded_fen: ['退款金额分', 'refunded_fen'],
  placed_at: ['下单时间', '下单日期', '订单时间', 'placed_at', 'order_time', 'created_at'],
  paid_at: ['支付时间', '付款时间', 'paid_at'],
  store: ['门店', '店铺', 'store'],
  channel: ['渠道', '销售渠道', 'channel'],
  sku: ['SKU', '商品编码', '商品编号', '货号'],
  item_name: ['商品名称', '商品', '品名', 'item_name', 'product', 'item'],
  category: ['品类', '类目', '商品类目', 'category'],
  quantity: ['数量', 'quantity', 'qty'],
  unit_price: ['单价（元）', '单价', 'unit_price', 'price'],
  unit_price_fen: ['单价分', 'unit_price_fen', 'price_fen'],
};

const headerKey = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s（）()【】[\]]/g, '')
    .replace(/-/g, '_');

function mapHeader(header: string[], columns: Record<string, string[]>) {
  const index = new Map<string, number>();
  const ignored: string[] = [];
  const spellings = new Map<string, string>();
  for (const [field, names] of Object.entries(columns)) for (const n of names) spellings.set(headerKey(n), field);
  header.forEach((h, i) => {
    const field = spellings.get(headerKey(h));
    if (field && !index.has(field)) index.set(field, i);
    else if (h.trim()) ignored.push(h.trim());
  });
  return { index, ignored };
}

class RowError extends AppError {
  constructor(code: string, params: Record<string, string | number> = {}) {
    super(400, code, params);
  }
}

const GENDER_WORDS: Record<string, 'male' | 'female' | 'unknown'> = {
  男: 'male',
  male: 'male',
  m: 'male',
  女: 'female',
  female: 'female',
  f: 'female',
  未知: 'unknown',
  unknown: 'unknown',
};

const STATUS_WORDS: Record<string, OrderStatus> = {
  paid: 'paid',
  已支付: 'paid',
  已付款: 'paid',
  已完成: 'paid',
  完成: 'paid',
  pending: 'pending',
  待支付: 'pending',
  待付款: 'pending',
  未支付: 'pending',
  refunded: 'refunded',
  已退款: 'refunded',
  全额退款: 'refunded',
  partially_refunded: 'partially_refunded',
  部分退款: 'partially_refunded',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  已取消: 'cancelled',
  取消: 'cancelled',
};

/** Minutes east of UTC of `timeZone` at the instant `ms`. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return (Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms) / 60_000;
}

/**
 * A date or date-time as people type it (2024-03-05, 2024/3/5 14:30, 2024年3月5日, ISO with an offset); without an
 * offset it is wall-clock time in the workspace's time zone.
 */
export function parseDateTime(text: string, timeZone: string): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const d = new Date(t);
    if (!Number.isNaN(d.getTime())) return d;
  }
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (!m) throw new RowError('import.invalid_date', { value: t });
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as number[];
  const wall = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== (mo as number) - 1 || check.getUTCDate() !== d || (h as number) > 23) {
    throw new RowError('import.invalid_date', { value: t });
  }
  const first = wall - zoneOffset(wall, timeZone) * 60_000;
  return new Date(wall - zoneOffset(first, timeZone) * 60_000);
}

const parseDate = (text: string) => {
  const d = parseDateTime(text, 'UTC');
  return d.toISOString().slice(0, 10);
};

/** Yuan as written (¥1,234.5) to integer fen; more than two decimals is refused rather than rounded. */
export function parseYuan(text: string): number {
  const t = text
    .trim()
    .replace(/^[¥￥]/, '')
    .replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(t)) throw new RowError('import.invalid_amount', { value: text });
  const fen = Math.round(Number(t) * 100);
  if (Math.abs(Number(t) * 100 - fen) > 1e-6 || !Number.isSafeInteger(fen)) {
    throw new RowError('import.invalid_amount', { value: text });
  }
  return fen;
}

function parseFen(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new RowError('import.invalid_amount', { value: text });
  return Number(t);
}

type Cells = (field: string) => string;

function identitiesOfRow(get: Cells): Identity[] {
  const inputs: IdentityInput[] = [];
  if (get('phone')) inputs.push({ kind: 'phone', value: get('phone') });
  if (get('email')) inputs.push({ kind: 'email', value: get('email') });
  if (get('member_card')) inputs.push({ kind: 'member_card', value: get('member_card') });
  if (get('user_id')) inputs.push({ kind: 'user_id', value: get('user_id') });
  if (inputs.length === 0) throw new RowError('import.identity_required');
  return inputs.map(normalizeIdentity);
}

interface CustomerRowInput {
  identities: Identity[];
  profile: ProfileInput;
  registeredAt: Date | null;
}

function customerOfRow(get: Cells, timeZone: string): CustomerRowInput {
  const identities = identitiesOfRow(get);
  const profile: ProfileInput = {};
  const phone = identities.find((i) => i.kind === 'phone');
  const email = identities.find((i) => i.kind === 'email');
  if (phone) profile.phone = phone.value;
  if (email) profile.email = email.value;
  if (get('name')) profile.name = get('name');
  if (get('gender')) {
    const g = GENDER_WORDS[get('gender').toLowerCase()];
    if (!g) throw new RowError('import.invalid_gender', { value: get('gender') });
    profile.gender = g;
  }
  if (get('birthday')) profile.birthday = parseDate(get('birthday'));
  if (get('city')) profile.city = get('city');
  if (get('region')) profile.region = get('region');
  if (get('occupation')) profile.occupation = get('occupation');
  if (get('source_channel')) profile.sourceChannel = get('source_channel');
  if (get('interests')) {
    profile.interests = get('interests')
      .split(/[,，、;；|]/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return {
    identities,
    profile,
    registeredAt: get('registered_at') ? parseDateTime(get('registered_at'), timeZone) : null,
  };
}

interface OrderRowInput {
  orderNo: string;
  order: Omit<OrderInput, 'items'>;
  item: OrderItemInput | null;
}

function orderOfRow(get: Cells, timeZone: string): OrderRowInput {
  const orderNo = get('order_no');
  if (!orderNo) throw new RowError('import.order_no_required');
  if (orderNo.length > 64 || /[\s/]/.test(orderNo)) throw new RowError('import.invalid_order_no', { value: orderNo });
  const identities = identitiesOfRow(get);
  const statusText = get('status');
  const status = statusText ? STATUS_WORDS[statusText.toLowerCase()] : 'paid';
  if (!status) throw new RowError('import.invalid_status', { value: statusText });
  let item: OrderItemInput | null = null;
  if (get('sku') || get('item_name')) {
    const quantityText = get('quantity') || '1';
    if (!/^\d+$/.test(quantityText) || Number(quantityText) < 1) {
      throw new RowError('import.invalid_quantity', { value: quantityText });
    }
    const unitPriceFen = get('unit_price_fen')
      ? parseFen(get('unit_price_fen'))
      : get('unit_price')
        ? parseYuan(get('unit_price'))
        : null;
    if (unitPriceFen === null) throw new RowError('import.unit_price_required');
    item = {
      sku: get('sku') || get('item_name'),
      name: get('item_name') || get('sku'),
      category: get('category') || null,
      quantity: Number(quantityText),
      unitPriceFen,
    };
  }
  const total = get('amount_fen') ? parseFen(get('amount_fen')) : get('amount') ? parseYuan(get('amount')) : null;
  const paid = get('paid_fen') ? parseFen(get('paid_fen')) : get('paid_amount') ? parseYuan(get('paid_amount')) : null;
  const refunded = get('refunded_fen')
    ? parseFen(get('refunded_fen'))
    : get('refund_amount')
      ? parseYuan(get('refund_amount'))
      : null;
  if (!get('placed_at')) throw new RowError('import.placed_at_required');
  const totalFen = total ?? -1;
  const paidFen = paid ?? (status === 'pending' || status === 'cancelled' ? 0 : totalFen);
  return {
    orderNo,
    order: {
      identities,
      status,
      totalFen,
      paidFen,
      refundedFen: refunded ?? (status === 'refunded' ? paidFen : 0),
      store: get('store') || null,
      channel: get('channel') || null,
      placedAt: parseDateTime(get('placed_at'), timeZone),
      paidAt: get('paid_at') ? parseDateTime(get('paid_at'), timeZone) : null,
    },
    item,
  };
}

export interface ParsedFile {
  rows: number;
  errors: { line: number; code: string; params: Record<string, string | number> }[];
  /** Units to write: one customer row, or one order with the lines it came from. */
  units: (
    | { kind: 'customer'; line: number; input: CustomerRowInput }
    | { kind: 'order'; lines: number[]; orderNo: string; input: OrderInput }
  )[];
}

export function readTable(file: ImportFile): TableRow[] {
  const lower = file.name.toLowerCase();
  if (lower.endsWith('.csv')) return parseCsv(decodeText(file.data));
  if (lower.endsWith('.xlsx')) {
    try {
      return readXlsx(file.data);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(400, 'import.unreadable_xlsx');
    }
  }
  throw new AppError(400, 'import.unsupported_file', { name: file.name });
}

const COLUMNS: Record<ImportKind, Record<string, string[]>> = { customers: CUSTOMER_COLUMNS, orders: ORDER_COLUMNS };
/** A file must have at least one of these columns: a customer needs an identity, an order its number. */
const NEEDED: Record<ImportKind, string[]> = {
  customers: ['phone', 'email', 'member_card', 'user_id'],
  orders: ['order_no'],
};

/** Which column holds each field; refuses a header without any column that names a customer (or an order). */
export function checkHeader(kind: ImportKind, header: string[]) {
  const mapped = mapHeader(header, COLUMNS[kind]);
  if (!NEEDED[kind].some((f) => mapped.index.has(f))) {
    throw new AppError(400, 'import.missing_columns', { columns: NEEDED[kind].join(', ') });
  }
  return mapped;
}

/** Checks every row; what is left to write comes back as units, what is wrong as errors with line numbers. */
export function parseImport(kind: ImportKind, table: TableRow[], timeZone: string): ParsedFile {
  const [header, ...body] = table;
  if (!header) throw new AppError(400, 'import.empty_file');
  const { index } = checkHeader(kind, header.cells);
  const parsed: ParsedFile = { rows: body.length, errors: [], units: [] };
  const fail = (line: number, err: unknown) => {
    if (!(err instanceof AppError)) throw err;
    parsed.errors.push({ line, code: err.code, params: err.params });
  };
  if (kind === 'customers') {
    for (const row of body) {
      const get: Cells = (f) => (index.has(f) ? (row.cells[index.get(f) as number] ?? '').trim() : '');
      try {
        parsed.units.push({ kind: 'customer', line: row.line, input: customerOfRow(get, timeZone) });
      } catch (err) {
        fail(row.line, err);
      }
    }
    return parsed;
  }
  // Order exports list one item per row; rows with the same order number are one order.
  const orders = new Map<string, { lines: number[]; rows: OrderRowInput[]; bad: number | null }>();
  for (const row of body) {
    const get: Cells = (f) => (index.has(f) ? (row.cells[index.get(f) as number] ?? '').trim() : '');
    const orderNo = get('order_no');
    const group = orders.get(orderNo) ?? { lines: [], rows: [], bad: null };
    if (orderNo) orders.set(orderNo, group);
    group.lines.push(row.line);
    try {
      group.rows.push(orderOfRow(get, timeZone));
    } catch (err) {
      fail(row.line, err);
      group.bad ??= row.line;
    }
  }
  for (const [orderNo, group] of orders) {
    const first = group.rows[0];
    if (group.bad !== null || !first) {
      for (const line of group.lines) {
        if (line !== group.bad && !parsed.errors.some((e) => e.line === line)) {
          parsed.errors.push({ line, code: 'import.order_has_bad_rows', params: { orderNo, line: group.bad ?? line } });
        }
      }
      continue;
    }
    const items = group.rows.flatMap((r) => (r.item ? [r.item] : []));
    const totalFen =
      first.order.totalFen >= 0 ? first.order.totalFen : items.reduce((s, i) => s + i.quantity * i.unitPriceFen, 0);
    if (first.order.totalFen < 0 && items.length === 0) {
      for (const line of group.lines) parsed.errors.push({ line, code: 'import.amount_required', params: {} });
      continue;
    }
    const paidFen = first.order.paidFen >= 0 ? first.order.paidFen : totalFen;
    const input: OrderInput = {
      ...first.order,
      totalFen,
      paidFen,
      refundedFen: first.order.status === 'refunded' && first.order.refundedFen < 0 ? paidFen : first.order.refundedFen,
      items,
    };
    try {
      checkOrder(input);
      parsed.units.push({ kind: 'order', lines: group.lines, orderNo, input });
    } catch (err) {
      for (const line of group.lines) fail(line, err);
    }
  }
  parsed.errors.sort((a, b) => a.line - b.line);
  return parsed;
}

/**
 * Writes units in the caller's transaction. Customer rows go in together through `resolveSightings` (a handful
 * of statements for the whole chunk; rows that merge customers one by one); should that fail, and for orders
 * always, each unit is written under a savepoint of its own, so a failing row is reported by its line and leaves
 * the others in.
 */
async function writeUnits(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  units: ParsedFile['units'],
  now: Date,
): Promise<{ imported: number; errors: ParsedFile['errors'] }> {
  const errors: ParsedFile['errors'] = [];
  const fail = (lines: number[], err: unknown) => {
    const e =
      err instanceof AppError ? err : new AppError(400, 'import.row_failed', { reason: (err as Error).message });
    for (const l of lines) errors.push({ line: l, code: e.code, params: e.params });
  };
  const known =
    units[0]?.kind === 'customer'
      ? await findIdentities(
          tx,
          workspaceId,
          units.flatMap((u) => (u.kind === 'customer' ? u.input.identities : [])),
        )
      : [];
  const firstSeen = new Map(known.map((k) => [`${k.kind}\u0000${k.appId}\u0000${k.value}`, k.firstSeenAt]));
  const customers: { line: number; sighting: Sighting }[] = [];
  for (const unit of units) {
    if (unit.kind !== 'customer') continue;
    const { identities, registeredAt } = unit.input;
    try {
      const profile = await cleanProfile(tx, workspaceId, unit.input.profile);
      // An import is not a visit: a known customer keeps its first/last seen, a new one is first seen now.
      const existing = identities.map((i) => firstSeen.get(`${i.kind}\u0000${i.appId}\u0000${i.value}`)).find((d) => d);
      customers.push({ line: unit.line, sighting: { identities, profile, at: registeredAt ?? existing ?? now } });
    } catch (err) {
      fail([unit.line], err);
    }
  }
  if (customers.length > 0 && customers.length + errors.length === units.length) {
    await tx.query('SAVEPOINT import_chunk');
    try {
      const sightings = customers.map((c) => c.sighting);
      const ids = await resolveSightings(tx, participants, workspaceId, sightings, 'import', async (ids) => ids);
      await touchSeen(
        tx,
        workspaceId,
        sightings.map((s, n) => ({ customerId: ids[n] as string, at: s.at })),
      );
      await tx.query('RELEASE SAVEPOINT import_chunk');
      return { imported: customers.length, errors };
    } catch {
      // One row the set-based path cannot take spoils the chunk; row by row below tells which.
      await tx.query('ROLLBACK TO SAVEPOINT import_chunk');
    }
  }
  let imported = 0;
  const rows = [
    ...customers.map((c) => ({ lines: [c.line], write: () => resolveOne(tx, participants, workspaceId, c.sighting) })),
    ...units.flatMap((u) =>
      u.kind === 'order'
        ? [{ lines: u.lines, write: () => upsertOrder(tx, participants, workspaceId, u.orderNo, u.input) }]
        : [],
    ),
  ];
  for (const row of rows) {
    await tx.query('SAVEPOINT import_row');
    try {
      await row.write();
      await tx.query('RELEASE SAVEPOINT import_row');
      imported++;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT import_row');
      fail(row.lines, err);
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { imported, errors };
}

function resolveOne(tx: Tx, participants: CustomerParticipants, workspaceId: string, sighting: Sighting) {
  return resolveCustomer(tx, participants, workspaceId, sighting.identities, {
    ...(sighting.profile ? { profile: sighting.profile } : {}),
    seenAt: sighting.at,
    reason: 'import',
  });
}

async function timeZoneOf(tx: Tx, workspaceId: string): Promise<string> {
  const rows = await tx.query<{ timezone: string }>('SELECT timezone FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.timezone ?? 'Asia/Shanghai';
}

/** A file split for writing: the header, and the rows below it in chunks of about IMPORT_CHUNK rows. */
export interface ImportPlan {
  header: string[];
  rows: number;
  ignoredColumns: string[];
  chunks: TableRow[][];
}

/**
 * Checks the header and splits the rows into chunks, each to be written in its own transaction. Rows of one order
 * go into the same chunk wherever they stand in the file, because an order is written whole or not at all.
 */
export function planImport(kind: ImportKind, table: TableRow[]): ImportPlan {
  const [header, ...body] = table;
  if (!header) throw new AppError(400, 'import.empty_file');
  const { index, ignored } = checkHeader(kind, header.cells);
  const orderColumn = index.get('order_no');
  const groups: TableRow[][] = [];
  if (kind === 'orders' && orderColumn !== undefined) {
    const byOrder = new Map<string, TableRow[]>();
    for (const row of body) {
      const orderNo = (row.cells[orderColumn] ?? '').trim();
      const group = orderNo ? byOrder.get(orderNo) : undefined;
      if (group) group.push(row);
      else {
        const fresh = [row];
        groups.push(fresh);
        if (orderNo) byOrder.set(orderNo, fresh);
      }
    }
  } else {
    for (const row of body) groups.push([row]);
  }
  const chunks: TableRow[][] = [];
  let chunk: TableRow[] = [];
  for (const group of groups) {
    if (chunk.length > 0 && chunk.length + group.length > IMPORT_CHUNK) {
      chunks.push(chunk);
      chunk = [];
    }
    chunk.push(...group);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return { header: header.cells, rows: body.length, ignoredColumns: ignored, chunks };
}

/** What writing one chunk did: rows read, customers or orders written, and the bad rows by line. */
export interface ChunkOutcome {
  rows: number;
  imported: number;
  errors: ParsedFile['errors'];
}

/** Checks and writes one chunk of rows (of a plan) in the caller's transaction. */
export async function importChunk(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  kind: ImportKind,
  header: string[],
  rows: TableRow[],
  now: Date,
): Promise<ChunkOutcome> {
  const parsed = parseImport(kind, [{ line: 1, cells: header }, ...rows], await timeZoneOf(tx, workspaceId));
  const written = await writeUnits(tx, participants, workspaceId, parsed.units, now);
  const errors = [...parsed.errors, ...written.errors].sort((a, b) => a.line - b.line);
  return { rows: parsed.rows, imported: written.imported, errors };
}

/** Rows with errors; an order's error is reported on each of its lines. */
export const failedLines = (errors: ParsedFile['errors']) => new Set(errors.map((e) => e.line)).size;

/** What `siyu import` prints. */
export interface ImportReport {
  kind: ImportKind;
  rows: number;
  imported: number;
  failed: number;
  errors: { line: number; code: string; message: string }[];
  ignoredColumns: string[];
}

/**
 * Imports a file into a workspace chunk by chunk, one transaction each, calling `onProgress(rows done, rows)`
 * after each. `imported` counts customers or orders written; re-importing the same file writes the same values
 * again and announces no order change.
 */
export async function importFile(
  db: Db,
  participants: CustomerParticipants,
  workspaceId: string,
  kind: ImportKind,
  file: ImportFile,
  onProgress: (done: number, total: number) => void = () => {},
  options: { now?: Date; locale?: Locale } = {},
): Promise<ImportReport> {
  const plan = planImport(kind, readTable(file));
  let done = 0;
  let imported = 0;
  const errors: ParsedFile['errors'] = [];
  onProgress(0, plan.rows);
  for (const rows of plan.chunks) {
    const outcome = await db.tenant(workspaceId, (tx) =>
      importChunk(tx, participants, workspaceId, kind, plan.header, rows, options.now ?? new Date()),
    );
    done += outcome.rows;
    imported += outcome.imported;
    errors.push(...outcome.errors);
    onProgress(done, plan.rows);
  }
  const locale = options.locale ?? 'zh-CN';
  errors.sort((a, b) => a.line - b.line);
  return {
    kind,
    rows: plan.rows,
    imported,
    failed: failedLines(errors),
    errors: errors.map((e) => ({ line: e.line, code: e.code, message: translate(locale, e.code, e.params) })),
    ignoredColumns: plan.ignoredColumns,
  };
}

/** Fields in the downloadable template, in the order people fill them in (amounts in yuan, not fen). */
const TEMPLATE_FIELDS: Record<ImportKind, string[]> = {
  customers: Object.keys(CUSTOMER_COLUMNS),
  orders: Object.keys(ORDER_COLUMNS).filter((f) => !f.endsWith('_fen')),
};

/** The template's header row: the first spelling of each field, or its first ASCII one in English. */
export function templateHeader(kind: ImportKind, locale: Locale): string[] {
  return TEMPLATE_FIELDS[kind].map((field) => {
    const names = COLUMNS[kind][field] ?? [];
    return (locale === 'en' ? names.find((n) => /^[\x20-\x7e]+$/.test(n)) : names[0]) ?? field;
  });
}
