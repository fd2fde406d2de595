import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import type { PosVendor } from './connector.js';
import { PosAuthError, PosError, PosProtocolError, PosRateLimitError, PosUnavailableError } from './errors.js';

export interface PosHttpOptions {
  baseUrl: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  auth?: { username: string; password: string };
}

type Params = Record<string, string | number | boolean | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;
const ERROR_BODY_LIMIT = 4096;

/**
 * The one place vendor HTTP answers become typed errors, so both connectors classify failures the
 * same way. Status codes are checked here rather than by axios so stream bodies can be read first.
 */
export class PosHttp {
  private readonly axios: AxiosInstance;
  readonly timeoutMs: number;

  constructor(
    readonly vendor: PosVendor,
    opts: PosHttpOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.axios = axios.create({
      baseURL: opts.baseUrl.replace(/\/+$/, ''),
      timeout: this.timeoutMs,
      headers: { Accept: 'application/json', ...opts.headers },
      ...(opts.auth ? { auth: opts.auth } : {}),
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  async getJson(path: string, params?: Params): Promise<unknown> {
    const res = await this.send<string>(path, params, 'text');
    if (res.status >= 300) throw this.statusError(res.status, res.headers, res.data);
    try {
      return JSON.parse(res.data);
    } catch (cause) {
      throw new PosProtocolError(`${path}: response is not JSON`, this.vendor, res.status, { cause });
    }
  }

  /** The body as a stream, for responses too large to buffer. */
  async getStream(path: string, params?: Params): Promise<Readable> {
    const res = await this.send<Readable>(path, params, 'stream');
    if (res.status >= 300) {
      const body = await readLimited(res.data, ERROR_BODY_LIMIT).catch(() => '');
      throw this.statusError(res.status, res.headers, body);
    }
    return res.data;
  }

  private async send<T>(path: string, params: Params | undefined, responseType: 'text' | 'stream') {
    try {
      return await this.axios.get<T>(path, {
        params: params && Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
        responseType,
        transformResponse: (d: unknown) => d,
      });
    } catch (cause) {
      throw this.transportError(path, cause);
    }
  }

  /**
   * An AxiosError is never kept as `cause`: its config holds the credentials, and causes travel
   * into logs and Temporal failure history.
   */
  transportError(what: string, cause: unknown): PosError {
    if (cause instanceof PosError) return cause;
    const code = (cause as { code?: unknown } | null)?.code;
    const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : 'request failed';
    return new PosUnavailableError(`${what}: ${detail}`, this.vendor);
  }

  private statusError(status: number, headers: AxiosResponse['headers'], body: unknown): PosError {
    const detail = describeBody(body);
    const msg = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 401 || status === 403) return new PosAuthError(msg, this.vendor, status);
    if (status === 429) return new PosRateLimitError(msg, this.vendor, retryAfterMs(headers['retry-after']));
    if (status >= 500 || status === 408) return new PosUnavailableError(msg, this.vendor, status);
    return new PosProtocolError(msg, this.vendor, status);
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(v: unknown, now = Date.now()): number | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Dutchie's 400 ValidationResult is worth surfacing field by field; other bodies are truncated. */
function describeBody(body: unknown): string {
  if (typeof body !== 'string' || body === '') return '';
  try {
    const parsed = JSON.parse(body) as { errors?: { propertyName?: string; errorMessage?: string }[] };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map((e) => `${e.propertyName ?? '?'}: ${e.errorMessage ?? '?'}`).join('; ');
    }
  } catch {
    // not JSON; fall through to the raw text
  }
  return body.slice(0, 300);
}

async function readLimited(stream: Readable, limit: number): Promise<string> {
  let out = '';
  for await (const chunk of stream) {
    out += String(chunk);
    if (out.length >= limit) {
      stream.destroy();
      break;
    }
  }
  return out.slice(0, limit);
}

/**
 * Chunks of a response body, failing if the vendor goes quiet for `idleMs` while we wait. The clock
 * only runs while we are waiting, so a slow consumer does not count as a stalled vendor.
 */
export async function* withIdleTimeout(
  stream: Readable,
  idleMs: number,
  onError: (cause: unknown) => PosError,
): AsyncGenerator<Buffer | string> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no data for ${idleMs}ms`)), idleMs);
      });
      let step: IteratorResult<Buffer | string>;
      try {
        step = await Promise.race([it.next(), idle]);
      } catch (cause) {
        throw onError(cause);
      } finally {
        clearTimeout(timer);
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    stream.destroy();
  }
}
