/** The partner guide is served with the docs and names only operations the API has. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations } from '../../../api/http/operations.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const guide = readFileSync('docs/partner-guide.md', 'utf8');

describe('partner guide', () => {
  const deps = createDeps();
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('is served raw and opens the interactive docs', async () => {
    const raw = await fetch(`${api.url}/api/docs/guide.md`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await raw.text()).toBe(guide);
    const init = await (await fetch(`${api.url}/api/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('Retries and idempotency');
  });

  it('names only operations that exist', () => {
    const ops = new Set(listOperations(openapiDocument).map((op) => `${op.method} ${op.path.replace(/\{[^}]+\}/g, '{}')}`));
    const named = [...guide.matchAll(/`(GET|POST|PATCH|PUT|DELETE) (\/[\w\-/{}<>]+)`/g)].map(([, m, p]) => `${m} ${p!.replace(/[{<][^}>]+[}>]/g, '{}')}`);
    const fromCurl = [...guide.matchAll(/curl -sX (POST|GET|PATCH|DELETE) \$API(\/[\w\-/<>]+)/g)].map(([, m, p]) => `${m} ${p!.replace(/<[^>]+>/g, '{}')}`);
    expect(named.length + fromCurl.length).toBeGreaterThan(8);
    expect([...named, ...fromCurl].filter((o) => !ops.has(o))).toEqual([]);
  });
});
