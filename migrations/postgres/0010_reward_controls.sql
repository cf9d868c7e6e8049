-- Reward controls (PRODUCT.md §3): an amount above what the policy computed is approved by two
-- heads in turn. The first approval is kept here while the reward stays 'proposed'; the second
-- is approved_by / approved_at as for any reward.
ALTER TABLE rewards ADD COLUMN first_approved_by TEXT REFERENCES users (id);
ALTER TABLE rewards ADD COLUMN first_approved_at BIGINT;
