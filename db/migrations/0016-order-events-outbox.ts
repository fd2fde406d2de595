import type { Migration } from '../migrator.js';

// Timeline events whose stream write failed (Redis down) keep published_at NULL until the
// worker's outbox relay publishes them (worker/orderEventsRelay.ts); this index lets the relay
// find those few rows without reading the whole timeline every few seconds.
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('CREATE INDEX ix_order_events_unpublished ON order_events (published_at)');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP INDEX ix_order_events_unpublished ON order_events');
};
