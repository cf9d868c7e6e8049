//! Sessions of officials and reporters: the signed-in key sealed to the session's key, which
//! only the client's token yields.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Staff,
    Reporter,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Staff => "staff",
            SessionKind::Reporter => "reporter",
        }
    }
}

#[derive(Debug, FromRow)]
pub struct SessionRow {
    pub subject_id: String,
    pub sealed_key: Vec<u8>,
    pub expires_at: i64,
}

pub struct NewSession<'a> {
    pub lookup_id: &'a str,
    pub kind: SessionKind,
    pub subject_id: &'a str,
    pub sealed_key: &'a [u8],
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert(conn: &mut AnyConnection, s: &NewSession<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (lookup_id, kind, subject_id, sealed_key, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6)",
    )
    .bind(s.lookup_id)
    .bind(s.kind.as_str())
    .bind(s.subject_id)
    .bind(s.sealed_key)
    .bind(s.now)
    .bind(s.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A live session of this kind.
pub async fn live(
    conn: &mut AnyConnection,
    lookup_id: &str,
    kind: SessionKind,
    now: i64,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT subject_id, sealed_key, expires_at FROM sessions WHERE lookup_id = $1 AND kind = $2 AND expires_at > $3",
    )
    .bind(lookup_id)
    .bind(kind.as_str())
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

pub async fn extend(conn: &mut AnyConnection, lookup_id: &str, now: i64, expires_at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE lookup_id = $3")
        .bind(now)
        .bind(expires_at)
        .bind(lookup_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, lookup_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE lookup_id = $1").bind(lookup_id).execute(conn).await?;
    Ok(())
}

/// Ends every session of one official or reporter ("sign out everywhere").
pub async fn delete_all_of(conn: &mut AnyConnection, kind: SessionKind, subject_id: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE kind = $1 AND subject_id = $2")
        .bind(kind.as_str())
        .bind(subject_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Sealed keys of expired sessions are destroyed, not just ignored.
pub async fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(conn).await?.rows_affected())
}
