import { everyone, ownedBy, pick, refuseIfReferenced, requireRef } from './common.js';
import type { ResourceSpec } from './spec.js';

const FIELDS = ['id', 'product_id', 'entity_id', 'sku', 'name', 'price_minor', 'currency', 'unit_of_measure', 'created_at', 'updated_at'] as const;

export const productVariants: ResourceSpec = {
  name: 'product_variants',
  label: 'Product variant',
  model: 'ProductVariant',
  filters: { product_id: 'product_id', entity_id: 'entity_id', sku: 'sku' },
  prefixColumn: 'sku',
  defaultSort: 'sku',
  readScope: everyone,
  writeScope: ownedBy('entity_id'),
  toApi: (row) => ({ ...pick(row, FIELDS), price_minor: Number(row.price_minor) }),
  async prepareCreate(input, ctx) {
    const product = await requireRef(ctx, 'Product', input.product_id, 'product_id', ownedBy('entity_id'));
    // SKUs are unique per owning entity, which is the product's entity, never the caller's say.
    return { currency: 'USD', unit_of_measure: 'Each', ...input, entity_id: product.entity_id };
  },
  beforeDelete: (row, ctx) =>
    refuseIfReferenced(
      ctx,
      [
        { model: 'Inventory', column: 'variant_id', what: 'inventory' },
        { model: 'OrderItem', column: 'variant_id', what: 'order lines' },
      ],
      row.id,
    ),
};
