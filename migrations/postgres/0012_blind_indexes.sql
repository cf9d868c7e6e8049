-- Blind indexes of related tips (src/crypto/blind.rs): for each tip, 16 bits of the keyed hash
-- of its normalised company, credit code, address and accident, under one version of the
-- matching key. No normalised value and no whole hash is stored. `tips.indexed_with` names
-- the matching key version (a group_keys id) the tip's indexes were computed with; NULL until
-- an official holding that key first opens the tip.
CREATE TABLE tip_indexes (
    tip_id  TEXT NOT NULL REFERENCES tips (id),
    field   TEXT NOT NULL,
    value   INTEGER NOT NULL,
    PRIMARY KEY (tip_id, field, value)
);
CREATE INDEX tip_indexes_value ON tip_indexes (field, value);
ALTER TABLE tips ADD COLUMN indexed_with TEXT;
