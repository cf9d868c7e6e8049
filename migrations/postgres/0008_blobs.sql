-- Evidence blobs in the database, so that every instance serves every blob (SQLite keeps
-- them as files beside the database and leaves these tables empty). A blob is 'partial'
-- until its upload is complete; its bytes are age ciphertext in chunks of 2 MiB.
CREATE TABLE blobs (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('partial', 'done')),
    created_at  BIGINT NOT NULL
);
CREATE INDEX blobs_partial ON blobs (state, created_at);

CREATE TABLE blob_chunks (
    blob_id  TEXT NOT NULL REFERENCES blobs (id),
    seq      BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (blob_id, seq)
);
-- Ciphertext does not compress: store it out of line as it is.
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
