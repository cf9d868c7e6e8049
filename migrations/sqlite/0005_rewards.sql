-- Rewards (PRODUCT.md §3). Amounts are whole yuan; what people wrote (an override's reason,
-- a reporter's reason for more time) is sealed to the tip key; the payment reference is
-- sealed to the finance key (it leads to the payee at the bank); payout details live in
-- tip_payouts, sealed for finance and the reporter.

ALTER TABLE tips ADD COLUMN previously_known BIGINT;

CREATE TABLE rewards (
    id                      TEXT PRIMARY KEY,
    tip_id                  TEXT NOT NULL UNIQUE REFERENCES tips (id),
    status                  TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'notified', 'claimed', 'paid', 'forfeited')),
    policy_version          BIGINT NOT NULL,
    basis                   TEXT NOT NULL,
    computed_yuan           BIGINT NOT NULL,
    amount_yuan             BIGINT NOT NULL,
    override_reason         BLOB,
    proposed_by             TEXT NOT NULL REFERENCES users (id),
    proposed_at             BIGINT NOT NULL,
    approved_by             TEXT REFERENCES users (id),
    approved_at             BIGINT,
    authorised_by           TEXT REFERENCES users (id),
    authorised_at           BIGINT,
    claim_due_at            BIGINT,
    claim_method            TEXT CHECK (claim_method IN ('bank', 'in_person')),
    claimed_at              BIGINT,
    paid_by                 TEXT REFERENCES users (id),
    paid_at                 BIGINT,
    payment_reference       BLOB,
    payment_key_id          TEXT REFERENCES group_keys (id),
    forfeited_at            BIGINT,
    reminded_at             BIGINT,
    extension_reason        BLOB,
    extension_requested_at  BIGINT,
    extension_decided_by    TEXT REFERENCES users (id),
    extension_decided_at    BIGINT
);
CREATE INDEX rewards_status ON rewards (status, claim_due_at);
