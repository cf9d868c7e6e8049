//! The audit chain: each entry carries the hash of the one before it, so an edited, removed
//! or inserted row breaks the chain at that point. Appends are serialised by the single row
//! of `audit_head`, inside the caller's transaction, so an action and its entry commit
//! together.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, FromRow};

use super::StoreError;

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub action: String,
    pub tip_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 over the entry's fields, each length-prefixed so no two entries hash alike.
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: Option<&str>,
    action: &str,
    tip: Option<&str>,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    for field in [prev, &seq.to_string(), &at.to_string(), actor.unwrap_or(""), action, tip.unwrap_or(""), detail] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub tip_id: Option<&'a str>,
    /// Metadata only (codes, ids, counts): never content.
    pub detail: &'a str,
    pub at: i64,
}

pub async fn append(conn: &mut AnyConnection, e: &Entry<'_>) -> Result<i64, StoreError> {
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let hash = entry_hash(&prev, seq, e.at, e.actor_id, e.action, e.tip_id, e.detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, action, tip_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(e.at)
    .bind(e.actor_id)
    .bind(e.action)
    .bind(e.tip_id)
    .bind(e.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(conn).await?;
    Ok(seq)
}

/// Entries after `seq`, in order, a page at a time.
pub async fn page_after(conn: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, at, actor_id, action, tip_id, detail, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn head(conn: &mut AnyConnection) -> Result<(i64, String), StoreError> {
    Ok(sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(conn).await?)
}

/// The entries about one tip, newest first.
pub async fn of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<AuditRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, at, actor_id, action, tip_id, detail, prev_hash, hash FROM audit_log WHERE tip_id = $1 ORDER BY seq DESC",
    )
    .bind(tip_id)
    .fetch_all(conn)
    .await?)
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: &'static str },
}

/// Recomputes the chain from the first entry to the head.
pub async fn verify(conn: &mut AnyConnection) -> Result<Verdict, StoreError> {
    let mut prev = "0".repeat(64);
    let mut expected = 1;
    loop {
        let page = page_after(conn, expected - 1, 1000).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.seq != expected {
                return Ok(Verdict::Broken { seq: expected, reason: "the entry is missing" });
            }
            if row.prev_hash != prev {
                return Ok(Verdict::Broken { seq: row.seq, reason: "it does not follow the entry before it" });
            }
            let hash = entry_hash(
                &prev,
                row.seq,
                row.at,
                row.actor_id.as_deref(),
                &row.action,
                row.tip_id.as_deref(),
                &row.detail,
            );
            if hash != row.hash {
                return Ok(Verdict::Broken { seq: row.seq, reason: "the entry was altered" });
            }
            prev = row.hash;
            expected += 1;
        }
    }
    let (head_seq, head_hash) = head(conn).await?;
    if head_seq != expected - 1 || head_hash != prev {
        return Ok(Verdict::Broken { seq: expected, reason: "entries after it were removed" });
    }
    Ok(Verdict::Intact { entries: expected - 1 })
}
