/**
 * `npm run drill -- <name>|all [--short]`: scale-out and fault drills (issue 21). Each starts its
 * own MariaDB, Redis, Temporal dev server, METRC sandbox, API and worker processes on loopback,
 * drives orders over HTTP, injects its fault and prints a table. Exit code 1 when a check fails.
 * DRILL_KEEP=1 keeps the scratch directory (process logs) of each drill.
 */
import { DRILLS, type DrillName } from './index.js';
import { formatResult, passed } from './lib/report.js';

const args = process.argv.slice(2);
const short = args.includes('--short');
const names = args.filter((a) => !a.startsWith('--'));
const all = Object.keys(DRILLS) as DrillName[];
const chosen = names.includes('all') ? all : (names as DrillName[]);
const unknown = chosen.filter((n) => !(n in DRILLS));
if (!chosen.length || unknown.length) {
  console.error(`usage: npm run drill -- <${all.join('|')}|all> [--short]${unknown.length ? `\nunknown drill: ${unknown.join(', ')}` : ''}`);
  process.exit(2);
}

let failed = 0;
for (const name of chosen) {
  const result = await DRILLS[name](short);
  console.log(formatResult(result));
  if (!passed(result)) failed++;
}
console.log(`${chosen.length - failed} drill(s) passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
