#!/usr/bin/env node
/**
 * `node bench/lib/profile-summary.mjs <file.cpuprofile> [top]`: self time of a V8 CPU profile
 * (BENCH_CPU_PROFILE of the benches) by function and by module (node_modules package, or the
 * project file), so a bench round's cost can be read without DevTools. The inspector's own
 * frames and idle time are listed but left out of the percentages.
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));

const SKIP = new Set(['(idle)', '(program)', 'dispatch']);
const moduleOf = (url) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const m = url.match(/\/work\/[^/]+\/(.*)$/);
  return m ? m[1] : url;
};

const fn = new Map();
const mod = new Map();
let total = 0;
let skipped = 0;
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0;
  if (!t) continue;
  const name = n.callFrame.functionName || '(anonymous)';
  if (SKIP.has(name)) {
    skipped += t;
    continue;
  }
  total += t;
  const m = moduleOf(n.callFrame.url);
  const k = `${name}  ${m}:${n.callFrame.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + t);
  mod.set(m, (mod.get(m) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled (idle/program/inspector ${(skipped / 1000).toFixed(0)} ms left out)`);
console.log('\nby module (self time)');
for (const [k, t] of [...mod].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
console.log('\nby function (self time)');
for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
void byId;
