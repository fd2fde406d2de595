/**
 * The console's one way to talk to the API: an openapi-fetch client typed from openapi.yaml, and
 * nothing else (an endpoint the console needs goes into the spec first). It sends the session
 * cookie and the CSRF header on writes; `unwrap` turns the error envelope into an ApiError.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../../../openapi/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The endpoint is not deployed yet (no route), as opposed to a missing object. */
  get unavailable(): boolean {
    // The router says "No route for …"; the contract validator says just "not found".
    return this.status === 404 && (/^No route for /.test(this.message) || /^not found$/i.test(this.message));
  }
}

export const CSRF_COOKIE = 'trellis_csrf';
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export interface ApiOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  cookies?: () => string;
  /** Called on 401 so the session store can send the user to sign-in. */
  onUnauthorized?: (err: ApiError) => void;
}

type Envelope = { error?: { code?: string; message?: string; details?: Record<string, unknown> } };

export function errorFromBody(status: number, statusText: string, body: unknown): ApiError {
  const e = (body as Envelope | undefined)?.error;
  return new ApiError(status, e?.code ?? `HTTP_${status}`, e?.message ?? (statusText || 'Request failed'), e?.details ?? {});
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    /* not JSON (proxy error page, network) */
  }
  return errorFromBody(res.status, res.statusText, body);
}

export function createApi(opts: ApiOptions = {}) {
  const baseUrl = opts.baseUrl ?? '/api/v1';
  const doFetch = opts.fetch ?? ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
  const cookies = opts.cookies ?? (() => (globalThis as { document?: { cookie: string } }).document?.cookie ?? '');

  /** Adds what every request needs to the typed client's requests. */
  const send: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const headers = new Headers(req.headers);
    headers.set('accept', 'application/json');
    if (WRITE.has(req.method)) {
      const token = readCookie(cookies(), CSRF_COOKIE);
      if (token) headers.set('x-csrf-token', token);
    }
    const res = await doFetch(new Request(req, { headers, credentials: 'same-origin' }));
    if (res.status === 401) opts.onUnauthorized?.(await errorFrom(res));
    return res;
  };

  const client: Client<paths> = createClient<paths>({ baseUrl, fetch: send });

  /** Unwraps an openapi-fetch answer: the data, or the envelope as an ApiError. */
  async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    // openapi-fetch has already read the body: build the error from what it parsed.
    const { data, error, response } = await p;
    if (!response.ok) throw errorFromBody(response.status, response.statusText, error);
    return data as T;
  }

  return { client, unwrap, baseUrl };
}
export type Api = ReturnType<typeof createApi>;

export interface Page<T> {
  data: T[];
  pagination: { page: number; limit: number; total: number; total_pages: number };
}
