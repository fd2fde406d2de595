import type { Migration } from '../migrator.js';

// Scheduled reports (issue 17) can be paused without losing them (the Temporal Schedule is paused
// too), and can be delivered with the file attached when it is small enough (`attachment`: attached
// up to REPORT_ATTACHMENT_MAX_BYTES, linked above it) instead of only linked.
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query("ALTER TABLE report_schedules ADD COLUMN paused TINYINT(1) NOT NULL DEFAULT 0 AFTER timezone, ADD COLUMN delivery VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'link' AFTER paused");
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE report_schedules DROP COLUMN delivery, DROP COLUMN paused');
};
