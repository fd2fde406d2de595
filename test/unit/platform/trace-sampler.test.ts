import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { NoOrphanClientSpans, samplerFromEnv } from '../../../platform/telemetry/tracing.js';

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

describe('trace sampling from OTEL_TRACES_SAMPLER', () => {
  /** Names of the spans a provider with `sampler` records: 200 new traces, each with a client call and plumbing under it. */
  function recorded(env: Record<string, string | undefined>): string[] {
    const sampler = samplerFromEnv(env);
    if (!sampler) return ['(the SDK reads the variable itself)'];
    const out = new InMemorySpanExporter();
    const t = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(out)] }).getTracer('env');
    t.startSpan('SELECT outbox (poller)', { kind: SpanKind.CLIENT }).end();
    for (let i = 0; i < 200; i++) {
      const request = t.startSpan('GET /api/v1/orders', { kind: SpanKind.SERVER });
      context.with(trace.setSpan(context.active(), request), () => {
        t.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'mysql', 'db.statement': 'SELECT * FROM orders' } }).end();
        t.startSpan('COMMIT', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'mysql', 'db.statement': 'COMMIT' } }).end();
      });
      request.end();
    }
    return out.getFinishedSpans().map((s) => s.name);
  }
  const count = (names: string[], name: string) => names.filter((n) => n === name).length;

  it('keeps our rules unset, for parentbased_always_on (docker compose sets it) and for parentbased_traceidratio', () => {
    for (const env of [{}, { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, { OTEL_TRACES_SAMPLER: ' ParentBased_TraceIdRatio ', OTEL_TRACES_SAMPLER_ARG: '1' }]) {
      const names = recorded(env);
      expect(count(names, 'GET /api/v1/orders'), JSON.stringify(env)).toBe(200);
      expect(count(names, 'SELECT orders')).toBe(200);
      expect(names).not.toContain('COMMIT');
      expect(names).not.toContain('SELECT outbox (poller)');
    }
  });

  it('keeps the ratio of new traces whole, with their client calls, and still no plumbing', () => {
    const names = recorded({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    const requests = count(names, 'GET /api/v1/orders');
    expect(requests).toBeGreaterThan(20);
    expect(requests).toBeLessThan(90);
    expect(count(names, 'SELECT orders')).toBe(requests);
    expect(names).not.toContain('COMMIT');
    expect(recorded({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })).toEqual([]);
    // An unreadable ratio is 1, as the SDK reads it.
    expect(count(recorded({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 'lots' }), 'GET /api/v1/orders')).toBe(200);
  });

  it('leaves any other sampler to the SDK', () => {
    for (const name of ['always_on', 'traceidratio', 'always_off', 'parentbased_always_off']) expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: name })).toBeUndefined();
  });
});
