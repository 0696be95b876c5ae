-- Conflicting orders (issue 5): pairs of orders that restrain the same person, protect someone in
-- common and whose terms contradict each other (protocol/conflicts.ts). Kept in both directions,
-- maintained by every write that changes an order's terms or status; whether a pair is still open
-- (both orders active) is decided at answer time with the service clock, like expiry itself.
CREATE TABLE order_conflicts (
  order_id  bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  other_id  bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  kinds     text[] NOT NULL CHECK (cardinality(kinds) > 0),
  found_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, other_id),
  CHECK (order_id <> other_id)
);
CREATE INDEX order_conflicts_by_other ON order_conflicts (other_id);
