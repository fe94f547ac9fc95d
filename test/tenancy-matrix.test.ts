// Every route, called by another workspace's owner with this workspace's ids, neither returns nor changes
// anything of this workspace. Routes added later are covered without changes here.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildDemo } from '../src/demo/index.ts';
import { ApiClient } from './support/client.ts';
import { sample } from './support/schema-sample.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let ownerA: ApiClient;
let ownerB: ApiClient;
let bLogin: { login: string; password: string };
const secretsOfA = new Set<string>();

async function tenantTables(): Promise<string[]> {
  const rows = await server.siyu.db.query<{ table_name: string }>(
    `SELECT DISTINCT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'workspace_id' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function snapshotOfA(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await tenantTables()) {
    const rows = await server.siyu.db.query(`SELECT * FROM ${table} WHERE workspace_id = $1`, [server.workspaceId]);
    out[table] = JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
  }
  return out;
}

beforeAll(async () => {
  // Hundreds of calls from one address in a few seconds: lift the per-IP limit, which has its own test.
  server = await startTestServer({ env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '1000000' } });
  ownerA = new ApiClient(server.url);
  await ownerA.login(server.owner.login, server.owner.password);
  const b = await buildDemo(server.siyu.db, { customers: 100, seed: 99, slug: 'brand-b', name: 'Brand B' });
  ownerB = new ApiClient(server.url);
  bLogin = b.owner;
  await ownerB.login(b.owner.login, b.owner.password, 'brand-b');

  // Give workspace A one of everything: staff, an API key, audit entries, a dead job, a domain event.
  const staff = await ownerA.post('/api/staff', { name: '甲方员工', email: 'only-a@chayu.demo', role: 'guide' });
  const key = await ownerA.post('/api/api-keys', { name: '甲方密钥' });
  await server.siyu.db.query(
    `INSERT INTO jobs (workspace_id, kind, payload, state, attempts, max_attempts, last_error)
     VALUES ($1, 'demo.fail', '{"secret":"a-job-payload"}', 'dead', 3, 3, 'boom')`,
    [server.workspaceId],
  );
  const ids = await server.siyu.db.query<{ id: string }>(
    `SELECT id::text AS id FROM staff WHERE workspace_id = $1
     UNION ALL SELECT id::text FROM api_keys WHERE workspace_id = $1
     UNION ALL SELECT id::text FROM jobs WHERE workspace_id = $1
     UNION ALL SELECT id::text FROM audit_log WHERE workspace_id = $1`,
    [server.workspaceId],
  );
  for (const { id } of ids) if (id.length > 8) secretsOfA.add(id);
  for (const s of ['甲方员工', 'only-a@chayu.demo', '甲方密钥', 'a-job-payload', staff.body.staff.id]) {
    secretsOfA.add(s);
  }
  secretsOfA.add(key.body.apiKey.prefix);
});
afterAll(() => server.close());

test('no route returns or changes another workspace’s data', async () => {
  const before = await snapshotOfA();
  const idsOfA = [...secretsOfA].filter((s) => /^[0-9a-f-]{36}$|^\d+$/.test(s));
  let calls = 0;
  for (const spec of server.siyu.routes) {
    if ('public' in spec) continue;
    // Each route is tried with every id of A in its path (or once when it has none).
    const candidates = spec.url.includes(':') ? idsOfA : [''];
    for (const id of candidates) {
      const url = spec.url.replace(/:(\w+)/g, () => encodeURIComponent(id));
      const body = ['POST', 'PUT', 'PATCH'].includes(spec.method) ? (sample(spec.body as any) ?? {}) : undefined;
      const res = await ownerB.request(spec.method, url, body);
      calls++;
      if (spec.url === '/api/auth/logout') await ownerB.login(bLogin.login, bLogin.password, 'brand-b');
      expect(res.status, `${spec.method} ${url}`).toBeLessThan(500);
      const text = JSON.stringify(res.body);
      for (const secret of secretsOfA) {
        // Echoing the id the caller itself put in the URL (“order X has no redemption”) reveals nothing.
        if (id === secret) continue;
        expect(text.includes(secret), `${spec.method} ${url} leaked "${secret}": ${text.slice(0, 300)}`).toBe(false);
      }
    }
  }
  expect(calls).toBeGreaterThan(10);
  expect(await snapshotOfA()).toEqual(before);
  // And B's own calls did work: its lists show B's rows.
  const staffB = await ownerB.get('/api/staff?limit=200');
  expect(staffB.status).toBe(200);
  expect(staffB.body.items.length).toBeGreaterThan(0);
});
