/**
 * Preload for benches (`tsx --import ./bench/lib/tracing.mjs bench/<name>.ts`, via tracing.mjs): with
 * BENCH_TRACING=1 it installs the app's tracing (platform/telemetry) exporting over real OTLP
 * (protobuf over HTTP, batched, as deployed) to a collector stand-in inside this process that
 * accepts and counts what it receives; at exit it prints what arrived. Without the variable it
 * does nothing, so the same command measures tracing off.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { installTelemetry } from '../../platform/telemetry/index.js';

if (process.env.BENCH_TRACING === '1') {
  let requests = 0;
  let bytes = 0;
  const collector = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collector.unref();
  const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  await installTelemetry({ process: 'bench', spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })) });
  process.on('exit', () => console.log(`  tracing on: ${requests} OTLP exports, ${(bytes / 1024).toFixed(0)} KiB received by the in-process collector`));
}
