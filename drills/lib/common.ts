import { randomUUID } from 'node:crypto';
import { Http, manifestRegistrar } from './load.js';
import type { Check, DrillResult } from './report.js';
import { startStack, type Stack, type StackOptions } from './stack.js';
import type { Outcome } from './verify.js';
import { createWorld, type World } from './world.js';

export interface DrillContext {
  stack: Stack;
  world: World;
  http: Http;
  tag: string;
  short: boolean;
  figures: DrillResult['figures'];
  checks: Check[];
  outcome?: Outcome;
}

let shared: { stack: Stack; world: World; close(): Promise<void> } | undefined;

/**
 * One hub for several drills in a row (the CI test: starting MariaDB, Redis, Temporal and four
 * node processes per drill would cost more than the drills). Sized for the largest drill: two
 * APIs, two workers. Each drill leaves it running and healthy.
 */
export async function startSharedStack(orders: number): Promise<() => Promise<void>> {
  const packagesPerFacility = Math.ceil(orders / 2) + 20;
  const stack = await startStack({ apis: 2, workers: 2, packagesPerFacility });
  const registrar = manifestRegistrar(stack);
  try {
    const world = await createWorld(stack, packagesPerFacility);
    const close = async () => {
      shared = undefined;
      await registrar.stop();
      await stack.close();
    };
    shared = { stack, world, close };
    return close;
  } catch (err) {
    await registrar.stop();
    await stack.close();
    throw err;
  }
}

/** Starts the drill's hub and world (or takes the shared one), runs `body`, tears down what it started. */
export async function runDrill(
  name: string,
  short: boolean,
  opts: Omit<StackOptions, 'packagesPerFacility'> & { orders: number },
  body: (ctx: DrillContext) => Promise<void>,
): Promise<DrillResult> {
  const started = Date.now();
  const packagesPerFacility = Math.ceil(opts.orders / 2) + 20;
  const own = !shared;
  const stack = shared?.stack ?? (await startStack({ ...opts, packagesPerFacility }));
  const registrar = own ? manifestRegistrar(stack) : undefined;
  const http = new Http(stack.apis.map((a) => a.url));
  const ctx: Partial<DrillContext> & { figures: DrillResult['figures']; checks: Check[] } = { stack, http, tag: randomUUID().slice(0, 8), short, figures: [], checks: [] };
  try {
    ctx.world = shared?.world ?? (await createWorld(stack, packagesPerFacility));
    // Setup traffic is not the drill's: count from here.
    Object.assign(http.counts, { sent: 0, s2xx: 0, s4xx: 0, s5xx: 0, s503: 0, noAnswer: 0 });
    for (const k of Object.keys(http.reasons)) delete http.reasons[k];
    await body(ctx as DrillContext);
  } catch (err) {
    ctx.checks.push({ what: 'drill ran to the end', ok: false, detail: err instanceof Error ? err.message : String(err) });
    if (process.env.DRILL_KEEP) console.error(`drill ${name} failed; logs in ${stack.dir}`);
  } finally {
    await registrar?.stop();
    http.close();
    if (own) await stack.close();
  }
  return { name, short, seconds: (Date.now() - started) / 1000, counts: http.counts, ...(ctx.outcome ? { outcome: ctx.outcome } : {}), figures: ctx.figures, checks: ctx.checks, samples5xx: http.samples5xx, reasons: http.reasons };
}

/** The invariants every order drill holds: nothing lost, nothing twice, every order home. */
export function orderChecks(o: Outcome, expected: number, opts: { allComplete?: boolean } = {}): Check[] {
  const checks: Check[] = [
    { what: `every order placed (${expected})`, ok: o.placed201 === expected, detail: `${o.placed201} answered 201` },
    { what: 'every order answered 201 exists', ok: o.lost === 0 && o.found === o.placed201, detail: `${o.found} found, ${o.lost} missing` },
    { what: 'no order twice', ok: o.duplicates === 0 },
    { what: 'every order has its workflow', ok: o.withoutWorkflow === 0 },
    { what: '0 double reservations', ok: o.doubleReservations === 0 },
    { what: '0 duplicate METRC records', ok: o.duplicateMetrcRecords === 0 },
    { what: '0 duplicate timeline events', ok: o.duplicateTimelineEvents === 0 },
  ];
  if (opts.allComplete !== false) checks.push({ what: 'every order completed', ok: o.completed === expected, detail: `${o.completed} of ${expected}; ${o.driverErrors.length} driver errors` });
  return checks;
}

export const no5xx = (http: Http): Check => ({ what: 'no 5xx other than 503', ok: http.counts.s5xx === 0, detail: `${http.counts.s5xx}` });
