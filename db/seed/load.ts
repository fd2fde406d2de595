import type { BulkCreateOptions, Sequelize, Transaction } from 'sequelize';
import { models, type ModelName, type Row } from '../models.js';
import type { DemoData } from './build.js';
import { assertDemoSeedAllowed } from './guard.js';
import { buildDemoTimeline } from './timeline.js';
import { loadDemoMetrc } from './metrc.js';

const BATCH = 1000;
const TABLES = ['entities', 'locations', 'products', 'product_variants', 'inventory', 'orders', 'order_items', 'order_events'];

/** Parents before children, so every foreign key already has its row. */
const ORDER: Array<[keyof DemoData, ModelName]> = [
  ['entities', 'Entity'],
  ['locations', 'Location'],
  ['products', 'Product'],
  ['variants', 'ProductVariant'],
  ['inventory', 'Inventory'],
  ['orders', 'Order'],
  ['orderItems', 'OrderItem'],
];

/**
 * Writes the demo data in one transaction (all or nothing: a half-seeded database would look
 * non-empty and never be completed). Multi-row INSERTs of BATCH rows keep it to a few hundred
 * round trips; `silent` keeps the demo's own updated_at instead of "now".
 */
export async function loadDemoData(sequelize: Sequelize, data: DemoData, transaction?: Transaction, options: { anchor?: number } = {}): Promise<void> {
  assertDemoSeedAllowed();
  const m = models(sequelize);
  const run = async (t: Transaction) => {
    for (const [key, name] of ORDER) {
      const rows = data[key] as Row[];
      for (let i = 0; i < rows.length; i += BATCH) {
        // `silent` is honoured by bulkCreate but missing from its option types.
        const options = { transaction: t, silent: true, validate: false, hooks: false } as BulkCreateOptions<Row>;
        await m[name].bulkCreate(rows.slice(i, i + BATCH), options);
      }
    }
    // The orders' timelines, so a demo order reads like one that went through the hub.
    const events = buildDemoTimeline(data);
    for (let i = 0; i < events.length; i += BATCH) {
      await m.OrderEvent.bulkCreate(events.slice(i, i + BATCH), { transaction: t, silent: true, validate: false, hooks: false } as BulkCreateOptions<Row>);
    }
    // METRC reporting history with a few refusals to fix (only with an anchor: npm start's seed).
    if (options.anchor !== undefined) await loadDemoMetrc(sequelize, options.anchor, t);
  };
  if (transaction) await run(transaction);
  else await sequelize.transaction(run);
  // Fresh statistics: right after a bulk load InnoDB's estimates can be so far off that the
  // optimizer scans and sorts a whole table instead of reading the first rows of an index.
  if (!transaction) await sequelize.query(`ANALYZE TABLE ${TABLES.join(', ')}`);
}
