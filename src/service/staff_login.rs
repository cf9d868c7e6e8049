//! Officials' sign-in: password and second factor, with a growing lock. After three failures
//! in a row the account is locked for 2 s, then 4, 8, … up to 15 minutes; attempts while
//! locked are refused without looking at the password. A success clears the count. Every
//! attempt is in the audit chain.

use super::ServiceError;
use super::officials::{self, SignedIn};
use crate::auth::Password;
use crate::store::audit::{self, Entry};
use crate::store::{Store, StoreError, users};

/// Failures before the first lock.
pub const FREE_FAILURES: i64 = 3;
/// The longest lock, in seconds.
pub const MAX_LOCK: i64 = 15 * 60;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong username, password or code")]
    Refused,
    #[error("locked for {0} more seconds")]
    Locked(i64),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Service(e.into())
    }
}

/// How long a lock lasts after `failures` in a row.
pub fn lock_seconds(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        let doublings = u32::try_from((failures - FREE_FAILURES + 1).min(20)).unwrap_or(20);
        2i64.pow(doublings).min(MAX_LOCK)
    }
}

async fn record(store: &Store, actor: Option<&str>, action: &str, detail: &str, now: i64) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    audit::append(&mut tx, &Entry { actor_id: actor, action, tip_id: None, detail, at: now }).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sign_in(
    store: &Store,
    username: &str,
    password: &str,
    totp: &str,
    now: i64,
) -> Result<SignedIn, LoginError> {
    let account = users::by_username(&mut *store.conn().await?, username).await?;
    if let Some(user) = &account {
        let (_, locked_until) = users::throttle(&mut *store.conn().await?, &user.id).await?;
        if let Some(until) = locked_until.filter(|u| *u > now) {
            record(store, Some(&user.id), "signin.locked", "", now).await?;
            return Err(LoginError::Locked(until - now));
        }
    }
    let attempt = async {
        let password = Password::new(password.to_owned()).map_err(|_| ServiceError::BadCredentials)?;
        let official = officials::sign_in(store, username, password).await?;
        officials::check_second_factor(store, &official, totp, now).await?;
        Ok::<SignedIn, ServiceError>(official)
    };
    match attempt.await {
        Ok(official) => {
            users::clear_failures(&mut *store.conn().await?, &official.user_id).await?;
            record(store, Some(&official.user_id), "signin", "", now).await?;
            Ok(official)
        }
        Err(ServiceError::BadCredentials) => {
            match &account {
                Some(user) => {
                    let mut conn = store.conn().await?;
                    let (failures, _) = users::throttle(&mut conn, &user.id).await?;
                    let lock = lock_seconds(failures + 1);
                    users::record_failure(&mut conn, &user.id, FREE_FAILURES, now + lock).await?;
                    drop(conn);
                    record(store, Some(&user.id), "signin.failed", "", now).await?;
                }
                None => record(store, None, "signin.failed", "unknown account", now).await?,
            }
            Err(LoginError::Refused)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_grows_and_stops_growing() {
        let table = [(0, 0), (2, 0), (3, 2), (4, 4), (5, 8), (11, 512), (12, 900), (40, 900)];
        for (failures, seconds) in table {
            assert_eq!(lock_seconds(failures), seconds, "{failures}");
        }
    }
}
