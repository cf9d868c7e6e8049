//! Officials: login name, roles, department, password verifier, second factor.

use sqlx::AnyConnection;

use super::{Store, StoreError};
use crate::domain::{Code, Id, Roles, Username};

pub struct NewUser {
    pub id: Id,
    pub username: Username,
    pub roles: Roles,
    pub department: Option<Code>,
    pub email: Option<String>,
    /// Argon2id, PHC string format.
    pub password_hash: String,
    pub totp_secret: String,
    pub created_at: i64,
}

/// Creates the official and their roles in one transaction.
pub async fn insert(store: &Store, user: &NewUser) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    let conn: &mut AnyConnection = &mut tx;
    let inserted = sqlx::query(
        "INSERT INTO users (id, username, department_code, email, password_hash, totp_secret, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING",
    )
    .bind(user.id.as_str())
    .bind(user.username.as_str())
    .bind(user.department.as_ref().map(Code::as_str))
    .bind(user.email.as_deref())
    .bind(&user.password_hash)
    .bind(&user.totp_secret)
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
    tx.commit().await?;
    Ok(())
}

/// Officials who can sign in.
pub async fn count_active(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE disabled_at IS NULL").fetch_one(store.pool()).await?)
}
