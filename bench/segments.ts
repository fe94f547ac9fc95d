// Benchmark of the audience engine: a five-condition rule over N customers (default 1,000,000) through the bitmap
// index and as SQL on indexed PostgreSQL, in the same run. Data is generated deterministically and COPYed into a
// database of its own. Usage: npm run bench:segments -- --customers 10000000 [--runs 30] [--seed 1] [--explain]
//   SIYU_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the bench creates
//   and drops the database `siyu_bench_segments` on it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import roaring from 'roaring';
import { deferIndexes } from '../src/demo/bulk.ts';
import { seededRandom } from '../src/demo/random.ts';
import { AudienceEngine } from '../src/modules/segments/audience/engine.ts';
import { ConditionRegistry, type Rule } from '../src/modules/segments/rules.ts';
import { compileRule, sqlCount } from '../src/modules/segments/sql.ts';
import { dayOf } from '../src/modules/segments/time.ts';
import { allMigrations } from '../src/modules.ts';
import { openPostgres, type Queryable } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrations.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    explain: { type: 'boolean', default: false },
  },
});
const N = Number(args.customers);
const RUNS = Number(args.runs);
const ADMIN_URL = process.env.SIYU_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'siyu_bench_segments';
const NOW = new Date('2025-06-15T04:00:00Z');
const DAY = 86_400_000;
const CITIES = ['上海', '杭州', '北京', '成都', '深圳', '广州', '南京', '武汉', '西安', '苏州'];
const STAGES = ['introduction', 'growth', 'stable', 'decline', 'churned'];
const TAGS = ['奶茶爱好者', '果茶', '咖啡', '学生', '上班族'];

const uuidOf = (prefix: number, n: number) =>
  `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const log = (msg: string) => process.stdout.write(`${msg}\n`);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** COPYs rows produced by `rows` (tab-separated lines) into `table`. */
async function copy(client: pg.PoolClient, table: string, columns: string, rows: () => Generator<string>) {
  const batch = function* () {
    let buf: string[] = [];
    for (const line of rows()) {
      buf.push(line);
      if (buf.length === 10_000) {
        yield `${buf.join('\n')}\n`;
        buf = [];
      }
    }
    if (buf.length) yield `${buf.join('\n')}\n`;
  };
  await pipeline(Readable.from(batch()), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(runs: number, fn: () => Promise<number>) {
  const ms: number[] = [];
  let result = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), result };
}

async function main() {
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME}`);
  await admin(`CREATE DATABASE ${DB_NAME}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB_NAME}`;
  const db = openPostgres(url.toString(), 4);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  try {
    await migrate(db, allMigrations(), () => {});
    const [ws] = await db.query<{ id: string }>(
      `INSERT INTO workspaces (slug, name) VALUES ('bench', 'Bench') RETURNING id`,
    );
    const wsId = ws!.id;
    const rnd = seededRandom(Number(args.seed));
    const started = performance.now();
    log(`generating ${N.toLocaleString()} customers …`);
    const client = await pool.connect();
    try {
      await client.query(`INSERT INTO tag_groups (workspace_id, id, name) VALUES ($1, $2, '兴趣')`, [
        wsId,
        uuidOf(1, 0),
      ]);
      for (const [i, name] of TAGS.entries())
        await client.query('INSERT INTO tags (workspace_id, id, group_id, name) VALUES ($1, $2, $3, $4)', [
          wsId,
          uuidOf(2, i),
          uuidOf(1, 0),
          name,
        ]);
      // One transaction with the tables' indexes and keys dropped and rebuilt after the COPYs, as the demo loads:
      // inserting 30M orders into keys on random UUIDs, beyond the buffer cache, took most of the generation time.
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R>(sql: string, params?: readonly unknown[]) =>
          (await client.query(sql, params as unknown[])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      };
      const rebuild = await deferIndexes(tx, ['customers', 'customer_traits', 'customer_tags', 'orders']);
      await copy(client, 'customers', 'workspace_id, id, seq, city', function* () {
        for (let s = 1; s <= N; s++)
          yield `${wsId}\t${uuidOf(3, s)}\t${s}\t${CITIES[Math.floor(rnd() * CITIES.length)]}`;
      });
      await copy(client, 'customer_traits', 'workspace_id, customer_id, lifecycle_stage, churn_risk', function* () {
        for (let s = 1; s <= N; s++)
          yield `${wsId}\t${uuidOf(3, s)}\t${STAGES[Math.floor(rnd() * STAGES.length)]}\t${Math.floor(rnd() * 101)}`;
      });
      await copy(client, 'customer_tags', 'workspace_id, customer_id, tag_id', function* () {
        for (let s = 1; s <= N; s++)
          for (let t = 0; t < TAGS.length; t++) if (rnd() < 0.4) yield `${wsId}\t${uuidOf(3, s)}\t${uuidOf(2, t)}`;
      });
      await copy(
        client,
        'orders',
        'workspace_id, id, order_no, customer_id, status, total_fen, paid_fen, placed_at',
        function* () {
          let o = 0;
          for (let s = 1; s <= N; s++)
            for (let k = Math.floor(rnd() * 7); k > 0; k--) {
              o++;
              const total = 1000 + Math.floor(rnd() * 20_000);
              const placed = new Date(NOW.getTime() - Math.floor(rnd() * 400 * DAY)).toISOString();
              yield `${wsId}\t${uuidOf(4, o)}\tB${o}\t${uuidOf(3, s)}\tpaid\t${total}\t${total}\t${placed}`;
            }
        },
      );
      await client.query(`SET LOCAL maintenance_work_mem = '1GB'`);
      for (const ddl of rebuild) await client.query(ddl);
      await client.query('COMMIT');
      await client.query(`CREATE INDEX bench_traits_churn ON customer_traits (workspace_id, churn_risk)`);
      await client.query(
        `CREATE INDEX bench_orders_paid ON orders (workspace_id, placed_at, customer_id) WHERE status IN ('paid', 'partially_refunded')`,
      );
      await client.query('ANALYZE');
    } finally {
      client.release();
    }
    log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const rule: Rule = {
      op: 'and',
      rules: [
        { type: 'trait', trait: 'lifecycle_stage', operator: 'eq', value: 'growth' },
        { type: 'tag', tagId: uuidOf(2, 0) },
        { type: 'order', measure: 'count', comparison: 'at_least', value: 2, window: { lastDays: 30 } },
        { type: 'attribute', field: 'city', operator: 'in', value: ['上海', '杭州', '北京'] },
        { op: 'not', rule: { type: 'trait', trait: 'churn_risk', operator: 'gte', value: 80 } },
      ],
    };
    const registry = new ConditionRegistry();
    registry.validate(rule);
    const engine = new AudienceEngine(registry);
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    const buildStart = performance.now();
    await db.tenant(wsId, (tx) => engine.evaluate(tx, rule, NOW));
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const stats = engine.stats(wsId)!;

    const viaIndex = await db.tenant(wsId, (tx) => time(RUNS, async () => (await engine.evaluate(tx, rule, NOW)).size));
    const compiled = compileRule(registry, rule, {
      workspaceId: wsId,
      today: dayOf(NOW, 'Asia/Shanghai'),
      timeZone: 'Asia/Shanghai',
    });
    // The SQL side returns the members' seqs, as the engine does, not just a count.
    const viaSql = await db.tenant(wsId, (tx) =>
      time(Math.max(3, Math.ceil(RUNS / 3)), async () => {
        const rows = await tx.query<{ seq: number }>(`SELECT c.seq ${compiled.from}`, compiled.params);
        return rows.length;
      }),
    );
    const count = await db.tenant(wsId, (tx) => sqlCount(tx, compiled));
    if (args.explain) {
      const plan = await db.tenant(wsId, (tx) =>
        tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) SELECT c.seq ${compiled.from}`, compiled.params),
      );
      log(`SQL: SELECT c.seq ${compiled.from}`);
      log(plan.map((r) => r['QUERY PLAN']).join('\n'));
    }
    if (count !== viaIndex.result || count !== viaSql.result)
      throw new Error(`engine says ${viaIndex.result}, SQL says ${count}: the index is wrong`);

    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    log(`customers               ${N.toLocaleString()}  (matching the rule: ${count.toLocaleString()})`);
    log(
      `rule                    lifecycle=growth ∧ tag 奶茶爱好者 ∧ ≥2 orders in 30 days ∧ city∈{上海,杭州,北京} ∧ ¬churn≥80`,
    );
    log(`index build             ${buildSeconds.toFixed(1)} s`);
    log(
      `audience engine         p50 ${viaIndex.p50.toFixed(2)} ms   p95 ${viaIndex.p95.toFixed(2)} ms   (${RUNS} runs)`,
    );
    log(`SQL on PostgreSQL       p50 ${viaSql.p50.toFixed(2)} ms   p95 ${viaSql.p95.toFixed(2)} ms`);
    log(
      `ratio (SQL / engine)    p50 ${(viaSql.p50 / viaIndex.p50).toFixed(1)}×   p95 ${(viaSql.p95 / viaIndex.p95).toFixed(1)}×`,
    );
    log(
      `index memory            ${mb(stats.bytes)} in bitmaps (roaring native ${mb(roaring.getRoaringUsedMemory())}; heap +${mb(process.memoryUsage().heapUsed - heapBefore)}, rss +${mb(process.memoryUsage().rss - rssBefore)})`,
    );
    log(`target                  p50 < 100 ms at 10M customers and ≥ 20× SQL`);
  } finally {
    await pool.end();
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench:segments: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
