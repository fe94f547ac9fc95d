// Importing customers and orders from CSV and Excel: good rows in, bad rows reported by line, re-import a no-op;
// the file split into chunks that keep an order's rows together; a template the reader reads back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { readXlsx, writeXlsx } from '../../platform/xlsx.ts';
import { CustomerParticipants } from '../customers/index.ts';
import { parseCsv } from './csv.ts';
import { checkHeader, IMPORT_CHUNK, importFile, planImport, templateHeader } from './import.ts';
import { eventsModule } from './index.ts';

let server: TestServer;
const participants = new CustomerParticipants();
eventsModule({ participants });

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const count = async (sql: string, params: unknown[] = []) =>
  (await server.siyu.db.query<{ n: number }>(sql, params))[0]?.n;

test('the CSV reader handles a BOM, CRLF, quoted fields with commas, quotes and line breaks', () => {
  const rows = parseCsv('\ufeff姓名,备注\r\n"张,三","说""你好""\r\n第二行"\r\n\r\n李四,ok\n');
  expect(rows).toEqual([
    { line: 1, cells: ['姓名', '备注'] },
    { line: 2, cells: ['张,三', '说"你好"\r\n第二行'] },
    { line: 5, cells: ['李四', 'ok'] },
  ]);
});

test('the xlsx reader reads what the writer wrote, dates included', () => {
  const rows = readXlsx(
    writeXlsx([
      ['订单号', '金额'],
      ['A-1', 12.3],
      [null, 'x', new Date(Date.UTC(2025, 0, 2, 3, 4, 5))],
    ]),
  );
  expect(rows).toEqual([
    { line: 1, cells: ['订单号', '金额'] },
    { line: 2, cells: ['A-1', '12.3'] },
    { line: 3, cells: ['', 'x', '2025-01-02 03:04:05'] },
  ]);
});

const customersCsv = [
  '姓名,手机,邮箱,性别,生日,城市,省份,会员卡号,来源渠道,星座',
  '赵一,13700000001,zhao@example.com,男,1991-02-03,杭州,浙江,vip001,store,白羊',
  '钱二,not-a-phone,,女,,,,,,',
  '孙三,13700000003,,未说,,,,,,',
  '李四,,,,,上海,,VIP004,mini_program,',
  '周五,,,,,,,,,',
  '吴六,13700000006,,女,1988-13-01,,,,,',
].join('\r\n');

test('a customers CSV imports the good rows and reports each bad row with its line, and re-importing changes nothing', async () => {
  const file = { name: 'customers.csv', data: Buffer.from(`\ufeff${customersCsv}`, 'utf8') };
  const progress: number[] = [];
  const report = await importFile(server.siyu.db, participants, server.workspaceId, 'customers', file, (done) =>
    progress.push(done),
  );
  expect(report).toMatchObject({ kind: 'customers', rows: 6, imported: 2, failed: 4, ignoredColumns: ['星座'] });
  expect(report.errors.map((e) => [e.line, e.code])).toEqual([
    [3, 'customer.identity_value'],
    [4, 'import.invalid_gender'],
    [6, 'import.identity_required'],
    [7, 'import.invalid_date'],
  ]);
  expect(progress).toEqual([0, 6]);
  const zhao = await server.siyu.db.query<Record<string, unknown>>(
    `SELECT c.name, c.gender, to_char(c.birthday, 'YYYY-MM-DD') AS birthday, c.city, c.region, c.source_channel, c.updated_at
       FROM customers c JOIN customer_identities i ON i.customer_id = c.id AND i.workspace_id = c.workspace_id
      WHERE c.workspace_id = $1 AND i.kind = 'member_card' AND i.value = 'VIP001'`,
    [server.workspaceId],
  );
  expect(zhao[0]).toMatchObject({ name: '赵一', gender: 'male', birthday: '1991-02-03', city: '杭州', region: '浙江' });

  const customersBefore = await count('SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1', [
    server.workspaceId,
  ]);
  const snapshot = await server.siyu.db.query(
    `SELECT id, name, gender, birthday, city, region, phone, email, first_seen_at, last_seen_at FROM customers
      WHERE workspace_id = $1 ORDER BY id`,
    [server.workspaceId],
  );
  const again = await importFile(server.siyu.db, participants, server.workspaceId, 'customers', file);
  expect(again.imported).toBe(2);
  expect(await count('SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1', [server.workspaceId])).toBe(
    customersBefore,
  );
  expect(
    await server.siyu.db.query(
      `SELECT id, name, gender, birthday, city, region, phone, email, first_seen_at, last_seen_at FROM customers
        WHERE workspace_id = $1 ORDER BY id`,
      [server.workspaceId],
    ),
  ).toEqual(snapshot);
});

test('an orders xlsx groups item rows by order number, reports bad rows, and re-importing announces nothing', async () => {
  const data = writeXlsx([
    ['订单号', '手机', '状态', '金额(元)', '下单时间', '门店', '渠道', 'SKU', '商品', '品类', '数量', '单价'],
    ['X-1', '13700000001', '已支付', 56, '2025-03-01 14:30', '西湖店', 'store', 'MT-1', '珍珠奶茶', '奶茶', 1, 28],
    ['X-1', '13700000001', '已支付', 56, '2025-03-01 14:30', '西湖店', 'store', 'FT-2', '水果茶', '果茶', 1, 28],
    ['X-2', '13700000009', '部分退款', 30, '2025-03-02 09:00', null, null, 'MT-1', '珍珠奶茶', '奶茶', 1, 30],
    ['X-3', '13700000001', '已支付', '12.345', '2025-03-03 10:00', null, null, null, null, null, null, null],
    ['X-4', '13700000001', '发货中', 10, '2025-03-04 10:00', null, null, null, null, null, null, null],
    [
      'X-5',
      '13700000001',
      '已支付',
      null,
      new Date(Date.UTC(2025, 2, 5, 8, 0, 0)),
      null,
      null,
      'MT-1',
      '珍珠奶茶',
      null,
      2,
      15,
    ],
    ['X-6', '13700000001', '已支付', 10, '2025-03-06 10:00', null, null, 'A', 'a', null, 1, 10],
    ['X-6', '13700000001', '已支付', 10, '2025-03-06 10:00', null, null, 'B', 'b', null, 'two', 10],
  ]);
  const file = { name: 'orders.xlsx', data };
  const report = await importFile(server.siyu.db, participants, server.workspaceId, 'orders', file);
  expect(report).toMatchObject({ rows: 8, imported: 2, failed: 5 });
  expect(report.errors.map((e) => [e.line, e.code])).toEqual([
    [4, 'order.partial_refund_amount'],
    [5, 'import.invalid_amount'],
    [6, 'import.invalid_status'],
    [8, 'import.order_has_bad_rows'],
    [9, 'import.invalid_quantity'],
  ]);
  const x1 = await server.siyu.db.query<{ total_fen: number; placed_at: Date; n: number }>(
    `SELECT o.total_fen, o.placed_at, (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS n
       FROM orders o WHERE o.workspace_id = $1 AND o.order_no = ANY($2) ORDER BY o.order_no`,
    [server.workspaceId, ['X-1', 'X-5']],
  );
  expect(x1).toEqual([
    { total_fen: 5600, placed_at: new Date('2025-03-01T06:30:00.000Z'), n: 2 },
    { total_fen: 3000, placed_at: new Date('2025-03-05T00:00:00.000Z'), n: 1 },
  ]);
  const announcedBefore = await count(`SELECT count(*)::int AS n FROM domain_events WHERE type LIKE 'order.%'`);
  const again = await importFile(server.siyu.db, participants, server.workspaceId, 'orders', file);
  expect(again.imported).toBe(2);
  expect(await count(`SELECT count(*)::int AS n FROM domain_events WHERE type LIKE 'order.%'`)).toBe(announcedBefore);
});

test('the rows of one order stay in one chunk wherever they stand in the file', () => {
  const header = { line: 1, cells: ['订单号', '手机号', '下单时间', '商品', '单价'] };
  const rows = Array.from({ length: IMPORT_CHUNK + 10 }, (_, i) => ({
    line: i + 2,
    cells: [i === IMPORT_CHUNK + 5 ? 'O-0' : `O-${i}`, '13700000001', '2025-03-01', '奶茶', '10'],
  }));
  const plan = planImport('orders', [header, ...rows]);
  expect(plan.rows).toBe(IMPORT_CHUNK + 10);
  expect(plan.chunks.flat().length).toBe(IMPORT_CHUNK + 10);
  expect(plan.chunks[0]?.slice(0, 2).map((r) => r.line)).toEqual([2, IMPORT_CHUNK + 7]);
  expect(plan.chunks.every((c) => c.length <= IMPORT_CHUNK)).toBe(true);
  expect(() => planImport('customers', [])).toThrow('import.empty_file');
  expect(() => planImport('orders', [{ line: 1, cells: ['姓名', '城市'] }])).toThrow('import.missing_columns');
});

test('the template’s header, in Chinese or English, names every field once and is read back as it is meant', () => {
  const fields = {
    customers: ['name', 'phone', 'email', 'gender', 'birthday', 'city', 'region', 'member_card', 'user_id'].concat([
      'source_channel',
      'occupation',
      'interests',
      'registered_at',
    ]),
    orders: ['order_no', 'phone', 'email', 'member_card', 'user_id', 'status', 'amount', 'paid_amount']
      .concat(['refund_amount', 'placed_at', 'paid_at', 'store', 'channel', 'sku', 'item_name', 'category'])
      .concat(['quantity', 'unit_price']),
  };
  for (const kind of ['customers', 'orders'] as const) {
    for (const locale of ['zh-CN', 'en'] as const) {
      const { index, ignored } = checkHeader(kind, templateHeader(kind, locale));
      expect(ignored, `${kind} ${locale}`).toEqual([]);
      expect([...index.keys()], `${kind} ${locale}`).toEqual(fields[kind]);
    }
  }
  expect(templateHeader('customers', 'zh-CN').slice(0, 3)).toEqual(['姓名', '手机号', '邮箱']);
  expect(templateHeader('orders', 'zh-CN')).toContain('订单金额（元）');
  expect(templateHeader('orders', 'en').slice(0, 2)).toEqual(['order_no', 'phone']);
});
