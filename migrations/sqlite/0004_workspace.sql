-- The staff workspace: workflow, proposals awaiting a head, notes, disclosures, the audit
-- chain, the mail outbox, and sign-in throttling.

ALTER TABLE tips ADD COLUMN assignee_id TEXT REFERENCES users (id);
ALTER TABLE tips ADD COLUMN accepted_at BIGINT;
ALTER TABLE tips ADD COLUMN concluded_at BIGINT;
ALTER TABLE tips ADD COLUMN closed_at BIGINT;
ALTER TABLE tips ADD COLUMN objected_at BIGINT;
ALTER TABLE tips ADD COLUMN extension_days BIGINT NOT NULL DEFAULT 0;
-- When the current step is due (null when none is), and what was done about it.
ALTER TABLE tips ADD COLUMN due_at BIGINT;
ALTER TABLE tips ADD COLUMN reminded_at BIGINT;
ALTER TABLE tips ADD COLUMN escalated_at BIGINT;
ALTER TABLE tips ADD COLUMN duplicate_of TEXT REFERENCES tips (id);
-- The verified outcome (metadata: it drives rewards and statistics).
ALTER TABLE tips ADD COLUMN outcome TEXT;
ALTER TABLE tips ADD COLUMN fine_yuan BIGINT;
ALTER TABLE tips ADD COLUMN accident_grade TEXT;
ALTER TABLE tips ADD COLUMN concealed_deaths BIGINT;
ALTER TABLE tips ADD COLUMN concluded_by TEXT REFERENCES users (id);

CREATE INDEX tips_queue ON tips (department_code, status, received_at);
CREATE INDEX tips_due ON tips (due_at);
CREATE INDEX tips_assignee ON tips (assignee_id, status);

-- What happened to a tip, in order. The detail (a reason, an outcome text) is sealed to the
-- tip key; public events are shown to the reporter.
CREATE TABLE tip_events (
    id        TEXT PRIMARY KEY,
    tip_id    TEXT NOT NULL REFERENCES tips (id),
    kind      TEXT NOT NULL,
    actor_id  TEXT REFERENCES users (id),
    public    BIGINT NOT NULL DEFAULT 0,
    detail    BLOB,
    at        BIGINT NOT NULL
);
CREATE INDEX tip_events_tip ON tip_events (tip_id, at);

-- A step that waits for a head other than its proposer: rejection, extension, conclusion.
-- Its terms (reason, outcome, feedback) are sealed to the tip key.
CREATE TABLE proposals (
    id           TEXT PRIMARY KEY,
    tip_id       TEXT NOT NULL REFERENCES tips (id),
    step         TEXT NOT NULL,
    terms        BLOB NOT NULL,
    proposed_by  TEXT NOT NULL REFERENCES users (id),
    proposed_at  BIGINT NOT NULL,
    decided_by   TEXT REFERENCES users (id),
    decided_at   BIGINT,
    decision     TEXT CHECK (decision IN ('approved', 'denied'))
);
CREATE INDEX proposals_open ON proposals (tip_id, decided_at);

-- Officials' notes on a case, sealed to the tip key; never shown to the reporter.
CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    tip_id      TEXT NOT NULL REFERENCES tips (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    body        BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX notes_tip ON notes (tip_id, created_at);

-- A head asks to learn who the reporter is; a custodian decides. On approval the identity
-- is sealed again, for the requester alone.
CREATE TABLE disclosures (
    id            TEXT PRIMARY KEY,
    tip_id        TEXT NOT NULL REFERENCES tips (id),
    requested_by  TEXT NOT NULL REFERENCES users (id),
    reason        BLOB NOT NULL,
    requested_at  BIGINT NOT NULL,
    decided_by    TEXT REFERENCES users (id),
    decided_at    BIGINT,
    decision      TEXT CHECK (decision IN ('approved', 'denied')),
    envelope      BLOB
);
CREATE INDEX disclosures_tip ON disclosures (tip_id);

-- Every sign-in, read of content, identity or payout, transition, grant and disclosure,
-- each entry hashing the one before it. The head row serialises appends.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_id   TEXT,
    action     TEXT NOT NULL,
    tip_id     TEXT,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Mail to officials: neutral subject, a link and a reference, no content. Sent (or written
-- as .eml files) by a background job, retried with a growing delay.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- Sign-in throttling per account: failures in a row and the lock they earned.
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
