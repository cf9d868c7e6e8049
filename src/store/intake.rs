//! The whole-system count of tips per clock hour (migration 0007), shared by every instance.

use sqlx::AnyConnection;

use super::StoreError;

/// Tips filed so far in `hour` (Unix time / 3600).
pub async fn filed(conn: &mut AnyConnection, hour: i64) -> Result<i64, StoreError> {
    let tips: Option<i64> =
        sqlx::query_scalar("SELECT tips FROM intake_hours WHERE hour = $1").bind(hour).fetch_optional(conn).await?;
    Ok(tips.unwrap_or(0))
}

/// Counts one more tip in `hour`; returns the count with it. Inside the tip's transaction, so
/// a tip that is not stored is not counted.
pub async fn count_one(conn: &mut AnyConnection, hour: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO intake_hours (hour, tips) VALUES ($1, 1) \
         ON CONFLICT (hour) DO UPDATE SET tips = intake_hours.tips + 1 RETURNING tips",
    )
    .bind(hour)
    .fetch_one(conn)
    .await?)
}

/// Forgets hours before `hour`.
pub async fn forget_before(conn: &mut AnyConnection, hour: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM intake_hours WHERE hour < $1").bind(hour).execute(conn).await?.rows_affected())
}
