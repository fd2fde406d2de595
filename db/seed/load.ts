import type { Sequelize, Transaction } from 'sequelize';
import { models, type ModelName, type Row } from '../models.js';
import type { DemoData } from './build.js';

const BATCH = 1000;

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
export async function loadDemoData(sequelize: Sequelize, data: DemoData, transaction?: Transaction): Promise<void> {
  const m = models(sequelize);
  const run = async (t: Transaction) => {
    for (const [key, name] of ORDER) {
      const rows = data[key] as Row[];
      for (let i = 0; i < rows.length; i += BATCH) {
        await m[name].bulkCreate(rows.slice(i, i + BATCH), { transaction: t, silent: true, validate: false, hooks: false });
      }
    }
  };
  if (transaction) await run(transaction);
  else await sequelize.transaction(run);
}
