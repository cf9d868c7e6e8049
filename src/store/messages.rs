//! Messages between reporter and officials, sealed to the tip key.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::Envelope;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Reporter,
    Official,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Reporter => "reporter",
            Author::Official => "official",
        }
    }
}

#[derive(Debug, FromRow)]
pub struct MessageRow {
    pub id: String,
    pub author: String,
    pub body: Vec<u8>,
    pub created_at: i64,
}

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub tip_id: &'a str,
    pub author: Author,
    pub user_id: Option<&'a str>,
    pub body: &'a Envelope,
    pub created_at: i64,
}

/// Inserts a message unless its author already wrote `cap` to the tip since `since`; false
/// when the cap is reached. One statement, so two messages at once cannot both slip under it
/// on SQLite (on PostgreSQL at most the client's concurrent requests can).
pub async fn insert_within(
    conn: &mut AnyConnection,
    m: &NewMessage<'_>,
    since: i64,
    cap: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO messages (id, tip_id, author, user_id, body, created_at) SELECT $1, $2, $3, $4, $5, $6 \
         WHERE (SELECT COUNT(*) FROM messages WHERE tip_id = $2 AND author = $3 AND created_at >= $7) < $8",
    )
    .bind(m.id)
    .bind(m.tip_id)
    .bind(m.author.as_str())
    .bind(m.user_id)
    .bind(m.body.as_bytes())
    .bind(m.created_at)
    .bind(since)
    .bind(cap)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Inserts a message, with no cap (an official's reply): counted from the end of time, no
/// earlier message counts against it.
pub async fn insert(conn: &mut AnyConnection, m: &NewMessage<'_>) -> Result<(), StoreError> {
    insert_within(conn, m, i64::MAX, 1).await.map(|_| ())
}

pub async fn of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<MessageRow>, StoreError> {
    Ok(sqlx::query_as("SELECT id, author, body, created_at FROM messages WHERE tip_id = $1 ORDER BY created_at, id")
        .bind(tip_id)
        .fetch_all(conn)
        .await?)
}
