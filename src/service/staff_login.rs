//! Officials' sign-in: password and second factor, with a growing pause that cannot be aimed
//! at anyone. After three failures in a row from one client for one account name, that
//! client waits 2 s, then 4, 8, … up to 15 minutes before it may try that name again; other
//! clients, and the official on their own device, are not held up. The pause is counted per
//! (name, client) in memory, by a keyed hash the web layer makes (`web::limits`): no address
//! is ever stored. An unknown name and a known one go through the same steps — the same
//! look-up, the same Argon2id derivation, the same answers and pauses — so nothing tells
//! them apart. Only attempts that paid the derivation count; a password too short or too
//! long to be anyone's is refused without it and without counting.
//!
//! Every attempt that paid the derivation is in the audit chain, and an account that fails
//! many times within an hour, from wherever, raises an alarm for the 安委办 (oversight): an
//! audit entry and a mail.

use std::collections::HashMap;
use std::sync::Mutex;

use super::ServiceError;
use super::notify::{self, Why};
use super::officials::{self, SignedIn};
use crate::auth::Password;
use crate::configuration::PublicUrl;
use crate::domain::Role;
use crate::store::audit::{self, Entry};
use crate::store::{Store, StoreError, users};

/// Failures in a row before the first pause.
pub const FREE_FAILURES: u32 = 3;
/// The longest pause, in seconds.
pub const MAX_LOCK: i64 = 15 * 60;
/// Failures of one account within `ALARM_WINDOW`, from all clients together, that raise the
/// alarm (at most once per window).
pub const ALARM_FAILURES: u32 = 20;
pub const ALARM_WINDOW: i64 = 3600;
/// (name, client) pairs and accounts tracked at most; a full table forgets the oldest first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong username, password or code")]
    Refused,
    /// This client must wait before trying this name again.
    #[error("too many failed attempts; wait {0} seconds")]
    Locked(i64),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Service(e.into())
    }
}

/// How long a client pauses after `failures` in a row.
pub fn lock_seconds(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        let doublings = (failures - FREE_FAILURES + 1).min(20);
        2i64.pow(doublings).min(MAX_LOCK)
    }
}

/// One client trying one account name: an opaque keyed hash, made by `web::limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempter(pub u64);

#[derive(Debug, Clone, Copy)]
struct Streak {
    failures: u32,
    until: i64,
    last: i64,
}

#[derive(Debug, Clone, Copy)]
struct Watch {
    since: i64,
    failures: u32,
    alarmed: bool,
}

/// The pauses and the alarm counts, in memory (each instance its own).
#[derive(Default)]
pub struct Lockouts {
    streaks: Mutex<HashMap<Attempter, Streak>>,
    accounts: Mutex<HashMap<String, Watch>>,
}

impl Lockouts {
    /// Seconds this attempter must still wait, if any.
    pub fn locked(&self, who: Attempter, now: i64) -> Option<i64> {
        let streaks = self.streaks.lock().ok()?;
        streaks.get(&who).map(|s| s.until - now).filter(|left| *left > 0)
    }

    fn fail(&self, who: Attempter, now: i64) {
        let Ok(mut streaks) = self.streaks.lock() else { return };
        if streaks.len() >= MAX_TRACKED && !streaks.contains_key(&who) {
            forget_oldest(&mut streaks, |s| s.last);
        }
        let streak = streaks.entry(who).or_insert(Streak { failures: 0, until: 0, last: now });
        streak.failures = streak.failures.saturating_add(1);
        streak.last = now;
        streak.until = now + lock_seconds(streak.failures);
    }

    fn clear(&self, who: Attempter) {
        if let Ok(mut streaks) = self.streaks.lock() {
            streaks.remove(&who);
        }
    }

    /// Counts a failure against an existing account; true the first time in a window that the
    /// count reaches the alarm.
    fn watch(&self, user_id: &str, now: i64) -> bool {
        let Ok(mut accounts) = self.accounts.lock() else { return false };
        if accounts.len() >= MAX_TRACKED && !accounts.contains_key(user_id) {
            forget_oldest(&mut accounts, |w| w.since);
        }
        let watch = accounts.entry(user_id.to_owned()).or_insert(Watch { since: now, failures: 0, alarmed: false });
        if now - watch.since >= ALARM_WINDOW {
            *watch = Watch { since: now, failures: 0, alarmed: false };
        }
        watch.failures = watch.failures.saturating_add(1);
        let raise = watch.failures >= ALARM_FAILURES && !watch.alarmed;
        watch.alarmed |= raise;
        raise
    }

    /// Forgets pauses that are over and counts whose window has passed.
    pub fn retain_recent(&self, now: i64) {
        if let Ok(mut streaks) = self.streaks.lock() {
            streaks.retain(|_, s| s.until > now || now - s.last < MAX_LOCK);
        }
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.retain(|_, w| now - w.since < ALARM_WINDOW);
        }
    }
}

fn forget_oldest<K: Clone + Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>, age: impl Fn(&V) -> i64) {
    if let Some(oldest) = map.iter().min_by_key(|(_, v)| age(v)).map(|(k, _)| k.clone()) {
        map.remove(&oldest);
    }
}

async fn record(store: &Store, actor: Option<&str>, action: &str, detail: &str, now: i64) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    audit::append(&mut tx, &Entry { actor_id: actor, action, tip_id: None, detail, at: now }).await?;
    tx.commit().await?;
    Ok(())
}

/// What an official typed to sign in.
pub struct Attempt<'a> {
    pub attempter: Attempter,
    pub username: &'a str,
    pub password: &'a str,
    pub totp: &'a str,
}

pub async fn sign_in(
    store: &Store,
    lockouts: &Lockouts,
    public_url: &PublicUrl,
    attempt: Attempt<'_>,
    now: i64,
) -> Result<SignedIn, LoginError> {
    if let Some(left) = lockouts.locked(attempt.attempter, now) {
        return Err(LoginError::Locked(left));
    }
    // The pause runs from when the failure is known, after the derivation, which takes a
    // second or more on a busy machine: counted from the start, it would be over before the
    // next attempt could begin.
    let started = std::time::Instant::now();
    let known_at = || now.saturating_add(i64::try_from(started.elapsed().as_secs()).unwrap_or(0));
    let Ok(password) = Password::new(attempt.password.to_owned()) else {
        return Err(LoginError::Refused);
    };
    let account = users::by_username(&mut *store.conn().await?, attempt.username).await?;
    let checked = async {
        let official = officials::sign_in(store, attempt.username, password).await?;
        officials::check_second_factor(store, &official, attempt.totp, now).await?;
        Ok::<SignedIn, ServiceError>(official)
    };
    match checked.await {
        Ok(official) => {
            lockouts.clear(attempt.attempter);
            record(store, Some(&official.user_id), "signin", "", now).await?;
            Ok(official)
        }
        Err(ServiceError::BadCredentials) => {
            lockouts.fail(attempt.attempter, known_at());
            match &account {
                Some(user) => {
                    record(store, Some(&user.id), "signin.failed", "", now).await?;
                    if lockouts.watch(&user.id, now) {
                        raise_alarm(store, public_url, &user.id, now).await?;
                    }
                }
                None => record(store, None, "signin.failed", "unknown account", now).await?,
            }
            Err(LoginError::Refused)
        }
        Err(e) => Err(e.into()),
    }
}

/// The 安委办 learns that an account is being guessed at: in the audit chain and by mail.
async fn raise_alarm(store: &Store, public_url: &PublicUrl, user_id: &str, now: i64) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let detail = format!("failures={ALARM_FAILURES} within={ALARM_WINDOW}s");
    audit::append(
        &mut tx,
        &Entry { actor_id: Some(user_id), action: "signin.under_attack", tip_id: None, detail: &detail, at: now },
    )
    .await?;
    let oversight = users::emails_of(&mut tx, &[Role::Oversight], None).await?;
    notify::tell(&mut tx, public_url, &oversight, Why::SignInAttack, None, now).await?;
    tx.commit().await?;
    tracing::warn!("an account is failing many sign-ins: alarm raised for oversight");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_grows_and_stops_growing() {
        let table = [(0, 0), (2, 0), (3, 2), (4, 4), (5, 8), (11, 512), (12, 900), (40, 900), (u32::MAX, 900)];
        for (failures, seconds) in table {
            assert_eq!(lock_seconds(failures), seconds, "{failures}");
        }
    }

    #[test]
    fn a_pause_holds_one_attempter_only() {
        let lockouts = Lockouts::default();
        let (attacker, official) = (Attempter(1), Attempter(2));
        for _ in 0..FREE_FAILURES {
            assert_eq!(lockouts.locked(attacker, 100), None);
            lockouts.fail(attacker, 100);
        }
        assert_eq!(lockouts.locked(attacker, 100), Some(2));
        assert_eq!(lockouts.locked(official, 100), None, "the official on their own device is not held up");
        assert_eq!(lockouts.locked(attacker, 102), None, "the pause ends");
        lockouts.clear(attacker);
        lockouts.fail(attacker, 200);
        assert_eq!(lockouts.locked(attacker, 200), None, "a success started the count again");
    }

    #[test]
    fn the_alarm_rings_once_per_window() {
        let lockouts = Lockouts::default();
        let rings: Vec<bool> = (0..ALARM_FAILURES * 2).map(|i| lockouts.watch("u1", 1000 + i64::from(i))).collect();
        assert_eq!(rings.iter().filter(|r| **r).count(), 1);
        assert!(rings[ALARM_FAILURES as usize - 1]);
        assert!(!lockouts.watch("u2", 1000), "another account has its own count");
        for i in 0..ALARM_FAILURES - 1 {
            assert!(!lockouts.watch("u1", 1000 + ALARM_WINDOW + i64::from(i)));
        }
        assert!(lockouts.watch("u1", 1000 + ALARM_WINDOW + 100), "a new window rings again");
    }

    #[test]
    fn the_table_stays_bounded() {
        let lockouts = Lockouts::default();
        lockouts.fail(Attempter(0), 1);
        lockouts.retain_recent(1 + MAX_LOCK + 1);
        assert!(lockouts.streaks.lock().unwrap().is_empty());
    }
}
