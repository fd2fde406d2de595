/**
 * bench:order-round-trips — database round trips per order, counted at the driver: every query
 * command a mysql2 connection sends (Sequelize's pool and the writer's pool alike) is one trip,
 * however many statements it carries. Counts, not times, so the figure does not depend on the
 * machine's load:
 *   - POST /api/v1/orders (auth, idempotency, references, the write, the workflow start),
 *   - the accept step of the read model (status change with the stock reservation),
 *   - a reminder step (the path that reads its order back).
 *
 *   npx tsx bench/order-round-trips.ts          (ROUND_TRIP_ORDERS=20)
 */
import { createRequire } from 'node:module';
import { setup, teardown } from '../test/setup/global.js';
import { jsonClient } from './lib/http.js';

const ORDERS = Number(process.env.ROUND_TRIP_ORDERS ?? 20);

// mysql2's base connection class: both pools' connections send every command through addCommand.
const BaseConnection = createRequire(import.meta.url)('../node_modules/mysql2/lib/base/connection.js') as {
  prototype: { addCommand(cmd: { constructor: { name: string } }): unknown };
};
let trips = 0;
const addCommand = BaseConnection.prototype.addCommand;
BaseConnection.prototype.addCommand = function (this: unknown, cmd) {
  if (cmd.constructor.name === 'Query' || cmd.constructor.name === 'Execute') trips++;
  return addCommand.call(this, cmd);
};

async function counted(n: number, job: (i: number) => Promise<void>): Promise<number> {
  const before = trips;
  for (let i = 0; i < n; i++) await job(i);
  return (trips - before) / n;
}

async function main() {
  await setup(undefined as never);
  const { closeDeps, createDeps, startApi } = await import('../test/support/harness.js');
  const { adminHeaders } = await import('../test/support/auth.js');
  const { createWorld } = await import('../test/support/fixtures.js');
  const { createOrderActivities } = await import('../activities/orders.js');
  const deps = createDeps({ LOG_LEVEL: 'error', OPENAPI_VALIDATE_RESPONSES: 'false', ORDER_ACCEPT_DEADLINE: '1h' });
  const api = await startApi(deps);
  try {
    const headers = await adminHeaders(deps);
    const world = await createWorld(api.url, headers);
    const body = {
      retailer_id: world.retailer.id,
      wholesaler_id: world.wholesaler.id,
      ship_from_location_id: world.warehouse.id,
      ship_to_location_id: world.store.id,
      items: [{ variant_id: world.variant.id, quantity: 1 }],
    };
    const http = jsonClient(api.url, headers);
    const placed: Array<{ id: string; order_number: string }> = [];
    const post = async () => {
      const r = await http.send('POST', '/orders', body);
      if (r.status !== 201) throw new Error(`POST /orders → ${r.status} ${r.body}`);
      placed.push(JSON.parse(r.body) as { id: string; order_number: string });
    };
    await counted(5, post); // warm: sessions, caches, pools
    placed.length = 0;
    const intake = await counted(ORDERS, post);

    const activities = createOrderActivities({ sequelize: deps.sequelize, redis: deps.redis, writer: deps.writer });
    const actor = { kind: 'user', id: 'bench', role: 'member' };
    const at = new Date().toISOString();
    const accept = await counted(ORDERS, async (i) => {
      const o = placed[i]!;
      await activities.recordOrderEvent({
        orderId: o.id, seq: 1, type: 'status_changed', from: 'submitted', to: 'accepted', actor, at, stock: 'reserve',
        order: { number: o.order_number, retailerId: world.retailer.id, wholesalerId: world.wholesaler.id, status: 'accepted' },
      });
    });
    const reminder = await counted(ORDERS, async (i) => {
      await activities.recordOrderEvent({ orderId: placed[i]!.id, seq: 2, type: 'reminder_sent', actor: { kind: 'system', id: 'system', role: 'system' }, at, detail: { channel: 'log' } });
    });
    console.log(`database round trips per order (${ORDERS} orders, counted at the mysql2 driver):`);
    console.log(`  POST /api/v1/orders: ${intake.toFixed(2)}`);
    console.log(`  accept step (status + stock reservation): ${accept.toFixed(2)}`);
    console.log(`  reminder step (order read back): ${reminder.toFixed(2)}`);
  } finally {
    await api.close();
    await closeDeps(deps);
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void teardown().finally(() => process.exit(1));
  },
);
