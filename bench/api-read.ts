/**
 * `npm run bench:api-read`: GET /api/v1/products?limit=50 through the real app (validator, auth,
 * service, MySQL/MariaDB, Redis count cache) against a bare Express route that answers the very
 * same payload. Both servers live in this process and are loaded one after the other by
 * autocannon at 32 connections running as a separate process, so this process's CPU is the
 * server's only. The ratio says what the stack costs over plain Express serialising the same JSON.
 * BENCH_ROUNDS (default 2) alternates bare and api that many times, to show the spread.
 * Target (issue 22): ratio >= 0.6 and p99 <= 20 ms.
 */
import express from 'express';
import { createServer } from 'node:http';
import os from 'node:os';
import { seedIfEmpty } from '../scripts/seed.js';
import { startBenchApi, listen } from './lib/app.js';
import { dropDatabase, freshDatabase } from './lib/db.js';
import { fmt, load, type LoadResult } from './lib/stats.js';
import { startProfile } from './lib/profile.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const PATH = '/api/v1/products?limit=50';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
/** BENCH_CPU_PROFILE=<file.cpuprofile>: this process's CPU profile over the api's first round. */
const PROFILE = process.env.BENCH_CPU_PROFILE;

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
    console.log(`\nGET ${PATH} — ${CONNECTIONS} connections, ${DURATION_S}s each, payload ${JSON.stringify(payload).length} bytes, load generator in its own process`);
    const ratios: number[] = [];
    const p99s: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const bareCpu = process.cpuUsage();
      const b = await load(`${bareUrl}${PATH}`, { connections: CONNECTIONS, durationS: DURATION_S });
      const bareCpuMs = cpuMs(process.cpuUsage(bareCpu));
      const profile = PROFILE && round === 1 ? await startProfile() : null;
      const apiCpu = process.cpuUsage();
      const r = await load(`${api.url}${PATH}`, { connections: CONNECTIONS, durationS: DURATION_S, headers: api.headers });
      const apiCpuMs = cpuMs(process.cpuUsage(apiCpu));
      if (profile) await profile.stopInto(PROFILE!);
      const ratio = r.requestsPerSec / b.requestsPerSec;
      ratios.push(ratio);
      p99s.push(r.p99);
      console.log(`  round ${round}`);
      // Server CPU per request (this process only): on a shared machine throughput also measures
      // how much CPU Redis and the database got meanwhile; this says what the server itself spends.
      const bareMsPerReq = bareCpuMs / (b.requestsPerSec * DURATION_S);
      const apiMsPerReq = apiCpuMs / (r.requestsPerSec * DURATION_S);
      const line = (name: string, x: LoadResult, cpu: number, perReq: number) =>
        console.log(
          `    ${name} ${fmt(x.requestsPerSec, 0).padStart(7)} req/s   p50 ${fmt(x.p50)} ms   p99 ${fmt(x.p99)} ms   server CPU ${fmt((100 * cpu) / (DURATION_S * 1000), 0)}% of a core, ${fmt(perReq, 3)} ms/req   non-2xx ${x.non2xx}  errors ${x.errors}`,
        );
      line('bare express', b, bareCpuMs, bareMsPerReq);
      line('trellis api ', r, apiCpuMs, apiMsPerReq);
      console.log(`    ratio (api / bare) ${fmt(ratio, 2)}   CPU per request ratio (bare / api) ${fmt(bareMsPerReq / apiMsPerReq, 2)}   load average ${os.loadavg()[0]!.toFixed(1)}`);
      if (r.non2xx || r.errors) console.log('    WARNING: the api answered non-2xx or errored during the round; figures are not comparable');
    }
    const lo = Math.min(...ratios);
    const worstP99 = Math.max(...p99s);
    console.log(`  ratio ${ratios.map((x) => fmt(x, 2)).join(' / ')} (min ${fmt(lo, 2)})   target >= 0.60 ${lo >= 0.6 ? 'MET' : 'MISSED'}`);
    console.log(`  api p99 ${p99s.map((x) => fmt(x)).join(' / ')} ms   target <= 20 ms ${worstP99 <= 20 ? 'MET' : 'MISSED'}`);
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
