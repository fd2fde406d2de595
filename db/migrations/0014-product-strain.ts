import type { Migration } from '../migrator.js';

// Issue 20: people read order lines and stock by product, brand, SKU and strain. The strain was
// only inside free-text names and descriptions; a column lets lines and inventory show it.
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE products ADD COLUMN strain VARCHAR(100) NULL AFTER brand');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE products DROP COLUMN strain');
};
