/**
 * What tracing leaves out or shortens so it costs ≤ 10 % (issue 18, bench:span-census): plumbing
 * commands are not recorded under a traced parent, SQL is exported as its shape (no values), Redis
 * commands as command and key, and the database spans lose the attributes that repeat others.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { foldStatement, NoOrphanClientSpans, redisStatement, SkipPlumbing, STATEMENT_MAX, TrimDatabaseSpans } from '../../../platform/telemetry/tracing.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  sampler: new ParentBasedSampler({ root: new NoOrphanClientSpans(), localParentSampled: new SkipPlumbing() }),
  spanProcessors: [new TrimDatabaseSpans(), new SimpleSpanProcessor(exporter)],
});
const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);
const tracer = provider.getTracer('test');
afterAll(() => manager.disable());

const sql = (statement: string) => ({ 'db.system': 'mysql', 'db.statement': statement, 'db.connection_string': 'jdbc:mysql://db:3306/trellis', 'db.user': 'trellis', 'db.name': 'trellis' });

describe('trace trimming', () => {
  it('under a request: drops transaction brackets, connection set-up and PING; keeps the work, with the statement folded', () => {
    exporter.reset();
    const request = tracer.startSpan('POST /api/v1/orders', { kind: SpanKind.SERVER });
    context.with(trace.setSpan(context.active(), request), () => {
      for (const s of ['START TRANSACTION;', 'COMMIT;', 'ROLLBACK', "SET time_zone = '+00:00'", 'SELECT @@SESSION.sql_mode AS sql_mode', 'SELECT 1'])
        tracer.startSpan(s.split(' ')[0]!, { kind: SpanKind.CLIENT, attributes: sql(s) }).end();
      tracer.startSpan('ping', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis', 'db.statement': 'ping' } }).end();
      tracer.startSpan('START', { kind: SpanKind.CLIENT, attributes: sql("START TRANSACTION; INSERT INTO orders (id, email) VALUES ('9f1c', 'ann@example.com'); COMMIT;") }).end();
      tracer.startSpan('evalsha', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis', 'db.statement': 'evalsha abc k', 'db.connection_string': 'redis://redis:6379' } }).end();
    });
    request.end();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /api/v1/orders', 'START', 'evalsha']);
    const insert = spans.find((s) => s.name === 'START')!;
    expect(insert.attributes['db.statement']).toBe('START TRANSACTION; INSERT INTO orders (id, email) VALUES (?…); COMMIT;');
    expect(insert.attributes['db.connection_string']).toBeUndefined();
    expect(insert.attributes['db.user']).toBeUndefined();
    expect(insert.attributes['db.name']).toBe('trellis');
    const redis = spans.find((s) => s.name === 'evalsha')!;
    expect(redis.attributes['db.statement']).toBe('evalsha abc k');
    expect(redis.attributes['db.connection_string']).toBeUndefined();
  });

  it('folds literals and lists, caps the length', () => {
    expect(foldStatement("SELECT id FROM users WHERE email = 'o\\'neil@example.com' AND id IN ('a', 'b','c') AND n > 42")).toBe('SELECT id FROM users WHERE email = ? AND id IN (?…) AND n > ?');
    expect(foldStatement('INSERT INTO t (a, b) VALUES (1, 2), (3, 4), (5, 6)')).toBe('INSERT INTO t (a, b) VALUES (?…)…');
    const long = foldStatement(`SELECT ${Array.from({ length: 200 }, (_, i) => `col${i}`).join(', ')} FROM t`);
    expect(long.length).toBe(STATEMENT_MAX);
    expect(long.endsWith('…')).toBe(true);
  });

  it('Redis: command and key, never EVAL’s script or the script arguments', () => {
    expect(redisStatement('eval', ['local n = redis.call("INCR", KEYS[1]) return n', 1, 'trellis:k', '{"email":"ann@example.com"}'])).toBe('eval script trellis:k [1 other arguments]');
    expect(redisStatement('evalsha', ['0123456789abcdef0123', 2, 'k1', 'k2', 'secret'])).toBe('evalsha 0123456789ab k1 k2 [1 other arguments]');
    expect(redisStatement('set', ['trellis:session:x', 'token-value', 'EX', 60])).toBe('set trellis:session:x [3 other arguments]');
    expect(redisStatement('get', ['trellis:k'])).toBe('get trellis:k');
  });
});
