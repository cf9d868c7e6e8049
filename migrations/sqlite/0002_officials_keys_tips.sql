-- Officials, group keys, tips and sessions. Columns named *envelope, *wrap, sealed_key and
-- body hold binary age files (KEYS.md says which key opens which); salts and verifiers are
-- Argon2id inputs and outputs; everything else is metadata.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    username           TEXT NOT NULL UNIQUE,
    department_code    TEXT REFERENCES departments (code),
    email              TEXT,
    -- The official's key: its age1… recipient, and the secret sealed to Key<Password>.
    public_key         TEXT NOT NULL,
    key_envelope       BLOB NOT NULL,
    -- Argon2id of the password: parameters, salt, and the verifier half of the output.
    password_kdf       TEXT NOT NULL,
    password_salt      BLOB NOT NULL,
    password_verifier  BLOB NOT NULL,
    -- The TOTP secret, sealed to the official's own key; the last time step used.
    totp_envelope      BLOB NOT NULL,
    totp_last_step     BIGINT,
    created_at         BIGINT NOT NULL,
    disabled_at        BIGINT
);

CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('intake', 'officer', 'head', 'oversight', 'custodian', 'finance', 'admin')),
    PRIMARY KEY (user_id, role)
);

-- Versions of a group's key. A group is `department:CODE`, `custodians` or `finance`.
CREATE TABLE group_keys (
    id          TEXT PRIMARY KEY,
    key_group   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    public_key  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (key_group, version)
);

-- Who may hold a group's key: an official, or an offline recovery recipient. A pending
-- holder gets no version until a member approves; approval wraps every version for them.
CREATE TABLE key_holders (
    id           TEXT PRIMARY KEY,
    key_group    TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    recipient    TEXT,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'active')),
    added_at     BIGINT NOT NULL,
    approved_by  TEXT REFERENCES users (id),
    approved_at  BIGINT,
    CHECK ((user_id IS NULL) <> (recipient IS NULL)),
    UNIQUE (key_group, user_id),
    UNIQUE (key_group, recipient)
);

-- One version of a group key, sealed to one holder.
CREATE TABLE group_key_wraps (
    group_key_id  TEXT NOT NULL REFERENCES group_keys (id),
    holder_id     TEXT NOT NULL REFERENCES key_holders (id) ON DELETE CASCADE,
    envelope      BLOB NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (group_key_id, holder_id)
);
CREATE INDEX group_key_wraps_holder ON group_key_wraps (holder_id);

CREATE TABLE tips (
    id                 TEXT PRIMARY KEY,
    reference          TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL,
    category_code      TEXT NOT NULL REFERENCES categories (code),
    district_code      TEXT NOT NULL REFERENCES districts (code),
    channel            TEXT NOT NULL,
    status             TEXT NOT NULL,
    department_code    TEXT NOT NULL REFERENCES departments (code),
    received_at        BIGINT NOT NULL,
    -- The tip key's recipient: new messages, notes and attachments are sealed to it.
    public_key         TEXT NOT NULL,
    -- Argon2id of the query code: parameters, salt, verifier half. The code is never stored.
    receipt_kdf        TEXT NOT NULL,
    receipt_salt       BLOB NOT NULL,
    receipt_verifier   BLOB NOT NULL,
    -- The tip key sealed to the reporter's key, and the report sealed to the tip key.
    reporter_key_wrap  BLOB NOT NULL,
    body               BLOB NOT NULL
);
CREATE INDEX tips_department ON tips (department_code, received_at);

-- The tip key sealed to a version of a group key: who may read the tip.
CREATE TABLE tip_grants (
    tip_id        TEXT NOT NULL REFERENCES tips (id),
    group_key_id  TEXT NOT NULL REFERENCES group_keys (id),
    envelope      BLOB NOT NULL,
    granted_at    BIGINT NOT NULL,
    PRIMARY KEY (tip_id, group_key_id)
);
CREATE INDEX tip_grants_key ON tip_grants (group_key_id);

-- The reporter's identity, if given: sealed to the custodians' key and the reporter's key.
CREATE TABLE tip_identities (
    tip_id        TEXT PRIMARY KEY REFERENCES tips (id),
    group_key_id  TEXT NOT NULL REFERENCES group_keys (id),
    envelope      BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Where a reward is paid: sealed to finance's key and the reporter's key.
CREATE TABLE tip_payouts (
    tip_id        TEXT PRIMARY KEY REFERENCES tips (id),
    group_key_id  TEXT NOT NULL REFERENCES group_keys (id),
    envelope      BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);

-- A signed-in official or reporter. The client's token holds the lookup id (stored here
-- only hashed) and the secret of Key<Session>, to which the signed-in key is sealed.
CREATE TABLE sessions (
    lookup_id     TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('staff', 'reporter')),
    subject_id    TEXT NOT NULL,
    sealed_key    BLOB NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
