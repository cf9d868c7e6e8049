-- How far the tips are indexed under the newest matching key (the keys page, and the
-- re-indexing after a rotation): counted from this index, without reading the tips.
CREATE INDEX tips_indexed_with ON tips (indexed_with);
