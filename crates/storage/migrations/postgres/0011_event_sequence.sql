-- Webhook events in order: each case counts the events it has published (`event_seq`, the last number
-- given), and each webhook message keeps the number its event got (`seq`). The number is taken in the
-- transaction of the change, so it increases strictly per case; a receiver orders a case's events by it.
ALTER TABLE cases ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN seq BIGINT;
