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
        sqlx::query(
            "INSERT INTO tip_indexes (tip_id, field, value, field_value, key_id, received_at) \
             SELECT id, $2, $3, $4, $5, received_at FROM tips WHERE id = $1 ON CONFLICT DO NOTHING",
        )
        .bind(tip_id)
        .bind(field.label())
        .bind(value.value())
        .bind(field.with_value(value))
        .bind(key_id)
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

/// `candidates`: `$1` the tip, `$2` the limit.
pub(super) const CANDIDATES: &str = "SELECT DISTINCT t.id AS tip_id, t.reference, t.department_code, t.status, o.field, t.received_at \
     FROM tip_indexes s \
     JOIN tip_indexes o ON o.field = s.field AND o.value = s.value AND o.key_id = s.key_id \
     AND o.tip_id <> s.tip_id \
     JOIN tips t ON t.id = o.tip_id \
     WHERE s.tip_id = $1 \
     ORDER BY t.received_at DESC, t.id, o.field \
     LIMIT $2";

/// The tips sharing an index with `tip_id`, computed with the same key version, one row per
/// tip and field; shredded tips have none. At most `limit` rows, newest tips first.
pub async fn candidates(conn: &mut AnyConnection, tip_id: &str, limit: i64) -> Result<Vec<Candidate>, StoreError> {
    Ok(sqlx::query_as(CANDIDATES).bind(tip_id).bind(limit).fetch_all(conn).await?)
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

/// A tip's indexes, as a re-indexing writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipIndexes {
    pub tip_id: String,
    /// The tip's `received_at`, copied into its index rows.
    pub received_at: i64,
    pub found: Vec<(Field, BlindIndex)>,
}

/// Tips per DELETE and UPDATE, and index rows per INSERT, of `replace_many`. The SQLite
/// driver looks up each bound value's name along the statement's whole list, so the work of
/// binding grows with the square of the values bound: a few hundred per statement, and a
/// fixed size, so that the prepared statements are reused.
const TIPS_PER_STATEMENT: usize = 100;
const ROWS_PER_INSERT: usize = 64;

/// Replaces the indexes of many tips at once (a re-indexing's batch), all computed with the
/// key version `key_id`: a few statements for the batch instead of some for each tip.
pub async fn replace_many(conn: &mut AnyConnection, key_id: &str, tips: &[TipIndexes]) -> Result<(), StoreError> {
    for chunk in tips.chunks(TIPS_PER_STATEMENT) {
        let delete = format!("DELETE FROM tip_indexes WHERE tip_id IN ({})", bound_list(1, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(delete));
        for tip in chunk {
            query = query.bind(&tip.tip_id);
        }
        query.execute(&mut *conn).await?;
        let rows: Vec<(&TipIndexes, Field, BlindIndex)> =
            chunk.iter().flat_map(|tip| tip.found.iter().map(move |&(f, v)| (tip, f, v))).collect();
        for rows in rows.chunks(ROWS_PER_INSERT) {
            // `$1` is the key version, then five values a row.
            let values: Vec<String> = (0..rows.len())
                .map(|r| {
                    let n = 2 + 5 * r;
                    format!("(${n}, ${}, ${}, ${}, $1, ${})", n + 1, n + 2, n + 3, n + 4)
                })
                .collect();
            let insert = format!(
                "INSERT INTO tip_indexes (tip_id, field, value, field_value, key_id, received_at) VALUES {} \
                 ON CONFLICT DO NOTHING",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(insert)).bind(key_id);
            for &(tip, field, value) in rows {
                query = query
                    .bind(&tip.tip_id)
                    .bind(field.label())
                    .bind(value.value())
                    .bind(field.with_value(value))
                    .bind(tip.received_at);
            }
            query.execute(&mut *conn).await?;
        }
        let update = format!("UPDATE tips SET indexed_with = $1 WHERE id IN ({})", bound_list(2, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(update)).bind(key_id);
        for tip in chunk {
            query = query.bind(&tip.tip_id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One index value that several tips share: a company, code, address or accident reported
/// more than once (or a chance collision of cut hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub field: Field,
    pub value: i64,
    pub tips: i64,
}

/// `repeats`: `$1` the key version, `$2` since, `$3` the least count, `$4` the limit.
pub(super) const REPEATS: &str = "SELECT field_value, COUNT(*) AS tips FROM tip_indexes \
     WHERE key_id = $1 AND received_at >= $2 \
     GROUP BY field_value HAVING COUNT(*) >= $3 \
     ORDER BY tips DESC, field_value LIMIT $4";

/// The index values shared by at least `least` tips received since `since`, all indexed with
/// the key version `key_id`: the most reported first (then by field and value), at most
/// `limit`. One range of `tip_indexes_period`, grouped by the one integer `field_value`.
pub async fn repeats(
    conn: &mut AnyConnection,
    key_id: &str,
    since: i64,
    least: i64,
    limit: i64,
) -> Result<Vec<Repeat>, StoreError> {
    let counted: Vec<(i64, i64)> =
        sqlx::query_as(REPEATS).bind(key_id).bind(since).bind(least).bind(limit).fetch_all(conn).await?;
    counted
        .into_iter()
        .map(|(both, tips)| {
            let (field, value) = Field::of_value(both).ok_or_else(|| StoreError::Corrupt {
                column: "field_value".into(),
                what: "blind index field",
                value: both.to_string(),
            })?;
            Ok(Repeat { field, value, tips })
        })
        .collect()
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

/// `holders`: `$1` the key version, `$2` since. The values asked about drive the lookup,
/// each one a range of `tip_indexes_value`; the period's range would read every tip of the
/// period. `CROSS JOIN` keeps SQLite's planner to that order whatever its sampled statistics
/// say (PostgreSQL plans it as an inner join). Only the enum's labels and integers go into
/// the list, never input.
pub(super) fn holders_sql(values: &[(Field, i64)]) -> String {
    let pairs: Vec<String> = values.iter().map(|(f, v)| format!("('{}', {v})", f.label())).collect();
    format!(
        "WITH asked (field, value) AS (VALUES {}) \
         SELECT i.field, i.value, t.reference, t.department_code, t.status, t.received_at \
         FROM asked a CROSS JOIN tip_indexes i JOIN tips t ON t.id = i.tip_id \
         WHERE i.field = a.field AND i.value = a.value AND i.key_id = $1 AND i.received_at >= $2 \
         ORDER BY i.field, i.value, t.received_at DESC, t.id",
        pairs.join(", ")
    )
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
    let sql = holders_sql(values);
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key_id).bind(since).fetch_all(conn).await?)
}
