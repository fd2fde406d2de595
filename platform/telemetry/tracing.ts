/**
 * The OpenTelemetry SDK, loaded only when tracing is on (see index.ts). Instruments incoming and
 * outgoing HTTP (Express runs on node:http; axios and fetch-free clients go through it), mysql2
 * (under Sequelize and the transaction writer) and ioredis. Exports over OTLP as the standard
 * OTEL_EXPORTER_OTLP_* variables say, or into the processor a test or bench hands in.
 */
import { register } from 'node:module';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { SpanKind, trace, type Span } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler, SamplingDecision, type Sampler, type SamplingResult, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
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
 * a request, a workflow or an activity is kept whole (parent-based). OTEL_TRACES_SAMPLER, when set,
 * replaces this.
 */
export class NoOrphanClientSpans implements Sampler {
  shouldSample(_ctx: unknown, _traceId: string, _name: string, kind: SpanKind): SamplingResult {
    return { decision: kind === SpanKind.CLIENT ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return 'NoOrphanClientSpans';
  }
}

/** METRC names the licence in the query string of every call: put it on the client span. */
function tagMetrcLicence(span: Span, req: ClientRequest | IncomingMessage): void {
  const path = (req as ClientRequest).path;
  if (typeof path !== 'string') return;
  const licence = /[?&]licenseNumber=([^&]+)/.exec(path)?.[1];
  if (licence) span.setAttribute('metrc.license', decodeURIComponent(licence));
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
  const spanProcessor = processor ?? new BatchSpanProcessor(exporter);
  const sdk = new NodeSDK({
    resource,
    spanProcessors: [spanProcessor],
    ...(process.env.OTEL_TRACES_SAMPLER ? {} : { sampler: new ParentBasedSampler({ root: new NoOrphanClientSpans() }) }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untracedIncoming(req.url),
        // An outgoing call outside any request or job (a script's, a bench driver's) starts no trace.
        requireParentforOutgoingSpans: true,
        requestHook: tagMetrcLicence,
        // Headers are not recorded: cookies, bearer tokens and API keys live there.
      }),
      new MySQL2Instrumentation(),
      new IORedisInstrumentation(),
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
