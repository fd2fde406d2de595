import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { NoOrphanClientSpans } from '../../../platform/telemetry/tracing.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new NoOrphanClientSpans() }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);
const tracer = provider.getTracer('test');
afterAll(() => manager.disable());

describe('trace sampling: no trace starts at a client call', () => {
  it('drops a client span with no parent (a poller query), keeps requests and jobs whole with their client calls', () => {
    exporter.reset();
    tracer.startSpan('SELECT outbox (poller)', { kind: SpanKind.CLIENT }).end();
    const request = tracer.startSpan('POST /api/v1/orders', { kind: SpanKind.SERVER });
    context.with(trace.setSpan(context.active(), request), () => {
      tracer.startSpan('INSERT orders', { kind: SpanKind.CLIENT }).end();
      tracer.startSpan('XADD', { kind: SpanKind.CLIENT }).end();
    });
    request.end();
    tracer.startSpan('RunActivity:reportWrite', { kind: SpanKind.INTERNAL }).end();
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual(['INSERT orders', 'POST /api/v1/orders', 'RunActivity:reportWrite', 'XADD']);
  });
});
