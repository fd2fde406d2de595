#!/usr/bin/env bash
# What the products table's secondary indexes cost a bulk write (issue 22, POS sync): 200,000 rows
# INSERT … SELECT from MariaDB's sequence engine into a copy of `products` (CREATE TABLE … LIKE),
# with every index, without the FULLTEXT one, and with only the primary and POS unique keys.
#   bash bench/products-index-cost.sh <database holding the schema, e.g. a dev or test database>
set -euo pipefail
SCHEMA=${1:?usage: bash bench/products-index-cost.sh <database with the trellis schema>}
M="mysql -uroot -h127.0.0.1"
$M -e "DROP DATABASE IF EXISTS idxcost; CREATE DATABASE idxcost"
run() {
  $M idxcost -e "DROP TABLE IF EXISTS p; CREATE TABLE p LIKE \`$SCHEMA\`.products; $2"
  local s e
  s=$(date +%s.%N)
  $M idxcost -e "INSERT INTO p (id, entity_id, name, category, brand, created_at, updated_at, pos_sync_key)
    SELECT UUID(), '00000000-0000-0000-0000-000000000001', CONCAT('Product ', seq, ' ', MD5(seq)),
           ELT(1 + seq % 5, 'Flower', 'Edible', 'Vape', 'Tincture', 'Topical'), ELT(1 + seq % 7, 'Peak', 'North', 'Cali', 'Ridge', 'Moss', 'Sun', 'Dale'),
           NOW(3), NOW(3), CONCAT('sku-', seq) FROM seq_1_to_200000"
  e=$(date +%s.%N)
  echo "$1: $(echo "$e - $s" | bc) s for 200,000 rows"
}
for _ in 1 2; do
  run "all indexes" ""
  run "no FULLTEXT" "ALTER TABLE p DROP INDEX ft_products_search"
done
run "primary and POS unique key only" "ALTER TABLE p DROP INDEX ft_products_search, DROP INDEX ix_products_entity_created, DROP INDEX ix_products_entity_category, DROP INDEX ix_products_category_name, DROP INDEX ix_products_created"
$M -e "DROP DATABASE idxcost"
