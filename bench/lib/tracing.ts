/**
 * Preload for benches (`tsx --import ./bench/lib/tracing.mjs bench/<name>.ts`, via tracing.mjs): with
 * BENCH_TRACING=1 it installs the app's tracing (platform/telemetry) exporting over real OTLP
 * (protobuf over HTTP, batched, as deployed) to a collector stand-in inside this process that
 * accepts and counts what it receives; at exit it prints what arrived. Without the variable it
 * does nothing, so the same command measures tracing off. BENCH_TRACING_EXPORT=0 keeps every span
 * recorded but exports none (a no-op processor): what making the spans costs, apart from sending them.
 */
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { installTelemetry } from '../../platform/telemetry/index.js';
import { startOtlpCollector } from './otlpCollector.js';

if (process.env.BENCH_TRACING === '1' && process.env.BENCH_TRACING_EXPORT === '0') {
  await installTelemetry({ process: 'bench', spanProcessor: new NoopSpanProcessor() });
  process.on('exit', () => console.log('  tracing on: spans recorded, none exported (BENCH_TRACING_EXPORT=0)'));
} else if (process.env.BENCH_TRACING === '1') {
  const collector = await startOtlpCollector();
  const url = collector.url;
  await installTelemetry({ process: 'bench', spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })) });
  process.on('exit', () => {
    const { requests, bytes } = collector.received();
    console.log(`  tracing on: ${requests} OTLP exports, ${(bytes / 1024).toFixed(0)} KiB received by the in-process collector`);
  });
}
