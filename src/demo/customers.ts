// The demo brand's customers: identities across channels, 12 months of orders and events with a weekly and
// seasonal rhythm (weekends, summer, 618, 双11, 双12, the Spring Festival dip), and tags that follow behaviour.
// Purchases follow the BG/NBD story (a personal purchase rate, a chance to drop out after each purchase), so the
// traits computed from them (RFM, lifecycle, CLV, churn) have realistic spreads. Deterministic for a seed:
// every customer draws from its own generator seeded by (seed, index).

import { EVENT_COLUMNS } from '../modules/events/index.ts';
import { type BulkMembership, cardNoOf, growthForSpend, inviteCodeOf } from '../modules/loyalty/index.ts';
import type { Db } from '../platform/db/index.ts';
import { STORES } from './brand.ts';
import { CopyText, constant, copyInTx, deferIndexes } from './bulk.ts';
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
  /** Enrols about a third of the customers as members, written with them (see `joinsAsMember`). */
  membership?: BulkMembership;
}

export interface DemoCustomersResult {
  customers: number;
  orders: number;
  events: number;
  tags: number;
  members: number;
}

/** The tables the demo fills, with the columns it writes, in an order that satisfies their foreign keys. */
const TABLES = [
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
      'member_status',
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
    columns: ['workspace_id', ...EVENT_COLUMNS],
  },
  { key: 'tags', table: 'customer_tags', columns: ['workspace_id', 'customer_id', 'tag_id', 'source', 'tagged_at'] },
  { key: 'cards', table: 'member_cards', columns: ['workspace_id', 'card_no', 'customer_id', 'issued_at'] },
  {
    key: 'members',
    table: 'members',
    columns: [
      'workspace_id',
      'customer_id',
      'card_no',
      'tier_id',
      'growth',
      'tier_since',
      'tier_protected_until',
      'join_channel',
      'terms_version',
      'consented_at',
      'invite_code',
      'joined_at',
    ],
  },
  {
    key: 'growth',
    table: 'growth_entries',
    columns: ['workspace_id', 'customer_id', 'amount', 'cause', 'ref', 'idempotency_key', 'at'],
  },
  {
    key: 'tierHistory',
    table: 'tier_history',
    columns: ['workspace_id', 'customer_id', 'from_tier_id', 'to_tier_id', 'reason', 'growth', 'at'],
  },
] as const;

type Out = Record<(typeof TABLES)[number]['key'], CopyText>;
const newOut = (): Out => ({
  customers: new CopyText(),
  identities: new CopyText(),
  orders: new CopyText(),
  items: new CopyText(),
  events: new CopyText(),
  tags: new CopyText(),
  cards: new CopyText(),
  members: new CopyText(),
  growth: new CopyText(),
  tierHistory: new CopyText(),
});

/** Everything a customer's rows share, encoded once per load. */
interface Context {
  seed: number;
  now: number;
  /** Local midnight of the last day, as a UTC-based day number. */
  today: number;
  ws: Uint8Array;
  tags: Map<string, Uint8Array>;
  /** dayFactor of each of the last 366 days, by days before today. */
  dayFactors: Float64Array;
  membership: Membership | null;
}

/** The workspace's membership set-up, encoded once per load. */
interface Membership {
  setup: BulkMembership;
  tiers: { id: Uint8Array; threshold: number }[];
  termsVersion: Uint8Array;
  windowStart: number;
  protectedUntil: number | null;
}

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
  const now = options.now.getTime();
  const today = Math.floor((now + SHANGHAI) / DAY) * DAY;
  const context: Context = {
    seed: options.seed,
    now,
    today,
    ws: constant(workspaceId),
    tags: new Map([...tagIds].map(([name, id]) => [name, constant(id)])),
    dayFactors: Float64Array.from({ length: 366 }, (_, back) => dayFactor(new Date(today - back * DAY))),
    membership: options.membership
      ? {
          setup: options.membership,
          tiers: options.membership.tiers.map((t) => ({ id: constant(t.id), threshold: t.threshold })),
          termsVersion: constant(options.membership.termsVersion),
          windowStart: options.membership.windowStart.getTime(),
          protectedUntil: options.membership.protectedUntil?.getTime() ?? null,
        }
      : null,
  };
  const generate = (start: number, end: number, out: Out) => {
    for (let i = start; i < end; i++) generateCustomer(out, context, i, startSeq + i);
  };
  return db.kind === 'postgres' ? copyLoad(db, options, generate) : insertLoad(db, options, generate);
}

type Generate = (start: number, end: number, out: Out) => void;

const totalsOf = (out: Out): DemoCustomersResult => ({
  customers: out.customers.rows,
  orders: out.orders.rows,
  events: out.events.rows,
  tags: out.tags.rows,
  members: out.members.rows,
});

/**
 * COPY text back into rows of text values, for PGlite, whose `Db.copy` takes rows. Nothing the generator writes
 * is escaped (see CopyText), so a tab always separates values and `\N` is always NULL.
 */
function rowsOf(pieces: readonly Buffer[]): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const piece of pieces) {
    const lines = piece.toString('utf8').split('\n');
    lines.pop();
    for (const line of lines) rows.push(line.split('\t').map((v) => (v === '\\N' ? null : v)));
  }
  return rows;
}

/** PGlite: one connection, so chunks are generated and inserted in turn. */
async function insertLoad(db: Db, options: DemoCustomersOptions, generate: Generate): Promise<DemoCustomersResult> {
  const chunk = options.chunk ?? 5000;
  const out = newOut();
  for (let start = 0; start < options.customers; start += chunk) {
    const end = Math.min(options.customers, start + chunk);
    generate(start, end, out);
    for (const t of TABLES) await db.copy(t.table, t.columns, rowsOf(out[t.key].take()));
    options.onProgress?.(end, options.customers);
  }
  // Without fresh statistics PGlite plans the traits recompute as nested loops: 5,000 customers took 186 s, and
  // 2.3 s after ANALYZE.
  await db.exec(`ANALYZE ${TABLES.map((t) => t.table).join(', ')}`);
  return totalsOf(out);
}

/** Customers generated between two yields to the event loop, so the COPYs of the previous chunk keep flowing. */
const SLICE = 250;

/**
 * The tables split between two loaders, each on a connection and in a transaction of its own, so that the server
 * writes on two cores: the events (the bulk of the bytes) and everything else. No foreign key crosses the split.
 */
const LOADERS: readonly (readonly (typeof TABLES)[number]['key'][])[] = [
  ['events'],
  ['customers', 'identities', 'orders', 'items', 'tags', 'cards', 'members', 'growth', 'tierHistory'],
];

/**
 * PostgreSQL: the whole history by two loaders (see LOADERS). While the server ingests one chunk's COPYs, the next
 * chunk is generated in slices that let the sockets drain in between. On an empty database each loader drops its
 * tables' secondary indexes and foreign keys and builds them again after its last COPY (see deferIndexes). A
 * failure in one stops the other, which rolls back; the two cannot commit together (both re-add foreign keys to
 * `workspaces`, whose lock each then holds until it commits), so should one have committed already, the caller
 * removes the workspace.
 */
async function copyLoad(db: Db, options: DemoCustomersOptions, generate: Generate): Promise<DemoCustomersResult> {
  const chunk = options.chunk ?? 2000;
  const out = newOut();
  const feeds = LOADERS.map(() => new ChunkFeed());
  const loaders = LOADERS.map((keys, k) =>
    db
      .transaction(async (tx) => {
        const tables = TABLES.filter((t) => keys.includes(t.key));
        const rebuild = await deferIndexes(
          tx,
          tables.map((t) => t.table),
        );
        const feed = feeds[k] as ChunkFeed;
        for (let pieces = await feed.next(); pieces; pieces = await feed.next()) {
          for (const t of tables) await copyInTx(tx, t.table, t.columns, pieces.get(t.key) ?? []);
        }
        if (rebuild.length > 0) {
          // Sorting for an index build in memory rather than in temporary files; only for this transaction.
          await tx.exec(`SET LOCAL maintenance_work_mem = '1GB'`);
          for (const ddl of rebuild) await tx.exec(ddl);
        }
      })
      .catch((err) => {
        for (const feed of feeds) feed.close(err);
        throw err;
      }),
  );
  const producing = (async () => {
    for (let start = 0; start < options.customers; start += chunk) {
      const end = Math.min(options.customers, start + chunk);
      for (let from = start; from < end; from += SLICE) {
        generate(from, Math.min(end, from + SLICE), out);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const pieces = new Map(TABLES.map((t) => [t.key, out[t.key].take()] as const));
      for (const [k, keys] of LOADERS.entries()) {
        await (feeds[k] as ChunkFeed).put(new Map(keys.map((key) => [key, pieces.get(key) ?? []])));
      }
      options.onProgress?.(end, options.customers);
    }
    for (const feed of feeds) feed.end();
  })();
  const results = await Promise.allSettled([producing, ...loaders]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  // Fresh statistics, so the queries that follow (traits, segments) plan for the rows just loaded.
  await db.exec(`ANALYZE ${TABLES.map((t) => t.table).join(', ')}`);
  return totalsOf(out);
}

/**
 * Hands generated chunks to one loader, holding at most one chunk ahead so generation never races far past what
 * the server has taken (memory stays at two chunks).
 */
class ChunkFeed {
  private queue: Map<string, Buffer[]>[] = [];
  private waiting: ((pieces: Map<string, Buffer[]> | null) => void) | null = null;
  private room: (() => void) | null = null;
  private ended = false;
  private error: unknown = null;

  async put(pieces: Map<string, Buffer[]>): Promise<void> {
    if (this.error) throw this.error;
    if (this.waiting) {
      const take = this.waiting;
      this.waiting = null;
      take(pieces);
      return;
    }
    this.queue.push(pieces);
    if (this.queue.length > 1) await new Promise<void>((resolve) => (this.room = resolve));
    if (this.error) throw this.error;
  }

  next(): Promise<Map<string, Buffer[]> | null> {
    if (this.error) return Promise.reject(this.error);
    const pieces = this.queue.shift();
    if (pieces) {
      this.room?.();
      this.room = null;
      return Promise.resolve(pieces);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  end(): void {
    this.ended = true;
    this.waiting?.(null);
    this.waiting = null;
  }

  close(error: unknown): void {
    this.error = error;
    this.room?.();
    this.room = null;
    this.end();
  }
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

const HEX = constant('0123456789abcdef');

/**
 * A random-looking UUID whose last 48 bits are (customer index, serial) so that it is unique in the workspace:
 * a customer's generator has 32 bits of state, and with a million customers drawing hundreds of numbers each,
 * two of their streams overlap somewhere and would repeat an id drawn from the stream alone. It draws what
 * `Rng.uuid` draws and keeps that UUID's first 24 characters; written into `into` as text.
 */
function uniqueUuid(rng: Rng, index: number, serial: number, into: Uint8Array): Uint8Array {
  let p = 0;
  for (let i = 0; i < 16; i++) {
    let byte = Math.floor(rng.next() * 256);
    if (i >= 10) continue;
    if (i === 6) byte = 0x40 | (byte & 0x0f);
    else if (i === 8) byte = 0x80 | (byte & 0x3f);
    into[p++] = HEX[byte >> 4] as number;
    into[p++] = HEX[byte & 15] as number;
    if (i === 3 || i === 5 || i === 7 || i === 9) into[p++] = 45;
  }
  let tail = index * 4096 + serial;
  for (let q = 35; q >= 24; q--) {
    into[q] = HEX[tail % 16] as number;
    tail = Math.floor(tail / 16);
  }
  return into;
}

/** Milliseconds of a purchase or visit on a local day: tea is bought at lunch, mid-afternoon and in the evening. */
function localTime(rng: Rng, day: number): number {
  const hour = weighted(rng, HOUR_WEIGHTS).hour;
  return day + hour * 3_600_000 + rng.int(0, 3_599_999) - SHANGHAI;
}

const withBytes = <T extends object>(items: readonly T[], text: (item: T) => string) =>
  items.map((item) => ({ ...item, bytes: constant(text(item)) }));
const PRODUCT_TEXT = PRODUCTS.map((p) => ({
  ...p,
  skuBytes: constant(p.sku),
  nameBytes: constant(p.name),
  categoryBytes: constant(p.category),
  viewed: constant(JSON.stringify({ sku: p.sku, category: p.category })),
}));
const PRODUCTS_BY_CATEGORY = new Map(CATEGORIES.map((c) => [c, PRODUCT_TEXT.filter((p) => p.category === c)]));
const INTERESTS = new Map(CATEGORIES.map((c) => [c, constant(`{"${c}"}`)]));
const CITY_TEXT = CITIES.map((c) => ({ ...c, cityBytes: constant(c.city), regionBytes: constant(c.region) }));
const SOURCE_TEXT = withBytes(SOURCES, (s) => s.channel);
const SIGNED_UP = new Map(SOURCES.map((s) => [s.channel, constant(JSON.stringify({ source: s.channel }))]));
const STORE_TEXT = STORES.map(constant);
const SURNAME_TEXT = [...SURNAMES].map(constant);
const GIVEN_TEXT = [...GIVEN].map(constant);
const OCCUPATION_TEXT = OCCUPATIONS.map(constant);
/** Mobile prefixes of the three carriers that libphonenumber knows as valid: a generated number must be one the API takes. */
const MOBILE_PREFIXES = [
  ...['130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155'],
  ...['156', '157', '158', '159', '166', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186'],
  ...['187', '188', '189', '198', '199'],
];
const GENDERS = { female: constant('female'), male: constant('male'), unknown: constant('unknown') };
const ORDER_CHANNELS = { store: constant('store'), h5: constant('h5'), mini_program: constant('mini_program') };
const STATUSES = {
  paid: constant('paid'),
  cancelled: constant('cancelled'),
  refunded: constant('refunded'),
  partially_refunded: constant('partially_refunded'),
};
const EMPTY_JSON = constant('{}');

function generateCustomer(out: Out, ctx: Context, index: number, seq: number): void {
  const { seed, now, today, ws } = ctx;
  const rng = new Rng((seed * 2_654_435_761 + index * 40_503) >>> 0);
  const id = uniqueUuid(rng, index, 0, new Uint8Array(36));
  // More recent sign-ups than old ones: the pool has been growing all year.
  const ageDays = Math.floor(365 * Math.sqrt(rng.next()));
  const signupDay = today - ageDays * DAY;
  const signedUp = localTime(rng, signupDay);
  const source = weighted(rng, SOURCE_TEXT);
  const place = weighted(rng, CITY_TEXT);
  const gender = rng.next() < 0.68 ? GENDERS.female : rng.next() < 0.9 ? GENDERS.male : GENDERS.unknown;
  const surname = SURNAME_TEXT[rng.int(0, SURNAMES.length - 1)] as Uint8Array;
  const given = GIVEN_TEXT[rng.int(0, GIVEN.length - 1)] as Uint8Array;
  const given2 = rng.next() < 0.7 ? (GIVEN_TEXT[rng.int(0, GIVEN.length - 1)] as Uint8Array) : null;
  const year = 2026 - rng.int(16, 48);
  const month = rng.int(1, 12);
  const dayOfMonth = rng.int(1, 28);
  const mobile = rng.pick(MOBILE_PREFIXES);
  // Eight digits unique per customer (7,919 is prime, so the map is one-to-one below 10⁸ customers).
  const phone = `+86${mobile}${String((index * 7_919 + seed * 104_729) % 100_000_000).padStart(8, '0')}`;
  const taste = CATEGORIES.map((c, k) => ({ category: c, weight: (k < 3 ? 3 : 1) * (0.2 + rng.next()) }));
  let favourite = taste[0] as (typeof taste)[number];
  for (const t of taste) if (t.weight > favourite.weight) favourite = t;

  // BG/NBD: a purchase rate per week, and after each purchase a chance to become inactive for good.
  const rate = gamma(rng, 0.9, 0.14);
  const dropout = beta(rng, 1.2, 3.5);
  const store = rng.pick(STORE_TEXT);
  const channel = source.channel;
  const orderChannel = channel === 'store' ? 'store' : channel === 'official_account' ? 'h5' : 'mini_program';
  const orderChannelText = ORDER_CHANNELS[orderChannel];
  let lastSeen = signedUp;
  let spend = 0;
  // Paid less refunded per local calendar month within the evaluation window, for a member's growth entries.
  const months = ctx.membership ? new Map<number, { fen: number; last: number }>() : null;
  let orders = 0;
  let eventNo = 0;
  const events = out.events;
  /** An event row up to its properties; the caller writes them and `eventEnd` the rest. */
  const event = (name: string) => events.row().bytes(ws).tab().bytes(id).tab().ascii('track').tab().ascii(name).tab();
  const eventEnd = (at: number, eventChannel: Uint8Array) => {
    events.tab().bytes(eventChannel).tab().time(at).tab().time(at).tab();
    events.ascii('demo-').int(seed).ascii('-').int(index).ascii('-').int(eventNo++).end();
    if (at > lastSeen) lastSeen = at;
  };
  event('signed_up').bytes(SIGNED_UP.get(channel) as Uint8Array);
  eventEnd(signedUp, channel === 'referral' ? ORDER_CHANNELS.mini_program : source.bytes);

  const orderId = new Uint8Array(36);
  let alive = true;
  for (let day = signupDay; day <= today && alive; day += DAY) {
    // Thinning: candidate purchases at the peak rate, kept in proportion to how busy the day is.
    if (rng.next() >= (rate / 7) * MAX_DAY_FACTOR) continue;
    if (rng.next() >= (ctx.dayFactors[(today - day) / DAY] as number) / MAX_DAY_FACTOR) continue;
    const placed = localTime(rng, day);
    if (placed > now) break;
    const lines = rng.int(1, rng.next() < 0.7 ? 1 : 3);
    uniqueUuid(rng, index, orders + 1, orderId);
    let total = 0;
    for (let line = 0; line < lines; line++) {
      const category = weighted(rng, taste).category;
      const product = rng.pick(PRODUCTS_BY_CATEGORY.get(category) as typeof PRODUCT_TEXT);
      const quantity = category === '周边' ? 1 : rng.int(1, rng.next() < 0.8 ? 1 : 4);
      total += product.priceFen * quantity;
      out.items
        .row()
        .bytes(ws)
        .tab()
        .bytes(orderId)
        .tab()
        .int(line + 1)
        .tab()
        .bytes(product.skuBytes)
        .tab();
      out.items.bytes(product.nameBytes).tab().bytes(product.categoryBytes).tab().int(quantity).tab();
      out.items.int(product.priceFen).end();
      event('view_product').bytes(product.viewed);
      eventEnd(placed - rng.int(60_000, 900_000), orderChannelText);
    }
    const roll = rng.next();
    const status = roll < 0.03 ? 'cancelled' : roll < 0.05 ? 'refunded' : roll < 0.07 ? 'partially_refunded' : 'paid';
    const paid = status === 'cancelled' ? 0 : total;
    const refunded = status === 'refunded' ? total : status === 'partially_refunded' ? Math.round(total / 2) : 0;
    const o = out.orders.row().bytes(ws).tab().bytes(orderId).tab();
    o.ascii('CY').int(seed).padded(index, 8).padded(orders, 3).tab().bytes(id).tab().bytes(STATUSES[status]).tab();
    o.int(total).tab().int(paid).tab().int(refunded).tab();
    (orderChannel === 'store' ? o.bytes(store) : o.null()).tab().bytes(orderChannelText).tab().time(placed).tab();
    (paid > 0 ? o.time(placed + 30_000) : o.null()).end();
    event('order_completed').ascii('{"order_no":"CY').int(seed).padded(index, 8).padded(orders, 3);
    events.ascii('","amount_fen":').int(total).ascii(',"status":"').ascii(status).ascii('"}');
    eventEnd(placed, orderChannelText);
    spend += paid - refunded;
    if (months && paid > refunded && placed > (ctx.membership as Membership).windowStart) {
      const local = new Date(placed + SHANGHAI);
      const key = local.getUTCFullYear() * 12 + local.getUTCMonth();
      const month = months.get(key) ?? { fen: 0, last: placed };
      month.fen += paid - refunded;
      month.last = Math.max(month.last, placed);
      months.set(key, month);
    }
    orders++;
    if (rng.next() < dropout) alive = false;
  }
  // Browsing without buying, and daily check-ins for the engaged ones, while the customer is still around.
  const visits = rng.int(0, 4) + Math.min(orders, 6);
  const visitChannel = orderChannel === 'store' ? ORDER_CHANNELS.mini_program : orderChannelText;
  for (let v = 0; v < visits; v++) {
    const day =
      signupDay + rng.int(0, Math.max(0, Math.floor((Math.min(lastSeen + 14 * DAY, now) - signupDay) / DAY))) * DAY;
    const at = localTime(rng, day);
    if (at <= now) {
      event(rng.next() < 0.7 ? 'app_open' : 'check_in').bytes(EMPTY_JSON);
      eventEnd(at, visitChannel);
    }
  }

  const c = out.customers.row().bytes(ws).tab().bytes(id).tab().int(seq).tab().bytes(surname).bytes(given);
  if (given2) c.bytes(given2);
  c.tab().bytes(gender).tab().ymd(year, month, dayOfMonth).tab().bytes(place.regionBytes).tab();
  c.bytes(place.cityBytes).tab().ascii(phone).tab();
  (rng.next() < 0.3 ? c.ascii('u').int(index).ascii('.s').int(seed).ascii('@example.com') : c.null()).tab();
  (rng.next() < 0.6 ? c.bytes(rng.pick(OCCUPATION_TEXT)) : c.null()).tab();
  c.bytes(INTERESTS.get(favourite.category) as Uint8Array)
    .tab()
    .bytes(source.bytes)
    .tab();
  const member = months !== null && joinsAsMember(seed, index, spend);
  const memberStatus = member ? 'member' : 'none';
  c.time(signedUp).tab().time(lastSeen).tab().time(signedUp).tab().ascii(memberStatus).end();
  if (member) writeMember(out, ctx, ctx.membership as Membership, id, seq, signedUp, months);

  const identity = (kind: string, value: string, appId = '') => {
    const row = out.identities.row().bytes(ws).tab().ascii(kind).tab().ascii(appId).tab().ascii(value).tab();
    row.bytes(id).tab().time(signedUp).end();
  };
  identity('phone', phone);
  if (channel !== 'store' || rng.next() < 0.5) identity('wechat_unionid', `union-${seed}-${index}`);
  if (channel === 'mini_program' || channel === 'referral' || rng.next() < 0.3) {
    identity('wechat_openid', `mp-${seed}-${index}`, 'wx-mini-chayu');
  }
  if (channel === 'official_account' || rng.next() < 0.2)
    identity('wechat_openid', `oa-${seed}-${index}`, 'wx-oa-chayu');
  if (channel === 'wecom' || rng.next() < 0.25) identity('wecom_external_userid', `wm${seed}x${index.toString(36)}`);
  if (orders > 0 || rng.next() < 0.4) identity('member_card', `CY${String(100_000_000 + seq).slice(1)}`);
  if (orderChannel === 'store' && orders > 0) identity('pos_customer_id', `POS${seed}-${index}`);

  const tag = (name: string) => {
    const tagId = ctx.tags.get(name);
    if (tagId)
      out.tags.row().bytes(ws).tab().bytes(id).tab().bytes(tagId).tab().ascii('rule').tab().time(signedUp).end();
  };
  tag(SOURCE_TAG[channel] as string);
  if (orders > 0) tag(INTEREST_TAG[favourite.category] as string);
  tag(spend > 30_000 ? '高消费' : spend > 8_000 ? '中消费' : '价格敏感');
  if (rng.next() < 0.25) tag('少糖');
  if (rng.next() < 0.1) tag('夜猫子');
  if (rng.next() < 0.2) tag('周末党');
}

/**
 * Whether a customer joined the membership: about a third do, the better customers more often (nine in ten of
 * those who spent 300 yuan or more, one in ten of those who never bought). Drawn from a generator of its own, so
 * the rest of the customer's history is the same whether the load enrols members or not.
 */
function joinsAsMember(seed: number, index: number, spendFen: number): boolean {
  const chance = spendFen >= 30_000 ? 0.9 : spendFen >= 10_000 ? 0.55 : spendFen > 0 ? 0.3 : 0.1;
  return new Rng((seed * 40_503 + index * 2_654_435_761 + 0x6d656d) >>> 0).next() < chance;
}

/**
 * A member joined when they signed up, with the card number and invite code of their customer number, one growth
 * entry per month of orders (at that month's last order, so the evaluation window slides over them as it would
 * have), the tier their growth reaches (protected as after an upgrade) and the tier history to match.
 */
function writeMember(
  out: Out,
  ctx: Context,
  m: Membership,
  id: Uint8Array,
  seq: number,
  joinedAt: number,
  months: ReadonlyMap<number, { fen: number; last: number }>,
): void {
  const ws = ctx.ws;
  let growth = 0;
  for (const [key, month] of months) {
    const amount = growthForSpend(m.setup.growthRules, month.fen);
    if (amount <= 0) continue;
    growth += amount;
    const ref = `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;
    const g = out.growth.row().bytes(ws).tab().bytes(id).tab().int(amount).tab().ascii('demo').tab().ascii(ref).tab();
    g.ascii('demo:').bytes(id).ascii(':').ascii(ref).tab().time(month.last).end();
  }
  const entry = m.tiers[0] as Membership['tiers'][number];
  let tier = entry;
  for (const t of m.tiers) if (t.threshold <= growth) tier = t;
  const upgraded = tier !== entry;
  const cardNo = cardNoOf(seq);
  out.cards.row().bytes(ws).tab().ascii(cardNo).tab().bytes(id).tab().time(joinedAt).end();
  const row = out.members.row().bytes(ws).tab().bytes(id).tab().ascii(cardNo).tab().bytes(tier.id).tab().int(growth);
  const tierSince = upgraded ? ctx.now : joinedAt;
  row.tab().time(tierSince).tab();
  (upgraded && m.protectedUntil !== null ? row.time(m.protectedUntil) : row.null()).tab().ascii('demo').tab();
  row.bytes(m.termsVersion).tab().time(joinedAt).tab().ascii(inviteCodeOf(seq)).tab().time(joinedAt).end();
  const history = out.tierHistory;
  history.row().bytes(ws).tab().bytes(id).tab().null().tab().bytes(entry.id).tab().ascii('join').tab().ascii('0').tab();
  history.time(joinedAt).end();
  if (upgraded) {
    history.row().bytes(ws).tab().bytes(id).tab().bytes(entry.id).tab().bytes(tier.id).tab().ascii('upgrade').tab();
    history.int(growth).tab().time(ctx.now).end();
  }
}
