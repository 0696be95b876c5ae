-- Hit confirmation (ICD 4 YQ/YR, issue 6): an officer with a hit asks the issuing court (and up to
-- two more ORIs) to confirm it; they must answer within 10 minutes (PRI/U) or 60 (PRI/R), day and
-- night. Requests and their timers live here, so they survive a restart and any service process
-- may run the timer job (src/switching/hit-confirmation.ts).
--
-- stage:  FIRST      the request went out once; at due_at a second request goes out
--         SECOND     the second request went out; at due_at the agencies' escalation ORIs are told
--         ESCALATED  no timer any more, but a late YR is still taken and delivered
--         CONFIRMED, NOT CONFIRMED   answered by YR CNF/Y or CNF/N: the timers stop
-- A YR CNF/T ("will confirm by TIM") moves due_at to that time and records who promised it.
-- Times are the service's clock (as for every other timestamp the handlers write).
-- lease_until/lease_by: a timer run claims due rows (FOR UPDATE SKIP LOCKED), commits, sends, and
-- then advances the row only if nobody (a YR) changed it meanwhile (version).

-- Where an agency's unanswered hit confirmations are escalated (`ccpor agency escalation`).
ALTER TABLE agencies ADD COLUMN escalation_ori text REFERENCES agencies (ori) CHECK (escalation_ori <> ori);

CREATE TABLE hit_requests (
  id                  bigserial PRIMARY KEY,
  order_id            bigint NOT NULL REFERENCES orders (id),
  pno                 text NOT NULL,
  rno                 smallint NOT NULL CHECK (rno BETWEEN 1 AND 3),
  priority            text NOT NULL CHECK (priority IN ('U', 'R')),
  requester_ori       text NOT NULL REFERENCES agencies (ori),
  requester_terminal  text NOT NULL,
  requester_user      text NOT NULL,
  -- The issuing court first, then the DES of the YQ.
  destinations        text[] NOT NULL CHECK (cardinality(destinations) BETWEEN 1 AND 3),
  -- The restrained person as the requester saw the record.
  subject_name        text NOT NULL,
  subject_dob         text NOT NULL,
  mis                 text,
  stage               text NOT NULL DEFAULT 'FIRST'
                      CHECK (stage IN ('FIRST', 'SECOND', 'ESCALATED', 'CONFIRMED', 'NOT CONFIRMED')),
  due_at              timestamptz,                 -- NULL once no timer runs
  promised_by         text,                        -- ORI of the last CNF/T, while it is in force
  promised_tim        text CHECK (promised_tim ~ '^[0-9]{4}$'),
  answered_by_ori     text,
  answered_by_user    text,
  answered_at         timestamptz,
  version             integer NOT NULL DEFAULT 1,
  lease_until         timestamptz,
  lease_by            text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  CHECK ((stage IN ('FIRST', 'SECOND')) = (due_at IS NOT NULL))
);

-- The timer job: due requests.
CREATE INDEX hit_requests_due ON hit_requests (due_at) WHERE stage IN ('FIRST', 'SECOND');
-- YR: the open requests for a PNO and RNO, newest first.
CREATE INDEX hit_requests_by_pno ON hit_requests (pno, rno, id);
