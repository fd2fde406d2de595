/**
 * Console errors to Sentry (issue 18), only when the API names a DSN for the console: the page it
 * serves then carries a `trellis-console-config` JSON block (api/console.ts). Without one,
 * @sentry/browser is never imported, so the console downloads and runs none of it. Events are
 * tagged with the API's release and environment and scrubbed before they leave: no user, no
 * emails, no tokens, no query strings (invitation and unsubscribe links carry secrets there).
 */
import type * as SentryBrowser from '@sentry/browser';

export interface ConsoleSentryConfig {
  dsn: string;
  release: string;
  environment: string;
}

export const CONFIG_ELEMENT_ID = 'trellis-console-config';

/** What is read of the page (the document; in a test, a stand-in). */
export interface PageLike {
  getElementById(id: string): { textContent: string | null } | null;
}

/** The console's settings as the API put them into the page; `{}` when it put none. */
export function readConsoleConfig(doc: PageLike): { sentry?: ConsoleSentryConfig } {
  const text = doc.getElementById(CONFIG_ELEMENT_ID)?.textContent;
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as { sentry?: Partial<ConsoleSentryConfig> };
    const s = parsed.sentry;
    return s?.dsn ? { sentry: { dsn: s.dsn, release: s.release ?? 'dev', environment: s.environment ?? 'development' } } : {};
  } catch {
    return {};
  }
}

const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[A-Za-z]{2,}/g;
// Trellis's own secrets (sessions, API keys, invitations) and any bearer credential.
const TOKEN = /\b(?:trs|trk|tri)_[A-Za-z0-9_-]+/g;
const BEARER = /\b(Bearer|Basic)\s+[^\s"']+/gi;
const QUERY = /((?:https?:\/\/|\/)[^\s?#"'<>]*)\?[^\s#"'<>]*/g;

/** A message or URL without emails, tokens or query strings. */
export function scrubText(s: string): string {
  return s.replace(QUERY, '$1').replace(EMAIL, '[email]').replace(TOKEN, '[token]').replace(BEARER, '$1 [token]');
}

const scrubUrl = (u: unknown) => (typeof u === 'string' ? scrubText(u.split('#')[0]!.split('?')[0]!) : u);

type Event = SentryBrowser.ErrorEvent;
type Breadcrumb = SentryBrowser.Breadcrumb;

export function scrubBreadcrumb(b: Breadcrumb): Breadcrumb {
  const out: Breadcrumb = { ...b };
  if (out.message) out.message = scrubText(out.message);
  if (out.data) {
    // Keep what says where and how it went; drop everything else (form values, bodies).
    const { url, from, to, method, status_code } = out.data as Record<string, unknown>;
    out.data = Object.fromEntries(Object.entries({ url: scrubUrl(url), from: scrubUrl(from), to: scrubUrl(to), method, status_code }).filter(([, v]) => v !== undefined));
  }
  return out;
}

export function scrubEvent(event: Event): Event {
  delete event.user;
  if (event.request) event.request = { ...(event.request.url ? { url: scrubUrl(event.request.url) as string } : {}) };
  if (event.message) event.message = scrubText(event.message);
  for (const ex of event.exception?.values ?? []) if (ex.value) ex.value = scrubText(ex.value);
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb);
  delete event.extra;
  return event;
}

let sentry: typeof SentryBrowser | null = null;

/**
 * Starts Sentry when the page names a DSN; false (and nothing imported) otherwise. `load` is the
 * import itself, a parameter so a test can see whether it was ever called.
 */
export async function startSentry(
  doc: PageLike = (globalThis as unknown as { document: PageLike }).document,
  load: () => Promise<typeof SentryBrowser> = () => import('@sentry/browser'),
): Promise<boolean> {
  const config = readConsoleConfig(doc).sentry;
  if (!config) return false;
  const Sentry = await load();
  Sentry.init({
    dsn: config.dsn,
    release: config.release,
    environment: config.environment,
    sendDefaultPii: false,
    tracesSampleRate: 0,
    beforeSend: scrubEvent,
    beforeBreadcrumb: (b) => scrubBreadcrumb(b),
  });
  sentry = Sentry;
  return true;
}

/** Reports an error SvelteKit caught (hooks.client.ts); nothing when Sentry is off. */
export function reportError(error: unknown): void {
  sentry?.captureException(error);
}
