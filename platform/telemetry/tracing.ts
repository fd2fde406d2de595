/**
 * The OpenTelemetry SDK, loaded only when tracing is on (see index.ts). Instruments incoming and
 * outgoing HTTP (Express runs on node:http; axios and fetch-free clients go through it), mysql2
 * (under Sequelize and the transaction writer) and ioredis. Exports over OTLP as the standard
 * OTEL_EXPORTER_OTLP_* variables say, or into the processor a test or bench hands in.
 */
import { register } from 'node:module';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { trace, type Span } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { releaseTags } from './settings.js';

/** Probes and scrapes would be most of the spans and tell nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

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
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
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
