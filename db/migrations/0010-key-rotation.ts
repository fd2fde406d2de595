import type { Migration } from '../migrator.js';

// APP_SECRET rotation (issue 15): which key an API key's secret hash was made under. A hash cannot
// be re-keyed without the secret, so a key is re-hashed when next used; this column lets
// `npm run rotate-secrets` count the live keys still waiting for that before the old key is
// dropped. NULL: made before this column, under whatever key the hub had then.
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE api_keys ADD COLUMN secret_key_id VARCHAR(16) CHARACTER SET ascii NULL AFTER secret_hash');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE api_keys DROP COLUMN secret_key_id');
};
