/**
 * The one typed loader for environment variables. Every process (api, worker, scripts, tests)
 * reads configuration through `loadConfig()`; a bad value stops the process at start-up with a
 * message naming the variable instead of failing later in some unrelated place.
 */
import { isIP } from 'node:net';
import { productionProblems } from './productionGuards.js';
import { POOL_DEFAULTS, type PoolConfig } from './poolBudget.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string;
  logLevel: LogLevel;
  databaseUrl: string;
  /** Database name parsed from DATABASE_URL; created by the migrate step when missing. */
  databaseName: string;
  redisUrl: string;
  temporal: {
    address: string;
    namespace: string;
    /** True when TEMPORAL_ADDRESS was not set: `npm start` runs the embedded dev server. */
    embedded: boolean;
    apiKey?: string;
    tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    uiPort: number;
    taskQueuePrefix: string;
    retryInitialIntervalMs: number;
    retryBackoffCoefficient: number;
    retryMaximumAttempts: number;
  };
  readinessTimeoutMs: number;
  /** Check every answer against openapi.yaml (on in tests: contract drift fails a test). */
  validateResponses: boolean;
  appSecret: string;
  /** APP_SECRET_PREVIOUS: earlier APP_SECRETs, only opened and verified during a rotation (platform/crypto.ts keyring). */
  appSecretPrevious: string[];
  /** Database connections each process may open (platform/poolBudget.ts). */
  pools: PoolConfig;
  sandboxes: {
    enabled: boolean;
    metrcPort: number;
    dutchiePort: number;
    blazePort: number;
  };
  metrcBaseUrl: string;
  /** Identity and abuse limits (issue 4). */
  auth: {
    sessionTtlMinutes: number;
    sessionIdleMinutes: number;
    apiKeyRateLimitPerMinute: number;
    loginMaxFailures: number;
    loginIpMaxFailures: number;
    loginLockoutSeconds: number;
    /** SESSION_RATE_LIMIT_PER_MINUTE: requests per minute per signed-in user (all their sessions). */
    sessionRateLimitPerMinute: number;
    /** ANONYMOUS_RATE_LIMIT_PER_MINUTE: requests per minute per client address without valid credentials. */
    anonymousRateLimitPerMinute: number;
    /** API_KEY_RATE_LIMIT_CEILING_PER_MINUTE: the most an entity owner may give its own key; only staff go above. */
    apiKeyRateLimitCeilingPerMinute: number;
  };
  /**
   * TRUST_PROXY: which peers may tell us the client address (X-Forwarded-For), as Express's
   * 'trust proxy': false (none), a hop count, or a list of addresses/CIDRs/names such as
   * `loopback`, `10.0.0.0/8`. Default loopback only. Login throttling and rate limits key on it.
   */
  trustProxy: false | number | string[];
  /** IDEMPOTENCY_LEASE: how long a pending Idempotency-Key is held without a sign of life from its request. */
  idempotencyLeaseMs: number;
  /** Browser origins allowed to call the API with credentials (CORS_ORIGINS, comma-separated). */
  corsOrigins: string[];
  metrc: MetrcConfig;
  orders: OrdersConfig;
  security: SecurityConfig;
  mail: MailConfig;
  reports: ReportsConfig;
  /**
   * POS_SYNC_STAGING: how a POS sync stages each batch before merging it (db/repositories/posSync.ts).
   * `auto` tries LOAD DATA LOCAL INFILE and falls back to multi-row INSERT for the process's life
   * when the server refuses it; `insert` never tries (a proxy that mishandles LOCAL INFILE).
   */
  posSyncStaging: 'auto' | 'insert';
}

/**
 * Reports (issue 17). REPORT_MAX_RANGE_DAYS: the longest date range a report may cover (422
 * beyond); REPORT_TTL: how long a finished file stays downloadable; REPORT_PAGE_SIZE: rows per
 * keyset page (each page is one heartbeat and one resume point); REPORT_ATTACHMENT_MAX_BYTES: the
 * largest file a scheduled report set to `attachment` sends attached (a link above it; 5 MB, under
 * what common mail servers accept once base64 has grown it by a third).
 */
export interface ReportsConfig {
  maxRangeDays: number;
  ttlMs: number;
  pageSize: number;
  attachmentMaxBytes: number;
}

/** Email notifications (issue 16): the SMTP server mail leaves through, and the local catcher. */
export interface MailConfig {
  /** SMTP_HOST / SMTP_PORT: default the local mail catcher in development; empty = no email at all. */
  host: string;
  port: number;
  /** SMTP_SECURE: TLS from the first byte (port 465); otherwise STARTTLS when offered. */
  secure: boolean;
  /** SMTP_REQUIRE_TLS: refuse to send unless STARTTLS succeeds (on by default in production). */
  requireTls: boolean;
  /** SMTP_TLS_REJECT_UNAUTHORIZED: verify the server's certificate (off only for a test server). */
  tlsRejectUnauthorized: boolean;
  /** SMTP_USER / SMTP_PASSWORD: AUTH credentials; none = no AUTH. */
  user?: string;
  password?: string;
  /** MAIL_FROM / MAIL_REPLY_TO: the envelope and header sender, and where replies go. */
  from: string;
  replyTo?: string;
  /** SMTP_POOL_SIZE: pooled connections per worker process. */
  poolSize: number;
  /**
   * SMTP_SEND_TIMEOUT: how long one send may take (connect, greeting, each reply). A send whose
   * outcome was lost is not repeated before twice this has passed (see activities/notifications).
   */
  sendTimeoutMs: number;
  /** MAIL_CATCHER: run the local catcher with `npm start` (never in production). */
  catcher: { enabled: boolean; smtpPort: number; httpPort: number };
  /**
   * SMS through Twilio's Messages API: TWILIO_BASE_URL (default the local sandbox outside
   * production; unset in production = no SMS), TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM.
   */
  sms: { baseUrl: string; accountSid: string; authToken: string; from: string; sandboxPort: number; settleMs: number };
  /**
   * No storms (issue 16): NOTIFY_DIGEST_WINDOW, how long a recipient's bursty events after the
   * first are collected into one digest email; NOTIFY_EMAIL_RATE / NOTIFY_SMS_RATE, sends per
   * second to each provider across all workers (Redis), above which sends wait their turn.
   */
  digestWindowMs: number;
  rate: { email: number; sms: number };
}

/** Hardening settings (issue 13). */
export interface SecurityConfig {
  /**
   * POS_ALLOWED_HOSTS: `host` or `host:port` entries a POS connection's base_url may point at
   * (default: the Dutchie and BLAZE production APIs). Outside production the local sandbox ports
   * are added; production never allows them.
   */
  posAllowedHosts: string[];
  /** METRICS_TOKEN: bearer token for GET /metrics; unset = /metrics is not served (404). */
  metricsToken?: string;
  /** REALTIME_RECHECK: how often an open WebSocket re-checks its session (also the ping interval). */
  realtimeRecheckMs: number;
}

/** Order lifecycle timing (issue 5). Durations in milliseconds. */
export interface OrdersConfig {
  /** ORDER_ACCEPT_DEADLINE: a submitted order not accepted within this expires. */
  acceptDeadlineMs: number;
  /** ORDER_REMINDER_BEFORE: how long before the deadline the wholesaler is reminded (0 = no reminder). */
  reminderBeforeMs: number;
  /** ORDER_AUTO_COMPLETE_AFTER: a delivered order completes by itself after this. */
  autoCompleteAfterMs: number;
}

/** METRC connection, pacing and manifest polling (issue 6). Durations in milliseconds. */
export interface MetrcConfig {
  /** Integrator key (Basic-auth user). Defaults to the sandbox demo key outside production. */
  vendorKey: string;
  /** Default user key; per-license keys may be stored encrypted in metrc_credentials. */
  userKey: string;
  timeoutMs: number;
  /**
   * METRC_SETTLE_WINDOW: after a write's outcome was lost, how long no re-send may happen (the
   * record is looked for by its identity meanwhile). Must exceed the longest time METRC may
   * still commit a write after it was sent; not the client's socket timeout.
   */
  settleWindowMs: number;
  /** METRC_SETTLE_CHECK_INTERVAL: first wait between identity checks in the window; doubles up to 15 s. */
  settleCheckIntervalMs: number;
  /** METRC_AUTH_RETRY_WINDOW: how long 401/403 answers are retried with backoff before the submission stops for a working key. */
  authRetryWindowMs: number;
  /** METRC_KEY_PROBE_INTERVAL: first wait between checks of a refused key while submissions are parked; doubles up to 15 min. */
  keyProbeIntervalMs: number;
  /**
   * METRC_SWEEP_DELAYS: after a submission had an ambiguous attempt, when the duplicate sweep
   * looks again for extra records with its identity (comma list of delays from the ambiguity).
   */
  sweepDelaysMs: number[];
  /** Token-bucket limits for every METRC request, shared by all workers through Redis. */
  ratePerFacilityPerSecond: number;
  ratePerVendorKeyPerSecond: number;
  /** Transfer type used for order templates (names vary by state). */
  transferTypeName: string;
  manifestPollIntervalMs: number;
  manifestTimeoutMs: number;
  driftCheckIntervalMs: number;
  driftWatchMs: number;
}

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback === undefined) throw new ConfigError(name, 'is required but not set');
    return fallback;
  }
  return v;
}

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function num(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(name, `must be a number >= ${min}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string, protocols: string[]): URL {
  const raw = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
  }
  return parsed;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500`, `500ms`, `30s`, `5m`, `72h`, `7d` → milliseconds. */
function duration(env: Env, name: string, fallbackMs: number, minMs = 1): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallbackMs;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw);
  if (!m) throw new ConfigError(name, `must be a duration like 500ms, 30s, 5m, 2h or 7d, got "${raw}"`);
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
  if (ms < minMs) throw new ConfigError(name, `must be at least ${minMs} ms`);
  return ms;
}

function durations(env: Env, name: string, fallbackMs: number[]): number[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallbackMs;
  return raw.split(',').map((part, i) => duration({ [`${name}[${i}]`]: part.trim() }, `${name}[${i}]`, 0));
}

function durationAtMost(env: Env, name: string, fallbackMs: number, minMs: number, maxMs: number): number {
  const ms = duration(env, name, fallbackMs, minMs);
  if (ms > maxMs) throw new ConfigError(name, `must be at most ${maxMs} ms`);
  return ms;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function corsOrigins(env: Env): string[] {
  return (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean)
    .map((o) => {
      let u: URL;
      try {
        u = new URL(o);
      } catch {
        throw new ConfigError('CORS_ORIGINS', `has an invalid origin "${o}"`);
      }
      if (u.origin !== o) throw new ConfigError('CORS_ORIGINS', `entries must be bare origins like https://console.example.com, got "${o}"`);
      return u.origin;
    });
}

/** The vendors' production API hosts (integrations/pos/{dutchie,blaze}/client.ts). */
const POS_VENDOR_HOSTS = ['api.pos.dutchie.com', 'api.partners.blaze.me'];

function posAllowedHosts(env: Env, production: boolean, sandboxPorts: number[]): string[] {
  const configured = (env.POS_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const h of configured) {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(h)) throw new ConfigError('POS_ALLOWED_HOSTS', `entries must be host or host:port, got "${h}"`);
  }
  const hosts = configured.length > 0 ? configured : POS_VENDOR_HOSTS;
  // The sandboxes are development tools; a production hub must never reach loopback services.
  const sandboxes = production ? [] : sandboxPorts.flatMap((p) => [`127.0.0.1:${p}`, `localhost:${p}`]);
  return [...new Set([...hosts, ...sandboxes])];
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(env: Env): false | number | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim().toLowerCase();
  if (raw === '') return ['loopback'];
  if (/^(false|no|off|none)$/.test(raw)) return false;
  // Trusting every peer would let any client choose the address its limits are counted under.
  if (/^(true|yes|on|all|\*)$/.test(raw)) throw new ConfigError('TRUST_PROXY', 'must name the proxies (hop count, addresses or CIDRs), not trust every peer');
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError('TRUST_PROXY', `hop count must be between 0 and 10, got ${hops}`);
    return hops === 0 ? false : hops;
  }
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of entries) {
    if (PROXY_NAMES.has(e)) continue;
    const [addr, bits, extra] = e.split('/');
    const family = isIP(addr ?? '');
    const maxBits = family === 4 ? 32 : 128;
    if (!family || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits))) {
      throw new ConfigError('TRUST_PROXY', `entries must be an address, a CIDR or one of ${[...PROXY_NAMES].join(', ')}, got "${e}"`);
    }
  }
  return entries;
}

const DEV_SECRET = 'trellis-development-secret-do-not-use-in-production';

/** APP_SECRET_PREVIOUS: comma list of the APP_SECRETs being rotated away from (read only). */
function previousSecrets(env: Env, current: string): string[] {
  const list = (env.APP_SECRET_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // Said without echoing any value: the message may end up in a log.
  if (list.includes(current)) throw new ConfigError('APP_SECRET_PREVIOUS', 'must not contain the current APP_SECRET');
  return [...new Set(list)];
}

function poolConfig(env: Env): PoolConfig {
  return {
    api: int(env, 'DB_POOL_API', POOL_DEFAULTS.api, 1, 1000),
    worker: int(env, 'DB_POOL_WORKER', POOL_DEFAULTS.worker, 1, 1000),
    writer: int(env, 'DB_POOL_WRITER', POOL_DEFAULTS.writer, 1, 1000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const db = url(env, 'DATABASE_URL', 'mysql://root@127.0.0.1:3306/trellis', ['mysql:', 'mariadb:']);
  const databaseName = decodeURIComponent(db.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(databaseName)) {
    throw new ConfigError('DATABASE_URL', 'must name a database (letters, digits, underscore) in its path');
  }
  const redis = url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']);
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = str(env, 'HOST', '0.0.0.0');
  const temporalAddressRaw = env.TEMPORAL_ADDRESS;
  const temporalAddress = str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  if (!/^[^\s:]+:\d{1,5}$/.test(temporalAddress)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port, got "${temporalAddress}"`);
  }
  const tlsEnabled = bool(env, 'TEMPORAL_TLS', false);
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const appSecret = str(env, 'APP_SECRET', nodeEnv === 'production' ? undefined : DEV_SECRET);
  if (nodeEnv === 'production' && (appSecret === DEV_SECRET || appSecret.length < 32)) {
    throw new ConfigError('APP_SECRET', 'must be a random string of at least 32 characters in production');
  }
  const metrcPort = int(env, 'METRC_SANDBOX_PORT', 4010, 0, 65535);
  const dutchiePort = int(env, 'DUTCHIE_SANDBOX_PORT', 4011, 0, 65535);
  const blazePort = int(env, 'BLAZE_SANDBOX_PORT', 4012, 0, 65535);
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  const loaded: Config = {
    nodeEnv,
    port,
    host,
    publicUrl: str(env, 'PUBLIC_URL', `http://localhost:${port}`),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'warn' : 'info'),
    databaseUrl: db.toString(),
    databaseName,
    redisUrl: redis.toString(),
    temporal: {
      address: temporalAddress,
      namespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
      embedded: temporalAddressRaw === undefined || temporalAddressRaw === '',
      ...(apiKey ? { apiKey } : {}),
      ...(tlsEnabled || apiKey
        ? {
            tls: {
              certPath: env.TEMPORAL_TLS_CERT || undefined,
              keyPath: env.TEMPORAL_TLS_KEY || undefined,
              caPath: env.TEMPORAL_TLS_CA || undefined,
              serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
            },
          }
        : {}),
      uiPort: int(env, 'TEMPORAL_UI_PORT', 8233, 1, 65535),
      taskQueuePrefix: env.TEMPORAL_TASK_QUEUE_PREFIX ?? '',
      retryInitialIntervalMs: int(env, 'TEMPORAL_RETRY_INITIAL_INTERVAL_MS', 1000, 1),
      retryBackoffCoefficient: num(env, 'TEMPORAL_RETRY_BACKOFF_COEFFICIENT', 2, 1),
      retryMaximumAttempts: int(env, 'TEMPORAL_RETRY_MAXIMUM_ATTEMPTS', 3, 1, 100),
    },
    readinessTimeoutMs: int(env, 'READINESS_TIMEOUT_MS', 1500, 50, 30000),
    validateResponses: bool(env, 'OPENAPI_VALIDATE_RESPONSES', nodeEnv === 'test'),
    appSecret,
    appSecretPrevious: previousSecrets(env, appSecret),
    pools: poolConfig(env),
    sandboxes: {
      enabled: bool(env, 'SANDBOXES', nodeEnv !== 'production'),
      metrcPort,
      dutchiePort,
      blazePort,
    },
    metrcBaseUrl: url(env, 'METRC_BASE_URL', `http://127.0.0.1:${metrcPort}`, ['http:', 'https:'])
      .toString()
      .replace(/\/$/, ''),
    auth: {
      sessionTtlMinutes: int(env, 'SESSION_TTL_MINUTES', 12 * 60, 1, 30 * 24 * 60),
      sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 30, 1, 30 * 24 * 60),
      apiKeyRateLimitPerMinute: int(env, 'API_KEY_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
      loginIpMaxFailures: int(env, 'LOGIN_IP_MAX_FAILURES', 50, 1, 100_000),
      loginLockoutSeconds: int(env, 'LOGIN_LOCKOUT_SECONDS', 60, 1, 86_400),
      // Tests and benchmarks drive one session or address far harder than a person; they set
      // small limits where a test is about limits.
      sessionRateLimitPerMinute: int(env, 'SESSION_RATE_LIMIT_PER_MINUTE', nodeEnv === 'test' ? 1_000_000 : 1200, 1, 1_000_000),
      anonymousRateLimitPerMinute: int(env, 'ANONYMOUS_RATE_LIMIT_PER_MINUTE', nodeEnv === 'test' ? 1_000_000 : 300, 1, 1_000_000),
      apiKeyRateLimitCeilingPerMinute: int(env, 'API_KEY_RATE_LIMIT_CEILING_PER_MINUTE', 6000, 1, 1_000_000),
    },
    trustProxy: trustProxy(env),
    idempotencyLeaseMs: duration(env, 'IDEMPOTENCY_LEASE', 60_000, 1000),
    corsOrigins: corsOrigins(env),
    metrc: {
      // Sandbox demo keys (sandboxes/metrc/demo-data.ts) outside production only; in
      // production an unset key fails METRC work (not start-up), so deployments without METRC run.
      vendorKey: str(env, 'METRC_VENDOR_KEY', nodeEnv === 'production' ? '' : 'trellis-demo-vendor-key'),
      userKey: str(env, 'METRC_USER_KEY', nodeEnv === 'production' ? '' : 'trellis-demo-user-key'),
      timeoutMs: duration(env, 'METRC_TIMEOUT', 30_000, 100),
      // 5 min: METRC runs on IIS/ASP.NET, which abandons a request after its execution timeout
      // (110 s by default); the window leaves room above that. At most 20 min: the submit
      // activity's start-to-close timeout (30 min) must cover the window and the send.
      settleWindowMs: durationAtMost(env, 'METRC_SETTLE_WINDOW', 5 * 60_000, 0, 20 * 60_000),
      settleCheckIntervalMs: duration(env, 'METRC_SETTLE_CHECK_INTERVAL', 1000, 10),
      authRetryWindowMs: durationAtMost(env, 'METRC_AUTH_RETRY_WINDOW', 2 * 60_000, 0, 20 * 60_000),
      keyProbeIntervalMs: duration(env, 'METRC_KEY_PROBE_INTERVAL', 60_000, 10),
      sweepDelaysMs: durations(env, 'METRC_SWEEP_DELAYS', [10 * 60_000, 60 * 60_000, 6 * 3_600_000]),
      ratePerFacilityPerSecond: num(env, 'METRC_RATE_PER_FACILITY', 40, 0.1),
      ratePerVendorKeyPerSecond: num(env, 'METRC_RATE_PER_VENDOR_KEY', 120, 0.1),
      transferTypeName: str(env, 'METRC_TRANSFER_TYPE', 'Wholesale'),
      manifestPollIntervalMs: duration(env, 'METRC_MANIFEST_POLL_INTERVAL', 5 * 60_000, 10),
      manifestTimeoutMs: duration(env, 'METRC_MANIFEST_TIMEOUT', 72 * 3_600_000, 10),
      driftCheckIntervalMs: duration(env, 'METRC_DRIFT_CHECK_INTERVAL', 3_600_000, 10),
      driftWatchMs: duration(env, 'METRC_DRIFT_WATCH', 14 * 86_400_000, 0),
    },
    orders: {
      acceptDeadlineMs: duration(env, 'ORDER_ACCEPT_DEADLINE', 48 * 3_600_000, 100),
      reminderBeforeMs: duration(env, 'ORDER_REMINDER_BEFORE', 12 * 3_600_000, 0),
      autoCompleteAfterMs: duration(env, 'ORDER_AUTO_COMPLETE_AFTER', 7 * 86_400_000, 0),
    },
    security: {
      posAllowedHosts: posAllowedHosts(env, nodeEnv === 'production', [dutchiePort, blazePort]),
      ...(metricsToken ? { metricsToken } : {}),
      realtimeRecheckMs: duration(env, 'REALTIME_RECHECK', 30_000, 50),
    },
    mail: mailConfig(env, nodeEnv),
    reports: {
      maxRangeDays: int(env, 'REPORT_MAX_RANGE_DAYS', 366, 1, 3660),
      ttlMs: duration(env, 'REPORT_TTL', 7 * 86_400_000, 1000),
      pageSize: int(env, 'REPORT_PAGE_SIZE', 2000, 1, 100_000),
      attachmentMaxBytes: int(env, 'REPORT_ATTACHMENT_MAX_BYTES', 5 * 1024 * 1024, 0, 25 * 1024 * 1024),
    },
    posSyncStaging: oneOf(env, 'POS_SYNC_STAGING', ['auto', 'insert'] as const, 'auto'),
  };
  if (nodeEnv === 'production') refuseUnsafeProduction(env, loaded);
  return loaded;
}

function mailConfig(env: Env, nodeEnv: Config['nodeEnv']): MailConfig {
  const production = nodeEnv === 'production';
  const catcherSmtpPort = int(env, 'MAIL_CATCHER_SMTP_PORT', 1025, 0, 65535);
  const smsSandboxPort = int(env, 'SMS_SANDBOX_PORT', 4013, 0, 65535);
  const user = env.SMTP_USER || undefined;
  const password = env.SMTP_PASSWORD || undefined;
  if (Boolean(user) !== Boolean(password)) throw new ConfigError(user ? 'SMTP_PASSWORD' : 'SMTP_USER', 'must be set together with the other');
  const from = str(env, 'MAIL_FROM', 'Trellis <notifications@trellis.local>');
  const replyTo = env.MAIL_REPLY_TO || undefined;
  for (const [name, v] of [['MAIL_FROM', from], ['MAIL_REPLY_TO', replyTo]] as const) {
    if (v !== undefined && !/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(v)) throw new ConfigError(name, 'must be an address, or "Name <address>"');
  }
  return {
    // Unset = no email: nothing is sent or queued. Development defaults to the local catcher;
    // tests name their own catcher, so suites that are not about mail send none.
    host: env.SMTP_HOST?.trim() || (nodeEnv === 'development' ? '127.0.0.1' : ''),
    port: int(env, 'SMTP_PORT', production ? 587 : catcherSmtpPort, 1, 65535),
    secure: bool(env, 'SMTP_SECURE', false),
    requireTls: bool(env, 'SMTP_REQUIRE_TLS', production),
    tlsRejectUnauthorized: bool(env, 'SMTP_TLS_REJECT_UNAUTHORIZED', true),
    ...(user && password ? { user, password } : {}),
    from,
    ...(replyTo ? { replyTo } : {}),
    poolSize: int(env, 'SMTP_POOL_SIZE', 5, 1, 100),
    sendTimeoutMs: duration(env, 'SMTP_SEND_TIMEOUT', 30_000, 100),
    catcher: { enabled: !production && bool(env, 'MAIL_CATCHER', true), smtpPort: catcherSmtpPort, httpPort: int(env, 'MAIL_CATCHER_HTTP_PORT', 1080, 0, 65535) },
    sms: {
      // Like email: the sandbox in development, named by the test that wants SMS, else none.
      baseUrl: env.TWILIO_BASE_URL?.trim() || (nodeEnv === 'development' ? `http://127.0.0.1:${smsSandboxPort}` : ''),
      accountSid: str(env, 'TWILIO_ACCOUNT_SID', production ? '' : 'AC00000000000000000000000000sandbox'),
      authToken: str(env, 'TWILIO_AUTH_TOKEN', production ? '' : 'sandbox-auth-token'),
      from: str(env, 'TWILIO_FROM', production ? '' : '+15005550006'),
      sandboxPort: smsSandboxPort,
      // After a create whose answer was lost, how long before looking the message up (Twilio commits before it answers).
      settleMs: duration(env, 'SMS_SETTLE_WINDOW', 10_000, 0),
    },
    digestWindowMs: duration(env, 'NOTIFY_DIGEST_WINDOW', 5 * 60_000, 100),
    rate: { email: int(env, 'NOTIFY_EMAIL_RATE', 20, 1, 10_000), sms: int(env, 'NOTIFY_SMS_RATE', 1, 1, 1_000) },
  };
}

/** Production refuses settings that would run but misbehave (platform/productionGuards.ts). */
function refuseUnsafeProduction(env: Env, c: Config): void {
  const problems = productionProblems({ env, appSecret: c.appSecret, metrcBaseUrl: c.metrcBaseUrl, metrcVendorKey: c.metrc.vendorKey, metrcUserKey: c.metrc.userKey });
  if (!problems.length) return;
  const [first, ...rest] = problems;
  const more = rest.map((p) => `; and ${p.variable} ${p.problem}`).join('');
  throw new ConfigError(first!.variable, `${first!.problem}${more} (NODE_ENV=production)`);
}

let cached: Config | undefined;
/** Process-wide config, loaded once. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
