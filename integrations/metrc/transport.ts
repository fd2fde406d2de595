/**
 * One HTTP exchange with METRC: Basic auth, raw-text bodies (so outage pages and empty bodies
 * are seen as they are), error mapping, and bounded retries for GETs only. Writes are never
 * retried here: METRC has no idempotency keys, so only the caller can decide after reconciling.
 */
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import { MetrcRateLimitError, MetrcUnavailableError } from './errors.js';
import { errorForAnswer, errorForNoAnswer, type HttpMethod } from './error-mapping.js';
import { pascalizeKeys } from './fields.js';

export interface MetrcClientOptions {
  /** e.g. https://api-co.metrc.com (see metrcBaseUrl) or the local sandbox URL. */
  baseUrl: string;
  /** Integrator key: the Basic-auth username. */
  vendorKey: string;
  /** The customer user's key: the Basic-auth password. */
  userKey: string;
  timeoutMs: number;
  /** Objects per write body; METRC rejects more than 10 with 413. */
  maxObjectsPerRequest?: number;
  /** Extra attempts for a GET after 5xx/timeout, before the error reaches the caller. Default 2. */
  getRetries?: number;
  /**
   * 429s a GET waits out (honouring Retry-After) before the error reaches the caller, on top of
   * getRetries: a 429 says METRC is busy, not broken, and writes are waited out the same way.
   * Default 5.
   */
  rateLimitWaits?: number;
  /** First back-off delay for GET retries when METRC sent no Retry-After. Default 250 ms. */
  retryBaseDelayMs?: number;
  /** A Retry-After longer than this is not waited out in-process; the error goes up instead. Default 10 s. */
  maxRetryWaitMs?: number;
}

export type Query = Record<string, string | number | undefined>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MetrcTransport {
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;

  constructor(
    private readonly opts: MetrcClientOptions,
    http?: AxiosInstance,
  ) {
    this.http = http ?? axios.create();
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  /** Parsed JSON with keys normalised to PascalCase, or undefined for METRC's empty 200. */
  async request(method: HttpMethod, path: string, query: Query = {}, body?: unknown): Promise<unknown> {
    if (method !== 'GET') return this.once(method, path, query, body);
    const retries = this.opts.getRetries ?? 2;
    const rateLimitWaits = this.opts.rateLimitWaits ?? 5;
    const base = this.opts.retryBaseDelayMs ?? 250;
    const maxWait = this.opts.maxRetryWaitMs ?? 10_000;
    let failures = 0;
    let waits = 0;
    for (;;) {
      try {
        return await this.once(method, path, query, body);
      } catch (e) {
        let wait: number;
        if (e instanceof MetrcRateLimitError) {
          if (waits >= rateLimitWaits) throw e;
          wait = e.retryAfterMs ?? base * 2 ** waits;
          waits += 1;
        } else if (e instanceof MetrcUnavailableError) {
          if (failures >= retries) throw e;
          wait = base * 2 ** failures;
          failures += 1;
        } else {
          throw e;
        }
        if (wait > maxWait) throw e;
        // Jitter keeps the many lookups a burst of 429s met from all coming back at once.
        await sleep(wait + (e instanceof MetrcRateLimitError ? Math.floor(Math.random() * 50) : 0));
      }
    }
  }

  private async once(method: HttpMethod, path: string, query: Query, body: unknown): Promise<unknown> {
    const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    let res;
    try {
      res = await this.http.request<string>({
        method,
        baseURL: this.baseUrl,
        url: path,
        params,
        data: body === undefined ? undefined : JSON.stringify(body),
        auth: { username: this.opts.vendorKey, password: this.opts.userKey },
        headers: {
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        timeout: this.opts.timeoutMs,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxRedirects: 0,
      });
    } catch (e) {
      // The axios error holds the request config, Authorization header included: keep only its code.
      if (isAxiosError(e)) throw errorForNoAnswer(method, path, e.code);
      throw e;
    }
    const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : JSON.stringify(res.data);
    const header = (name: string): string | undefined => {
      const v: unknown = res.headers[name];
      return v == null ? undefined : String(v);
    };
    const error = errorForAnswer({
      method,
      path,
      status: res.status,
      contentType: header('content-type'),
      retryAfter: header('retry-after'),
      body: text,
    });
    if (error) throw error;
    return text.trim() === '' ? undefined : pascalizeKeys(JSON.parse(text));
  }
}
