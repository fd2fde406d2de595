/**
 * The drills' load: orders driven through their whole lifecycle over HTTP (place → accept → fulfil
 * → METRC manifest matched → ship → deliver → complete), round-robin over the API processes, with
 * every answer counted by class. A client that gets a 503, a 5xx or no answer waits and sends the
 * same request again (the same Idempotency-Key for a placement), as a partner's program would.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Stack } from './stack.js';
import type { Retailer, Wholesaler, World } from './world.js';
import { sleep } from './processes.js';

export interface Counts {
  sent: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  s503: number;
  noAnswer: number;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Keep-alive HTTP to several API processes; counts every answer. */
export class Http {
  readonly counts: Counts = { sent: 0, s2xx: 0, s4xx: 0, s5xx: 0, s503: 0, noAnswer: 0 };
  /** A few of the 5xx answers other than 503, to show what broke. */
  readonly samples5xx: string[] = [];
  /** Why requests got a 503 or no answer ("503 SERVICE_UNAVAILABLE: …", "no answer: ECONNRESET"), counted. */
  readonly reasons: Record<string, number> = {};
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private next = 0;
  constructor(private readonly bases: string[]) {}

  /** `api`: which process (index); round-robin when omitted. */
  send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, api?: number): Promise<Answer | null> {
    const base = new URL(this.bases[api ?? this.next++ % this.bases.length]!);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    this.counts.sent++;
    return new Promise((resolve) => {
      const req = request(
        {
          agent: this.agent,
          host: base.hostname,
          port: base.port,
          method,
          path: path.startsWith('/readyz') ? path : `/api/v1${path}`,
          timeout: 30_000,
          headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status === 503) {
              this.counts.s503++;
              this.tally(`503 ${envelopeSummary(text)}`);
            } else if (status >= 500) {
              this.counts.s5xx++;
              if (this.samples5xx.length < 5) this.samples5xx.push(`${method} ${path} → ${status} ${text.slice(0, 300)}`);
            } else if (status >= 400) this.counts.s4xx++;
            else this.counts.s2xx++;
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON: kept as text */
            }
            resolve({ status, body: parsed });
          });
          res.on('error', (err) => (this.counts.noAnswer++, this.tally(`no answer: ${errorName(err)} (mid-response)`), resolve(null)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => (this.counts.noAnswer++, this.tally(`no answer: ${errorName(err)}`), resolve(null)));
      req.end(payload);
    });
  }

  private tally(reason: string) {
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
  }

  close() {
    this.agent.destroy();
  }
}

const errorName = (err: Error & { code?: string }) => err.code ?? err.message;

function envelopeSummary(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    return `${e?.code ?? '?'}: ${(e?.message ?? '').slice(0, 70)}`;
  } catch {
    return text.slice(0, 70);
  }
}

export interface OrderRun {
  marker: string;
  id?: string;
  /** The placement was answered 201 (at least once). */
  accepted201: boolean;
  completed: boolean;
  error?: string;
  /** The placement's Idempotency-Key (a drill may replay it). */
  key: string;
  body?: Record<string, unknown>;
  retailer: Retailer;
}

const STATUS_ORDER = ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed'];
const retryable = (a: Answer | null) => a === null || a.status >= 500 || a.status === 429;

/**
 * Drives `count` orders with `concurrency` in flight; gives up on an order at `deadline`.
 * `onPlaced` sees each 201 (drills use it to replay a key elsewhere).
 */
export async function driveOrders(opts: {
  http: Http;
  world: World;
  count: number;
  concurrency: number;
  tag: string;
  deadline: number;
  /** Stop after placing (no lifecycle). */
  placeOnly?: boolean;
}): Promise<OrderRun[]> {
  const { http, world } = opts;
  const runs: OrderRun[] = [];
  const backoff = (attempt: number) => sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));

  async function place(i: number): Promise<OrderRun> {
    const w = world.wholesalers[i % world.wholesalers.length]!;
    const r = world.retailers[Math.floor(i / world.wholesalers.length) % world.retailers.length]!;
    const run: OrderRun = { marker: `drill-${opts.tag}-${i}`, key: randomUUID(), accepted201: false, completed: false, retailer: r };
    run.body = {
      retailer_id: r.id,
      wholesaler_id: w.id,
      ship_from_location_id: w.location,
      ship_to_location_id: r.location,
      notes: run.marker,
      items: [{ variant_id: w.variants[i % w.variants.length], quantity: 1 }],
    };
    runs[i] = run;
    for (let attempt = 0; Date.now() < opts.deadline; attempt++) {
      const a = await http.send('POST', '/orders', run.body, { ...r.headers, 'idempotency-key': run.key });
      if (a?.status === 201) {
        run.accepted201 = true;
        run.id = a.body.id;
        return run;
      }
      // 409: the same key still in flight on another attempt (its lease), so wait and ask again.
      if (retryable(a) || a?.status === 409) {
        await backoff(attempt);
        continue;
      }
      run.error = `place → ${a?.status} ${JSON.stringify(a?.body).slice(0, 200)}`;
      return run;
    }
    run.error ??= 'place: deadline';
    return run;
  }

  async function step(run: OrderRun, headers: Record<string, string>, body: Record<string, unknown>, want: string): Promise<void> {
    for (let attempt = 0; Date.now() < opts.deadline; attempt++) {
      const a = await http.send('POST', `/orders/${run.id}/transitions`, body, headers);
      if (a?.status === 200 && a.body.status === want) return;
      if (a?.status === 409 || a?.status === 200) {
        // An earlier attempt may have gone through (its answer lost): read where the order is.
        const now = await http.send('GET', `/orders/${run.id}`, undefined, headers);
        if (now?.status === 200 && STATUS_ORDER.indexOf(now.body.status) >= STATUS_ORDER.indexOf(want)) return;
        if (a.status === 409 && now?.status === 200 && !retryable(a)) {
          // Not there yet: a 409 for "the workflow is busy" is worth another try, others are not.
          if (attempt > 20) throw new Error(`${String(body.action)} → 409 ${JSON.stringify(a.body).slice(0, 200)}`);
        }
      } else if (!retryable(a)) {
        throw new Error(`${String(body.action)} → ${a?.status} ${JSON.stringify(a?.body).slice(0, 200)}`);
      }
      await backoff(attempt);
    }
    throw new Error(`${String(body.action)}: deadline`);
  }

  async function lifecycle(run: OrderRun, i: number) {
    const w: Wholesaler = world.wholesalers[i % world.wholesalers.length]!;
    const r = run.retailer;
    await step(run, w.headers, { action: 'accept' }, 'accepted');
    let order = await http.send('GET', `/orders/${run.id}`, undefined, w.headers);
    for (let attempt = 0; retryable(order) && Date.now() < opts.deadline; attempt++) {
      await backoff(attempt);
      order = await http.send('GET', `/orders/${run.id}`, undefined, w.headers);
    }
    const items = (order?.body?.items ?? []) as Array<{ id: string }>;
    if (!items.length) throw new Error('fulfil: could not read the lines');
    const lines = items.map((it) => ({ item_id: it.id, metrc_package_label: world.nextLabel(w) }));
    await step(run, w.headers, { action: 'fulfil', lines }, 'fulfilled');
    // The manifest: the registrar registers each template as it appears; the order's transfer matches it.
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > opts.deadline) throw new Error('METRC matched: deadline');
      const a = await http.send('GET', `/orders/${run.id}`, undefined, w.headers);
      if (a?.status === 200 && a.body.metrc?.state === 'matched') break;
      await sleep(500);
    }
    await step(run, w.headers, { action: 'ship' }, 'shipped');
    await step(run, r.headers, { action: 'deliver' }, 'delivered');
    await step(run, r.headers, { action: 'complete' }, 'completed');
    run.completed = true;
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, opts.count) }, async () => {
      while (next < opts.count) {
        const i = next++;
        const run = await place(i);
        if (!run.accepted201 || opts.placeOnly) continue;
        try {
          await lifecycle(run, i);
        } catch (err) {
          run.error = err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  return runs;
}

/** Registers every transfer template's manifest as it appears in the sandbox, as a METRC user would. */
export function manifestRegistrar(stack: Stack): { stop(): Promise<void> } {
  let stopping = false;
  const done = new Set<number>();
  const loop = (async () => {
    while (!stopping) {
      for (const t of stack.metrc.state.templates.values()) {
        if (done.has(t.Id)) continue;
        const res = await fetch(`${stack.metrcUrl}/__sandbox/templates/${t.Id}/register-manifest`, { method: 'POST' }).catch(() => null);
        if (res?.status === 201) done.add(t.Id);
      }
      await sleep(200);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
    },
  };
}

/**
 * Polls /readyz of one API every 250 ms and remembers each change: red while a dependency is
 * down, green again after. `recoveredAfter(t)` = ms from t to the first green after t.
 */
export function readinessWatch(url: string) {
  const changes: Array<{ at: number; ready: boolean; down?: string[] }> = [];
  let stopping = false;
  const loop = (async () => {
    let last: boolean | undefined;
    while (!stopping) {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      const ready = res?.status === 200;
      let down: string[] | undefined;
      if (res && !ready) down = ((await res.json().catch(() => ({}))) as { error?: { details?: { down?: string[] } } }).error?.details?.down;
      else await res?.body?.cancel();
      if (ready !== last) changes.push({ at: Date.now(), ready, ...(down ? { down } : {}) });
      last = ready;
      await sleep(250);
    }
  })();
  return {
    changes,
    sawRed: () => changes.some((c) => !c.ready),
    greenAt: (after: number) => changes.find((c) => c.ready && c.at >= after)?.at,
    redDown: () => [...new Set(changes.flatMap((c) => c.down ?? []))],
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
