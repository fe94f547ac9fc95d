// Issuing to a whole segment: chunk jobs with progress, a chunk run twice or a re-run issuing nothing twice, stock
// running out part way, and a template that stops issuing failing the issuance with its reason.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import type { CouponIssuance } from '../../contracts/coupons.ts';
import { activeTemplate, amountOff, eventually } from './fixtures.ts';
import { ISSUE_CHUNK, runIssuanceChunk } from './issuance.ts';

const MEMBERS = 1200;
let server: TestServer;
let owner: ApiClient;
let segmentId: string;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupon-segments', workers: true, customers: MEMBERS });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  const segment = await owner.post('/api/segments', {
    name: '有手机号的客户',
    kind: 'static',
    rule: { type: 'identity', kind: 'phone' },
  });
  expect(segment.body.memberCount).toBe(MEMBERS);
  segmentId = segment.body.id;
}, 180_000);
afterAll(() => server.close());

async function finished(id: string): Promise<CouponIssuance> {
  return eventually(
    async () => (await owner.get(`/api/coupon-issuances/${id}`)).body as CouponIssuance,
    (i) => i.state === 'succeeded' || i.state === 'failed',
  );
}

const couponCount = async (templateId: string) =>
  (
    await server.siyu.db.query<{ n: number; people: number }>(
      'SELECT count(*) AS n, count(DISTINCT customer_id) AS people FROM coupons WHERE template_id = $1',
      [templateId],
    )
  )[0]!;

test('a segment is issued in chunks with progress, and neither a repeated chunk nor a re-run issues twice', async () => {
  expect(MEMBERS).toBeGreaterThan(2 * ISSUE_CHUNK);
  const t = await activeTemplate(owner, amountOff({ title: '全员券' }));
  const started = await owner.post('/api/coupon-issuances', { templateId: t.id, segmentId });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  expect(started.body.issuance).toMatchObject({
    kind: 'segment',
    segmentId,
    segmentName: '有手机号的客户',
    state: 'queued',
    total: MEMBERS,
    done: 0,
    progress: 0,
  });
  const id = started.body.issuance.id as string;
  const done = await finished(id);
  expect(done).toMatchObject({ state: 'succeeded', done: MEMBERS, issued: MEMBERS, skipped: 0, progress: 100 });
  expect(await couponCount(t.id)).toEqual({ n: MEMBERS, people: MEMBERS });
  const chunks = await server.siyu.db.query<{ n: number }>(
    `SELECT count(*) AS n FROM jobs WHERE kind = 'coupons.issue-segment' AND payload->>'issuanceId' = $1`,
    [id],
  );
  expect(chunks[0]!.n).toBe(Math.ceil(MEMBERS / ISSUE_CHUNK));

  // A chunk that runs again from a lost position (a crash between its coupons and its progress) adds nothing.
  await server.siyu.db.query(
    `UPDATE coupon_issuances SET state = 'running', last_seq = 0, done = 0, finished_at = NULL WHERE id = $1`,
    [id],
  );
  await server.siyu.db.tenant(server.workspaceId, (tx) => runIssuanceChunk(tx, server.workspaceId, id, new Date()));
  expect((await owner.get(`/api/coupon-issuances/${id}`)).body).toMatchObject({
    state: 'running',
    done: ISSUE_CHUNK,
    issued: MEMBERS,
    skipped: ISSUE_CHUNK,
  });
  expect(await couponCount(t.id)).toEqual({ n: MEMBERS, people: MEMBERS });
  await server.siyu.db.query(`UPDATE coupon_issuances SET state = 'succeeded' WHERE id = $1`, [id]);

  const rerun = await owner.post(`/api/coupon-issuances/${id}/rerun`);
  expect(rerun.status, JSON.stringify(rerun.body)).toBe(200);
  expect(rerun.body).toMatchObject({ state: 'queued', runs: 2, done: 0 });
  expect((await owner.post(`/api/coupon-issuances/${id}/rerun`)).body.error.code).toBe('coupon.issuance_running');
  expect(await finished(id)).toMatchObject({ state: 'succeeded', runs: 2, issued: MEMBERS, skipped: MEMBERS });
  expect(await couponCount(t.id)).toEqual({ n: MEMBERS, people: MEMBERS });
});

test('stock running out part way refuses the rest, counted; a paused template fails the run with its reason', async () => {
  const t = await activeTemplate(owner, amountOff({ title: '限量全员券', totalStock: 700 }));
  const started = await owner.post('/api/coupon-issuances', { templateId: t.id, segmentId, quantity: 1 });
  const done = await finished(started.body.issuance.id);
  expect(done).toMatchObject({ state: 'succeeded', issued: 700, refusedStock: MEMBERS - 700 });
  expect((await couponCount(t.id)).n).toBe(700);
  expect((await owner.get(`/api/coupon-templates/${t.id}`)).body.issuedCount).toBe(700);

  await owner.post(`/api/coupon-templates/${t.id}/status`, { status: 'paused' });
  const refused = await owner.post(`/api/coupon-issuances/${started.body.issuance.id}/rerun`);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('coupon.template_not_active');
  // A run already under way when the template is paused stops at its next chunk.
  const [row] = await server.siyu.db.query<{ id: string }>(
    `INSERT INTO coupon_issuances (workspace_id, template_id, kind, segment_id, segment_name, state, total)
     VALUES ($1, $2, 'segment', $3, '有手机号的客户', 'running', $4) RETURNING id`,
    [server.workspaceId, t.id, segmentId, MEMBERS],
  );
  await server.siyu.db.tenant(server.workspaceId, (tx) =>
    runIssuanceChunk(tx, server.workspaceId, row!.id, new Date()),
  );
  expect((await owner.get(`/api/coupon-issuances/${row!.id}`)).body).toMatchObject({
    state: 'failed',
    error: 'coupon.template_not_active',
    issued: 0,
  });
});
