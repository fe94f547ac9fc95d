// Benchmark of the points ledger: N members with balances, then ledger transactions — a mix of earnings and
// spends, each through the module's real posting functions (`earnPoints`, `spendPoints`: balance row locked,
// idempotency key checked, lots drawn first-expiring-first, entries, lots and balance written, the domain event
// emitted) — from 64 concurrent clients on PostgreSQL, against plain single-row INSERTs through the same pool in the
// same run. Prints both rates, the ratio and the target of ARCHITECTURE §14 (≥ 2,000 tx/s), then runs the ledger
// check, which must pass.
// Usage: npm run bench:ledger -- [--members 10000] [--transactions 60000] [--concurrency 64] [--pool 64]
//                                 [--spend-share 50] [--in-flight 2] [--seed 1] [--database-url postgres://…]
//   Without --database-url a fresh database `siyu_bench_ledger` is created on SIYU_BENCH_PG_URL (default
//   postgres://postgres@127.0.0.1:5432/postgres) and dropped after; with it, the bench adds its own workspace there.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Rng } from '../src/demo/random.ts';
import { createSiyu } from '../src/main.ts';
import {
  checkLedger,
  earnPoints,
  formatLedgerCheck,
  PostingBatches,
  spendPoints,
} from '../src/modules/loyalty/index.ts';
import { allMigrations, buildModules } from '../src/modules.ts';
import { randomToken, sha256 } from '../src/platform/auth/secrets.ts';
import { loadConfig } from '../src/platform/config.ts';
import { type Db, openPostgres } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrations.ts';
import { AppError } from '../src/platform/errors.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createWorkspace } from '../src/platform/workspaces.ts';

const { values: args } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    transactions: { type: 'string', default: '60000' },
    concurrency: { type: 'string', default: '64' },
    pool: { type: 'string' },
    'spend-share': { type: 'string', default: '50' },
    'in-flight': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
  },
});
const MEMBERS = Number(args.members);
const TRANSACTIONS = Number(args.transactions);
const CONCURRENCY = Number(args.concurrency);
/** Connections; by default one per client, so commits group as they would from 64 processes. */
const POOL = Number(args.pool ?? args.concurrency);
const SPEND_SHARE = Number(args['spend-share']) / 100;
/** Group commit: batch transactions at once (PostingBatches' maxInFlight). */
const IN_FLIGHT = Number(args['in-flight']);
const SEED = Number(args.seed);
const HTTP_POOL = 16;
const ADMIN_URL = process.env.SIYU_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_DB = 'siyu_bench_ledger';
const TARGET_RATE = 2_000;
/** Every member starts with this many points, earned before the clock starts. */
const OPENING_POINTS = 500;
const NOW = new Date('2026-11-24T12:00:00+08:00');

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const own = !args['database-url'];
const url = (() => {
  if (args['database-url']) return args['database-url'];
  const u = new URL(ADMIN_URL);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
})();

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * The workspace and its members, written in bulk as the owner: customers, member cards and memberships in the
 * entry tier (what enrolment would leave behind, minus the events nobody listens to here).
 */
async function seed(db: Db): Promise<{ workspaceId: string; members: string[] }> {
  const workspaceId = await createWorkspace(db, { slug: `bench-ledger-${Date.now().toString(36)}`, name: 'Bench' });
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO membership_settings (workspace_id, terms_version) VALUES ($1, '1')`, [workspaceId]);
    await tx.query(`INSERT INTO member_terms (workspace_id, version, body) VALUES ($1, '1', 'bench')`, [workspaceId]);
    await tx.query(
      `INSERT INTO tiers (workspace_id, code, name, rank, growth_threshold) VALUES ($1, 'normal', '普通会员', 0, 0)`,
      [workspaceId],
    );
    await tx.query(
      `INSERT INTO customers (workspace_id, seq, member_status) SELECT $1, g, 'member' FROM generate_series(1, $2) g`,
      [workspaceId, MEMBERS],
    );
    await tx.query(
      `INSERT INTO member_cards (workspace_id, card_no, customer_id)
       SELECT $1, lpad(seq::text, 12, '0'), id FROM customers WHERE workspace_id = $1`,
      [workspaceId],
    );
    // Invite codes from the card's sequence number: hex digits spelt in the code alphabet, unique by construction.
    await tx.query(
      `INSERT INTO members (workspace_id, customer_id, card_no, tier_id, terms_version, consented_at, invite_code,
                            joined_at)
       SELECT $1, c.id, lpad(c.seq::text, 12, '0'), t.id, '1', $2, translate(lpad(to_hex(c.seq), 8, '0'),
              '0123456789abcdef', '23456789ABCDEFGH'), $2
         FROM customers c, tiers t WHERE c.workspace_id = $1 AND t.workspace_id = $1`,
      [workspaceId, new Date(NOW.getTime() - 86_400_000)],
    );
  });
  const rows = await db.query<{ id: string }>('SELECT id FROM customers WHERE workspace_id = $1 ORDER BY seq', [
    workspaceId,
  ]);
  return { workspaceId, members: rows.map((r) => r.id) };
}

/** Runs `total` operations from CONCURRENCY clients; returns the wall time in seconds. */
async function drive(total: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  return (performance.now() - started) / 1000;
}

type Plan = { member: string; spend: boolean; points: number }[];

/**
 * The same postings as HTTP requests of an operator API key to the points API (`POST /api/points/earnings`,
 * `/api/points/spendings`) of a Siyu server in this process, CONCURRENCY clients: authentication,
 * validation, the group commit and the answer, as a POS would see them. Returns the wall time in seconds.
 */
async function throughHttp(workspaceId: string, plan: Plan): Promise<{ seconds: number; refused: number }> {
  // The server's own pool, which it closes with itself; requests hold a connection only to authenticate, and the
  // group commit two more (the bench's own pool stays open beside it, within max_connections).
  const db = openPostgres(url, HTTP_POOL);
  const config = {
    ...loadConfig({
      LOG_LEVEL: 'silent',
      SIYU_RATE_LIMIT_KEY_PER_MINUTE: '100000000',
      SIYU_RATE_LIMIT_IP_PER_MINUTE: '100000000',
    }),
    port: 0,
    host: '127.0.0.1',
    databaseUrl: url,
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
    const secret = `sy_${randomToken(30)}`;
    await db.tenant(workspaceId, (tx) =>
      tx.query(
        `INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, role) VALUES ($1, 'bench', $2, $3, 'operator')`,
        [workspaceId, secret.slice(0, 10), sha256(secret)],
      ),
    );
    const base = (await siyu.listen()).replace('0.0.0.0', '127.0.0.1');
    let refused = 0;
    const seconds = await drive(plan.length, async (i) => {
      const p = plan[i] as Plan[number];
      const res = await fetch(`${base}/api/points/${p.spend ? 'spendings' : 'earnings'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: p.member,
          points: p.points,
          cause: p.spend ? 'reward' : 'task',
          key: `http:${i}`,
        }),
      });
      const answer = (await res.json()) as { error?: { code: string } };
      if (res.status === 409 && answer.error?.code === 'points.insufficient_balance') refused++;
      else if (res.status !== 201) throw new Error(`posting answered ${res.status}: ${JSON.stringify(answer)}`);
    });
    return { seconds, refused };
  } finally {
    await siyu.close();
  }
}

async function main() {
  // Module messages and the composition's registrations, as in the server.
  buildModules();
  if (own) {
    await admin(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${BENCH_DB}`);
  }
  const db = openPostgres(url, POOL);
  try {
    await migrate(db, allMigrations());
    const { workspaceId, members } = await seed(db);
    log(
      `${MEMBERS.toLocaleString('en')} members, ${CONCURRENCY} concurrent clients on a pool of ${POOL} connections, ` +
        'PostgreSQL',
    );

    // Opening balances through the posting function too (untimed): each member's first posting creates its row.
    const opening = await drive(members.length, (i) =>
      db
        .tenant(workspaceId, (tx) =>
          earnPoints(tx, workspaceId, {
            customerId: members[i] as string,
            points: OPENING_POINTS,
            cause: 'welcome',
            key: `bench:welcome:${i}`,
            now: NOW,
          }),
        )
        .then(() => undefined),
    );
    log(`opening     ${members.length.toLocaleString('en')} earnings in ${opening.toFixed(2)} s (not timed below)`);

    // The mix, drawn before the clock starts: who, earn or spend, how much.
    const rng = new Rng(SEED);
    const plan: Plan = Array.from({ length: TRANSACTIONS }, () => ({
      member: members[rng.int(0, members.length - 1)] as string,
      spend: rng.next() < SPEND_SHARE,
      points: rng.int(1, 60),
    }));
    const refusedCount = { alone: 0, batched: 0 };
    const refusedOnly = (count: 'alone' | 'batched') => (err: unknown) => {
      if (!(err instanceof AppError && err.code === 'points.insufficient_balance')) throw err;
      refusedCount[count]++;
    };
    // Each posting in a transaction of its own, as the console's and the H5's requests post.
    const aloneSeconds = await drive(TRANSACTIONS, async (i) => {
      const p = plan[i] as (typeof plan)[number];
      const key = `bench:${SEED}:alone:${i}`;
      await db
        .tenant(workspaceId, (tx) =>
          p.spend
            ? spendPoints(tx, workspaceId, p.member, p.points, 'reward', key, NOW)
            : earnPoints(tx, workspaceId, { customerId: p.member, points: p.points, cause: 'task', key, now: NOW }),
        )
        .catch(refusedOnly('alone'));
    });
    // The same postings through group commit, as the points API posts them: each caller answered once committed.
    const batches = new PostingBatches(db, { maxInFlight: IN_FLIGHT });
    const batchedSeconds = await drive(TRANSACTIONS, async (i) => {
      const p = plan[i] as (typeof plan)[number];
      await batches
        .post(workspaceId, {
          type: p.spend ? 'spend' : 'earn',
          customerId: p.member,
          points: p.points,
          cause: p.spend ? 'reward' : 'task',
          key: `bench:${SEED}:batched:${i}`,
          at: NOW,
        })
        .catch(refusedOnly('batched'));
    });

    const http = await throughHttp(workspaceId, plan);

    // The baseline: the same number of single-row INSERTs, each its own statement, through the same pool.
    await db.exec(`CREATE TABLE IF NOT EXISTS bench_plain_inserts (
      id bigserial PRIMARY KEY, workspace_id uuid NOT NULL, customer_id uuid NOT NULL, points bigint NOT NULL,
      at timestamptz NOT NULL)`);
    const insertSeconds = await drive(TRANSACTIONS, async (i) => {
      const p = plan[i] as (typeof plan)[number];
      await db.query(
        'INSERT INTO bench_plain_inserts (workspace_id, customer_id, points, at) VALUES ($1, $2, $3, $4)',
        [workspaceId, p.member, p.spend ? -p.points : p.points, NOW],
      );
    });
    await db.exec('DROP TABLE bench_plain_inserts');

    const ledgerRate = TRANSACTIONS / batchedSeconds;
    const aloneRate = TRANSACTIONS / aloneSeconds;
    const insertRate = TRANSACTIONS / insertSeconds;
    const spends = plan.filter((p) => p.spend).length;
    const { stats } = batches;
    log(
      `ledger      ${Math.round(ledgerRate).toLocaleString('en')} tx/s through group commit ` +
        `(${TRANSACTIONS.toLocaleString('en')} in ${batchedSeconds.toFixed(2)} s: ` +
        `${(TRANSACTIONS - spends).toLocaleString('en')} earnings, ${spends.toLocaleString('en')} spends of which ` +
        `${refusedCount.batched} refused for want of points; ${stats.batches.toLocaleString('en')} batches of ` +
        `${(stats.batched / Math.max(stats.batches, 1)).toFixed(1)} on average, ${stats.alone} posted alone, ` +
        `${stats.failedBatches} batches failed and retried alone)`,
    );
    log(
      `one by one ${Math.round(aloneRate).toLocaleString('en')} tx/s with a transaction per posting ` +
        `(${aloneSeconds.toFixed(2)} s, ${refusedCount.alone} refused)`,
    );
    log(
      `over HTTP   ${Math.round(TRANSACTIONS / http.seconds).toLocaleString('en')} tx/s through the points API ` +
        `(${http.seconds.toFixed(2)} s, ${http.refused} refused; server and clients in this process)`,
    );
    log(`INSERT      ${Math.round(insertRate).toLocaleString('en')} rows/s (${insertSeconds.toFixed(2)} s)`);
    log(
      `ratio       ${((ledgerRate / insertRate) * 100).toFixed(1)} % of plain INSERTs ` +
        `(one by one: ${((aloneRate / insertRate) * 100).toFixed(1)} %)`,
    );
    log(`target      ≥ ${TARGET_RATE.toLocaleString('en')} tx/s: ${ledgerRate >= TARGET_RATE ? 'met' : 'NOT met'}`);

    const started = performance.now();
    const report = await checkLedger(db, { workspaceId, now: NOW });
    process.stdout.write(formatLedgerCheck(report));
    log(`ledger check took ${((performance.now() - started) / 1000).toFixed(2)} s`);
    if (!report.ok) process.exitCode = 1;
  } finally {
    await db.close();
    if (own) await admin(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  }
}

await main();
