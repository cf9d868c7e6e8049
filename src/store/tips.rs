//! Tips: metadata in the clear, content sealed; grants of the tip key to group keys; the
//! identity and payout envelopes.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::{Envelope, Tip, Wrapped};

pub struct NewTip<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub kind: &'a str,
    pub category: &'a str,
    pub district: &'a str,
    pub channel: &'a str,
    pub status: &'a str,
    pub department: &'a str,
    pub received_at: i64,
    pub public_key: &'a str,
    pub receipt_kdf: &'a str,
    pub receipt_salt: &'a [u8],
    pub receipt_verifier: &'a [u8],
    pub reporter_key_wrap: &'a Wrapped<Tip>,
    pub body: &'a Envelope,
    pub poster_id: Option<&'a str>,
    /// When acknowledgement is due.
    pub due_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TipRow {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub category_code: String,
    pub district_code: String,
    pub channel: String,
    pub status: String,
    pub department_code: String,
    pub received_at: i64,
    pub public_key: String,
    pub receipt_kdf: String,
    pub receipt_salt: Vec<u8>,
    pub receipt_verifier: Vec<u8>,
    pub reporter_key_wrap: Vec<u8>,
    pub body: Vec<u8>,
    pub poster_id: Option<String>,
    pub closed_at: Option<i64>,
    /// Set once the tip is crypto-shredded: `body` and `reporter_key_wrap` are then empty.
    pub shredded_at: Option<i64>,
}

/// Inserts the tip; `Conflict` when its reference is taken (the caller draws another).
pub async fn insert(conn: &mut AnyConnection, tip: &NewTip<'_>) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO tips (id, reference, kind, category_code, district_code, channel, status, department_code, \
         received_at, public_key, receipt_kdf, receipt_salt, receipt_verifier, reporter_key_wrap, body, poster_id, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(tip.id)
    .bind(tip.reference)
    .bind(tip.kind)
    .bind(tip.category)
    .bind(tip.district)
    .bind(tip.channel)
    .bind(tip.status)
    .bind(tip.department)
    .bind(tip.received_at)
    .bind(tip.public_key)
    .bind(tip.receipt_kdf)
    .bind(tip.receipt_salt)
    .bind(tip.receipt_verifier)
    .bind(tip.reporter_key_wrap.as_bytes())
    .bind(tip.body.as_bytes())
    .bind(tip.poster_id)
    .bind(tip.due_at)
    .execute(conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict("reference taken".to_owned()));
    }
    Ok(())
}

const TIP_COLUMNS: &str = "id, reference, kind, category_code, district_code, channel, status, department_code, \
     received_at, public_key, receipt_kdf, receipt_salt, receipt_verifier, reporter_key_wrap, body, poster_id, closed_at, \
     shredded_at";

pub async fn by_reference(conn: &mut AnyConnection, reference: &str) -> Result<Option<TipRow>, StoreError> {
    let sql = format!("SELECT {TIP_COLUMNS} FROM tips WHERE reference = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(reference).fetch_optional(conn).await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<TipRow>, StoreError> {
    let sql = format!("SELECT {TIP_COLUMNS} FROM tips WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?)
}

pub async fn insert_grant(
    conn: &mut AnyConnection,
    tip_id: &str,
    group_key_id: &str,
    tip_key: &Wrapped<Tip>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tip_grants (tip_id, group_key_id, envelope, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(tip_id)
    .bind(group_key_id)
    .bind(tip_key.as_bytes())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Revokes every grant of the tip to any version of `group`'s key.
pub async fn revoke_group(conn: &mut AnyConnection, tip_id: &str, group: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM tip_grants WHERE tip_id = $1 AND group_key_id IN (SELECT id FROM group_keys WHERE key_group = $2)",
    )
    .bind(tip_id)
    .bind(group)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_department(conn: &mut AnyConnection, tip_id: &str, department: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE tips SET department_code = $1 WHERE id = $2")
        .bind(department)
        .bind(tip_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The two envelopes that lead an official to the tip key: the tip key sealed to a group
/// version, and that version sealed to the official.
#[derive(Debug, FromRow)]
pub struct GrantPath {
    pub group_key_id: String,
    pub key_group: String,
    pub tip_wrap: Vec<u8>,
    pub group_wrap: Vec<u8>,
}

pub async fn grant_path_for_user(
    conn: &mut AnyConnection,
    tip_id: &str,
    user_id: &str,
) -> Result<Option<GrantPath>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT g.group_key_id, k.key_group, g.envelope AS tip_wrap, w.envelope AS group_wrap \
         FROM tip_grants g \
         JOIN group_keys k ON k.id = g.group_key_id \
         JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
         JOIN key_holders h ON h.id = w.holder_id \
         WHERE g.tip_id = $1 AND h.user_id = $2 AND h.state = 'active' \
         ORDER BY k.version DESC LIMIT 1",
    )
    .bind(tip_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Of `references`, those `user_id` can open now: granted to a group they actively hold, and
/// not shredded. One query for a page of the queue.
pub async fn openable_references(
    conn: &mut AnyConnection,
    user_id: &str,
    references: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    if references.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let placeholders: Vec<String> = (2..references.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT DISTINCT t.reference FROM tips t \
         JOIN tip_grants g ON g.tip_id = t.id \
         JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
         JOIN key_holders h ON h.id = w.holder_id \
         WHERE h.user_id = $1 AND h.state = 'active' AND t.shredded_at IS NULL AND t.reference IN ({})",
        placeholders.join(", ")
    );
    // Only numbered placeholders are formatted in; every value is bound.
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(user_id);
    for reference in references {
        query = query.bind(reference);
    }
    Ok(query.fetch_all(conn).await?.into_iter().collect())
}

pub async fn grant_path_for_recipient(
    conn: &mut AnyConnection,
    tip_id: &str,
    recipient: &str,
) -> Result<Option<GrantPath>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT g.group_key_id, k.key_group, g.envelope AS tip_wrap, w.envelope AS group_wrap \
         FROM tip_grants g \
         JOIN group_keys k ON k.id = g.group_key_id \
         JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
         JOIN key_holders h ON h.id = w.holder_id \
         WHERE g.tip_id = $1 AND h.recipient = $2 \
         ORDER BY k.version DESC LIMIT 1",
    )
    .bind(tip_id)
    .bind(recipient)
    .fetch_optional(conn)
    .await?)
}

/// Which table an envelope of a tip lives in, besides the body.
#[derive(Debug, Clone, Copy)]
pub enum Sealed {
    /// Sealed to the custodians' key and the reporter's key.
    Identity,
    /// Sealed to finance's key and the reporter's key.
    Payout,
}

pub async fn insert_sealed(
    conn: &mut AnyConnection,
    which: Sealed,
    tip_id: &str,
    group_key_id: &str,
    envelope: &Envelope,
    at: i64,
) -> Result<(), StoreError> {
    let sql = match which {
        Sealed::Identity => {
            "INSERT INTO tip_identities (tip_id, group_key_id, envelope, created_at) VALUES ($1, $2, $3, $4)"
        }
        Sealed::Payout => {
            "INSERT INTO tip_payouts (tip_id, group_key_id, envelope, created_at) VALUES ($1, $2, $3, $4)"
        }
    };
    sqlx::query(sql).bind(tip_id).bind(group_key_id).bind(envelope.as_bytes()).bind(at).execute(conn).await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct SealedRow {
    pub group_key_id: String,
    pub envelope: Vec<u8>,
}

pub async fn sealed(conn: &mut AnyConnection, which: Sealed, tip_id: &str) -> Result<Option<SealedRow>, StoreError> {
    let sql = match which {
        Sealed::Identity => "SELECT group_key_id, envelope FROM tip_identities WHERE tip_id = $1",
        Sealed::Payout => "SELECT group_key_id, envelope FROM tip_payouts WHERE tip_id = $1",
    };
    Ok(sqlx::query_as(sql).bind(tip_id).fetch_optional(conn).await?)
}
