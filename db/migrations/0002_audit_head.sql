-- The audit trail's chain head: the last entry's id and hash, moved forward with every batch.
-- With it, `ccpor audit verify` also notices entries cut off the end of the trail.
CREATE TABLE audit_head (
  one      boolean PRIMARY KEY DEFAULT true CHECK (one),
  last_id  bigint NOT NULL,
  hash     text NOT NULL
);
