// Runtime configuration, read once from the environment in the composition root and passed down explicitly.
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** postgres://… to run on a PostgreSQL server; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  logLevel: string;
  /** Mark session cookies Secure (set when served over HTTPS behind a proxy). */
  secureCookies: boolean;
  trustProxy: boolean;
  sessionTtlHours: number;
  bodyLimitBytes: number;
  rateLimit: { perIpPerMinute: number; perApiKeyPerMinute: number; callbackPerIpPerMinute: number };
  login: { maxFailures: number; lockMinutes: number };
  jobs: { concurrency: number; pollMs: number; leaseSeconds: number };
  poolSize: number;
  seedDemo: boolean;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${databaseUrl}"`);
  }
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.SIYU_DATA_DIR || 'data'),
    logLevel: env.LOG_LEVEL || 'info',
    secureCookies: bool(env, 'SIYU_SECURE_COOKIES', false),
    trustProxy: bool(env, 'SIYU_TRUST_PROXY', false),
    sessionTtlHours: int(env, 'SIYU_SESSION_TTL_HOURS', 12, 1),
    bodyLimitBytes: int(env, 'SIYU_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    rateLimit: {
      perIpPerMinute: int(env, 'SIYU_RATE_LIMIT_IP_PER_MINUTE', 600, 1),
      perApiKeyPerMinute: int(env, 'SIYU_RATE_LIMIT_KEY_PER_MINUTE', 6000, 1),
      callbackPerIpPerMinute: int(env, 'SIYU_RATE_LIMIT_CALLBACK_PER_MINUTE', 30000, 1),
    },
    login: {
      maxFailures: int(env, 'SIYU_LOGIN_MAX_FAILURES', 5, 1),
      lockMinutes: int(env, 'SIYU_LOGIN_LOCK_MINUTES', 15, 1),
    },
    jobs: {
      concurrency: int(env, 'SIYU_JOB_CONCURRENCY', 4, 1),
      pollMs: int(env, 'SIYU_JOB_POLL_MS', 500, 10),
      leaseSeconds: int(env, 'SIYU_JOB_LEASE_SECONDS', 60, 1),
    },
    poolSize: int(env, 'SIYU_DB_POOL_SIZE', 10, 1),
    seedDemo: bool(env, 'SIYU_SEED_DEMO', true),
  };
}
