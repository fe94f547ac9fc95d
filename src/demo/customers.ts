// The demo brand's customers: identities across channels, 12 months of orders and events with a weekly and
// seasonal rhythm (weekends, summer, 618, 双11, 双12, the Spring Festival dip), and tags that follow behaviour.
// Purchases follow the BG/NBD story (a personal purchase rate, a chance to drop out after each purchase), so the
// traits computed from them (RFM, lifecycle, CLV, churn) have realistic spreads. Deterministic for a seed:
// every customer draws from its own generator seeded by (seed, index).
import type { Db } from '../platform/db/index.ts';
import { STORES } from './brand.ts';
import { copyChunks, copyInTx, deferIndexes } from './bulk.ts';
import { Rng } from './random.ts';

interface Product {
  sku: string;
  name: string;
  category: string;
  priceFen: number;
}

const PRODUCTS: Product[] = [
  { sku: 'MT-001', name: '招牌珍珠奶茶', category: '奶茶', priceFen: 1500 },
  { sku: 'MT-002', name: '芝士奶盖乌龙', category: '奶茶', priceFen: 1900 },
  { sku: 'MT-003', name: '杨枝甘露', category: '奶茶', priceFen: 2200 },
  { sku: 'MT-004', name: '黑糖波波鲜奶', category: '奶茶', priceFen: 1800 },
  { sku: 'FT-001', name: '满杯红柚', category: '果茶', priceFen: 1900 },
  { sku: 'FT-002', name: '芒果绿妍', category: '果茶', priceFen: 1800 },
  { sku: 'FT-003', name: '多肉葡萄冻', category: '果茶', priceFen: 2100 },
  { sku: 'PT-001', name: '茉莉绿茶', category: '纯茶', priceFen: 1200 },
  { sku: 'PT-002', name: '冻顶乌龙', category: '纯茶', priceFen: 1400 },
  { sku: 'BK-001', name: '葡式蛋挞', category: '烘焙', priceFen: 900 },
  { sku: 'BK-002', name: '全麦欧包', category: '烘焙', priceFen: 1500 },
  { sku: 'GD-001', name: '茶语随行杯', category: '周边', priceFen: 6900 },
  { sku: 'GD-002', name: '四季茶礼盒', category: '周边', priceFen: 12800 },
];
const CATEGORIES = ['奶茶', '果茶', '纯茶', '烘焙', '周边'] as const;

const CITIES: { city: string; region: string; weight: number }[] = [
  { city: '上海', region: '上海', weight: 30 },
  { city: '杭州', region: '浙江', weight: 14 },
  { city: '北京', region: '北京', weight: 16 },
  { city: '深圳', region: '广东', weight: 12 },
  { city: '成都', region: '四川', weight: 10 },
  { city: '南京', region: '江苏', weight: 7 },
  { city: '苏州', region: '江苏', weight: 6 },
  { city: '广州', region: '广东', weight: 5 },
];

/** Where a customer first came from; it also decides which identities they carry and where they buy. */
const SOURCES: { channel: string; weight: number }[] = [
  { channel: 'store', weight: 34 },
  { channel: 'mini_program', weight: 30 },
  { channel: 'wecom', weight: 16 },
  { channel: 'official_account', weight: 12 },
  { channel: 'referral', weight: 8 },
];

export const DEMO_TAG_GROUPS: { name: string; tags: string[] }[] = [
  { name: '兴趣', tags: ['奶茶爱好者', '果茶控', '纯茶党', '烘焙控', '周边收藏家'] },
  { name: '来源', tags: ['门店扫码', '小程序', '企微导购', '公众号', '好友推荐'] },
  { name: '消费力', tags: ['高消费', '中消费', '价格敏感'] },
  { name: '偏好', tags: ['少糖', '夜猫子', '周末党'] },
];
const SOURCE_TAG: Record<string, string> = {
  store: '门店扫码',
  mini_program: '小程序',
  wecom: '企微导购',
  official_account: '公众号',
  referral: '好友推荐',
};
const INTEREST_TAG: Record<string, string> = {
  奶茶: '奶茶爱好者',
  果茶: '果茶控',
  纯茶: '纯茶党',
  烘焙: '烘焙控',
  周边: '周边收藏家',
};

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈';
const GIVEN = '子梓浩宇欣怡思涵雨晨佳琪一诺嘉俊文博静婷晓明丽娜芳敏杰磊鑫悦彤萱瑶轩睿熙妍婉清';
const OCCUPATIONS = ['白领', '学生', '设计师', '程序员', '教师', '医生', '销售', '自由职业', '公务员', '创业者'];
const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;

function weighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = rng.next() * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1] as T;
}

/** Gamma(shape, scale) by Marsaglia–Tsang, for the BG/NBD purchase rates. */
function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box–Muller normal
      x = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a, 1);
  return x / (x + gamma(rng, b, 1));
}

/** How busy a day is relative to an ordinary weekday: weekends, summer, promotions, the Spring Festival. */
export function dayFactor(day: Date): number {
  const local = new Date(day.getTime() + SHANGHAI);
  const month = local.getUTCMonth() + 1;
  const date = local.getUTCDate();
  const weekday = local.getUTCDay();
  let f = weekday === 0 || weekday === 6 ? 1.35 : weekday === 5 ? 1.15 : 1;
  if (month >= 6 && month <= 8) f *= 1.3;
  if (month === 12 || month <= 2) f *= 0.85;
  if (month === 6 && date >= 16 && date <= 18) f *= 2.5;
  if (month === 11 && date >= 9 && date <= 11) f *= 3;
  if (month === 12 && date === 12) f *= 1.6;
  if (month === 2 && date <= 10) f *= 0.5;
  return f;
}
const MAX_DAY_FACTOR = 1.35 * 1.3 * 2.5;

/** Tea is bought at lunch, mid-afternoon and in the evening. */
const HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 5, 7, 10, 9, 8, 10, 9, 7, 6, 7, 8, 6, 3, 1].map((weight, hour) => ({
  hour,
  weight,
}));

export interface DemoCustomersOptions {
  customers: number;
  seed: number;
  /** End of the 12 months of history. */
  now: Date;
  /** Rows per COPY batch; customers are generated and written this many at a time. */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoCustomersResult {
  customers: number;
  orders: number;
  events: number;
  tags: number;
}

interface Rows {
  customers: unknown[][];
  identities: unknown[][];
  orders: unknown[][];
  items: unknown[][];
  events: unknown[][];
  tags: unknown[][];
}

/** The tables the demo fills, with the columns it writes, in an order that satisfies their foreign keys. */
const TABLES: { key: keyof Rows; table: string; columns: string[] }[] = [
  {
    key: 'customers',
    table: 'customers',
    columns: [
      'workspace_id',
      'id',
      'seq',
      'name',
      'gender',
      'birthday',
      'region',
      'city',
      'phone',
      'email',
      'occupation',
      'interests',
      'source_channel',
      'first_seen_at',
      'last_seen_at',
      'created_at',
    ],
  },
  {
    key: 'identities',
    table: 'customer_identities',
    columns: ['workspace_id', 'kind', 'app_id', 'value', 'customer_id', 'created_at'],
  },
  {
    key: 'orders',
    table: 'orders',
    columns: [
      'workspace_id',
      'id',
      'order_no',
      'customer_id',
      'status',
      'total_fen',
      'paid_fen',
      'refunded_fen',
      'store',
      'channel',
      'placed_at',
      'paid_at',
    ],
  },
  {
    key: 'items',
    table: 'order_items',
    columns: ['workspace_id', 'order_id', 'line', 'sku', 'name', 'category', 'quantity', 'unit_price_fen'],
  },
  {
    key: 'events',
    table: 'events',
    columns: [
      'workspace_id',
      'customer_id',
      'type',
      'name',
      'properties',
      'channel',
      'occurred_at',
      'received_at',
      'message_id',
    ],
  },
  { key: 'tags', table: 'customer_tags', columns: ['workspace_id', 'customer_id', 'tag_id', 'source', 'tagged_at'] },
];

const emptyRows = (): Rows => ({ customers: [], identities: [], orders: [], items: [], events: [], tags: [] });

export async function loadDemoCustomers(
  db: Db,
  workspaceId: string,
  options: DemoCustomersOptions,
): Promise<DemoCustomersResult> {
  const tagIds = await createDemoTags(db, workspaceId, options.seed);
  const startSeq = await db.tenant(workspaceId, async (tx) => {
    const rows = await tx.query<{ last_seq: number }>(
      `INSERT INTO customer_seq (workspace_id, last_seq) VALUES ($1, $2)
       ON CONFLICT (workspace_id) DO UPDATE SET last_seq = customer_seq.last_seq + EXCLUDED.last_seq RETURNING last_seq`,
      [workspaceId, options.customers],
    );
    return (rows[0] as { last_seq: number }).last_seq - options.customers + 1;
  });
  const generate = (start: number, end: number, rows: Rows) => {
    for (let i = start; i < end; i++) generateCustomer(rows, workspaceId, options, i, startSeq + i, tagIds);
  };
  return db.kind === 'postgres' ? copyLoad(db, options, generate) : insertLoad(db, options, generate);
}

type Generate = (start: number, end: number, rows: Rows) => void;

const count = (totals: DemoCustomersResult, rows: Rows) => {
  totals.customers += rows.customers.length;
  totals.orders += rows.orders.length;
  totals.events += rows.events.length;
  totals.tags += rows.tags.length;
};

/** PGlite: one connection, so chunks are generated and inserted in turn. */
async function insertLoad(db: Db, options: DemoCustomersOptions, generate: Generate): Promise<DemoCustomersResult> {
  const chunk = options.chunk ?? 5000;
  const totals = { customers: 0, orders: 0, events: 0, tags: 0 };
  for (let start = 0; start < options.customers; start += chunk) {
    const rows = emptyRows();
    const end = Math.min(options.customers, start + chunk);
    generate(start, end, rows);
    for (const t of TABLES) await db.copy(t.table, t.columns, rows[t.key]);
    count(totals, rows);
    options.onProgress?.(end, options.customers);
  }
  // Without fresh statistics PGlite plans the traits recompute as nested loops: 5,000 customers took 186 s, and
  // 2.3 s after ANALYZE.
  await db.exec(`ANALYZE ${TABLES.map((t) => t.table).join(', ')}`);
  return totals;
}

/** Customers generated between two yields to the event loop, so the COPY of the previous chunk keeps flowing. */
const SLICE = 200;

/**
 * PostgreSQL: the whole history in one transaction. While the server ingests one chunk's COPY, the next chunk is
 * generated in slices that let the socket drain in between, so the database and the generator each keep a core
 * busy. On an empty database the secondary indexes and foreign keys are built after the load (see deferIndexes).
 */
async function copyLoad(db: Db, options: DemoCustomersOptions, generate: Generate): Promise<DemoCustomersResult> {
  const chunk = options.chunk ?? 1000;
  const totals = { customers: 0, orders: 0, events: 0, tags: 0 };
  await db.transaction(async (tx) => {
    const rebuild = await deferIndexes(
      tx,
      TABLES.map((t) => t.table),
    );
    let writing: Promise<void> = Promise.resolve();
    for (let start = 0; start < options.customers; start += chunk) {
      const end = Math.min(options.customers, start + chunk);
      // Each slice is encoded at once, so its arrays die young and only the text waits for the COPY.
      const text: string[][] = TABLES.map(() => []);
      for (let from = start; from < end; from += SLICE) {
        const rows = emptyRows();
        generate(from, Math.min(end, from + SLICE), rows);
        count(totals, rows);
        for (const [k, t] of TABLES.entries()) (text[k] as string[]).push(...copyChunks(rows[t.key]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      writing = (async () => {
        for (const [k, t] of TABLES.entries()) await copyInTx(tx, t.table, t.columns, text[k] as string[]);
        options.onProgress?.(end, options.customers);
      })();
      // Awaited on the next turn or after the loop; until then a failure must not count as unhandled.
      writing.catch(() => {});
    }
    await writing;
    if (rebuild.length > 0) {
      // Sorting for an index build in memory rather than in temporary files; only for this transaction.
      await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
      for (const ddl of rebuild) await tx.exec(ddl);
    }
  });
  // Fresh statistics, so the queries that follow (traits, segments) plan for the rows just loaded.
  await db.exec(`ANALYZE ${TABLES.map((t) => t.table).join(', ')}`);
  return totals;
}

async function createDemoTags(db: Db, workspaceId: string, seed: number): Promise<Map<string, string>> {
  const rng = new Rng(seed ^ 0x7a95);
  const ids = new Map<string, string>();
  await db.tenant(workspaceId, async (tx) => {
    for (const [sort, group] of DEMO_TAG_GROUPS.entries()) {
      const groupId = rng.uuid();
      await tx.query('INSERT INTO tag_groups (workspace_id, id, name, sort) VALUES ($1, $2, $3, $4)', [
        workspaceId,
        groupId,
        group.name,
        sort,
      ]);
      for (const name of group.tags) {
        const id = rng.uuid();
        ids.set(name, id);
        await tx.query('INSERT INTO tags (workspace_id, id, group_id, name) VALUES ($1, $2, $3, $4)', [
          workspaceId,
          id,
          groupId,
          name,
        ]);
      }
    }
  });
  return ids;
}

/**
 * A random-looking UUID whose last 48 bits are (customer index, serial) so that it is unique in the workspace:
 * a customer's generator has 32 bits of state, and with a million customers drawing hundreds of numbers each,
 * two of their streams overlap somewhere and would repeat an id drawn from the stream alone.
 */
function uniqueUuid(rng: Rng, index: number, serial: number): string {
  const tail = (index * 4096 + serial).toString(16).padStart(12, '0');
  return `${rng.uuid().slice(0, 24)}${tail}`;
}

function localTime(rng: Rng, day: number): Date {
  const hour = weighted(rng, HOUR_WEIGHTS).hour;
  return new Date(day + hour * 3_600_000 + rng.int(0, 3_599_999) - SHANGHAI);
}

function generateCustomer(
  rows: Rows,
  ws: string,
  options: DemoCustomersOptions,
  index: number,
  seq: number,
  tagIds: Map<string, string>,
): void {
  const rng = new Rng((options.seed * 2_654_435_761 + index * 40_503) >>> 0);
  const id = uniqueUuid(rng, index, 0);
  const now = options.now.getTime();
  const today = Math.floor((now + SHANGHAI) / DAY) * DAY; // local midnight, as a UTC-based day number
  // More recent sign-ups than old ones: the pool has been growing all year.
  const ageDays = Math.floor(365 * Math.sqrt(rng.next()));
  const signupDay = today - ageDays * DAY;
  const signedUp = localTime(rng, signupDay);
  const source = weighted(rng, SOURCES).channel;
  const place = weighted(rng, CITIES);
  const gender = rng.next() < 0.68 ? 'female' : rng.next() < 0.9 ? 'male' : 'unknown';
  const surname = SURNAMES[rng.int(0, SURNAMES.length - 1)];
  const given = `${GIVEN[rng.int(0, GIVEN.length - 1)]}${rng.next() < 0.7 ? GIVEN[rng.int(0, GIVEN.length - 1)] : ''}`;
  const year = 2026 - rng.int(16, 48);
  const birthday = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  const phone = `+861${rng.pick(['3', '5', '7', '8', '9'])}${String(100_000_000 + ((index * 7_919 + options.seed * 104_729) % 900_000_000)).slice(0, 9)}`;
  const taste = CATEGORIES.map((c, k) => ({ category: c, weight: (k < 3 ? 3 : 1) * (0.2 + rng.next()) }));
  const favourite = [...taste].sort((a, b) => b.weight - a.weight)[0]?.category as string;

  // BG/NBD: a purchase rate per week, and after each purchase a chance to become inactive for good.
  const rate = gamma(rng, 0.9, 0.14);
  const dropout = beta(rng, 1.2, 3.5);
  const store = rng.pick(STORES);
  const orderChannel = source === 'store' ? 'store' : source === 'official_account' ? 'h5' : 'mini_program';
  let lastSeen = signedUp.getTime();
  let spend = 0;
  let orders = 0;
  let eventNo = 0;
  const ev = (name: string, at: Date, channel: string, properties: Record<string, unknown>) => {
    rows.events.push([
      ws,
      id,
      'track',
      name,
      properties,
      channel,
      at,
      at,
      `demo-${options.seed}-${index}-${eventNo++}`,
    ]);
    if (at.getTime() > lastSeen) lastSeen = at.getTime();
  };
  ev('signed_up', signedUp, source === 'referral' ? 'mini_program' : source, { source });

  let alive = true;
  for (let day = signupDay; day <= today && alive; day += DAY) {
    // Thinning: candidate purchases at the peak rate, kept in proportion to how busy the day is.
    if (rng.next() >= (rate / 7) * MAX_DAY_FACTOR) continue;
    if (rng.next() >= dayFactor(new Date(day)) / MAX_DAY_FACTOR) continue;
    const placed = localTime(rng, day);
    if (placed.getTime() > now) break;
    const lines = rng.int(1, rng.next() < 0.7 ? 1 : 3);
    const orderId = uniqueUuid(rng, index, orders + 1);
    const orderNo = `CY${options.seed}${String(index).padStart(8, '0')}${String(orders).padStart(3, '0')}`;
    let total = 0;
    for (let line = 0; line < lines; line++) {
      const category = weighted(rng, taste).category;
      const choices = PRODUCTS.filter((p) => p.category === category);
      const product = rng.pick(choices);
      const quantity = category === '周边' ? 1 : rng.int(1, rng.next() < 0.8 ? 1 : 4);
      total += product.priceFen * quantity;
      rows.items.push([ws, orderId, line + 1, product.sku, product.name, product.category, quantity, product.priceFen]);
      ev('view_product', new Date(placed.getTime() - rng.int(60_000, 900_000)), orderChannel, {
        sku: product.sku,
        category: product.category,
      });
    }
    const roll = rng.next();
    const status = roll < 0.03 ? 'cancelled' : roll < 0.05 ? 'refunded' : roll < 0.07 ? 'partially_refunded' : 'paid';
    const paid = status === 'cancelled' ? 0 : total;
    const refunded = status === 'refunded' ? total : status === 'partially_refunded' ? Math.round(total / 2) : 0;
    rows.orders.push([
      ws,
      orderId,
      orderNo,
      id,
      status,
      total,
      paid,
      refunded,
      orderChannel === 'store' ? store : null,
      orderChannel,
      placed,
      paid > 0 ? new Date(placed.getTime() + 30_000) : null,
    ]);
    ev('order_completed', placed, orderChannel, { order_no: orderNo, amount_fen: total, status });
    spend += paid - refunded;
    orders++;
    if (rng.next() < dropout) alive = false;
  }
  // Browsing without buying, and daily check-ins for the engaged ones, while the customer is still around.
  const visits = rng.int(0, 4) + Math.min(orders, 6);
  for (let v = 0; v < visits; v++) {
    const day =
      signupDay + rng.int(0, Math.max(0, Math.floor((Math.min(lastSeen + 14 * DAY, now) - signupDay) / DAY))) * DAY;
    const at = localTime(rng, day);
    if (at.getTime() <= now)
      ev(rng.next() < 0.7 ? 'app_open' : 'check_in', at, orderChannel === 'store' ? 'mini_program' : orderChannel, {});
  }

  rows.customers.push([
    ws,
    id,
    seq,
    `${surname}${given}`,
    gender,
    birthday,
    place.region,
    place.city,
    phone,
    rng.next() < 0.3 ? `u${index}.s${options.seed}@example.com` : null,
    rng.next() < 0.6 ? rng.pick(OCCUPATIONS) : null,
    [favourite],
    source,
    signedUp,
    new Date(lastSeen),
    signedUp,
  ]);
  const identity = (kind: string, value: string, appId = '') =>
    rows.identities.push([ws, kind, appId, value, id, signedUp]);
  identity('phone', phone);
  if (source !== 'store' || rng.next() < 0.5) identity('wechat_unionid', `union-${options.seed}-${index}`);
  if (source === 'mini_program' || source === 'referral' || rng.next() < 0.3) {
    identity('wechat_openid', `mp-${options.seed}-${index}`, 'wx-mini-chayu');
  }
  if (source === 'official_account' || rng.next() < 0.2)
    identity('wechat_openid', `oa-${options.seed}-${index}`, 'wx-oa-chayu');
  if (source === 'wecom' || rng.next() < 0.25)
    identity('wecom_external_userid', `wm${options.seed}x${index.toString(36)}`);
  if (orders > 0 || rng.next() < 0.4) identity('member_card', `CY${String(100_000_000 + seq).slice(1)}`);
  if (orderChannel === 'store' && orders > 0) identity('pos_customer_id', `POS${options.seed}-${index}`);

  const tag = (name: string) => {
    const tagId = tagIds.get(name);
    if (tagId) rows.tags.push([ws, id, tagId, 'rule', signedUp]);
  };
  tag(SOURCE_TAG[source] as string);
  if (orders > 0) tag(INTEREST_TAG[favourite] as string);
  tag(spend > 30_000 ? '高消费' : spend > 8_000 ? '中消费' : '价格敏感');
  if (rng.next() < 0.25) tag('少糖');
  if (rng.next() < 0.1) tag('夜猫子');
  if (rng.next() < 0.2) tag('周末党');
}
