import { everyone, forbidTenantCreate, ownedBy, pick, refuseIfReferenced } from './common.js';
import { refuseRegulated } from './regulated.js';
import type { ResourceSpec } from './spec.js';

const FIELDS = ['id', 'type', 'name', 'license_number', 'license_state', 'license_type', 'license_expires_on', 'created_at', 'updated_at'] as const;

export const entities: ResourceSpec = {
  name: 'entities',
  label: 'Entity',
  model: 'Entity',
  filters: { type: 'type', license_state: 'license_state' },
  fulltext: ['name'],
  prefixColumn: 'name',
  defaultSort: 'name',
  // The directory of licensed businesses is visible to every signed-in party (retailers must find
  // wholesalers); only platform staff or the entity itself may change a row.
  readScope: everyone,
  writeScope: ownedBy('id'),
  toApi: (row) => pick(row, FIELDS),
  async prepareCreate(input, ctx) {
    forbidTenantCreate(ctx, 'entities');
    return input;
  },
  // An owner keeps its profile; what it is licensed as, and until when, is staff's (issue 13.5).
  async prepareUpdate(_existing, patch, ctx) {
    refuseRegulated(ctx, 'entities', patch);
    return patch;
  },
  beforeDelete: (row, ctx) =>
    refuseIfReferenced(
      ctx,
      [
        { model: 'Location', column: 'entity_id', what: 'locations' },
        { model: 'Product', column: 'entity_id', what: 'products' },
        { model: 'User', column: 'entity_id', what: 'users' },
        { model: 'Order', column: 'retailer_id', what: 'orders placed' },
        { model: 'Order', column: 'wholesaler_id', what: 'orders received' },
      ],
      row.id,
    ),
};
