// Segment exports over HTTP: CSV and Excel files as real downloads (type, BOM, RFC 5987 filename with the
// segment's Chinese name), the same rows in both formats, personal data masked or clear by the caller's
// permission, and 4xx answers for unknown exports and callers without the right.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { readXlsx } from '../../platform/xlsx.ts';
import { parseCsv } from '../events/csv.ts';

let server: TestServer;
let owner: ApiClient;
let analyst: ApiClient;
let guide: ApiClient;
let segmentId: string;
const SEGMENT_NAME = '导出城 会员/测试';

async function staff(role: string, email: string): Promise<ApiClient> {
  const password = `${role}-pw-12345`;
  expect((await owner.post('/api/staff', { name: role, email, role, password })).status).toBe(201);
  const client = new ApiClient(server.url);
  expect((await client.login(email, password, server.owner.workspace)).status).toBe(200);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({ workers: true, slug: 'seg-export' });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  analyst = await staff('analyst', 'an@seg-export.demo');
  guide = await staff('guide', 'gd@seg-export.demo');
  const group = await owner.post('/api/tag-groups', { name: '导出测试组' });
  const tag = await owner.post('/api/tags', { groupId: group.body.id, name: '高价值' });
  for (let i = 1; i <= 7; i++) {
    const created = await owner.post('/api/customers', {
      identities: [
        { kind: 'phone', value: `1370000010${i}` },
        { kind: 'email', value: `daochu${i}@example.com` },
      ],
      name: `导出客户${i}`,
      city: '导出城',
    });
    expect(created.status).toBe(201);
    if (i % 2 === 1) await owner.post(`/api/customers/${created.body.customer.id}/tags`, { tagIds: [tag.body.id] });
  }
  const segment = await owner.post('/api/segments', {
    name: SEGMENT_NAME,
    kind: 'static',
    rule: { type: 'attribute', field: 'city', operator: 'eq', value: '导出城' },
  });
  expect(segment.status).toBe(201);
  segmentId = segment.body.id;
}, 120_000);
afterAll(() => server.close());

async function finishedExport(client: ApiClient, format: 'csv' | 'xlsx') {
  const started = await client.post(`/api/segments/${segmentId}/exports`, { format });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({ format, total: 7, state: 'queued' });
  let state = started.body;
  for (let i = 0; i < 400 && state.state !== 'succeeded'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = (await client.get(`/api/segments/${segmentId}/exports/${started.body.id}`)).body;
  }
  expect(state).toMatchObject({ state: 'succeeded', done: 7, total: 7, progress: 100 });
  return state as { id: string; filename: string; clearPii: boolean };
}

/** The download as bytes, with the caller's session cookie, as a browser would fetch it. */
async function download(client: ApiClient, exportId: string) {
  const res = await fetch(`${server.url}/api/segments/${segmentId}/exports/${exportId}/file`, {
    headers: { cookie: client.cookie ?? '' },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const today = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());

test('a CSV export downloads as UTF-8 with a BOM, named after the segment and the day', async () => {
  const done = await finishedExport(owner, 'csv');
  const filename = `导出城 会员_测试-${today()}.csv`;
  expect(done).toMatchObject({ filename, clearPii: true });
  const file = await download(owner, done.id);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(file.headers.get('content-disposition')).toBe(
    `attachment; filename="___ _____-${today()}.csv"; filename*=UTF-8''${encodeURIComponent(filename)}`,
  );
  expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows = parseCsv(file.bytes.toString('utf8')).map((r) => r.cells);
  expect(rows[0]).toEqual([
    '客户ID',
    '姓名',
    '手机号',
    '邮箱',
    '城市',
    '标签',
    '生命周期阶段',
    'RFM 分组',
    '累计消费次数',
    '累计消费金额（元）',
    '最近消费时间',
    '流失风险',
  ]);
  expect(rows).toHaveLength(8);
  const first = rows.find((r) => r[1] === '导出客户1');
  expect(first?.slice(1, 6)).toEqual(['导出客户1', '+8613700000101', 'daochu1@example.com', '导出城', '高价值']);
  expect(rows.find((r) => r[1] === '导出客户2')?.[5]).toBe('');
});

test('an Excel export holds the same rows as the CSV one and reads back with the xlsx reader', async () => {
  const csv = parseCsv((await download(owner, (await finishedExport(owner, 'csv')).id)).bytes.toString('utf8'));
  const done = await finishedExport(owner, 'xlsx');
  expect(done.filename).toBe(`导出城 会员_测试-${today()}.xlsx`);
  const file = await download(owner, done.id);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  expect(file.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(done.filename)}`);
  const sheet = readXlsx(file.bytes).map((r) => r.cells);
  // The reader leaves trailing empty cells out; CSV has every column.
  const trim = (cells: string[]) => cells.slice(0, cells.findLastIndex((c) => c !== '') + 1);
  expect(sheet).toEqual(csv.map((r) => trim(r.cells)));
});

test('names, phones and e-mails are masked for a caller without customer.pii, whose download of a clear export is refused', async () => {
  const masked = await finishedExport(analyst, 'csv');
  expect(masked.clearPii).toBe(false);
  const file = await download(analyst, masked.id);
  expect(file.status).toBe(200);
  const text = file.bytes.toString('utf8');
  expect(text).not.toContain('13700000101');
  expect(text).not.toContain('daochu1@');
  expect(text).not.toContain('导出客户1');
  const row = parseCsv(text).find((r) => r.cells[2] === '+86137****0101');
  expect(row?.cells.slice(1, 4)).toEqual(['导***', '+86137****0101', 'd***@example.com']);

  const clear = await finishedExport(owner, 'csv');
  const refused = await download(analyst, clear.id);
  expect(refused.status).toBe(403);
  expect(JSON.parse(refused.bytes.toString('utf8')).error.code).toBe('segment.export_pii_forbidden');
  expect((await owner.get('/api/audit?action=segment.export')).body.items[0]).toMatchObject({
    action: 'segment.export',
    targetId: segmentId,
    details: { format: 'csv', clearPii: true, total: 7 },
  });
});

test('a role without segment.export is refused, and an unknown export or format is a 4xx', async () => {
  const denied = await guide.post(`/api/segments/${segmentId}/exports`, { format: 'csv' });
  expect(denied.status).toBe(403);
  const unknown = crypto.randomUUID();
  const progress = await owner.get(`/api/segments/${segmentId}/exports/${unknown}`);
  expect(progress.status).toBe(404);
  expect(progress.body.error.code).toBe('segment.export_not_found');
  const file = await download(owner, unknown);
  expect(file.status).toBe(404);
  expect(JSON.parse(file.bytes.toString('utf8')).error.code).toBe('segment.export_not_found');
  expect((await owner.post(`/api/segments/${segmentId}/exports`, { format: 'pdf' })).status).toBe(400);
});
