-- Store and forward (issue 6): every unsolicited message to a terminal or an ORI is kept here
-- before it is delivered; it counts as delivered once written to a live connection.
CREATE TABLE terminal_messages (
  id             bigserial PRIMARY KEY,
  to_ori         text NOT NULL,
  to_terminal    text,                         -- one terminal, else (or once it has gone) the ORI
  mke            text NOT NULL,
  status         text NOT NULL CHECK (status IN ('MSG', 'NOTE')),
  body           text[] NOT NULL,
  created_at     timestamptz NOT NULL,
  claimed_by     text,                         -- a terminal writing it now (sign-on, sweep)
  claimed_until  timestamptz,
  delivered_at   timestamptz,
  delivered_to   text
);
CREATE INDEX terminal_messages_waiting ON terminal_messages (to_ori, id) WHERE delivered_at IS NULL;
