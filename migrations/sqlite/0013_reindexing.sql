-- The tips indexed under one matching key version, by time received: how far the tips are
-- indexed under the newest key (the keys page, the re-indexing after a rotation), and the
-- 安委办's repeats of a period, read as a range of this index instead of every tip.
CREATE INDEX tips_indexed_with ON tips (indexed_with, received_at);
