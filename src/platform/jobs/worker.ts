// The worker loop: fire due schedules, dispatch outbox events, claim and run jobs up to the concurrency limit;
// sleep until a notification, a wake(), a free slot or the poll interval; on stop(), finish what is in flight.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Db } from '../db/index.ts';
import type { ClaimedJob, JobHandler, JobLog, Schedule, Subscriber } from './index.ts';
import { dispatchEvents, EVENT_JOB_PREFIX, subscriberHandlers } from './outbox.ts';
import { claimJobs, extendLease, JOBS_CHANNEL, runJob } from './queue.ts';
import { fireDueSchedules, syncSchedules, validateSchedules } from './schedules.ts';

export interface WorkerOptions {
  handlers: Record<string, JobHandler>;
  subscribers?: readonly Subscriber[];
  schedules?: readonly Schedule[];
  /** Jobs run at once by this worker (default 4). */
  concurrency?: number;
  /** How often an idle worker looks for work without being told (default 1000 ms). */
  pollMs?: number;
  /** How long a claimed job stays this worker's without a heartbeat (default 30 s). */
  leaseSeconds?: number;
  workerId?: string;
  log: JobLog;
  /** The clock (tests inject one); leases, retries and schedule slots are computed from it. */
  now?: () => Date;
  /**
   * The PostgreSQL URL to LISTEN on (a dedicated connection) so enqueue and emit wake this worker at once.
   * Without it, or on PGlite, the worker polls and can be woken with wake().
   */
  databaseUrl?: string | null;
}

export interface Worker {
  readonly id: string;
  /** Look for work now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, waits for the jobs in flight to finish, then resolves. */
  stop(): Promise<void>;
}

// Big enough that one dispatch keeps up with a busy ingestion API; the loop dispatches again while batches come back full.
const DISPATCH_BATCH = 1000;
const MAX_DISPATCH_ROUNDS = 20;
const LISTEN_RETRY_MS = 5000;
// Slots are whole minutes; a busy worker that ticks after every job need not look at the schedules each time.
const SCHEDULE_CHECK_MS = 1000;
// PGlite has one connection in one process: a handler's transaction holds it, so a heartbeat could not get through
// until the handler is done. Its lease is simply long; a crash is covered by releaseOrphans on the next start.
const PGLITE_LEASE_SECONDS = 15 * 60;

/** Worker ids started in this process, to tell our own running jobs from orphans of a dead process on PGlite. */
const localWorkers = new Set<string>();

/**
 * Starts a worker and returns at once. Bad schedules or handler names throw here; the schedules are written to
 * the database by the loop's first step (retried each poll while the database is unreachable).
 */
export function startWorker(db: Db, options: WorkerOptions): Worker {
  const subscribers = options.subscribers ?? [];
  const schedules = options.schedules ?? [];
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? 1000;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const now = options.now ?? (() => new Date());
  const log = options.log;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const handlers = allHandlers(options.handlers, subscribers);
  validateSchedules(schedules, new Set(Object.keys(handlers)));
  const scheduleNames = schedules.map((s) => s.name);
  const heartbeats = db.kind === 'postgres';
  const lease = heartbeats ? leaseSeconds : Math.max(leaseSeconds, PGLITE_LEASE_SECONDS);

  localWorkers.add(workerId);

  let stopping = false;
  let woken = false;
  let waitingForSlot = false;
  let resume: (() => void) | null = null;
  const wake = () => {
    woken = true;
    resume?.();
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) return resolve();
      const timer = setTimeout(done, ms);
      resume = done;
      function done() {
        clearTimeout(timer);
        resume = null;
        resolve();
      }
    });

  let listener: pg.Client | null = null;
  let listenAfter = 0;
  const listen = async () => {
    if (!options.databaseUrl || db.kind !== 'postgres' || listener || performance.now() < listenAfter) return;
    listenAfter = performance.now() + LISTEN_RETRY_MS;
    const client = new pg.Client({ connectionString: options.databaseUrl });
    client.on('notification', wake);
    client.on('error', (err) => {
      log.warn({ workerId, err }, 'job notifications lost; polling until reconnected');
      if (listener === client) listener = null;
      client.end().catch(() => {});
    });
    client.on('end', () => {
      if (listener === client) listener = null;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
      listener = client;
    } catch (err) {
      log.warn({ workerId, err }, 'could not LISTEN for job notifications; polling');
      await client.end().catch(() => {});
    }
  };

  const inFlight = new Set<Promise<void>>();
  const start = (job: ClaimedJob) => {
    const stopHeartbeat = heartbeats ? heartbeat(db, job, { workerId, leaseSeconds, now, log }) : () => {};
    const run = runJob(db, job, handlers[job.kind], { workerId, now, log })
      .then(() => {})
      .finally(() => {
        stopHeartbeat();
        inFlight.delete(run);
        if (waitingForSlot) wake();
      });
    inFlight.add(run);
  };

  let nextScheduleCheck = 0;
  const tick = async (): Promise<boolean> => {
    let more = false;
    const at = now();
    if (scheduleNames.length > 0 && performance.now() >= nextScheduleCheck) {
      nextScheduleCheck = performance.now() + SCHEDULE_CHECK_MS;
      more = (await fireDueSchedules(db, scheduleNames, at)) > 0;
    }
    // Dispatch is drained here rather than once per tick: with every job slot busy the loop pauses, and events
    // would otherwise wait for a slot to free before even being turned into jobs.
    for (let round = 0; round < MAX_DISPATCH_ROUNDS; round++) {
      if ((await dispatchEvents(db, subscribers, { limit: DISPATCH_BATCH, now: now() })) < DISPATCH_BATCH) break;
      if (round === MAX_DISPATCH_ROUNDS - 1) more = true;
    }
    // On PGlite the statements above may have waited for a handler's transaction; stop() may have come meanwhile.
    const free = stopping ? 0 : concurrency - inFlight.size;
    if (free > 0) {
      const jobs = await claimJobs(db, { workerId, limit: free, leaseSeconds: lease, now: at });
      for (const job of jobs) start(job);
      more = jobs.length === free || more;
    }
    return more;
  };

  let prepared = false;
  const prepare = async () => {
    await syncSchedules(db, schedules, now());
    if (db.kind === 'pglite') await releaseOrphans(db, now());
    prepared = true;
  };

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      let more = false;
      try {
        if (!prepared) await prepare();
        await listen();
        more = await tick();
      } catch (err) {
        log.error({ workerId, err }, 'job worker tick failed');
      }
      if (stopping) break;
      waitingForSlot = inFlight.size >= concurrency;
      if (!more || waitingForSlot) await pause(pollMs);
      waitingForSlot = false;
    }
  })();

  log.info({ workerId, concurrency, leaseSeconds: lease, schedules: scheduleNames.length }, 'job worker started');

  let stopped: Promise<void> | null = null;
  return {
    id: workerId,
    wake,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        wake();
        await loop;
        await Promise.all(inFlight);
        await listener?.end().catch(() => {});
        listener = null;
        localWorkers.delete(workerId);
        log.info({ workerId }, 'job worker stopped');
      })();
      return stopped;
    },
  };
}

function allHandlers(handlers: Record<string, JobHandler>, subscribers: readonly Subscriber[]) {
  for (const kind of Object.keys(handlers)) {
    if (kind.startsWith(EVENT_JOB_PREFIX)) throw new Error(`job kind '${kind}' uses the reserved prefix 'event:'`);
  }
  const names = new Set<string>();
  for (const s of subscribers) {
    if (names.has(s.name)) throw new Error(`subscriber '${s.name}' is declared twice`);
    names.add(s.name);
  }
  return { ...handlers, ...subscriberHandlers(subscribers) };
}

/**
 * Extends the job's lease every third of it, on its own pooled connection outside the handler's transaction,
 * until the returned function is called. Once the lease is found lost it stops: the completion will be fenced out.
 */
function heartbeat(
  db: Db,
  job: ClaimedJob,
  options: { workerId: string; leaseSeconds: number; now: () => Date; log: JobLog },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let active = true;
  const beat = async () => {
    try {
      const held = await extendLease(db, job, { ...options, now: options.now() });
      if (!held) active = false;
    } catch (err) {
      options.log.warn({ jobId: job.id, err }, 'job lease heartbeat failed');
    }
    if (active) timer = setTimeout(beat, (options.leaseSeconds * 1000) / 3);
  };
  timer = setTimeout(beat, (options.leaseSeconds * 1000) / 3);
  return () => {
    active = false;
    clearTimeout(timer);
  };
}

/**
 * PGlite's data directory is open in one process only, so a job left running by a worker not started in this
 * process belongs to a process that died: its lease is ended now rather than after PGLITE_LEASE_SECONDS.
 */
async function releaseOrphans(db: Db, now: Date): Promise<void> {
  await db.query(
    `UPDATE jobs SET locked_until = $1
     WHERE state = 'running' AND locked_until > $1 AND NOT (locked_by = ANY($2::text[]))`,
    [now, [...localWorkers]],
  );
}
