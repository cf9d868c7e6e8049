//! Mail waiting to go out. Bodies hold a link and a reference, never content.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;

#[derive(Debug, Clone, FromRow)]
pub struct Mail {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub async fn enqueue(conn: &mut AnyConnection, mail: &NewMail, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(mail.id.as_str())
    .bind(mail.to.as_str())
    .bind(mail.subject.as_str())
    .bind(mail.body.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn due(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<Mail>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, to_address, subject, body, attempts FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn sent(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn failed(conn: &mut AnyConnection, id: &str, error: &str, next_attempt_at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(error)
        .bind(next_attempt_at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes a mail for sending until `until`, unless another instance took it first.
pub async fn claim(conn: &mut AnyConnection, id: &str, now: i64, until: i64) -> Result<bool, StoreError> {
    let claimed = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}
