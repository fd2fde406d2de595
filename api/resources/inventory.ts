import { AppError } from '../../domain/errors.js';
import { INVENTORY_PRODUCT_SEARCH } from '../../db/repositories/catalog.js';
import { ownedBy, pick, requireRef } from './common.js';
import type { ResourceSpec } from './spec.js';

const FIELDS = ['id', 'variant_id', 'product_id', 'location_id', 'entity_id', 'quantity_on_hand', 'quantity_reserved', 'metrc_package_label', 'created_at', 'updated_at'] as const;

export const inventory: ResourceSpec = {
  name: 'inventory',
  label: 'Inventory row',
  model: 'Inventory',
  filters: {
    location_id: 'location_id',
    product_id: 'product_id',
    variant_id: 'variant_id',
    entity_id: 'entity_id',
    metrc_package_label: 'metrc_package_label',
  },
  // Search inventory by its product's name, brand or category.
  searchSql: INVENTORY_PRODUCT_SEARCH,
  defaultSort: '-updated_at',
  // Stock levels are the owner's business only.
  readScope: ownedBy('entity_id'),
  writeScope: ownedBy('entity_id'),
  toApi: (row) => ({
    ...pick(row, FIELDS),
    quantity_available: Number(row.quantity_on_hand) - Number(row.quantity_reserved),
  }),
  async prepareCreate(input, ctx) {
    const variant = await requireRef(ctx, 'ProductVariant', input.variant_id, 'variant_id', ownedBy('entity_id'));
    const location = await requireRef(ctx, 'Location', input.location_id, 'location_id', ownedBy('entity_id'));
    if (location.entity_id !== variant.entity_id) {
      throw new AppError('UNPROCESSABLE_ENTITY', 'The location belongs to a different entity than the variant', {
        field: 'location_id',
        issue: 'entity mismatch',
      });
    }
    return { ...input, product_id: variant.product_id, entity_id: variant.entity_id, quantity_reserved: 0 };
  },
  async prepareUpdate(existing, patch) {
    const onHand = patch.quantity_on_hand;
    if (typeof onHand === 'number' && onHand < Number(existing.quantity_reserved)) {
      throw new AppError('CONFLICT', 'quantity_on_hand cannot drop below what open orders have reserved', {
        field: 'quantity_on_hand',
        quantity_reserved: existing.quantity_reserved,
      });
    }
    return patch;
  },
  async beforeDelete(existing) {
    if (Number(existing.quantity_reserved) > 0) {
      throw new AppError('CONFLICT', 'Open orders hold a reservation on this stock', {
        quantity_reserved: existing.quantity_reserved,
      });
    }
  },
};
