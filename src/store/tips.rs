//! Tips: the one INSERT of tips (single or many rows; `intake` files through it), metadata in
//! the clear, content sealed; grants of the tip key to group keys; the identity and payout
//! envelopes; the department and open-tip counts; the oversight statistics by department or
//! district; and retention's queries and the crypto-shredding of a tip's sealed rows.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use super::codes::list_of;
use crate::crypto::{Envelope, Tip, Wrapped};
use crate::domain::reward::RewardStatus;
use crate::domain::{Channel, Kind, TipStatus};

pub struct NewTip<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub kind: Kind,
    pub category: &'a str,
    pub district: &'a str,
    pub channel: Channel,
    pub status: TipStatus,
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

/// A tip's metadata in the clear, as every listing of tips shows it (`TipRow`, and the
/// queue's `QueueRow`); both deref to it.
#[derive(Debug, Clone, FromRow)]
pub struct TipMeta {
    pub reference: String,
    pub kind: Kind,
    pub category_code: String,
    pub district_code: String,
    pub channel: Channel,
    pub status: TipStatus,
    pub department_code: String,
    pub received_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct TipRow {
    pub id: String,
    #[sqlx(flatten)]
    pub meta: TipMeta,
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

impl std::ops::Deref for TipRow {
    type Target = TipMeta;

    fn deref(&self) -> &TipMeta {
        &self.meta
    }
}

/// Inserts the tip; `Conflict` when its reference is taken (the caller draws another).
pub async fn insert(conn: &mut AnyConnection, tip: &NewTip<'_>) -> Result<(), StoreError> {
    if insert_many(conn, std::slice::from_ref(tip)).await?.is_empty() {
        return Err(StoreError::Conflict("reference taken".to_owned()));
    }
    Ok(())
}

/// Inserts the tips in one statement; returns the ids of those stored (a tip whose
/// reference is taken is not).
pub async fn insert_many(conn: &mut AnyConnection, tips: &[NewTip<'_>]) -> Result<Vec<String>, StoreError> {
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO tips (id, reference, kind, category_code, district_code, channel, status, department_code, \
         received_at, public_key, receipt_kdf, receipt_salt, receipt_verifier, reporter_key_wrap, body, poster_id, \
         due_at) VALUES {} ON CONFLICT (reference) DO NOTHING RETURNING id",
        super::intake::placeholders(tips.len(), 17)
    );
    // Only numbered placeholders are formatted in; every value is bound.
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for tip in tips {
        query = query
            .bind(tip.id)
            .bind(tip.reference)
            .bind(tip.kind.as_str())
            .bind(tip.category)
            .bind(tip.district)
            .bind(tip.channel.as_str())
            .bind(tip.status.as_str())
            .bind(tip.department)
            .bind(tip.received_at)
            .bind(tip.public_key)
            .bind(tip.receipt_kdf)
            .bind(tip.receipt_salt)
            .bind(tip.receipt_verifier)
            .bind(tip.reporter_key_wrap.as_bytes())
            .bind(tip.body.as_bytes())
            .bind(tip.poster_id)
            .bind(tip.due_at);
    }
    Ok(query.fetch_all(conn).await?)
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
    grant_path(conn, tip_id, "h.user_id = $2 AND h.state = 'active'", user_id).await
}

/// The newest grant path of the tip to the key holder `holder` selects: a condition on `h`
/// (`key_holders`) comparing with `$2`, which is `who`.
async fn grant_path(
    conn: &mut AnyConnection,
    tip_id: &str,
    holder: &'static str,
    who: &str,
) -> Result<Option<GrantPath>, StoreError> {
    let sql = format!(
        "SELECT g.group_key_id, k.key_group, g.envelope AS tip_wrap, w.envelope AS group_wrap \
         FROM tip_grants g \
         JOIN group_keys k ON k.id = g.group_key_id \
         JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
         JOIN key_holders h ON h.id = w.holder_id \
         WHERE g.tip_id = $1 AND {holder} \
         ORDER BY k.version DESC LIMIT 1"
    );
    // Only the two fixed conditions of the callers are formatted in.
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tip_id).bind(who).fetch_optional(conn).await?)
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

    let sql = format!(
        "SELECT DISTINCT t.reference FROM tips t \
         JOIN tip_grants g ON g.tip_id = t.id \
         JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
         JOIN key_holders h ON h.id = w.holder_id \
         WHERE h.user_id = $1 AND h.state = 'active' AND t.shredded_at IS NULL AND t.reference IN ({})",
        super::bound_list(2, references.len())
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
    grant_path(conn, tip_id, "h.recipient = $2", recipient).await
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

/// The department that has the tip now.
pub async fn department_of(conn: &mut AnyConnection, tip_id: &str) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar("SELECT department_code FROM tips WHERE id = $1").bind(tip_id).fetch_one(conn).await?)
}

/// Tips of the department still open (`TipStatus::OPEN`).
pub async fn open_in_department(conn: &mut AnyConnection, department: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM tips WHERE department_code = $1 AND status IN {}", open());
    // Only the statuses' own texts are formatted in.
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(department).fetch_one(conn).await?)
}

/// One line of the statistics: a department's or a district's tips.
#[derive(Debug, Clone, FromRow)]
pub struct StatsRow {
    pub code: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub concluded: i64,
    /// Average days from receipt to conclusion, over concluded tips.
    pub days_to_conclude: Option<i64>,
}

/// What the statistics group tips by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsBy {
    Department,
    District,
}

impl StatsBy {
    fn column(self) -> &'static str {
        match self {
            StatsBy::Department => "department_code",
            StatsBy::District => "district_code",
        }
    }
}

/// `TipStatus::OPEN` as an SQL list.
fn open() -> String {
    list_of(TipStatus::OPEN.iter().map(|s| s.as_str()))
}

/// Totals from the counts the triggers of migration 0006 keep; overdue (due before `now`)
/// from the open tips' due dates (only open tips have one, so the index on it answers
/// alone). Largest first.
pub async fn stats(conn: &mut AnyConnection, by: StatsBy, now: i64) -> Result<Vec<StatsRow>, StoreError> {
    let column = by.column();
    let open = open();
    let grouped = format!(
        "SELECT {column} AS code, CAST(SUM(tips) AS BIGINT) AS total, \
         CAST(SUM(CASE WHEN status IN {open} THEN tips ELSE 0 END) AS BIGINT) AS open, \
         CAST(0 AS BIGINT) AS overdue, CAST(SUM(concluded) AS BIGINT) AS concluded, \
         CAST(CASE WHEN SUM(concluded) > 0 THEN SUM(conclude_seconds) / SUM(concluded) / 86400 END AS BIGINT) \
         AS days_to_conclude \
         FROM tip_counts GROUP BY {column} HAVING SUM(tips) > 0 ORDER BY total DESC, {column}"
    );
    let overdue = format!("SELECT {column}, COUNT(*) FROM tips WHERE due_at < $1 GROUP BY {column}");
    // Only the two column names and the open statuses above are formatted in.
    let mut rows: Vec<StatsRow> = sqlx::query_as(sqlx::AssertSqlSafe(grouped)).fetch_all(&mut *conn).await?;
    let late: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(overdue)).bind(now).fetch_all(&mut *conn).await?;
    for (code, count) in late {
        if let Some(row) = rows.iter_mut().find(|r| r.code == code) {
            row.overdue = count;
        }
    }
    Ok(rows)
}

/// Up to `limit` tips closed or rejected by `cutoff`, not shredded, with no reward still
/// open: oldest closure first.
pub async fn due_for_shredding(conn: &mut AnyConnection, cutoff: i64, limit: i64) -> Result<Vec<String>, StoreError> {
    let ended = list_of(TipStatus::ENDED.iter().map(|s| s.as_str()));
    let settled = list_of(RewardStatus::SETTLED.iter().map(|s| s.as_str()));
    let sql = format!(
        "SELECT id FROM tips WHERE shredded_at IS NULL AND closed_at IS NOT NULL AND closed_at <= $1 \
         AND status IN {ended} \
         AND NOT EXISTS (SELECT 1 FROM rewards r WHERE r.tip_id = tips.id AND r.status NOT IN {settled}) \
         ORDER BY closed_at LIMIT $2"
    );
    // Only the statuses' own texts are formatted in.
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(cutoff).bind(limit).fetch_all(conn).await?)
}

/// Marks the tip shredded at `now` unless it already is; whether this call did.
pub async fn claim_shredding(conn: &mut AnyConnection, tip_id: &str, now: i64) -> Result<bool, StoreError> {
    super::workflow::claim(conn, "UPDATE tips SET shredded_at = $1 WHERE id = $2 AND shredded_at IS NULL", tip_id, now)
        .await
}

/// Deletes every way to the tip key and everything sealed to it, to the custodians or to
/// finance, and empties the sealed values that stay as columns (inside the caller's
/// transaction; the attachments' blobs are the caller's).
pub async fn shred(conn: &mut AnyConnection, tip_id: &str) -> Result<(), StoreError> {
    for sql in [
        // Every way to the tip key.
        "DELETE FROM tip_grants WHERE tip_id = $1",
        "DELETE FROM sessions WHERE kind = 'reporter' AND subject_id = $1",
        // Everything sealed to it, to the custodians, or to finance.
        "DELETE FROM tip_identities WHERE tip_id = $1",
        "DELETE FROM tip_payouts WHERE tip_id = $1",
        "DELETE FROM messages WHERE tip_id = $1",
        "DELETE FROM notes WHERE tip_id = $1",
        "DELETE FROM attachments WHERE tip_id = $1",
        // What would tie it to other tips.
        "DELETE FROM tip_indexes WHERE tip_id = $1",
        "UPDATE tips SET indexed_with = NULL WHERE id = $1",
        "UPDATE tip_events SET detail = NULL WHERE tip_id = $1",
        "UPDATE disclosures SET envelope = NULL WHERE tip_id = $1",
        "UPDATE rewards SET override_reason = NULL, payment_reference = NULL, extension_reason = NULL WHERE tip_id = $1",
    ] {
        sqlx::query(sql).bind(tip_id).execute(&mut *conn).await?;
    }
    let empty: Vec<u8> = Vec::new();
    for sql in [
        "UPDATE tips SET body = $1, reporter_key_wrap = $1 WHERE id = $2",
        "UPDATE proposals SET terms = $1 WHERE tip_id = $2",
        "UPDATE disclosures SET reason = $1 WHERE tip_id = $2",
    ] {
        sqlx::query(sql).bind(&empty).bind(tip_id).execute(&mut *conn).await?;
    }
    Ok(())
}
