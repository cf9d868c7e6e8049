//! Statistics for the 安委办: open, overdue and concluded tips by department and by district,
//! and how long conclusions take. Metadata only; nothing is decrypted.

use sqlx::FromRow;

use super::ServiceError;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, FromRow)]
pub struct Row {
    pub code: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub concluded: i64,
    /// Average days from receipt to conclusion, over concluded tips.
    pub days_to_conclude: Option<i64>,
}

pub struct Stats {
    pub by_department: Vec<Row>,
    pub by_district: Vec<Row>,
}

const OPEN: &str = "('received', 'accepted', 'verifying', 'under_review')";

/// Totals from the counts the triggers of migration 0006 keep; overdue from the open tips'
/// due dates (only open tips have one).
fn grouped(column: &str) -> String {
    format!(
        "SELECT {column} AS code, CAST(SUM(tips) AS BIGINT) AS total, \
         CAST(SUM(CASE WHEN status IN {OPEN} THEN tips ELSE 0 END) AS BIGINT) AS open, \
         CAST(0 AS BIGINT) AS overdue, CAST(SUM(concluded) AS BIGINT) AS concluded, \
         CAST(CASE WHEN SUM(concluded) > 0 THEN SUM(conclude_seconds) / SUM(concluded) / 86400 END AS BIGINT) \
         AS days_to_conclude \
         FROM tip_counts GROUP BY {column} HAVING SUM(tips) > 0 ORDER BY total DESC, {column}"
    )
}

/// Only open tips have a due date, so the index on it answers alone.
fn overdue(column: &str) -> String {
    format!("SELECT {column}, COUNT(*) FROM tips WHERE due_at < $1 GROUP BY {column}")
}

async fn rows(conn: &mut sqlx::AnyConnection, column: &str, now: i64) -> Result<Vec<Row>, ServiceError> {
    let mut rows: Vec<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(grouped(column))).fetch_all(&mut *conn).await.map_err(StoreError::from)?;
    let late: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(overdue(column)))
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)?;
    for (code, count) in late {
        if let Some(row) = rows.iter_mut().find(|r| r.code == code) {
            row.overdue = count;
        }
    }
    Ok(rows)
}

pub async fn stats(store: &Store, now: i64) -> Result<Stats, ServiceError> {
    let mut conn = store.conn().await?;
    let by_department = rows(&mut conn, "department_code", now).await?;
    let by_district = rows(&mut conn, "district_code", now).await?;
    Ok(Stats { by_department, by_district })
}
