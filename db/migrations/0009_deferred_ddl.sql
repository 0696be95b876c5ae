-- A bulk load into an empty registry (ccpor seed of many orders) drops the indexes, keys
-- and foreign keys of the order tables (and those pointing at them) and makes them again at the end
-- (db/bulk-load.ts). Their definitions wait here meanwhile, so that a load that dies half-way
-- loses none: migrate() makes whatever is listed here again.
CREATE TABLE deferred_ddl (
  name        text PRIMARY KEY,
  table_name  text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('index', 'primary', 'unique', 'foreign')),
  ddl         text NOT NULL,
  deferred_at timestamptz NOT NULL DEFAULT now()
);
