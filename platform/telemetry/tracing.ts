/**
 * The OpenTelemetry SDK, loaded only when tracing is on (see index.ts). Instruments incoming and
 * outgoing HTTP (Express runs on node:http; axios and fetch-free clients go through it), mysql2
 * (under Sequelize and the transaction writer) and ioredis. Exports over OTLP as the standard
 * OTEL_EXPORTER_OTLP_* variables say, or into the processor a test or bench hands in.
 */
import { register } from 'node:module';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { SpanKind, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  type Span as SdkSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation, type IORedisInstrumentationConfig } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { releaseTags } from './settings.js';

/** Probes and scrapes would be most of the spans and tell nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Incoming requests are traced for the API only (/api/...): the console's static files tell
 * nothing, and the sandboxes that share a process with the hub in development and benches are
 * METRC's and the POS vendors' side of a call, not ours.
 */
const untracedIncoming = (url: string | undefined): boolean => {
  const path = (url ?? '').split('?')[0]!;
  return UNTRACED_PATHS.has(path) || !path.startsWith('/api/');
};

/**
 * A client span with no parent (a poller's query, the outbox relay's Redis commands) starts no
 * trace: such spans were most of what was exported and answer nobody's question. Everything under
 * a request, a workflow or an activity is kept whole (parent-based). A ratio below 1 keeps that
 * share of new traces (by trace id, as TraceIdRatioBased does), see samplerFromEnv.
 */
export class NoOrphanClientSpans implements Sampler {
  private readonly roots: Sampler | undefined;

  constructor(private readonly ratio = 1) {
    this.roots = ratio < 1 ? new TraceIdRatioBasedSampler(Math.max(0, ratio)) : undefined;
  }

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (kind === SpanKind.CLIENT) return { decision: SamplingDecision.NOT_RECORD };
    return this.roots ? this.roots.shouldSample(ctx, traceId, name, kind, attributes, links) : { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return `NoOrphanClientSpans{ratio=${this.ratio}}`;
  }
}

/**
 * Database and Redis commands that are plumbing, not work: never recorded, even under a traced
 * request or activity (bench:span-census counted them at ~4 spans per order). Matched on the whole
 * statement, so a transaction sent as one multi-statement string ("START TRANSACTION; INSERT …;
 * COMMIT") is kept.
 * - BEGIN/START TRANSACTION and COMMIT/ROLLBACK sent alone: a Sequelize transaction's brackets.
 *   The statements inside are spans of their own; the commit's time is the gap between the last
 *   of them and the end of the parent span, and a failed commit fails the caller's span.
 * - SET time_zone/SESSION/autocommit/TRANSACTION ISOLATION, SELECT @@sql_mode, SELECT 1: what
 *   Sequelize and the pool send to set up or check a connection, the same on every connection.
 * - Redis PING (readiness and reconnect checks), AUTH, SELECT, CLIENT, INFO, SCRIPT: connection
 *   housekeeping; the commands that read and write data are kept.
 */
const PLUMBING_SQL = /^\s*(?:(?:START\s+TRANSACTION|BEGIN|COMMIT|ROLLBACK)\s*;?|SET\s+(?:time_zone|SESSION|autocommit|TRANSACTION)\b[^;]*;?|SELECT\s+(?:1|@@[\w.]+(?:\s+AS\s+\w+)?)\s*;?)\s*$/i;
const PLUMBING_REDIS = new Set(['ping', 'auth', 'select', 'client', 'info', 'script', 'hello', 'quit']);

export function isPlumbing(name: string, attributes: Attributes): boolean {
  const system = attributes['db.system'];
  if (system === 'redis') return PLUMBING_REDIS.has(name.toLowerCase());
  if (system === 'mysql') {
    const statement = attributes['db.statement'];
    return typeof statement === 'string' && statement.length < 200 && PLUMBING_SQL.test(statement);
  }
  return false;
}

/** Below a sampled parent: everything but plumbing (above). */
export class SkipPlumbing implements Sampler {
  shouldSample(_ctx: Context, _traceId: string, name: string, kind: SpanKind, attributes: Attributes): SamplingResult {
    const plumbing = kind === SpanKind.CLIENT && isPlumbing(name, attributes);
    return { decision: plumbing ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return 'SkipPlumbing';
  }
}

/**
 * The sampler OTEL_TRACES_SAMPLER asks for. Unset, `parentbased_always_on` and
 * `parentbased_traceidratio` keep our rules — no trace starts at a client call, no plumbing under a
 * traced parent — the last keeping OTEL_TRACES_SAMPLER_ARG (0–1, else 1, as the SDK reads it) of
 * new traces. Any other value is the SDK's own reading of the variable (undefined here), rules and all.
 */
export function samplerFromEnv(env: Record<string, string | undefined> = process.env): Sampler | undefined {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() ?? '';
  if (name !== '' && name !== 'parentbased_always_on' && name !== 'parentbased_traceidratio') return undefined;
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG?.trim() || NaN);
  const ratio = name === 'parentbased_traceidratio' && arg >= 0 && arg <= 1 ? arg : 1;
  return new ParentBasedSampler({ root: new NoOrphanClientSpans(ratio), localParentSampled: new SkipPlumbing() });
}

/** Longest db.statement kept, after literals are folded (see foldStatement). */
export const STATEMENT_MAX = 300;

/**
 * A SQL statement as a shape: string and number literals as ?, lists of ? and of value tuples
 * folded to one, whitespace collapsed, at most STATEMENT_MAX characters. Sequelize inlines its
 * replacements into the SQL text and mysql2's instrumentation formats the bound values in, so the
 * statement carried e-mail addresses, tokens' hashes, encrypted credentials and every row of a
 * multi-row insert — personal data in a trace store, and ~40 KiB of the ~140 KiB one order's
 * lifecycle exported (bench:span-census). The shape still says which query ran.
 */
export function foldStatement(sql: string): string {
  const folded = sql
    .slice(0, 8 * STATEMENT_MAX)
    .replace(/'(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.)*"?|\b0x[0-9a-f]+\b|-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\s+/g, ' ')
    .replace(/\?(?: ?, ?\?)+/g, '?…')
    .replace(/(\([^()]*\))(?: ?, ?\([^()]*\))+/g, '$1…');
  return folded.length > STATEMENT_MAX ? `${folded.slice(0, STATEMENT_MAX - 1)}…` : folded;
}

/**
 * Redis commands as the command and its key only. The default serializer wrote every argument of
 * EVAL/EVALSHA: EVAL's whole Lua source on every call (~1 KiB), and the script arguments, which
 * carry the order events published to the realtime stream.
 */
export const redisStatement: NonNullable<IORedisInstrumentationConfig['dbStatementSerializer']> = (cmd, args) => {
  if (/^eval/i.test(cmd)) {
    const keys = Number(args[1]);
    const named = Number.isInteger(keys) && keys > 0 ? args.slice(2, 2 + keys).map(String) : [];
    const script = /sha/i.test(cmd) ? String(args[0]).slice(0, 12) : 'script';
    const more = args.length - 2 - named.length;
    return [cmd, script, ...named, ...(more > 0 ? [`[${more} other arguments]`] : [])].join(' ');
  }
  if (!args.length) return cmd;
  const key = typeof args[0] === 'string' || typeof args[0] === 'number' ? String(args[0]).slice(0, 100) : '?';
  return args.length > 1 ? `${cmd} ${key} [${args.length - 1} other arguments]` : `${cmd} ${key}`;
};

/**
 * Runs first on every span as it starts: folds SQL's db.statement (foldStatement) and drops
 * db.connection_string and db.user from MySQL and Redis spans: they repeat net.peer.name/port and
 * db.name on every database span (~8 KiB an order's lifecycle) and name the database account.
 */
export class TrimDatabaseSpans implements SpanProcessor {
  onStart(span: SdkSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    const system = attributes['db.system'];
    if (system !== 'mysql' && system !== 'redis') return;
    const statement = attributes['db.statement'];
    if (system === 'mysql' && typeof statement === 'string') attributes['db.statement'] = foldStatement(statement);
    delete attributes['db.connection_string'];
    delete attributes['db.user'];
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** METRC names the licence in the query string of every call: put it on the client span. */
function tagMetrcLicence(span: Span, req: ClientRequest | IncomingMessage): void {
  const path = (req as ClientRequest).path;
  if (typeof path !== 'string') return;
  const licence = /[?&]licenseNumber=([^&]+)/.exec(path)?.[1];
  if (licence) span.setAttribute('metrc.license', decodeURIComponent(licence));
}

/** The span processor of a deployed process (the benches' in-process collector uses it too). */
export function batchSpanProcessor(exporter: SpanExporter): BatchSpanProcessor {
  return new BatchSpanProcessor(exporter);
}

export interface StartedTracing {
  sdk: NodeSDK;
  processor: SpanProcessor;
  resource: Resource;
}

export function startTracing(service: string, processor?: SpanProcessor): StartedTracing {
  // ESM imports of ioredis bypass require(): only this loader hook lets its instrumentation in.
  // Limited to ioredis so no other module pays for the wrapping.
  register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: ['ioredis'] } });
  const { release, environment } = releaseTags();
  const resource = new Resource({
    'service.name': service,
    'service.version': release,
    'deployment.environment': environment,
  });
  // OTLP (endpoint, headers, protocol from OTEL_EXPORTER_OTLP_*), or the console for a quick look.
  const exporter = process.env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const spanProcessor = processor ?? batchSpanProcessor(exporter);
  const sampler = samplerFromEnv();
  const sdk = new NodeSDK({
    resource,
    // Trimming first: the exporting processor sees the folded statement.
    spanProcessors: [new TrimDatabaseSpans(), spanProcessor],
    // A safety net for any attribute no one foresaw (a long URL, an error message with a payload).
    spanLimits: { attributeValueLengthLimit: 1024 },
    ...(sampler ? { sampler } : {}),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untracedIncoming(req.url),
        // An outgoing call outside any request or job (a script's, a bench driver's) starts no trace.
        requireParentforOutgoingSpans: true,
        requestHook: tagMetrcLicence,
        // Headers are not recorded: cookies, bearer tokens and API keys live there.
      }),
      new MySQL2Instrumentation(),
      new IORedisInstrumentation({ dbStatementSerializer: redisStatement }),
    ],
  });
  sdk.start();
  return { sdk, processor: spanProcessor, resource };
}

/** trace_id/span_id of the active span for log lines; {} outside a span. */
export function activeTraceFields(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** See requestSpanNamer in index.ts. */
export function routeNamer(): (method: string, route: string) => void {
  const span = trace.getActiveSpan();
  if (!span) return () => {};
  return (method, route) => {
    span.setAttribute('http.route', route);
    span.updateName(`${method} ${route}`);
  };
}
