/**
 * Preload of bench:span-census (`tsx --import ./bench/lib/census.mjs bench/<name>.ts`, run by
 * bench/span-census.ts): tracing installed as bench/lib/tracing.ts installs it (the app's
 * platform/telemetry, exported over real OTLP protobuf to a collector inside this process), and
 * every span that reaches the processor tallied by what it is: kind, name (SQL by statement shape,
 * literals folded; Redis by command) and the bytes of its attributes. At exit it prints the table
 * per order (SPAN_CENSUS_ORDERS, the orders the bench created) and the OTLP bytes received.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { installTelemetry } from '../../platform/telemetry/index.js';
import { batchSpanProcessor } from '../../platform/telemetry/tracing.js';
import { startOtlpCollector } from './otlpCollector.js';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** What a span is, low cardinality: SQL and Redis by statement shape. */
function keyOf(s: ReadableSpan): string {
  const kind = KINDS[s.kind] ?? String(s.kind);
  const stmt = s.attributes['db.statement'];
  if (s.attributes['db.system'] === 'mysql' && typeof stmt === 'string')
    return `${kind} mysql ${stmt.replace(/'(?:[^'\\]|\\.)*'|\b\d+\b|\?/g, '?').replace(/(\?\s*,\s*)+\?/g, '?…').replace(/\s+/g, ' ').slice(0, 70)}`;
  if (s.attributes['db.system'] === 'redis') return `${kind} redis ${s.name}`;
  return `${kind} ${s.name.replace(/[0-9a-f-]{36}/g, ':id')}`;
}

function attributeBytes(s: ReadableSpan): number {
  let n = 0;
  for (const [k, v] of Object.entries(s.attributes)) n += k.length + String(v).length;
  for (const e of s.events) {
    n += e.name.length;
    for (const [k, v] of Object.entries(e.attributes ?? {})) n += k.length + String(v).length;
  }
  return n;
}

class Census implements SpanProcessor {
  readonly rows = new Map<string, { spans: number; bytes: number }>();
  readonly byAttribute = new Map<string, number>();
  /** SPAN_CENSUS_WHERE=<attribute>: which spans carry it (kind and name, counted). */
  readonly where = new Map<string, number>();
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Span, ctx: Context): void {
    this.inner.onStart(span, ctx);
  }
  onEnd(span: ReadableSpan): void {
    const row = this.rows.get(keyOf(span)) ?? { spans: 0, bytes: 0 };
    row.spans += 1;
    row.bytes += attributeBytes(span);
    this.rows.set(keyOf(span), row);
    const w = process.env.SPAN_CENSUS_WHERE;
    if (w && w in span.attributes) this.where.set(keyOf(span), (this.where.get(keyOf(span)) ?? 0) + 1);
    for (const [k, v] of Object.entries(span.attributes)) this.byAttribute.set(k, (this.byAttribute.get(k) ?? 0) + k.length + String(v).length);
    this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const collector = await startOtlpCollector();
const url = collector.url;
// The benches exit without flushing, so the last batch never reaches the collector: the bytes per
// exported span, times the spans per order, is the figure per order that does not depend on that.
let exportedSpans = 0;
const exporter = new OTLPTraceExporter({ url });
const exportBatch = exporter.export.bind(exporter);
exporter.export = (spans, done) => {
  exportedSpans += spans.length;
  exportBatch(spans, done);
};
const census = new Census(batchSpanProcessor(exporter));
await installTelemetry({ process: 'bench', spanProcessor: census });

process.on('exit', () => {
  const orders = Number(process.env.SPAN_CENSUS_ORDERS ?? 1);
  const all = [...census.rows].sort((a, b) => b[1].bytes + 200 * b[1].spans - (a[1].bytes + 200 * a[1].spans));
  const spans = all.reduce((n, [, r]) => n + r.spans, 0);
  const attr = all.reduce((n, [, r]) => n + r.bytes, 0);
  const { requests, bytes } = collector.received();
  const perSpan = exportedSpans ? bytes / exportedSpans : 0;
  console.log(
    `span census: ${orders} orders; per order ${(spans / orders).toFixed(1)} spans, ${(attr / orders / 1024).toFixed(1)} KiB of attributes, ≈ ${((perSpan * spans) / orders / 1024).toFixed(1)} KiB OTLP (${perSpan.toFixed(0)} B per span: ${(bytes / 1024).toFixed(0)} KiB received for ${exportedSpans} of ${spans} spans in ${requests} exports)`,
  );
  console.log(`  ${'spans/order'.padStart(11)} ${'attr B/order'.padStart(12)}  kind, name`);
  for (const [k, r] of all.slice(0, Number(process.env.SPAN_CENSUS_ROWS ?? 40)))
    console.log(`  ${(r.spans / orders).toFixed(2).padStart(11)} ${(r.bytes / orders).toFixed(0).padStart(12)}  ${k}`);
  const rest = all.slice(Number(process.env.SPAN_CENSUS_ROWS ?? 40));
  if (rest.length) console.log(`  ${(rest.reduce((n, [, r]) => n + r.spans, 0) / orders).toFixed(2).padStart(11)} ${(rest.reduce((n, [, r]) => n + r.bytes, 0) / orders).toFixed(0).padStart(12)}  (${rest.length} more)`);
  console.log('  attribute bytes per order by attribute:');
  for (const [k, n] of [...census.byAttribute].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(n / orders).toFixed(0).padStart(11)}  ${k}`);
  if (census.where.size) console.log(`  spans carrying ${process.env.SPAN_CENSUS_WHERE}:`);
  for (const [k, n] of [...census.where].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${n.toString().padStart(11)}  ${k}`);
});
