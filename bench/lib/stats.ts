/** Latency figures and formatting shared by the benchmarks. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export function percentile(sortedMs: number[], p: number): number {
  if (!sortedMs.length) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, i)]!;
}

export interface Timing {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Runs `fn` sequentially `n` times (after `warmup` untimed runs) and summarises the latencies. */
export async function timeIt(n: number, fn: (i: number) => Promise<unknown>, warmup = 5): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { n, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1]! };
}

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The part of autocannon's --json output the benchmarks read. */
interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * autocannon against one URL, run as its own process (its CLI, JSON out): the process being
 * measured holds only the server, and every side of a ratio is loaded the same way.
 */
export async function load(url: string, opts: { connections: number; durationS: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const args = [AUTOCANNON_CLI, '-j', '-c', String(opts.connections), '-d', String(opts.durationS)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`autocannon: ${err.message} ${stderr}`)) : resolve(stdout),
    );
  });
  const r = JSON.parse(out) as AutocannonJson;
  return {
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
