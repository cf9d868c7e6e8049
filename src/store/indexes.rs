//! The blind indexes of tips (`crypto::blind`), and the tips that share one with a given tip.
//! Only the cut hashes are stored; the values they were computed from never reach the store.

use sqlx::{AnyConnection, FromRow};

use super::{StoreError, bound_list};
use crate::crypto::blind::{BlindIndex, Field};
use crate::domain::{Kind, TipStatus};

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

/// A tip still to index under a newer matching key version, with what opens it for one
/// official: the sealed body, and the newest grant of it to a department key version they
/// hold.
#[derive(Debug, FromRow)]
pub struct ToIndex {
    pub tip_id: String,
    pub received_at: i64,
    pub kind: Kind,
    pub district_code: String,
    pub body: Vec<u8>,
    pub group_key_id: String,
    pub tip_wrap: Vec<u8>,
}

/// Where a re-indexing has come to: the last tip it looked at, in the order of
/// `to_index` (time received, then id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub received_at: i64,
    pub tip_id: String,
}

/// What `to_index` and `count_to_index` select: the tips of the department `$3` not
/// shredded, not indexed with `$1`, granted to a key version the active holder `$2` (a user
/// id) holds. One department at a time, so that its index (`tips_department`) gives them in
/// the order they were received.
const TO_INDEX: &str = "FROM tips t \
     JOIN tip_grants g ON g.tip_id = t.id \
     JOIN group_key_wraps w ON w.group_key_id = g.group_key_id \
     JOIN key_holders h ON h.id = w.holder_id AND h.user_id = $2 AND h.state = 'active' \
     WHERE t.department_code = $3 AND t.shredded_at IS NULL \
     AND (t.indexed_with IS NULL OR t.indexed_with <> $1)";

/// The next `limit` tips of `department` after `after` that `user_id` can open and that are
/// not indexed with the key version `key_id` (none yet, or an older one): what a re-indexing
/// after a rotation works through. A tip granted to two versions the official holds comes
/// once.
pub async fn to_index(
    conn: &mut AnyConnection,
    key_id: &str,
    user_id: &str,
    department: &str,
    after: &Cursor,
    limit: i64,
) -> Result<Vec<ToIndex>, StoreError> {
    let sql = format!(
        "SELECT t.id AS tip_id, t.received_at, t.kind, t.district_code, t.body, g.group_key_id, \
         g.envelope AS tip_wrap {TO_INDEX} AND t.received_at >= $4 AND (t.received_at > $4 OR t.id > $5) \
         ORDER BY t.received_at, t.id LIMIT $6"
    );
    // Only the fixed text above is formatted in; every value is bound.
    let mut rows: Vec<ToIndex> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(key_id)
        .bind(user_id)
        .bind(department)
        .bind(after.received_at)
        .bind(&after.tip_id)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.dedup_by(|a, b| a.tip_id == b.tip_id);
    Ok(rows)
}

/// How many tips of `department` `to_index` would go through from the start.
pub async fn count_to_index(
    conn: &mut AnyConnection,
    key_id: &str,
    user_id: &str,
    department: &str,
) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(DISTINCT t.id) {TO_INDEX}");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(key_id).bind(user_id).bind(department).fetch_one(conn).await?)
}

/// How far the tips are indexed under the key version `key_id`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Tips not shredded.
    pub tips: i64,
    /// Of them, those indexed with `key_id`.
    pub indexed: i64,
}

pub async fn coverage(conn: &mut AnyConnection, key_id: &str) -> Result<Coverage, StoreError> {
    let (tips, indexed): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN indexed_with = $1 THEN 1 ELSE 0 END), 0) \
         FROM tips WHERE shredded_at IS NULL",
    )
    .bind(key_id)
    .fetch_one(conn)
    .await?;
    Ok(Coverage { tips, indexed })
}

/// A tip's id with its indexes, as a re-indexing writes them.
pub type TipIndexes = (String, Vec<(Field, BlindIndex)>);

/// Replaces the indexes of many tips at once (a re-indexing's batch), all computed with the
/// key version `key_id`: three statements for the batch instead of some for each tip.
pub async fn replace_many(conn: &mut AnyConnection, key_id: &str, tips: &[TipIndexes]) -> Result<(), StoreError> {
    // Bound values per statement stay well under both backends' limits.
    for chunk in tips.chunks(500) {
        let delete = format!("DELETE FROM tip_indexes WHERE tip_id IN ({})", bound_list(1, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(delete));
        for (id, _) in chunk {
            query = query.bind(id);
        }
        query.execute(&mut *conn).await?;
        let rows: Vec<(&str, Field, BlindIndex)> =
            chunk.iter().flat_map(|(id, found)| found.iter().map(move |&(f, v)| (id.as_str(), f, v))).collect();
        if !rows.is_empty() {
            let insert = format!(
                "INSERT INTO tip_indexes (tip_id, field, value) VALUES {} ON CONFLICT DO NOTHING",
                super::intake::placeholders(rows.len(), 3)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(insert));
            for (id, field, value) in &rows {
                query = query.bind(*id).bind(field.label()).bind(value.value());
            }
            query.execute(&mut *conn).await?;
        }
        let update = format!("UPDATE tips SET indexed_with = $1 WHERE id IN ({})", bound_list(2, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(update)).bind(key_id);
        for (id, _) in chunk {
            query = query.bind(id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
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
