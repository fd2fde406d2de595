import type { Migration } from '../migrator.js';

// Scheduled reports (issue 17) are written as a cron expression in the owner's time zone ("0 7 * * 1"
// in Europe/Berlin), which Temporal's Schedule spec takes as is; 0015's day/time pair could not say
// "every weekday" or "the 1st of the month". The table had no writer before this, so nothing is lost.
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE report_schedules DROP COLUMN day_of_week, DROP COLUMN time_of_day, ADD COLUMN cron VARCHAR(100) CHARACTER SET ascii NOT NULL AFTER request');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query("ALTER TABLE report_schedules DROP COLUMN cron, ADD COLUMN day_of_week TINYINT NULL AFTER request, ADD COLUMN time_of_day CHAR(5) CHARACTER SET ascii NOT NULL DEFAULT '00:00' AFTER day_of_week");
};
