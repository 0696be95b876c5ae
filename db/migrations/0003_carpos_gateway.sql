-- The CARPOS gateway (src/carpos): what the delivery worker needs of the outbox of 0001.
--
-- * A lease: a worker claims rows in a short transaction (FOR UPDATE SKIP LOCKED), sets
--   locked_until and its claim token in locked_by, commits, and only then calls CARPOS. A worker
--   that dies leaves the lease to run out; another worker then sends the row again under the same
--   Idempotency-Key, so DOJ applies it once.
-- * BLOCKED: a row held behind an earlier row of the same order that DOJ rejected (REJECTED). It is
--   never sent on its own; `ccpor carpos resend --pno` releases the order once it is corrected.
-- * fcn, http_status, last_attempt_at: what DOJ last answered and when (the retry delay is
--   next_attempt_at - last_attempt_at), for `ccpor carpos status` and for people.

ALTER TABLE carpos_outbox DROP CONSTRAINT carpos_outbox_state_check;
ALTER TABLE carpos_outbox ADD CONSTRAINT carpos_outbox_state_check
  CHECK (state IN ('PENDING', 'DELIVERED', 'REJECTED', 'BLOCKED'));

ALTER TABLE carpos_outbox
  ADD COLUMN locked_until  timestamptz,
  ADD COLUMN locked_by     text,
  ADD COLUMN fcn           text CHECK (fcn ~ '^[0-9]{13}$'),
  ADD COLUMN http_status   integer,
  ADD COLUMN last_attempt_at timestamptz;

-- `ccpor carpos status` lists what is held; the worker blocks behind a rejection by order.
CREATE INDEX carpos_outbox_held ON carpos_outbox (order_id, id) WHERE state IN ('REJECTED', 'BLOCKED');

-- A change queued for an order that has a rejected (or held) row is held too, in the same
-- transaction as the change: nothing is sent out of order, whichever process writes it. The
-- worker locks the order's row when it rejects, as every registry write does, so a change and
-- a rejection of the same order never pass each other.
CREATE FUNCTION carpos_outbox_hold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rejected text;
BEGIN
  IF EXISTS (SELECT 1 FROM carpos_outbox WHERE order_id = NEW.order_id AND state IN ('REJECTED', 'BLOCKED')) THEN
    SELECT action INTO rejected FROM carpos_outbox
     WHERE order_id = NEW.order_id AND state = 'REJECTED' ORDER BY id LIMIT 1;
    NEW.state := 'BLOCKED';
    NEW.last_error := 'HELD BEHIND THE REJECTED ' || coalesce(rejected, 'CHANGE') || ' OF THIS ORDER';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER carpos_outbox_hold BEFORE INSERT ON carpos_outbox
  FOR EACH ROW WHEN (NEW.state = 'PENDING') EXECUTE FUNCTION carpos_outbox_hold();
