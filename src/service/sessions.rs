//! Sessions: the signed-in key (an official's or a reporter's) sealed to the session's key,
//! which only the client's token yields. Idle sessions expire; expiry and sign-out delete the
//! sealed key, so it cannot be opened even with the token.

use super::ServiceError;
use crate::crypto::session::SessionToken;
use crate::crypto::{Holds, Key, KeyRole, Session, Wrapped};
use crate::store::Store;
use crate::store::sessions::{self, NewSession, SessionKind};

/// An official's session ends after 30 idle minutes.
pub const STAFF_IDLE_SECONDS: i64 = 30 * 60;
/// A reporter's session ends after 15 idle minutes.
pub const REPORTER_IDLE_SECONDS: i64 = 15 * 60;

fn idle(kind: SessionKind) -> i64 {
    match kind {
        SessionKind::Staff => STAFF_IDLE_SECONDS,
        SessionKind::Reporter => REPORTER_IDLE_SECONDS,
    }
}

/// Starts a session for `subject_id` holding `key`; the token goes to the client only.
pub async fn start<R: KeyRole>(
    store: &Store,
    kind: SessionKind,
    subject_id: &str,
    key: &Key<R>,
    now: i64,
) -> Result<SessionToken, ServiceError>
where
    Session: Holds<R>,
{
    let token = SessionToken::generate();
    let sealed = key.wrap_for(&token.key()?.public())?;
    let mut conn = store.conn().await?;
    sessions::insert(
        &mut conn,
        &NewSession {
            lookup_id: &token.lookup_id(),
            kind,
            subject_id,
            sealed_key: sealed.as_bytes(),
            now,
            expires_at: now + idle(kind),
        },
    )
    .await?;
    Ok(token)
}

/// The subject and key of a live session, which stays alive for another idle period.
pub async fn resume<R: KeyRole>(
    store: &Store,
    kind: SessionKind,
    token: &SessionToken,
    now: i64,
) -> Result<Option<(String, Key<R>)>, ServiceError>
where
    Session: Holds<R>,
{
    let lookup_id = token.lookup_id();
    let mut conn = store.conn().await?;
    let Some(row) = sessions::live(&mut conn, &lookup_id, kind, now).await? else {
        return Ok(None);
    };
    let key = Wrapped::<R>::from_bytes(row.sealed_key).open(&token.key()?)?;
    sessions::extend(&mut conn, &lookup_id, now, now + idle(kind)).await?;
    Ok(Some((row.subject_id, key)))
}

/// Signs out: the sealed key is deleted.
pub async fn end(store: &Store, token: &SessionToken) -> Result<(), ServiceError> {
    let mut conn = store.conn().await?;
    sessions::delete(&mut conn, &token.lookup_id()).await?;
    Ok(())
}

/// Signs out everywhere.
pub async fn end_all(store: &Store, kind: SessionKind, subject_id: &str) -> Result<u64, ServiceError> {
    let mut conn = store.conn().await?;
    Ok(sessions::delete_all_of(&mut conn, kind, subject_id).await?)
}

/// Deletes the sealed keys of expired sessions.
pub async fn sweep(store: &Store, now: i64) -> Result<u64, ServiceError> {
    let mut conn = store.conn().await?;
    Ok(sessions::delete_expired(&mut conn, now).await?)
}
