// Column and table fragments every migration uses, so all tables agree on key types and charset.
// UUIDs are CHAR(36) ascii: portable between MySQL 8 and MariaDB, readable in a SQL console, and
// compared byte-wise (ascii_bin) so index lookups stay cheap.
export const UUID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
export const TS = 'DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)';
export const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
