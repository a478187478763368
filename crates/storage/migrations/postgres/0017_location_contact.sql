-- The practice's own messages (issue 17): a location's contact details, shown to its customers.
-- `phone` as the business writes it ("02 9555 0142"), `email` where customers' replies go (Reply-To),
-- `address` free text (up to 300 characters, lines separated by a newline). NULL: not given.
ALTER TABLE locations ADD COLUMN phone TEXT;
ALTER TABLE locations ADD COLUMN email TEXT;
ALTER TABLE locations ADD COLUMN address TEXT;
