/**
 * bench:span-census — what tracing exports per order, by span: bench:order-intake and
 * bench:order-lifecycle run with tracing on (bench/lib/census.ts: the app's tracing exporting over
 * OTLP to an in-process collector, every span tallied by kind, name or statement shape, and
 * attribute bytes). Span counts and bytes per order are deterministic where throughput on a shared
 * machine is not: the evidence for what tracing costs and for each cut (issue 18).
 *   npx tsx bench/span-census.ts [intake|lifecycle]   (SPAN_CENSUS_INTAKE=50, SPAN_CENSUS_LIFECYCLE=20 orders)
 * Per order = over every order the bench created (its warm-up included); the bench drivers' own
 * baseline workflow starts show up under their names.
 */
import { spawn } from 'node:child_process';

const cases = [
  // order-intake posts 30 warm-up orders before its COUNT.
  { script: 'bench/order-intake.ts', count: Number(process.env.SPAN_CENSUS_INTAKE ?? 50), orders: (n: number) => n + 30 },
  // order-lifecycle creates COUNT + min(10, COUNT) orders and drives every one to completion.
  { script: 'bench/order-lifecycle.ts', count: Number(process.env.SPAN_CENSUS_LIFECYCLE ?? 20), orders: (n: number) => n + Math.min(10, n) },
];
const only = process.argv[2];
for (const c of cases.filter((c) => !only || c.script.includes(only))) {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('node_modules/.bin/tsx', ['--import', './bench/lib/census.mjs', c.script], {
      env: { ...process.env, ORDER_BENCH_COUNT: String(c.count), SPAN_CENSUS_ORDERS: String(c.orders(c.count)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      console.log(`--- ${c.script}, ${c.count} orders measured, ${c.orders(c.count)} created`);
      const lines = out.split('\n');
      const from = lines.findIndex((l) => l.startsWith('span census:'));
      console.log(lines.filter((l) => /^\S.*:|^ {2}(ratio|raw|POST|order lifecycle|\d+ of)/.test(l) && !/^\[|WARN|ERROR|^span census/.test(l)).join('\n'));
      console.log(from >= 0 ? lines.slice(from).join('\n') : out);
      resolve(code);
    });
  });
  if (code !== 0) process.exitCode = 1;
}
