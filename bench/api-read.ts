/**
 * `npm run bench:api-read`: GET /api/v1/products?limit=50 through the real app (validator, auth,
 * service, MySQL/MariaDB, Redis count cache) against a bare Express route that answers the very
 * same payload, both in this process, with autocannon at 32 connections. The ratio says what the
 * stack costs over plain Express serialising the same JSON.
 * Target: ratio >= 0.5 and p99 <= 50 ms.
 */
import express from 'express';
import { createServer } from 'node:http';
import { seedIfEmpty } from '../scripts/seed.js';
import { startBenchApi, listen } from './lib/app.js';
import { dropDatabase, freshDatabase } from './lib/db.js';
import { fmt, load } from './lib/stats.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const PATH = '/api/v1/products?limit=50';

async function main() {
  const databaseUrl = await freshDatabase('read');
  console.log(`seeding demo data: ${await seedIfEmpty(databaseUrl)}`);
  const api = await startBenchApi(databaseUrl);
  const bareServer = createServer();
  try {
    const first = await fetch(`${api.url}${PATH}`, { headers: api.headers });
    if (first.status !== 200) throw new Error(`real app answered ${first.status}: ${await first.text()}`);
    const payload = await first.json();

    const bare = express();
    bare.get('/api/v1/products', (_req, res) => {
      res.json(payload);
    });
    bareServer.on('request', bare);
    const bareUrl = await listen(bareServer);

    // Warm both (JIT, connection pool, count cache), then measure one after the other.
    await load(`${bareUrl}${PATH}`, { connections: CONNECTIONS, durationS: 2 });
    await load(`${api.url}${PATH}`, { connections: CONNECTIONS, durationS: 2, headers: api.headers });
    const b = await load(`${bareUrl}${PATH}`, { connections: CONNECTIONS, durationS: DURATION_S });
    const r = await load(`${api.url}${PATH}`, { connections: CONNECTIONS, durationS: DURATION_S, headers: api.headers });

    const ratio = r.requestsPerSec / b.requestsPerSec;
    console.log(`\nGET ${PATH} — ${CONNECTIONS} connections, ${DURATION_S}s each, payload ${JSON.stringify(payload).length} bytes`);
    console.log(`  bare express   ${fmt(b.requestsPerSec, 0).padStart(7)} req/s   p50 ${fmt(b.p50)} ms   p99 ${fmt(b.p99)} ms   non-2xx ${b.non2xx}  errors ${b.errors}`);
    console.log(`  trellis api    ${fmt(r.requestsPerSec, 0).padStart(7)} req/s   p50 ${fmt(r.p50)} ms   p99 ${fmt(r.p99)} ms   non-2xx ${r.non2xx}  errors ${r.errors}`);
    console.log(`  ratio (api / bare) ${fmt(ratio, 2)}   target >= 0.50 ${ratio >= 0.5 ? 'MET' : 'MISSED'}`);
    console.log(`  api p99 ${fmt(r.p99)} ms   target <= 50 ms ${r.p99 <= 50 ? 'MET' : 'MISSED'}`);
    if (r.non2xx || r.errors) console.log('  WARNING: the api answered non-2xx or errored during the run; figures are not comparable');
  } finally {
    bareServer.closeAllConnections();
    bareServer.close();
    await api.close();
    await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
