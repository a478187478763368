-- The List-Unsubscribe address of a customer email (RFC 8058 one-click), sent as a header.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
