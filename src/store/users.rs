//! Officials: login name, roles, department, their key sealed to their password, and the
//! second factor sealed to their key; the administrators' overview of every official with
//! roles and key groups, in one query.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::{Envelope, User, Wrapped};
use crate::domain::{Code, Id, Role, Roles, Username};

pub struct NewUser<'a> {
    pub id: &'a Id,
    pub username: &'a Username,
    pub roles: &'a Roles,
    pub department: Option<&'a Code>,
    pub email: Option<&'a str>,
    pub public_key: &'a str,
    pub key_envelope: &'a Wrapped<User>,
    pub password: &'a PasswordVerifierRow,
    pub totp_envelope: &'a Envelope,
    pub created_at: i64,
}

/// Argon2id parameters, salt and verifier of a password.
#[derive(Debug, Clone, FromRow)]
pub struct PasswordVerifierRow {
    pub password_kdf: String,
    pub password_salt: Vec<u8>,
    pub password_verifier: Vec<u8>,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub department_code: Option<String>,
    pub email: Option<String>,
    pub public_key: String,
    pub key_envelope: Vec<u8>,
    pub password_kdf: String,
    pub password_salt: Vec<u8>,
    pub password_verifier: Vec<u8>,
    pub totp_envelope: Vec<u8>,
    pub totp_last_step: Option<i64>,
    pub disabled_at: Option<i64>,
}

const COLUMNS: &str = "id, username, department_code, email, public_key, key_envelope, password_kdf, \
     password_salt, password_verifier, totp_envelope, totp_last_step, disabled_at";

/// Creates the official and their roles (inside the caller's transaction).
pub async fn insert(conn: &mut AnyConnection, user: &NewUser<'_>) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO users (id, username, department_code, email, public_key, key_envelope, password_kdf, \
         password_salt, password_verifier, totp_envelope, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (username) DO NOTHING",
    )
    .bind(user.id.as_str())
    .bind(user.username.as_str())
    .bind(user.department.map(Code::as_str))
    .bind(user.email)
    .bind(user.public_key)
    .bind(user.key_envelope.as_bytes())
    .bind(&user.password.password_kdf)
    .bind(&user.password.password_salt)
    .bind(&user.password.password_verifier)
    .bind(user.totp_envelope.as_bytes())
    .bind(user.created_at)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!("the username {} is taken", user.username)));
    }
    for role in user.roles.iter() {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user.id.as_str())
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(conn).await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?)
}

pub async fn roles(conn: &mut AnyConnection, id: &str) -> Result<Vec<Role>, StoreError> {
    Ok(sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1").bind(id).fetch_all(conn).await?)
}

/// A new password: the same key, sealed to the key the new password derives.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    key_envelope: &Wrapped<User>,
    password: &PasswordVerifierRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET key_envelope = $1, password_kdf = $2, password_salt = $3, password_verifier = $4 \
         WHERE id = $5",
    )
    .bind(key_envelope.as_bytes())
    .bind(&password.password_kdf)
    .bind(&password.password_salt)
    .bind(&password.password_verifier)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the TOTP step just used, unless it is not newer than the last one: a code is
/// good once. Returns whether the step was accepted.
pub async fn use_totp_step(conn: &mut AnyConnection, id: &str, step: i64) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Officials who can sign in.
pub async fn count_active(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE disabled_at IS NULL").fetch_one(conn).await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub department_code: Option<String>,
    pub email: Option<String>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<UserSummary>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, username, department_code, email, disabled_at, created_at FROM users ORDER BY username",
    )
    .fetch_all(conn)
    .await?)
}

pub async fn disable(conn: &mut AnyConnection, id: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Addresses of the active officials holding any of `roles` in one department (or anywhere, for
/// `None`), for notifications.
pub async fn emails_of(
    conn: &mut AnyConnection,
    roles: &[Role],
    department: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "SELECT u.email FROM users u \
         WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN {}) \
         AND u.disabled_at IS NULL AND u.email IS NOT NULL AND ($1 IS NULL OR u.department_code = $1) \
         ORDER BY u.username",
        super::codes::list_of(roles.iter().map(|r| r.as_str()))
    );
    let mut emails: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(department).fetch_all(conn).await?;
    let mut seen = std::collections::HashSet::new();
    emails.retain(|e| seen.insert(e.clone()));
    Ok(emails)
}

/// An official as the administrators' page lists them: roles by name, and each key group
/// held with its state (`active` or `pending`), by group name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub id: String,
    pub username: String,
    pub department_code: Option<String>,
    pub disabled_at: Option<i64>,
    pub roles: Vec<Role>,
    pub groups: Vec<(String, String)>,
}

#[derive(FromRow)]
struct OverviewRow {
    id: String,
    username: String,
    department_code: Option<String>,
    disabled_at: Option<i64>,
    role: Option<Role>,
    key_group: Option<String>,
    state: Option<String>,
}

/// Every official with their roles and key groups, by username: one query (a row for each
/// role and group of an official; a holder has at most one row per group).
pub async fn overview(conn: &mut AnyConnection) -> Result<Vec<Overview>, StoreError> {
    let rows: Vec<OverviewRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.department_code, u.disabled_at, r.role, h.key_group, h.state FROM users u \
         LEFT JOIN user_roles r ON r.user_id = u.id \
         LEFT JOIN key_holders h ON h.user_id = u.id \
         ORDER BY u.username, u.id, r.role, h.key_group",
    )
    .fetch_all(conn)
    .await?;
    let mut officials: Vec<Overview> = Vec::new();
    for row in rows {
        if officials.last().is_none_or(|last| last.id != row.id) {
            officials.push(Overview {
                id: row.id,
                username: row.username,
                department_code: row.department_code,
                disabled_at: row.disabled_at,
                roles: Vec::new(),
                groups: Vec::new(),
            });
        }
        let Some(official) = officials.last_mut() else { continue };
        if let Some(role) = row.role
            && !official.roles.contains(&role)
        {
            official.roles.push(role);
        }
        if let (Some(group), Some(state)) = (row.key_group, row.state)
            && !official.groups.iter().any(|(g, _)| *g == group)
        {
            official.groups.push((group, state));
        }
    }
    Ok(officials)
}
