//! Rewards: the track, its people and dates, and a tip's reward status alone (for retention).
//! Amounts are metadata; reasons are sealed.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::Envelope;
use crate::domain::reward::RewardStatus;

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct RewardRow {
    pub id: String,
    pub tip_id: String,
    pub status: RewardStatus,
    pub policy_version: i64,
    pub basis: String,
    pub computed_yuan: i64,
    pub amount_yuan: i64,
    pub override_reason: Option<Vec<u8>>,
    pub proposed_by: String,
    pub proposed_at: i64,
    /// The first of two heads, for an amount above the computed one (then `approved_by` is
    /// the second).
    pub first_approved_by: Option<String>,
    pub first_approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub authorised_by: Option<String>,
    pub authorised_at: Option<i64>,
    pub claim_due_at: Option<i64>,
    pub claim_method: Option<String>,
    pub claimed_at: Option<i64>,
    pub paid_by: Option<String>,
    pub paid_at: Option<i64>,
    /// Sealed to the finance key `payment_key_id`.
    pub payment_reference: Option<Vec<u8>>,
    pub payment_key_id: Option<String>,
    pub forfeited_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub extension_reason: Option<Vec<u8>>,
    pub extension_requested_at: Option<i64>,
    pub extension_decided_by: Option<String>,
    pub extension_decided_at: Option<i64>,
}

const COLUMNS: &str = "id, tip_id, status, policy_version, basis, computed_yuan, amount_yuan, override_reason, \
     proposed_by, proposed_at, first_approved_by, first_approved_at, approved_by, approved_at, authorised_by, authorised_at, claim_due_at, claim_method, \
     claimed_at, paid_by, paid_at, payment_reference, payment_key_id, forfeited_at, reminded_at, extension_reason, \
     extension_requested_at, extension_decided_by, extension_decided_at";

pub async fn of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<RewardRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM rewards WHERE tip_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tip_id).fetch_optional(conn).await?)
}

pub async fn with_status(conn: &mut AnyConnection, statuses: &[RewardStatus]) -> Result<Vec<RewardRow>, StoreError> {
    let mut all = Vec::new();
    for status in statuses {
        let sql = format!("SELECT {COLUMNS} FROM rewards WHERE status = $1 ORDER BY proposed_at");
        let rows: Vec<RewardRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(status.as_str()).fetch_all(&mut *conn).await?;
        all.extend(rows);
    }
    Ok(all)
}

pub struct NewReward<'a> {
    pub id: &'a str,
    pub tip_id: &'a str,
    pub policy_version: i64,
    pub basis: &'a str,
    pub computed_yuan: i64,
    pub amount_yuan: i64,
    pub override_reason: Option<&'a Envelope>,
    pub proposed_by: &'a str,
    pub proposed_at: i64,
}

/// Inserts a proposal; `Conflict` when the tip has a reward already.
pub async fn insert(conn: &mut AnyConnection, r: &NewReward<'_>) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO rewards (id, tip_id, status, policy_version, basis, computed_yuan, amount_yuan, override_reason, \
         proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tip_id) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.tip_id)
    .bind(RewardStatus::Proposed.as_str())
    .bind(r.policy_version)
    .bind(r.basis)
    .bind(r.computed_yuan)
    .bind(r.amount_yuan)
    .bind(r.override_reason.map(Envelope::as_bytes))
    .bind(r.proposed_by)
    .bind(r.proposed_at)
    .execute(conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict("this tip has a reward already".to_owned()));
    }
    Ok(())
}

/// Writes the whole row if it is still as `before` left it. The first approval is part of
/// the check: two heads approving at once cannot both be the first.
pub async fn save(conn: &mut AnyConnection, before: &RewardRow, after: &RewardRow) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE rewards SET status = $1, approved_by = $2, approved_at = $3, authorised_by = $4, authorised_at = $5, \
         claim_due_at = $6, claim_method = $7, claimed_at = $8, paid_by = $9, paid_at = $10, payment_reference = $11, \
         payment_key_id = $12, forfeited_at = $13, reminded_at = $14, extension_reason = $15, \
         extension_requested_at = $16, extension_decided_by = $17, extension_decided_at = $18, \
         first_approved_by = $19, first_approved_at = $20 \
         WHERE id = $21 AND status = $22 AND COALESCE(reminded_at, 0) = $23 AND COALESCE(first_approved_by, '') = $24",
    )
    .bind(after.status.as_str())
    .bind(after.approved_by.as_deref())
    .bind(after.approved_at)
    .bind(after.authorised_by.as_deref())
    .bind(after.authorised_at)
    .bind(after.claim_due_at)
    .bind(after.claim_method.as_deref())
    .bind(after.claimed_at)
    .bind(after.paid_by.as_deref())
    .bind(after.paid_at)
    .bind(after.payment_reference.as_deref())
    .bind(after.payment_key_id.as_deref())
    .bind(after.forfeited_at)
    .bind(after.reminded_at)
    .bind(after.extension_reason.as_deref())
    .bind(after.extension_requested_at)
    .bind(after.extension_decided_by.as_deref())
    .bind(after.extension_decided_at)
    .bind(after.first_approved_by.as_deref())
    .bind(after.first_approved_at)
    .bind(&before.id)
    .bind(before.status.as_str())
    .bind(before.reminded_at.unwrap_or(0))
    .bind(before.first_approved_by.as_deref().unwrap_or(""))
    .execute(conn)
    .await?;
    if updated.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the reward changed meanwhile".to_owned()))
    }
}

/// The policy in force: its version and its TOML text.
pub async fn newest_policy(conn: &mut AnyConnection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT version, source FROM reward_policies ORDER BY version DESC LIMIT 1")
        .fetch_optional(conn)
        .await?)
}

/// The status of the tip's reward, if it has one.
pub async fn status_of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<RewardStatus>, StoreError> {
    Ok(sqlx::query_scalar("SELECT status FROM rewards WHERE tip_id = $1").bind(tip_id).fetch_optional(conn).await?)
}
