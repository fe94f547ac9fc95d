import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let owner: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'traits-http' });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
});
afterAll(() => server.close());

test('a customer’s traits come with explanations, and thresholds and recompute are managed over HTTP', async () => {
  const created = await owner.post('/api/customers', { identities: [{ kind: 'phone', value: '13900139001' }] });
  const id = created.body.customer.id;
  const traits = await owner.get(`/api/customers/${id}/traits`);
  expect(traits.status).toBe(200);
  expect(traits.body).toMatchObject({
    customerId: id,
    orderCount: 0,
    lifecycle: { stage: 'introduction', label: '引入期' },
    rfm: { scores: null, explanation: ['尚未消费，暂无 RFM 评分'] },
    clv: { historicFen: 0, predictedFen: 0, model: 'none' },
    churn: {
      factors: expect.arrayContaining([expect.objectContaining({ factor: 'never_purchased', label: '从未消费' })]),
    },
  });

  const thresholds = await owner.get('/api/traits/lifecycle');
  expect(thresholds.body).toEqual({
    introductionDays: 30,
    stableOrders: 3,
    declineAfterDays: 90,
    churnAfterDays: 180,
    leadChurnAfterDays: 90,
  });
  const bad = await owner.request('PUT', '/api/traits/lifecycle', { ...thresholds.body, declineAfterDays: 200 });
  expect(bad.status).toBe(422);
  const put = await owner.request('PUT', '/api/traits/lifecycle', { ...thresholds.body, stableOrders: 4 });
  expect(put.body.stableOrders).toBe(4);
  expect((await owner.get('/api/traits/lifecycle')).body.stableOrders).toBe(4);

  const queued = await owner.post('/api/traits/recompute');
  expect(queued.status).toBe(202);
  expect(queued.body.jobId).toMatch(/^\d+$/);
});
