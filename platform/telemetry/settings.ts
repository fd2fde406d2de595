/**
 * Whether this process traces, read from the standard OpenTelemetry variables only, without
 * loading any OpenTelemetry code: tracing off must cost nothing.
 *
 * On when an OTLP endpoint is named (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT) or
 * OTEL_TRACES_EXPORTER names an exporter; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none wins.
 */
export type Env = Record<string, string | undefined>;

export function tracingRequested(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** The service name spans and Sentry events carry: OTEL_SERVICE_NAME, else trellis-<process>. */
export function serviceName(process_: string, env: Env = process.env): string {
  return env.OTEL_SERVICE_NAME?.trim() || `trellis-${process_}`;
}

/** Release and environment tags shared by traces and Sentry (TRELLIS_RELEASE, NODE_ENV). */
export function releaseTags(env: Env = process.env): { release: string; environment: string } {
  return {
    release: env.TRELLIS_RELEASE?.trim() || env.npm_package_version || 'dev',
    environment: env.TRELLIS_ENVIRONMENT?.trim() || env.NODE_ENV || 'development',
  };
}

/**
 * Worker observability ports: TEMPORAL_METRICS_BIND (host:port where the SDK serves its own
 * Prometheus metrics; unset = not collected) and WORKER_HEALTH_PORT (the worker's /healthz and
 * business /metrics; unset or 0 = no server).
 */
export function workerObservability(env: Env = process.env): { metricsBind?: string; healthPort?: number } {
  const bind = env.TEMPORAL_METRICS_BIND?.trim();
  if (bind && !/^[\w.-]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(bind)) {
    throw new Error(`Invalid configuration: TEMPORAL_METRICS_BIND must be host:port, got ${JSON.stringify(bind)}`);
  }
  const rawPort = env.WORKER_HEALTH_PORT?.trim();
  const port = rawPort ? Number(rawPort) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid configuration: WORKER_HEALTH_PORT must be a port number, got ${JSON.stringify(rawPort)}`);
  }
  return { ...(bind ? { metricsBind: bind } : {}), ...(port ? { healthPort: port } : {}) };
}

/**
 * Sentry for the console (the browser): CONSOLE_SENTRY_DSN, else SENTRY_DSN; with the API's release
 * and environment. Undefined when neither is set, and then the console loads no Sentry code.
 */
export function consoleSentry(env: Env = process.env): { dsn: string; origin: string; release: string; environment: string } | undefined {
  const dsn = env.CONSOLE_SENTRY_DSN?.trim() || env.SENTRY_DSN?.trim();
  if (!dsn) return undefined;
  let origin: string;
  try {
    const u = new URL(dsn);
    if (!/^https?:$/.test(u.protocol) || !u.username) throw new Error('no key');
    origin = u.origin;
  } catch {
    throw new Error('Invalid configuration: CONSOLE_SENTRY_DSN (or SENTRY_DSN) must be a Sentry DSN, https://<key>@<host>/<project>');
  }
  return { dsn, origin, ...releaseTags(env) };
}
