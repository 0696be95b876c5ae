-- The statewide protective-order registry: agencies and users, orders with their restrained and
-- protected persons, service, history, images, the CARPOS outbox and the audit trail.
-- Every inquiry form of ICD 4 is served by an index named below it.

CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Agencies -------------------------------------------------------------------------------------

CREATE TABLE agencies (
  ori          text PRIMARY KEY CHECK (ori ~ '^[A-Z]{2}[A-Z0-9]{7}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind         text NOT NULL CHECK (kind IN ('COURT', 'LAW', 'SHERIFF')),
  -- DOJ's three-digit code for the agency: the first digits of every FCN it enters.
  carpos_code  text UNIQUE CHECK (carpos_code ~ '^[0-9]{3}$'),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Users ----------------------------------------------------------------------------------------

CREATE TABLE users (
  id                  bigserial PRIMARY KEY,
  name                text NOT NULL UNIQUE CHECK (name ~ '^[A-Z0-9_-]{1,30}$'),
  role                text NOT NULL CHECK (role IN ('OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK', 'JUDGE', 'ADMIN')),
  ori                 text NOT NULL REFERENCES agencies (ori),
  password_hash       text NOT NULL,            -- scrypt, see db/passwords.ts; never the password
  totp_secret         text,                     -- base32; present means a one-time code is required
  locked_at           timestamptz,              -- set by the lockout, cleared only by an ADMIN
  last_sign_on_at     timestamptz,
  -- Failed sign-ons count towards the lockout only after this moment: a success or a release
  -- by an ADMIN ends a run of consecutive failures; the failures themselves stay on record.
  failures_since      timestamptz NOT NULL DEFAULT '-infinity',
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_sign_on_failures (
  user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  at       timestamptz NOT NULL,
  source   text
);
CREATE INDEX user_sign_on_failures_by_user ON user_sign_on_failures (user_id, at);

CREATE TABLE user_ssh_keys (
  id           bigserial PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  algorithm    text NOT NULL,
  public_key   text NOT NULL,                   -- base64 of the key blob, as in authorized_keys
  fingerprint  text NOT NULL,                   -- SHA256:... as ssh-keygen -l prints it
  comment      text,
  added_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, fingerprint)
);

-- Orders ---------------------------------------------------------------------------------------

-- PNOs are drawn from this sequence (db/pno.ts adds the prefix and a check digit).
CREATE SEQUENCE pno_seq;

CREATE TABLE orders (
  id           bigserial PRIMARY KEY,
  pno          text NOT NULL UNIQUE CHECK (length(pno) <= 20),
  fcn          text UNIQUE CHECK (fcn ~ '^[0-9]{13}$'),
  typ          text NOT NULL CHECK (typ IN ('EPO', 'DVTRO', 'DVRO', 'CHTRO', 'CHRO', 'EATRO', 'EARO', 'WVTRO',
                                             'WVRO', 'SVTRO', 'SVRO', 'GVEPO', 'GVTRO', 'GVRO', 'CPO', 'JVRO', 'OOS')),
  -- The stored status. EXPIRED is also computed at answer time from exp (db/status.ts),
  -- so an order is EXPIRED in every answer from the moment its date passes.
  status       text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'EXPIRED', 'CLEARED', 'CANCELLED')),
  cti          text NOT NULL REFERENCES agencies (ori),
  oca          text NOT NULL CHECK (length(oca) BETWEEN 1 AND 20),
  isd          date NOT NULL,
  exp          date,                           -- NULL exactly when the order does not expire (NONEXP)
  nonexp       boolean NOT NULL DEFAULT false,
  pco          text[] NOT NULL,                -- NCIC condition codes '01'..'09'
  dst          integer CHECK (dst BETWEEN 1 AND 9999),
  brady        text NOT NULL DEFAULT 'U' CHECK (brady IN ('Y', 'N', 'U')),
  mis          text CHECK (length(mis) <= 500),
  version      integer NOT NULL DEFAULT 1,
  entered_by   text NOT NULL,
  entered_ori  text NOT NULL,
  entered_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((exp IS NULL) = nonexp)
);
-- QPO by OCA + CTI (PNO and FCN are served by their unique indexes).
CREATE INDEX orders_by_case ON orders (cti, oca);
-- The expiry job walks active orders by date.
CREATE INDEX orders_active_by_exp ON orders (exp) WHERE status = 'ACTIVE';

-- The restrained person as one order describes them. Identity across orders is found by
-- matching (name + DOB, phonetic keys, licence), never assumed from a shared row.
CREATE TABLE persons (
  id             bigserial PRIMARY KEY,
  order_id       bigint NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
  last_name      text NOT NULL,
  first_name     text NOT NULL DEFAULT '',
  middle_name    text NOT NULL DEFAULT '',
  suffix         text NOT NULL DEFAULT '',
  name_norm      text NOT NULL,                -- 'LAST, FIRST MIDDLE SUFFIX', as printed in replies
  first_initial  text NOT NULL DEFAULT '',
  last_nysiis    text NOT NULL,
  last_dmeta     text GENERATED ALWAYS AS (dmetaphone(regexp_replace(last_name, '[^A-Z]', '', 'g'))) STORED,
  dob            date NOT NULL,
  sex            text CHECK (sex IN ('M', 'F', 'X', 'U')),
  race           text CHECK (race IN ('A', 'B', 'I', 'W', 'U')),
  height         text CHECK (height ~ '^[0-9]{3}$'),
  weight         integer CHECK (weight BETWEEN 1 AND 999),
  eyes           text,
  hair           text,
  oln            text CHECK (length(oln) <= 20),
  ols            text CHECK (ols ~ '^[A-Z]{2}$')
);
-- QPO by NAM + DOB: exact and phonetic candidates share a DOB and a first initial.
CREATE INDEX persons_by_dob ON persons (dob, first_initial);
-- QPO by OLN + OLS.
CREATE INDEX persons_by_licence ON persons (oln, ols) WHERE oln IS NOT NULL;

CREATE TABLE person_aliases (
  id             bigserial PRIMARY KEY,
  person_id      bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  last_name      text NOT NULL,
  first_name     text NOT NULL DEFAULT '',
  middle_name    text NOT NULL DEFAULT '',
  suffix         text NOT NULL DEFAULT '',
  name_norm      text NOT NULL,
  first_initial  text NOT NULL DEFAULT '',
  last_nysiis    text NOT NULL,
  last_dmeta     text GENERATED ALWAYS AS (dmetaphone(regexp_replace(last_name, '[^A-Z]', '', 'g'))) STORED,
  dob            date NOT NULL                 -- the person's DOB unless the alias came with its own
);
CREATE INDEX person_aliases_by_dob ON person_aliases (dob, first_initial);
CREATE INDEX person_aliases_by_person ON person_aliases (person_id);

CREATE TABLE protected_persons (
  id             bigserial PRIMARY KEY,
  order_id       bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  seq            smallint NOT NULL,
  last_name      text NOT NULL,
  first_name     text NOT NULL DEFAULT '',
  middle_name    text NOT NULL DEFAULT '',
  suffix         text NOT NULL DEFAULT '',
  name_norm      text NOT NULL,
  first_initial  text NOT NULL DEFAULT '',
  last_nysiis    text NOT NULL,
  last_dmeta     text GENERATED ALWAYS AS (dmetaphone(regexp_replace(last_name, '[^A-Z]', '', 'g'))) STORED,
  dob            date NOT NULL,
  sex            text CHECK (sex IN ('M', 'F', 'X', 'U')),
  race           text CHECK (race IN ('A', 'B', 'I', 'W', 'U')),
  UNIQUE (order_id, seq)
);
-- QPO by PPN + PPB.
CREATE INDEX protected_persons_by_dob ON protected_persons (dob, first_initial);

-- Service ----------------------------------------------------------------------------------------

CREATE TABLE services (
  id           bigserial PRIMARY KEY,
  order_id     bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  served_at    text NOT NULL CHECK (served_at ~ '^[0-9]{12}$'),   -- SDT, CCYYMMDDHHMM local time
  how          text NOT NULL CHECK (how IN ('PERSONAL', 'VERBAL', 'COURT', 'MAIL')),
  served_by    text CHECK (length(served_by) <= 30),
  recorded_by  text NOT NULL,
  recorded_ori text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_by_order ON services (order_id, id);

-- History: every change to an order, append-only -----------------------------------------------

CREATE TABLE order_history (
  id          bigserial PRIMARY KEY,
  order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  version     integer NOT NULL,
  action      text NOT NULL CHECK (action IN ('ENTER', 'MODIFY', 'CANCEL', 'CLEAR', 'SERVE', 'EXPIRE', 'FCN')),
  actor_user  text NOT NULL,
  actor_ori   text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  changes     jsonb NOT NULL                   -- field -> [before, after]; the whole entry for ENTER
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);

-- Order images -----------------------------------------------------------------------------------

CREATE TABLE order_images (
  id            bigserial PRIMARY KEY,
  order_id      bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  page          integer NOT NULL CHECK (page >= 1),
  content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/tiff', 'image/png', 'image/jpeg')),
  bytes         bytea NOT NULL,
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  uploaded_by   text NOT NULL,
  uploaded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, page)
);

-- CARPOS gateway outbox: written in the same transaction as the change it reports ---------------

CREATE TABLE carpos_outbox (
  id               bigserial PRIMARY KEY,
  order_id         bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  action           text NOT NULL CHECK (action IN ('ENTER', 'MODIFY', 'CANCEL', 'CLEAR', 'SERVE')),
  payload          jsonb NOT NULL,
  idempotency_key  uuid NOT NULL UNIQUE,
  state            text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'REJECTED')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz
);
CREATE INDEX carpos_outbox_pending ON carpos_outbox (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX carpos_outbox_by_order ON carpos_outbox (order_id, id);

-- Audit trail: append-only, hash-chained (the chain is written by the service) ------------------

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  user_name    text,
  ori          text,
  terminal     text,
  source       text,
  mke          text,
  fields       jsonb NOT NULL DEFAULT '{}',     -- the query fields; never PWD or OTP
  outcome      text NOT NULL,
  records      integer NOT NULL DEFAULT 0,
  duration_ms  integer,
  prev_hash    text NOT NULL,
  hash         text NOT NULL
);

-- Append-only tables refuse UPDATE and DELETE, so a mistake in code cannot rewrite the past.
CREATE FUNCTION ccpor_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER order_history_append_only BEFORE UPDATE OR DELETE ON order_history
  FOR EACH ROW EXECUTE FUNCTION ccpor_refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION ccpor_refuse_change();
