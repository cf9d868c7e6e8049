//! QR posters: a public code, a label, optional presets; the list of those in use.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;

#[derive(Debug, Clone, FromRow)]
pub struct PosterRow {
    pub id: String,
    pub code: String,
    pub label: String,
    pub district_code: Option<String>,
    pub category_code: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, poster: &PosterRow, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO posters (id, code, label, district_code, category_code, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&poster.id)
    .bind(&poster.code)
    .bind(&poster.label)
    .bind(poster.district_code.as_deref())
    .bind(poster.category_code.as_deref())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<PosterRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, code, label, district_code, category_code FROM posters WHERE code = $1 AND retired_at IS NULL",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// Code and label of every poster in use, newest first.
pub async fn current(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT code, label FROM posters WHERE retired_at IS NULL ORDER BY created_at DESC")
        .fetch_all(conn)
        .await?)
}
