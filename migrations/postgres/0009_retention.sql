-- Retention (SECURITY.md): a tip closed longer than `[retention] days_after_closure` is
-- crypto-shredded. Every sealed value of it is deleted or emptied; the row stays as a
-- tombstone of metadata, for statistics and for the reporter to learn when it was destroyed.
ALTER TABLE tips ADD COLUMN shredded_at BIGINT;
CREATE INDEX tips_to_shred ON tips (closed_at) WHERE shredded_at IS NULL AND closed_at IS NOT NULL;
