-- Evidence blobs in the database are for PostgreSQL (every instance serves every blob); with
-- SQLite they are files beside the database and these tables stay empty.
CREATE TABLE blobs (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('partial', 'done')),
    created_at  BIGINT NOT NULL
);
CREATE INDEX blobs_partial ON blobs (state, created_at);

CREATE TABLE blob_chunks (
    blob_id  TEXT NOT NULL REFERENCES blobs (id),
    seq      BIGINT NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (blob_id, seq)
);
