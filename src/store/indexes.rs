//! The blind indexes of tips (`crypto::blind`), and the tips that share one with a given tip.
//! Only the cut hashes are stored; the values they were computed from never reach the store.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::blind::{BlindIndex, Field};
use crate::domain::TipStatus;

/// Replaces the tip's indexes with `indexes`, computed with the matching key version
/// `key_id`; an empty list marks the tip as indexed with nothing to match on.
pub async fn replace(
    conn: &mut AnyConnection,
    tip_id: &str,
    key_id: &str,
    indexes: &[(Field, BlindIndex)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tip_indexes WHERE tip_id = $1").bind(tip_id).execute(&mut *conn).await?;
    for &(field, value) in indexes {
        // Two values of one field may cut to the same index: it is kept once.
        sqlx::query("INSERT INTO tip_indexes (tip_id, field, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(tip_id)
            .bind(field.label())
            .bind(value.value())
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE tips SET indexed_with = $1 WHERE id = $2").bind(key_id).bind(tip_id).execute(conn).await?;
    Ok(())
}

/// The matching key version a tip was indexed with, if it was.
pub async fn indexed_with(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT indexed_with FROM tips WHERE id = $1")
        .bind(tip_id)
        .fetch_optional(conn)
        .await?
        .flatten())
}

/// Another tip that shares an index with the one asked about: a candidate, to be confirmed by
/// opening it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Candidate {
    pub tip_id: String,
    pub reference: String,
    pub department_code: String,
    pub status: TipStatus,
    pub field: Field,
}

/// The tips sharing an index with `tip_id`, computed with the same key version, one row per
/// tip and field; shredded tips have none. At most `limit` rows, newest tips first.
pub async fn candidates(conn: &mut AnyConnection, tip_id: &str, limit: i64) -> Result<Vec<Candidate>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT t.id AS tip_id, t.reference, t.department_code, t.status, o.field, t.received_at \
         FROM tip_indexes s \
         JOIN tips me ON me.id = s.tip_id \
         JOIN tip_indexes o ON o.field = s.field AND o.value = s.value AND o.tip_id <> s.tip_id \
         JOIN tips t ON t.id = o.tip_id AND t.indexed_with = me.indexed_with \
         WHERE s.tip_id = $1 \
         ORDER BY t.received_at DESC, t.id, o.field \
         LIMIT $2",
    )
    .bind(tip_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Tips not indexed with the key version `key_id` (none yet, or an older one), oldest first:
/// what a re-indexing after a rotation works through, `limit` at a time.
pub async fn not_indexed_with(conn: &mut AnyConnection, key_id: &str, limit: i64) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM tips WHERE (indexed_with IS NULL OR indexed_with <> $1) AND shredded_at IS NULL \
         ORDER BY received_at, id LIMIT $2",
    )
    .bind(key_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// One index value that several tips share: a company, code, address or accident reported
/// more than once (or a chance collision of cut hashes).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Repeat {
    pub field: Field,
    pub value: i64,
    pub tips: i64,
}

/// The index values shared by at least `least` tips received since `since`, all indexed with
/// the key version `key_id`: the most reported first, at most `limit`.
pub async fn repeats(
    conn: &mut AnyConnection,
    key_id: &str,
    since: i64,
    least: i64,
    limit: i64,
) -> Result<Vec<Repeat>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT i.field, i.value, COUNT(*) AS tips FROM tip_indexes i JOIN tips t ON t.id = i.tip_id \
         WHERE t.indexed_with = $1 AND t.received_at >= $2 \
         GROUP BY i.field, i.value HAVING COUNT(*) >= $3 \
         ORDER BY tips DESC, i.field, i.value LIMIT $4",
    )
    .bind(key_id)
    .bind(since)
    .bind(least)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A tip holding one index value, as a repeat lists it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Holder {
    pub field: Field,
    pub value: i64,
    pub reference: String,
    pub department_code: String,
    pub status: TipStatus,
    pub received_at: i64,
}

/// The tips holding each of `values` (field and value), indexed with `key_id` and received
/// since `since`, newest first within each value.
pub async fn holders(
    conn: &mut AnyConnection,
    key_id: &str,
    since: i64,
    values: &[(Field, i64)],
) -> Result<Vec<Holder>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    // Only the enum's labels and integers go into the list, never input.
    let pairs: Vec<String> =
        values.iter().map(|(f, v)| format!("(i.field = '{}' AND i.value = {v})", f.label())).collect();
    let sql = format!(
        "SELECT i.field, i.value, t.reference, t.department_code, t.status, t.received_at \
         FROM tip_indexes i JOIN tips t ON t.id = i.tip_id \
         WHERE t.indexed_with = $1 AND t.received_at >= $2 AND ({}) \
         ORDER BY i.field, i.value, t.received_at DESC, t.id",
        pairs.join(" OR ")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key_id).bind(since).fetch_all(conn).await?)
}
