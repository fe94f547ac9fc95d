// Imports uploaded over HTTP run as jobs: progress while the chunks are written, a report of every bad row by line,
// good rows in whatever the bad ones say, a chunk job run twice imports once, and bad uploads refused with codes.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient, type ApiResponse } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { type DataImport, MAX_IMPORT_BYTES } from '../../contracts/events.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { writeXlsx } from '../../platform/xlsx.ts';
import { IMPORT_CHUNK } from './import.ts';
import { CHUNK_JOB } from './import-jobs.ts';

let server: TestServer;
let owner: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ workers: true });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
});
afterAll(() => server.close());

const upload = (kind: string, filename: string, data: string | Uint8Array, contentType = 'text/csv') =>
  owner.request<DataImport>(
    'POST',
    `/api/imports?kind=${kind}&filename=${encodeURIComponent(filename)}`,
    typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
    { 'content-type': contentType },
  );

/** Polls the import until it has finished, returning every state seen on the way. */
async function follow(id: string): Promise<DataImport[]> {
  const seen: DataImport[] = [];
  for (;;) {
    const res = await owner.get<DataImport>(`/api/imports/${id}`);
    expect(res.status).toBe(200);
    seen.push(res.body);
    if (res.body.state === 'succeeded' || res.body.state === 'failed') return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const errorsOf = async (id: string) => {
  const lines: [number, string, string][] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await owner.get(`/api/imports/${id}/errors?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    for (const e of res.body.items) lines.push([e.line, e.code, e.message]);
    cursor = res.body.nextCursor;
  } while (cursor);
  return lines;
};

const customerCount = async () =>
  (
    await server.siyu.db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1', [
      server.workspaceId,
    ])
  )[0]?.n;

const findCustomer = async (phone: string) =>
  (await owner.get(`/api/customers?q=${encodeURIComponent(phone)}`)).body.items as { name: string; city: string }[];

test('a customers CSV of several chunks imports as jobs, its progress only rising, and reports each bad row by line', async () => {
  const people = IMPORT_CHUNK * 2 + 20;
  const lines = ['姓名,手机号,城市,性别,星座'];
  for (let i = 0; i < people; i++) lines.push(`导入${i},1390000${String(i).padStart(4, '0')},杭州,女,白羊`);
  lines[3] = '坏一,not-a-phone,杭州,女,';
  lines[IMPORT_CHUNK + 7] = '坏二,13911112222,杭州,未说,';
  const before = await customerCount();

  const res = await upload('customers', '会员名单.csv', `\ufeff${lines.join('\r\n')}`);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({
    kind: 'customers',
    filename: '会员名单.csv',
    state: 'queued',
    totalRows: null,
    progress: 0,
    createdBy: { name: expect.any(String) },
  });
  const seen = await follow(res.body.id);
  const done = seen.at(-1) as DataImport;
  expect(done).toMatchObject({
    state: 'succeeded',
    totalRows: people,
    doneRows: people,
    progress: 100,
    imported: people - 2,
    failed: 2,
    ignoredColumns: ['星座'],
    error: null,
  });
  const progress = seen.map((s) => s.doneRows);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(await errorsOf(res.body.id)).toEqual([
    [4, 'customer.identity_value', expect.any(String)],
    [IMPORT_CHUNK + 8, 'import.invalid_gender', '性别无法识别：未说（可填 男、女、未知）'],
  ]);
  expect(await customerCount()).toBe((before as number) + people - 2);
  expect(await findCustomer('13900000519')).toMatchObject([{ name: '导入519', city: '杭州' }]);

  // Each chunk was its own job, in order.
  const jobs = await server.siyu.db.query<{ seq: number }>(
    `SELECT (payload->>'seq')::int AS seq FROM jobs WHERE kind = $1 AND payload->>'importId' = $2 ORDER BY id`,
    [CHUNK_JOB, res.body.id],
  );
  expect(jobs.map((j) => j.seq)).toEqual([0, 1, 2]);

  // The upload is audited; the file itself is gone once split, the chunks once written.
  const audit = await owner.get(`/api/audit?action=import.upload&targetId=${res.body.id}`);
  expect(audit.body.items).toMatchObject([{ details: { kind: 'customers', filename: '会员名单.csv' } }]);
  const leftovers = await server.siyu.db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM import_files WHERE import_id = $1)::int
          + (SELECT count(*) FROM import_chunks WHERE import_id = $1)::int AS n`,
    [res.body.id],
  );
  expect(leftovers[0]?.n).toBe(0);

  // The list shows it first.
  const list = await owner.get('/api/imports?limit=1');
  expect(list.body.items[0].id).toBe(res.body.id);
}, 180_000);

test('a chunk job that runs again imports nothing twice', async () => {
  const csv = ['手机号,姓名', '13800000001,重跑甲', '13800000002,重跑乙', 'x,坏行'].join('\n');
  const res = await upload('customers', 'again.csv', csv);
  const first = (await follow(res.body.id)).at(-1) as DataImport;
  expect(first).toMatchObject({ state: 'succeeded', imported: 2, failed: 1, doneRows: 3 });
  const customers = await customerCount();

  const jobId = await server.siyu.db.tenant(server.workspaceId, (tx) =>
    enqueue(tx, { kind: CHUNK_JOB, payload: { importId: res.body.id, seq: 0 }, dedupeKey: `again:${res.body.id}` }),
  );
  await expect
    .poll(
      async () =>
        (await server.siyu.db.query<{ state: string }>('SELECT state FROM jobs WHERE id = $1', [jobId]))[0]?.state,
    )
    .toBe('succeeded');
  expect((await owner.get(`/api/imports/${res.body.id}`)).body).toMatchObject({
    imported: 2,
    failed: 1,
    doneRows: 3,
  });
  expect(await errorsOf(res.body.id)).toHaveLength(1);
  expect(await customerCount()).toBe(customers);
});

test('an orders workbook imports its good orders and lists the bad rows with their reasons', async () => {
  const data = writeXlsx([
    ['订单号', '手机号', '订单状态', '订单金额（元）', '下单时间', 'SKU', '商品名称', '数量', '单价（元）'],
    ['J-1', '13700000101', '已支付', 56, '2025-03-01 14:30', 'MT-1', '珍珠奶茶', 1, 28],
    ['J-2', '13700000102', '发货中', 10, '2025-03-02 10:00', null, null, null, null],
    ['J-1', '13700000101', '已支付', 56, '2025-03-01 14:30', 'FT-2', '水果茶', 1, 28],
    ['J-3', '13700000103', '已支付', 'abc', '2025-03-03 10:00', null, null, null, null],
  ]);
  const res = await upload('orders', 'orders.xlsx', data, 'application/octet-stream');
  expect(res.status).toBe(202);
  const done = (await follow(res.body.id)).at(-1) as DataImport;
  expect(done).toMatchObject({ state: 'succeeded', totalRows: 4, imported: 1, failed: 2, ignoredColumns: [] });
  expect((await errorsOf(res.body.id)).map(([line, code]) => [line, code])).toEqual([
    [3, 'import.invalid_status'],
    [5, 'import.invalid_amount'],
  ]);
  const orders = await server.siyu.db.query<{ total_fen: number; items: number }>(
    `SELECT o.total_fen, (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS items
       FROM orders o WHERE o.workspace_id = $1 AND o.order_no = 'J-1'`,
    [server.workspaceId],
  );
  expect(orders).toEqual([{ total_fen: 5600, items: 2 }]);

  const english = await owner.request('GET', `/api/imports/${res.body.id}/errors`, undefined, {
    'accept-language': 'en',
  });
  expect(english.body.items[0].message).toBe('Unknown order status: 发货中');
});

test('an upload retried with its Idempotency-Key starts one import; the key with another kind is refused', async () => {
  const file = Buffer.from('手机号,姓名\n13800000011,幂等\n');
  const send = (kind: string) =>
    owner.request<DataImport>('POST', `/api/imports?kind=${kind}&filename=same.csv`, file, {
      'content-type': 'text/csv',
      'idempotency-key': 'upload-once',
    });
  const first = await send('customers');
  const again = await send('customers');
  expect(again.status).toBe(202);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body.id).toBe(first.body.id);
  const other = await send('orders');
  expect(other.status).toBe(422);
  expect((other.body as unknown as { error: { code: string } }).error.code).toBe('idempotency.key_reused');
  await follow(first.body.id);
});

test('a file whose header names no customer fails as a whole, with the reason', async () => {
  const res = await upload('customers', 'wrong.csv', '城市,备注\n杭州,x\n');
  const done = (await follow(res.body.id)).at(-1) as DataImport;
  expect(done).toMatchObject({ state: 'failed', imported: 0, error: { code: 'import.missing_columns' } });
  expect(done.error?.message).toContain('缺少必需的列');
});

test('a chunk that keeps failing ends the import as failed with its reason, not running for ever', async () => {
  const [run] = await server.siyu.db.query<{ id: string }>(
    `INSERT INTO imports (workspace_id, kind, filename, size_bytes, state, header, total_rows, chunks, created_by,
                          created_by_name)
     VALUES ($1, 'customers', 'broken.csv', 10, 'running', '{手机号}', 1, 1, 'test', 'test') RETURNING id`,
    [server.workspaceId],
  );
  const id = run?.id as string;
  await server.siyu.db.query(
    `INSERT INTO import_chunks (workspace_id, import_id, seq, rows) VALUES ($1, $2, 0, '{"not": "rows"}')`,
    [server.workspaceId, id],
  );
  await server.siyu.db.tenant(server.workspaceId, (tx) =>
    enqueue(tx, { kind: CHUNK_JOB, payload: { importId: id, seq: 0 }, maxAttempts: 1 }),
  );
  const done = (await follow(id)).at(-1) as DataImport;
  expect(done).toMatchObject({ state: 'failed', error: { code: 'import.interrupted' } });
  expect(done.error?.message).toContain('重新导入同一文件是安全的');
});

test('uploads that cannot be imported are refused at once with stable codes', async () => {
  const refused = async (res: Awaited<ReturnType<typeof upload>>, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect((res.body as unknown as { error: { code: string } }).error.code).toBe(code);
  };
  await refused(await upload('members', 'a.csv', '手机号\n13700000001'), 400, 'request.invalid');
  await refused(await upload('customers', 'a.xls', '手机号\n13700000001'), 400, 'import.unsupported_file');
  await refused(await upload('customers', 'a.csv', ''), 400, 'import.empty_file');
  await refused(
    await upload('orders', 'a.xlsx', 'not a workbook', 'application/octet-stream'),
    400,
    'import.unreadable_xlsx',
  );
  await refused(
    await owner.request('POST', '/api/imports?kind=customers', Buffer.from('手机号\n1')),
    400,
    'request.invalid',
  );

  // A file over the limit is refused from its declared length, before the server reads it.
  const tooLarge = await new Promise<{ status: number; body: { error: { code: string } } }>((resolve, reject) => {
    const req = httpRequest(`${server.url}/api/imports?kind=customers&filename=big.csv`, {
      method: 'POST',
      headers: {
        cookie: owner.cookie as string,
        'x-csrf-token': owner.csrf as string,
        'content-type': 'text/csv',
        'content-length': String(MAX_IMPORT_BYTES + 1),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.write('手机号\n');
  });
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body.error.code).toBe('request.too_large');

  // Someone who may not import is turned away before the file is read.
  const staff = await owner.post('/api/staff', { name: '分析师', email: 'analyst-import@chayu.demo', role: 'analyst' });
  const analyst = new ApiClient(server.url);
  await analyst.login('analyst-import@chayu.demo', staff.body.initialPassword);
  const forbidden = await analyst.request(
    'POST',
    '/api/imports?kind=customers&filename=a.csv',
    Buffer.from('手机号\n1'),
  );
  expect(forbidden.status).toBe(403);
  expect((await analyst.get('/api/imports')).status).toBe(403);
});

test('the template is a CSV of the column names the import reads, in the reader’s language', async () => {
  const zh = await fetch(`${server.url}/api/imports/templates/customers`, {
    headers: { cookie: owner.cookie as string },
  });
  expect(zh.status).toBe(200);
  expect(zh.headers.get('content-type')).toContain('text/csv');
  expect(zh.headers.get('content-disposition')).toContain(encodeURIComponent('客户导入模板.csv'));
  // Read as bytes: text() would drop the byte-order mark that tells Excel the file is UTF-8.
  expect(Buffer.from(await zh.arrayBuffer()).toString('utf8')).toMatch(/^\ufeff姓名,手机号,邮箱,性别,生日,/);
  const en = await owner.request('GET', '/api/imports/templates/orders', undefined, { 'accept-language': 'en' });
  expect(en.body).toMatch(/^order_no,phone,email,/);
  expect((await owner.get('/api/imports/templates/members')).status).toBe(400);
});

test('the OpenAPI document describes the upload as a file body with the import in the query', async () => {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
  const op = doc.paths['/api/imports'].post;
  expect(op.requestBody.content['text/csv'].schema.format).toBe('binary');
  expect(Object.keys(op.requestBody.content)).toContain('application/octet-stream');
  expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['filename', 'kind']);
  expect(op.responses['202']).toBeDefined();
});
