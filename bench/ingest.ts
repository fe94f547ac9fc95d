// Benchmark of event ingestion: N Segment track events posted through `POST /v1/batch` of a real Siyu server in
// this process (several keep-alive clients), then the very rows the API wrote COPYed into the events table of a
// fresh database on the same server, in the same run. Prints both rates, the ratio and the targets of
// ARCHITECTURE §14 (≥ 30,000 events/s, ≥ 50 % of COPY). The two are measured in alternating rounds, each on fresh
// databases after a CHECKPOINT, and the medians are compared: the machine is shared, and a checkpoint that falls
// inside one phase and not the other moved the ratio by 20 points between single runs.
// Usage: npm run bench:ingest -- [--events 200000] [--batch 500] [--concurrency 8] [--per-customer 20] [--seed 1]
//                                [--rounds 3]
//   SIYU_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the bench creates
//   and drops the databases `siyu_bench_ingest_api` and `siyu_bench_ingest_copy` on it.
import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Rng } from '../src/demo/random.ts';
import { createSiyu } from '../src/main.ts';
import { allMigrations } from '../src/modules.ts';
import { randomToken, sha256 } from '../src/platform/auth/secrets.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openPostgres } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrations.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createWorkspace } from '../src/platform/workspaces.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    'per-customer': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(args.events);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const PER_CUSTOMER = Number(args['per-customer']);
const SEED = Number(args.seed);
const ROUNDS = Number(args.rounds);
const ADMIN_URL = process.env.SIYU_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const API_DB = 'siyu_bench_ingest_api';
const COPY_DB = 'siyu_bench_ingest_copy';
const NOW = Date.parse('2026-11-24T12:00:00+08:00');
const DAY = 86_400_000;
const TARGET_RATE = 30_000;
const TARGET_RATIO = 0.5;
/** The events columns the batch API writes (id is the table's own sequence in both databases). */
const COLUMNS = 'workspace_id, customer_id, type, name, properties, channel, occurred_at, received_at, message_id';

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const urlOf = (name: string) => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const SKUS = [
  { sku: 'MT-001', category: '奶茶', price: 1500 },
  { sku: 'MT-003', category: '奶茶', price: 2200 },
  { sku: 'FT-001', category: '果茶', price: 1900 },
  { sku: 'FT-003', category: '果茶', price: 2100 },
  { sku: 'PT-002', category: '纯茶', price: 1400 },
  { sku: 'BK-001', category: '烘焙', price: 900 },
  { sku: 'GD-002', category: '周边', price: 12800 },
];
const NAMES = ['view_product', 'view_product', 'add_to_cart', 'app_open', 'check_in', 'coupon_claimed', 'share'];
const CHANNELS = ['mini_program', 'mini_program', 'wecom', 'official_account', 'h5', 'app'];

/**
 * The N track messages, deterministic for the seed: customer k sends as `user-k` once known (three in four) or
 * as an anonymous device before that, with realistic product and page properties over the last 30 days.
 */
function messages(): unknown[] {
  const rng = new Rng(SEED);
  const customers = Math.max(1, Math.round(N / PER_CUSTOMER));
  const out: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const c = rng.int(0, customers - 1);
    const name = rng.pick(NAMES);
    const product = rng.pick(SKUS);
    const at = new Date(NOW - rng.int(0, 30 * DAY)).toISOString();
    const known = c % 4 !== 0;
    out.push({
      type: 'track',
      event: name,
      messageId: `bench-${SEED}-${i}`,
      ...(known ? { userId: `user-${c}` } : { anonymousId: `anon-${SEED}-${c}` }),
      timestamp: at,
      properties:
        name === 'view_product' || name === 'add_to_cart'
          ? { sku: product.sku, category: product.category, price_fen: product.price, quantity: rng.int(1, 3) }
          : { page: rng.pick(['/home', '/menu', '/member', '/coupons']), duration_ms: rng.int(500, 90_000) },
      context: { channel: rng.pick(CHANNELS), library: { name: 'analytics-node', version: '6.2.0' } },
    });
  }
  return out;
}

async function throughApi(batches: unknown[][]): Promise<{ seconds: number; workspaceId: string }> {
  const db = openPostgres(urlOf(API_DB), CONCURRENCY + 4);
  const config = {
    ...loadConfig({
      LOG_LEVEL: 'silent',
      SIYU_RATE_LIMIT_KEY_PER_MINUTE: '100000000',
      SIYU_RATE_LIMIT_IP_PER_MINUTE: '100000000',
    }),
    port: 0,
    host: '127.0.0.1',
    databaseUrl: urlOf(API_DB),
    poolSize: CONCURRENCY + 4,
  };
  const siyu = await createSiyu({
    config,
    logger: createLogger(process.env.LOG_LEVEL ?? 'silent'),
    http: true,
    workers: false,
    db,
    webDir: null,
  });
  try {
    const workspaceId = await createWorkspace(db, { slug: 'bench', name: 'Bench' });
    const secret = `sy_${randomToken(30)}`;
    await db.tenant(workspaceId, (tx) =>
      tx.query(
        `INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, role) VALUES ($1, 'bench', $2, $3, 'operator')`,
        [workspaceId, secret.slice(0, 10), sha256(secret)],
      ),
    );
    const url = `${(await siyu.listen()).replace('0.0.0.0', '127.0.0.1')}/v1/batch`;
    // Encoded before the clock starts, so that the load generator's own work is as small as it can be.
    const bodies = batches.map((batch) => Buffer.from(JSON.stringify({ batch })));
    // node:http with keep-alive sockets rather than fetch: the clients share the server's process and its CPU, and
    // fetch (its web streams, its copy of every body) spent about 2.5 µs per event of it that the API never sees.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const post = (body: Buffer) =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const answer = JSON.parse(Buffer.concat(chunks).toString()) as { rejected?: unknown[] };
              if (res.statusCode !== 200 || (answer.rejected?.length ?? 0) > 0) {
                reject(new Error(`batch answered ${res.statusCode}: ${JSON.stringify(answer).slice(0, 500)}`));
              } else resolve();
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await admin('CHECKPOINT');
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) await post(bodies[next++] as Buffer);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    return { seconds, workspaceId };
  } finally {
    await siyu.close();
  }
}

/** The rows the API wrote, as COPY text, read back untimed. */
async function exportRows(workspaceId: string): Promise<{ chunks: Buffer[]; rows: number }> {
  const client = new pg.Client({ connectionString: urlOf(API_DB) });
  await client.connect();
  try {
    const chunks: Buffer[] = [];
    await pipeline(
      client.query(copyTo(`COPY (SELECT ${COLUMNS} FROM events WHERE workspace_id = '${workspaceId}') TO STDOUT`)),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
    const [{ n }] = (await client.query('SELECT count(*)::int AS n FROM events')).rows as [{ n: number }];
    return { chunks, rows: n };
  } finally {
    await client.end();
  }
}

/** The same rows COPYed into the events table (same indexes) of a fresh, migrated database: the baseline. */
async function throughCopy(workspaceId: string, chunks: Buffer[]): Promise<number> {
  const db = openPostgres(urlOf(COPY_DB), 2);
  try {
    await migrate(db, allMigrations());
    await createWorkspace(db, { id: workspaceId, slug: 'bench', name: 'Bench' });
  } finally {
    await db.close();
  }
  const client = new pg.Client({ connectionString: urlOf(COPY_DB) });
  await client.connect();
  try {
    await admin('CHECKPOINT');
    const started = performance.now();
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY events (${COLUMNS}) FROM STDIN`)));
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function freshDatabases() {
  for (const name of [API_DB, COPY_DB]) {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);
  }
}

async function main() {
  if (!(ROUNDS >= 1)) throw new Error('--rounds must be at least 1');
  try {
    const all = messages();
    const batches: unknown[][] = [];
    for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
    log(
      `${N} track events of ${Math.round(N / PER_CUSTOMER)} customers in ${batches.length} batches of ${BATCH}, ` +
        `${CONCURRENCY} concurrent clients, ${ROUNDS} rounds`,
    );
    const apiRates: number[] = [];
    const copyRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await freshDatabases();
      const api = await throughApi(batches);
      const { chunks, rows } = await exportRows(api.workspaceId);
      if (rows !== N) throw new Error(`the API stored ${rows} events, expected ${N}`);
      const copySeconds = await throughCopy(api.workspaceId, chunks);
      apiRates.push(N / api.seconds);
      copyRates.push(N / copySeconds);
      ratios.push(copySeconds / api.seconds);
      log(
        `round ${round}     batch API ${Math.round(N / api.seconds).toLocaleString('en')} events/s, ` +
          `COPY ${Math.round(N / copySeconds).toLocaleString('en')} rows/s, ` +
          `${((copySeconds / api.seconds) * 100).toFixed(1)} %`,
      );
    }
    const apiRate = median(apiRates);
    const copyRate = median(copyRates);
    // Each round's ratio pairs two phases a few seconds apart; the machine's speed drifts more than that between
    // rounds, so the ratio is the median of the rounds' ratios rather than a ratio of medians.
    const ratio = median(ratios);
    log(`batch API   ${Math.round(apiRate).toLocaleString('en')} events/s (median of ${ROUNDS})`);
    log(`raw COPY    ${Math.round(copyRate).toLocaleString('en')} rows/s (median of ${ROUNDS})`);
    log(`ratio       ${(ratio * 100).toFixed(1)} % of COPY (median of the rounds' ratios)`);
    log(
      `targets     ≥ ${TARGET_RATE.toLocaleString('en')} events/s: ${apiRate >= TARGET_RATE ? 'met' : 'NOT met'}; ` +
        `≥ ${TARGET_RATIO * 100} % of COPY: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
    );
  } finally {
    for (const name of [API_DB, COPY_DB]) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
