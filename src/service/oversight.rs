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

fn grouped(column: &str) -> String {
    format!(
        "SELECT {column} AS code, COUNT(*) AS total, \
         CAST(SUM(CASE WHEN status IN {OPEN} THEN 1 ELSE 0 END) AS BIGINT) AS open, \
         CAST(SUM(CASE WHEN status IN {OPEN} AND due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
         CAST(SUM(CASE WHEN concluded_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS concluded, \
         CAST(AVG(CASE WHEN concluded_at IS NOT NULL THEN (concluded_at - received_at) / 86400 END) AS BIGINT) AS days_to_conclude \
         FROM tips GROUP BY {column} ORDER BY total DESC, {column}"
    )
}

pub async fn stats(store: &Store, now: i64) -> Result<Stats, ServiceError> {
    let mut conn = store.conn().await?;
    let by_department = sqlx::query_as(sqlx::AssertSqlSafe(grouped("department_code")))
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)?;
    let by_district = sqlx::query_as(sqlx::AssertSqlSafe(grouped("district_code")))
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)?;
    Ok(Stats { by_department, by_district })
}
