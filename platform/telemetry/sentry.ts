/**
 * Error reporting to Sentry when SENTRY_DSN is set; otherwise @sentry/node is never imported.
 * Events carry release and environment; request bodies, cookies, headers, query strings and user
 * details are dropped before sending (the hub's data are licensed businesses' orders and people).
 */
import type { ErrorEvent } from '@sentry/node';
import { releaseTags, type Env } from './settings.js';

export interface ErrorReporter {
  capture(err: unknown, tags?: Record<string, string>): void;
  flush(): Promise<void>;
}

const NONE: ErrorReporter = { capture: () => {}, flush: async () => {} };
let reporter: ErrorReporter = NONE;

/** Strips what may identify a person or carry a secret; keeps the stack, tags and the route. */
export function scrub(event: ErrorEvent): ErrorEvent {
  if (event.request) {
    const { method, url } = event.request;
    event.request = { ...(method ? { method } : {}), ...(url ? { url: url.split('?')[0] } : {}) };
  }
  delete event.user;
  delete event.server_name;
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map((b) => ({ ...b, data: undefined }));
  return event;
}

export async function installSentry(process_: string, env: Env = process.env): Promise<ErrorReporter> {
  const dsn = env.SENTRY_DSN?.trim();
  if (!dsn) return NONE;
  const Sentry = await import('@sentry/node');
  Sentry.init({
    dsn,
    ...releaseTags(env),
    sendDefaultPii: false,
    // Traces go to OpenTelemetry (platform/telemetry); Sentry only takes errors.
    skipOpenTelemetrySetup: true,
    tracesSampleRate: 0,
    defaultIntegrations: false,
    integrations: [Sentry.onUncaughtExceptionIntegration(), Sentry.onUnhandledRejectionIntegration(), Sentry.linkedErrorsIntegration()],
    initialScope: { tags: { process: process_ } },
    beforeSend: scrub,
  });
  reporter = {
    capture: (err, tags) => Sentry.captureException(err, tags ? { tags } : undefined),
    flush: async () => {
      await Sentry.flush(2000);
    },
  };
  return reporter;
}

/** The installed reporter; a no-op until installSentry ran with a DSN. */
export function errorReporter(): ErrorReporter {
  return reporter;
}
