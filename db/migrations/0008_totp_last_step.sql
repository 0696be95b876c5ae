-- One-time codes are used once (CJIS IA-2(8), replay resistance): the last 30-second time step a
-- user signed on with; a code of that step or an earlier one is refused. Taken with a conditional
-- UPDATE, so two processes cannot both accept the same code.
ALTER TABLE users ADD COLUMN IF NOT EXISTS totp_last_step bigint;
