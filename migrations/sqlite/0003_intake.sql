-- Public intake: QR posters, the reporter's messages and evidence.

-- A QR poster says where a tip came from (a site, a district), never who brought it.
CREATE TABLE posters (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    label          TEXT NOT NULL,
    district_code  TEXT REFERENCES districts (code),
    category_code  TEXT REFERENCES categories (code),
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);

ALTER TABLE tips ADD COLUMN poster_id TEXT REFERENCES posters (id);

-- Messages between the reporter and the officials, sealed to the tip key.
CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    tip_id      TEXT NOT NULL REFERENCES tips (id),
    author      TEXT NOT NULL CHECK (author IN ('reporter', 'official')),
    user_id     TEXT REFERENCES users (id),
    body        BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX messages_tip ON messages (tip_id, created_at);

-- Evidence. The file is a blob: an age file sealed to the tip key, under the data
-- directory. Its name, as the reporter's device gave it, is sealed too; its type is sniffed
-- from the content, never taken from the client.
CREATE TABLE attachments (
    id             TEXT PRIMARY KEY,
    tip_id         TEXT NOT NULL REFERENCES tips (id),
    blob_id        TEXT NOT NULL UNIQUE,
    name_envelope  BLOB NOT NULL,
    content_type   TEXT NOT NULL,
    plain_size     BIGINT NOT NULL,
    metadata       TEXT NOT NULL CHECK (metadata IN ('removed', 'kept', 'none')),
    author         TEXT NOT NULL CHECK (author IN ('reporter', 'official')),
    created_at     BIGINT NOT NULL
);
CREATE INDEX attachments_tip ON attachments (tip_id, created_at);
