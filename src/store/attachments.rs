//! Evidence records: which blob, its sealed name, its sniffed type and size; the blob of one
//! attachment and the blobs of a tip.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use super::messages::Author;
use crate::crypto::Envelope;
use crate::domain::tip::Cleaning;

#[derive(Debug, Clone, FromRow)]
pub struct AttachmentRow {
    pub id: String,
    pub blob_id: String,
    pub name_envelope: Vec<u8>,
    /// The file's number within its tip; none for files stored before numbering.
    pub number: Option<i64>,
    pub content_type: String,
    pub plain_size: i64,
    pub metadata: Cleaning,
    pub author: String,
    pub created_at: i64,
}

pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub tip_id: &'a str,
    pub blob_id: &'a str,
    pub name: &'a Envelope,
    pub number: i64,
    pub content_type: &'a str,
    pub plain_size: i64,
    pub cleaning: Cleaning,
    pub author: Author,
    pub created_at: i64,
}

pub async fn insert(conn: &mut AnyConnection, a: &NewAttachment<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attachments (id, tip_id, blob_id, name_envelope, number, content_type, plain_size, metadata, author, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id)
    .bind(a.tip_id)
    .bind(a.blob_id)
    .bind(a.name.as_bytes())
    .bind(a.number)
    .bind(a.content_type)
    .bind(a.plain_size)
    .bind(a.cleaning.as_str())
    .bind(a.author.as_str())
    .bind(a.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A tip's files in the order they came, each cleaned copy before the original kept beside it.
pub async fn of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<AttachmentRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, blob_id, name_envelope, number, content_type, plain_size, metadata, author, created_at \
         FROM attachments WHERE tip_id = $1 \
         ORDER BY created_at, COALESCE(number, 0), CASE WHEN metadata = 'kept' THEN 1 ELSE 0 END, id",
    )
    .bind(tip_id)
    .fetch_all(conn)
    .await?)
}

/// The number the tip's next file takes: one past the highest so far. Call it in the
/// transaction that inserts the file: it first writes the tip's row (changing nothing), which
/// holds the row until the transaction ends, so that two files arriving at once for one tip
/// are numbered one after the other (PostgreSQL would otherwise let both read one highest).
pub async fn next_number(conn: &mut AnyConnection, tip_id: &str) -> Result<i64, StoreError> {
    sqlx::query("UPDATE tips SET id = id WHERE id = $1").bind(tip_id).execute(&mut *conn).await?;
    Ok(sqlx::query_scalar("SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM attachments WHERE tip_id = $1")
        .bind(tip_id)
        .fetch_one(conn)
        .await?)
}

/// How many files, and how many bytes, a tip holds already. A file is counted once with the
/// original its sender kept beside it (the two share a number); its bytes count twice.
pub async fn usage(conn: &mut AnyConnection, tip_id: &str) -> Result<(i64, i64), StoreError> {
    Ok(sqlx::query_as(
        "SELECT COUNT(DISTINCT COALESCE(CAST(number AS TEXT), id)), CAST(COALESCE(SUM(plain_size), 0) AS BIGINT) \
         FROM attachments WHERE tip_id = $1",
    )
    .bind(tip_id)
    .fetch_one(conn)
    .await?)
}

/// The blob ids every attachment names.
pub async fn blob_ids(conn: &mut AnyConnection) -> Result<std::collections::HashSet<String>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT blob_id FROM attachments").fetch_all(conn).await?;
    Ok(ids.into_iter().collect())
}

/// The blob that holds an attachment's sealed content.
pub async fn blob_id(conn: &mut AnyConnection, id: &str) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar("SELECT blob_id FROM attachments WHERE id = $1").bind(id).fetch_one(conn).await?)
}

/// The blobs of a tip's attachments.
pub async fn blob_ids_of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT blob_id FROM attachments WHERE tip_id = $1").bind(tip_id).fetch_all(conn).await?)
}
