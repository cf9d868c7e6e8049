//! Group keys: versions, holders, and each version sealed to each active holder; the group of
//! a holder and the groups of an official.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;

#[derive(Debug, Clone, FromRow)]
pub struct GroupKeyRow {
    pub id: String,
    pub key_group: String,
    pub version: i64,
    pub public_key: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct HolderRow {
    pub id: String,
    pub user_id: Option<String>,
    pub recipient: Option<String>,
    pub state: String,
    /// The holder's `age1…`: the official's key, or the recovery recipient itself.
    pub public_key: String,
}

impl HolderRow {
    pub fn is_active(&self) -> bool {
        self.state == "active"
    }
}

const HOLDER_COLUMNS: &str = "h.id, h.user_id, h.recipient, h.state, COALESCE(u.public_key, h.recipient) AS public_key";

pub async fn newest(conn: &mut AnyConnection, group: &str) -> Result<Option<GroupKeyRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, key_group, version, public_key FROM group_keys WHERE key_group = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(group)
    .fetch_optional(conn)
    .await?)
}

pub async fn versions(conn: &mut AnyConnection, group: &str) -> Result<Vec<GroupKeyRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, key_group, version, public_key FROM group_keys WHERE key_group = $1 ORDER BY version",
    )
    .bind(group)
    .fetch_all(conn)
    .await?)
}

/// The groups that have a key at all (and so can receive tips).
pub async fn groups_with_keys(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT DISTINCT key_group FROM group_keys").fetch_all(conn).await?)
}

pub async fn insert_key(
    conn: &mut AnyConnection,
    key: &GroupKeyRow,
    reason: &str,
    created_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO group_keys (id, key_group, version, public_key, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.id)
    .bind(&key.key_group)
    .bind(key.version)
    .bind(&key.public_key)
    .bind(reason)
    .bind(created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn holders(conn: &mut AnyConnection, group: &str) -> Result<Vec<HolderRow>, StoreError> {
    let sql = format!(
        "SELECT {HOLDER_COLUMNS} FROM key_holders h LEFT JOIN users u ON u.id = h.user_id \
         WHERE h.key_group = $1 ORDER BY h.added_at, h.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(group).fetch_all(conn).await?)
}

/// Whether an official holds the group's key as an active member (not one still waiting for
/// a colleague to admit them).
pub async fn is_active_holder(conn: &mut AnyConnection, group: &str, user_id: &str) -> Result<bool, StoreError> {
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM key_holders WHERE key_group = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(group)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(active > 0)
}

pub async fn holder(conn: &mut AnyConnection, holder_id: &str) -> Result<Option<HolderRow>, StoreError> {
    let sql =
        format!("SELECT {HOLDER_COLUMNS} FROM key_holders h LEFT JOIN users u ON u.id = h.user_id WHERE h.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(holder_id).fetch_optional(conn).await?)
}

pub struct NewHolder<'a> {
    pub id: &'a str,
    pub group: &'a str,
    pub user_id: Option<&'a str>,
    pub recipient: Option<&'a str>,
    pub active: bool,
    pub added_at: i64,
}

/// Adds a holder; `Conflict` when the official or recipient already holds the group's key.
pub async fn insert_holder(conn: &mut AnyConnection, holder: &NewHolder<'_>) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO key_holders (id, key_group, user_id, recipient, state, added_at, approved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(holder.id)
    .bind(holder.group)
    .bind(holder.user_id)
    .bind(holder.recipient)
    .bind(if holder.active { "active" } else { "pending" })
    .bind(holder.added_at)
    .bind(holder.active.then_some(holder.added_at))
    .execute(conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!("already a holder of the {} key", holder.group)));
    }
    Ok(())
}

/// Makes a pending holder active; `approved_by` is `None` when a recovery identity admitted them.
pub async fn activate_holder(
    conn: &mut AnyConnection,
    holder_id: &str,
    approved_by: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE key_holders SET state = 'active', approved_by = $1, approved_at = $2 WHERE id = $3")
        .bind(approved_by)
        .bind(at)
        .bind(holder_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a holder and every version sealed to them.
pub async fn delete_holder(conn: &mut AnyConnection, holder_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM group_key_wraps WHERE holder_id = $1").bind(holder_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM key_holders WHERE id = $1").bind(holder_id).execute(conn).await?;
    Ok(())
}

pub async fn insert_wrap(
    conn: &mut AnyConnection,
    group_key_id: &str,
    holder_id: &str,
    envelope: &[u8],
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO group_key_wraps (group_key_id, holder_id, envelope, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(group_key_id)
    .bind(holder_id)
    .bind(envelope)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A version sealed to an official, if they hold it.
pub async fn wrap_for_user(
    conn: &mut AnyConnection,
    group_key_id: &str,
    user_id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT w.envelope FROM group_key_wraps w JOIN key_holders h ON h.id = w.holder_id \
         WHERE w.group_key_id = $1 AND h.user_id = $2",
    )
    .bind(group_key_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Every department key version sealed to an official who actively holds it:
/// `(version id, group name, envelope)`.
pub async fn department_wraps_of(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT w.group_key_id, k.key_group, w.envelope FROM group_key_wraps w \
         JOIN key_holders h ON h.id = w.holder_id \
         JOIN group_keys k ON k.id = w.group_key_id \
         WHERE h.user_id = $1 AND h.state = 'active' AND k.key_group LIKE 'department:%'",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// A version sealed to an offline recovery recipient, if it holds it.
pub async fn wrap_for_recipient(
    conn: &mut AnyConnection,
    group_key_id: &str,
    recipient: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT w.envelope FROM group_key_wraps w JOIN key_holders h ON h.id = w.holder_id \
         WHERE w.group_key_id = $1 AND h.recipient = $2",
    )
    .bind(group_key_id)
    .bind(recipient)
    .fetch_optional(conn)
    .await?)
}

/// The versions a holder has been given.
pub async fn versions_held(conn: &mut AnyConnection, holder_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT group_key_id FROM group_key_wraps WHERE holder_id = $1")
        .bind(holder_id)
        .fetch_all(conn)
        .await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<GroupKeyRow>, StoreError> {
    Ok(sqlx::query_as("SELECT id, key_group, version, public_key FROM group_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// One version with the number of active officials and of recovery recipients who hold it,
/// and of tips whose key, identity or payout is sealed to it.
#[derive(Debug, Clone, FromRow)]
pub struct Coverage {
    pub version: i64,
    pub officials: i64,
    pub recovery: i64,
    pub tips: i64,
}

pub async fn coverage(conn: &mut AnyConnection, group: &str) -> Result<Vec<Coverage>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT k.version, \
         (SELECT COUNT(*) FROM group_key_wraps w JOIN key_holders h ON h.id = w.holder_id \
          WHERE w.group_key_id = k.id AND h.state = 'active' AND h.user_id IS NOT NULL) AS officials, \
         (SELECT COUNT(*) FROM group_key_wraps w JOIN key_holders h ON h.id = w.holder_id \
          WHERE w.group_key_id = k.id AND h.recipient IS NOT NULL) AS recovery, \
         (SELECT COUNT(*) FROM (SELECT tip_id FROM tip_grants WHERE group_key_id = k.id \
          UNION SELECT tip_id FROM tip_identities WHERE group_key_id = k.id \
          UNION SELECT tip_id FROM tip_payouts WHERE group_key_id = k.id) sealed) AS tips \
         FROM group_keys k WHERE k.key_group = $1 ORDER BY k.version",
    )
    .bind(group)
    .fetch_all(conn)
    .await?)
}

/// Active holders of a department's key who are heads of that department.
pub async fn active_heads(conn: &mut AnyConnection, group: &str, department: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM key_holders h JOIN user_roles r ON r.user_id = h.user_id \
         JOIN users u ON u.id = h.user_id \
         WHERE h.key_group = $1 AND h.state = 'active' AND r.role = 'head' AND u.department_code = $2",
    )
    .bind(group)
    .bind(department)
    .fetch_one(conn)
    .await?)
}

/// The group a holder belongs to, if the holder still exists.
pub async fn group_of_holder(conn: &mut AnyConnection, holder_id: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT key_group FROM key_holders WHERE id = $1")
        .bind(holder_id)
        .fetch_optional(conn)
        .await?)
}

/// The groups an official holds (or waits to hold) a key of.
pub async fn groups_of_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT key_group FROM key_holders WHERE user_id = $1").bind(user_id).fetch_all(conn).await?)
}

/// Whether the official also waits to be admitted to a group other than `group`.
pub async fn pending_elsewhere(conn: &mut AnyConnection, user_id: &str, group: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM key_holders WHERE user_id = $1 AND state = 'pending' AND key_group <> $2",
    )
    .bind(user_id)
    .bind(group)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
