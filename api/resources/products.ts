import { everyone, ownedBy, pick, refuseIfReferenced, requireRef } from './common.js';
import type { ResourceSpec } from './spec.js';

const FIELDS = ['id', 'entity_id', 'name', 'category', 'brand', 'description', 'created_at', 'updated_at'] as const;

export const products: ResourceSpec = {
  name: 'products',
  label: 'Product',
  model: 'Product',
  filters: { entity_id: 'entity_id', category: 'category', brand: 'brand' },
  fulltext: ['name', 'brand', 'category', 'description'],
  prefixColumn: 'name',
  defaultSort: '-created_at',
  // Catalogs are browsable by every buyer; only the owning wholesaler edits them.
  readScope: everyone,
  writeScope: ownedBy('entity_id'),
  toApi: (row) => pick(row, FIELDS),
  async prepareCreate(input, ctx) {
    await requireRef(ctx, 'Entity', input.entity_id, 'entity_id', ownedBy('id'));
    return input;
  },
  beforeDelete: (row, ctx) =>
    refuseIfReferenced(
      ctx,
      [
        { model: 'ProductVariant', column: 'product_id', what: 'variants' },
        { model: 'OrderItem', column: 'product_id', what: 'order lines' },
      ],
      row.id,
    ),
};
