/**
 * A stand-in for an OpenTelemetry collector inside the bench process: accepts OTLP/HTTP exports on
 * a loopback port and counts what arrives (exports and bytes), so a bench pays the exporter's real
 * cost (protobuf over HTTP) without a collector to run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpCollector {
  /** The traces endpoint to hand an OTLPTraceExporter. */
  url: string;
  received(): { requests: number; bytes: number };
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
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
  return {
    url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`,
    received: () => ({ requests, bytes }),
  };
}
