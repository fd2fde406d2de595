import type { Migration } from '../migrator.js';

// last_sent_ms: when this submission's latest write left (worker clock, epoch ms; bumped to the
// moment an ambiguous failure was seen). The settle window runs from here: no re-send before it
// has passed. Epoch ms rather than DATETIME so no time zone of the session can shift it.
// had_ambiguous: some attempt's outcome was lost, so a duplicate sweep follows success;
// duplicates_repaired and sweep_note show what the sweep found and did.
const statements = [
  `ALTER TABLE metrc_submissions
     ADD COLUMN last_sent_ms BIGINT NULL,
     ADD COLUMN had_ambiguous TINYINT(1) NOT NULL DEFAULT 0,
     ADD COLUMN duplicates_repaired INT NOT NULL DEFAULT 0,
     ADD COLUMN sweep_note VARCHAR(2000) NULL`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(
    'ALTER TABLE metrc_submissions DROP COLUMN last_sent_ms, DROP COLUMN had_ambiguous, DROP COLUMN duplicates_repaired, DROP COLUMN sweep_note',
  );
};
