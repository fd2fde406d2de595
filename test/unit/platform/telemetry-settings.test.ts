import { describe, expect, it } from 'vitest';
import { scrub } from '../../../platform/telemetry/sentry.js';
import { releaseTags, serviceName, tracingRequested, workerObservability } from '../../../platform/telemetry/settings.js';

describe('telemetry settings (standard OTEL_* variables)', () => {
  it('is off by default and on when an exporter or endpoint is named; disabling wins', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'None', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
  });

  it('names the service and tags release and environment', () => {
    expect(serviceName('worker', {})).toBe('trellis-worker');
    expect(serviceName('worker', { OTEL_SERVICE_NAME: 'sync-eu' })).toBe('sync-eu');
    expect(releaseTags({ TRELLIS_RELEASE: '1.4.2', NODE_ENV: 'production' })).toEqual({ release: '1.4.2', environment: 'production' });
  });

  it('reads the worker ports and refuses malformed ones', () => {
    expect(workerObservability({})).toEqual({});
    expect(workerObservability({ TEMPORAL_METRICS_BIND: '0.0.0.0:9464', WORKER_HEALTH_PORT: '9465' })).toEqual({ metricsBind: '0.0.0.0:9464', healthPort: 9465 });
    expect(() => workerObservability({ TEMPORAL_METRICS_BIND: '9464' })).toThrow(/TEMPORAL_METRICS_BIND/);
    expect(() => workerObservability({ WORKER_HEALTH_PORT: 'eighty' })).toThrow(/WORKER_HEALTH_PORT/);
    expect(() => workerObservability({ WORKER_HEALTH_PORT: '70000' })).toThrow(/WORKER_HEALTH_PORT/);
  });
});

describe('Sentry events are scrubbed', () => {
  it('keeps method and path, drops query, headers, cookies, body, user and breadcrumb data', () => {
    const event = scrub({
      type: undefined,
      request: { method: 'POST', url: 'https://hub.example/api/v1/orders?token=abc', headers: { authorization: 'Bearer s3cret' }, cookies: { sid: 'x' }, data: '{"password":"p"}' },
      user: { email: 'buyer@example.com', ip_address: '10.0.0.1' },
      server_name: 'api-7f9',
      breadcrumbs: [{ message: 'db query', data: { sql: 'SELECT * FROM users WHERE email = ?' } }],
    });
    expect(event.request).toEqual({ method: 'POST', url: 'https://hub.example/api/v1/orders' });
    expect(event.user).toBeUndefined();
    expect(event.server_name).toBeUndefined();
    expect(JSON.stringify(event)).not.toMatch(/s3cret|password|buyer@|token=abc|SELECT/);
  });
});
