import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import proto from '@temporalio/proto';
import pRetry from 'p-retry';
import { SEARCH_ATTRIBUTES, temporalSettings, type TemporalSettings } from '../temporal.config.js';

async function tlsOptions(s: TemporalSettings) {
  if (!s.tls && !s.apiKey) return undefined;
  const t = s.tls ?? {};
  const [crt, key, ca] = await Promise.all([
    t.certPath ? readFile(t.certPath) : undefined,
    t.keyPath ? readFile(t.keyPath) : undefined,
    t.caPath ? readFile(t.caPath) : undefined,
  ]);
  return {
    ...(t.serverName ? { serverNameOverride: t.serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
}

export async function clientConnectionOptions(s = temporalSettings()): Promise<ConnectionOptions> {
  const tls = await tlsOptions(s);
  return {
    address: s.address,
    ...(tls ? { tls } : {}),
    ...(s.apiKey ? { apiKey: s.apiKey } : {}),
    connectTimeout: '5s',
  };
}

/** `interceptors`: the process's tracing interceptors (platform/telemetry), if any. */
export async function connectClient(s = temporalSettings(), interceptors: WorkflowClientInterceptor[] = []): Promise<Client> {
  const connection = await Connection.connect(await clientConnectionOptions(s));
  return new Client({ connection, namespace: s.namespace, ...(interceptors.length ? { interceptors: { workflow: interceptors } } : {}) });
}

export async function connectWorkerConnection(s = temporalSettings()): Promise<NativeConnection> {
  const tls = await tlsOptions(s);
  const opts: NativeConnectionOptions = {
    address: s.address,
    ...(tls ? { tls } : {}),
    ...(s.apiKey ? { apiKey: s.apiKey } : {}),
  };
  return NativeConnection.connect(opts);
}

/** Waits for the Temporal frontend to accept connections (e.g. while the dev server boots). */
export async function waitForTemporal(s = temporalSettings(), timeoutMs = 120_000): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  return pRetry(
    async () => {
      const client = await connectClient(s);
      await client.workflowService.getSystemInfo({});
      return client;
    },
    {
      retries: 1000,
      minTimeout: 250,
      maxTimeout: 2000,
      shouldRetry: () => Date.now() < deadline,
    },
  );
}

const VALUE_TYPE = proto.temporal.api.enums.v1.IndexedValueType;

/**
 * Registers the custom search attributes the workflows use. Idempotent: attributes that already
 * exist are left alone. Temporal Cloud manages attributes through its own control plane; there
 * this call is refused and the operator registers them once with `tcld`.
 */
export async function ensureSearchAttributes(client: Client, namespace = temporalSettings().namespace): Promise<string[]> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !have.has(name));
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    missing.map(([name, type]) => [name, VALUE_TYPE[`INDEXED_VALUE_TYPE_${type}`]]),
  );
  try {
    await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // gRPC status 6 = ALREADY_EXISTS: another process registered them first.
    if ((err as { code?: number }).code !== 6) throw err;
  }
  return missing.map(([name]) => name);
}

/**
 * A Temporal client that connects on first use and reconnects after a failed attempt, so the API
 * can start (and answer /healthz) while Temporal is still coming up.
 */
export class LazyTemporalClient {
  private pending: Promise<Client> | undefined;
  constructor(
    private readonly settings = temporalSettings(),
    private readonly interceptors: WorkflowClientInterceptor[] = [],
  ) {}

  get(): Promise<Client> {
    if (!this.pending) {
      this.pending = connectClient(this.settings, this.interceptors).catch((err: unknown) => {
        this.pending = undefined;
        throw err;
      });
    }
    return this.pending;
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const client = await this.get();
    await client.connection.withAbortSignal(signal ?? new AbortController().signal, () =>
      client.workflowService.getSystemInfo({}),
    );
  }

  async close(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (p) await (await p.catch(() => undefined))?.connection.close();
  }
}
