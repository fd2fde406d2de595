import { everyone, ownedBy, pick, refuseIfReferenced, requireRef } from './common.js';
import { refuseRegulated } from './regulated.js';
import type { ResourceSpec } from './spec.js';

const FIELDS = ['id', 'entity_id', 'name', 'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'license_number', 'timezone', 'created_at', 'updated_at'] as const;

export const locations: ResourceSpec = {
  name: 'locations',
  label: 'Location',
  model: 'Location',
  filters: { entity_id: 'entity_id', state: 'state' },
  prefixColumn: 'name',
  defaultSort: 'name',
  // Licensed premises are public record; retailers pick a wholesaler's ship-from location.
  readScope: everyone,
  writeScope: ownedBy('entity_id'),
  toApi: (row) => pick(row, FIELDS),
  async prepareCreate(input, ctx) {
    await requireRef(ctx, 'Entity', input.entity_id, 'entity_id', ownedBy('id'));
    // A premises' licence number is checked against the licence by staff, not self-asserted
    // (13.5). After the reference check, so another tenant's entity still answers as not found.
    refuseRegulated(ctx, 'locations', input);
    return input;
  },
  async prepareUpdate(_existing, patch, ctx) {
    refuseRegulated(ctx, 'locations', patch);
    return patch;
  },
  beforeDelete: (row, ctx) =>
    refuseIfReferenced(
      ctx,
      [
        { model: 'Inventory', column: 'location_id', what: 'inventory' },
        { model: 'Order', column: 'ship_from_location_id', what: 'orders shipped from it' },
        { model: 'Order', column: 'ship_to_location_id', what: 'orders shipped to it' },
      ],
      row.id,
    ),
};
