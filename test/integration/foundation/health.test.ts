import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, createDeps, json, startApi, type RunningApi } from '../../support/harness.js';

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('health endpoints against the real services', () => {
  const deps = createDeps();
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('GET /readyz is 200 with MySQL, Redis and Temporal ok', async () => {
    const res = await fetch(`${api.url}/readyz`);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ok');
    for (const dep of ['mysql', 'redis', 'temporal']) expect(body.dependencies[dep].status).toBe('ok');
  });

  it('GET /healthz is 200', async () => {
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('ok');
  });

  it('answers unknown API routes with the error envelope', async () => {
    // Non-API paths belong to the console's client-side router; API paths never fall through to it.
    const res = await fetch(`${api.url}/api/v1/nope`);
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String), details: expect.any(Object) });
  });
});

describe('readiness when Redis is down', () => {
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  beforeAll(async () => {
    deps = createDeps({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, READINESS_TIMEOUT_MS: '1000' });
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('GET /readyz is 503 naming redis, while /healthz stays 200', async () => {
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = await json(ready);
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.error.details.down).toEqual(['redis']);
    expect(body.error.details.dependencies.mysql.status).toBe('ok');
    expect(body.error.details.dependencies.temporal.status).toBe('ok');
    expect(body.error.message).toContain('redis');

    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
