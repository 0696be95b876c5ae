-- A scanned page added to an order (SFTP, ICD 7) is a version of the order like any change.
ALTER TABLE order_history DROP CONSTRAINT order_history_action_check;
ALTER TABLE order_history ADD CONSTRAINT order_history_action_check
  CHECK (action IN ('ENTER', 'MODIFY', 'CANCEL', 'CLEAR', 'SERVE', 'EXPIRE', 'FCN', 'IMAGE'));
