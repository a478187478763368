-- Issue 20: a customer's phone as it was typed ("0412 345 678"), shown on pages; `customer_phone` keeps
-- the normalised form the API returns and searches match. NULL for cases logged before (pages show the
-- normalised form).
ALTER TABLE cases ADD COLUMN customer_phone_display TEXT;
