//! Rate limits (governor), in memory. Keys are keyed hashes of client addresses, references
//! and usernames: the limiters hold no address. IPv6 clients are keyed by their /64, which is
//! what one subscriber gets. Each instance counts on its own (see README); the whole-system
//! cap on tips is counted in the database instead.

use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::configuration::Limits;
use crate::service::staff_login::Attempter;

/// One client may try this many times an account's allowance of staff sign-ins per minute,
/// whatever the accounts.
const STAFF_CLIENT_FACTOR: u32 = 4;

/// Guesses at one receipt's query code per hour, from anywhere.
const RECEIPT_ATTEMPTS_PER_HOUR: u32 = 20;

/// Refused for now; try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl From<Limited> for crate::service::ServiceError {
    fn from(limited: Limited) -> Self {
        crate::service::ServiceError::TooMany { retry_after_secs: limited.retry_after.as_secs() }
    }
}

impl Limited {
    /// Whole minutes to wait, at least one.
    pub fn minutes(&self) -> u64 {
        self.retry_after.as_secs().div_ceil(60).max(1)
    }
}

pub struct Limiters {
    hasher: RandomState,
    clock: DefaultClock,
    tips_per_client: DefaultKeyedRateLimiter<u64>,
    reporter_logins: DefaultKeyedRateLimiter<u64>,
    receipt_attempts: DefaultKeyedRateLimiter<u64>,
    staff_logins: DefaultKeyedRateLimiter<u64>,
    staff_clients: DefaultKeyedRateLimiter<u64>,
    /// Evidence per client, in MiB.
    evidence: DefaultKeyedRateLimiter<u64>,
}

impl Limiters {
    pub fn new(limits: &Limits) -> Self {
        let per_hour = |n: NonZeroU32| Quota::per_hour(n);
        let per_minute = |n: NonZeroU32| Quota::per_minute(n);
        let attempts = NonZeroU32::new(RECEIPT_ATTEMPTS_PER_HOUR).unwrap_or(NonZeroU32::MIN);
        Self {
            hasher: RandomState::new(),
            clock: DefaultClock::default(),
            tips_per_client: RateLimiter::keyed(per_hour(limits.tips_per_client_per_hour)),
            reporter_logins: RateLimiter::keyed(per_minute(limits.reporter_logins_per_client_per_minute)),
            receipt_attempts: RateLimiter::keyed(per_hour(attempts)),
            staff_logins: RateLimiter::keyed(per_minute(limits.staff_logins_per_user_per_minute)),
            evidence: RateLimiter::keyed(per_hour(limits.evidence_mib_per_client_per_hour)),
            staff_clients: RateLimiter::keyed(per_minute(
                limits
                    .staff_logins_per_user_per_minute
                    .saturating_mul(NonZeroU32::new(STAFF_CLIENT_FACTOR).unwrap_or(NonZeroU32::MIN)),
            )),
        }
    }

    fn key(&self, value: impl Hash) -> u64 {
        self.hasher.hash_one(value)
    }

    /// The keyed hash a client is counted under (its /64 for IPv6).
    pub fn client_hash(&self, client: Option<IpAddr>) -> u64 {
        self.client_key(client)
    }

    fn client_key(&self, client: Option<IpAddr>) -> u64 {
        match client {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let mut prefix = v6.octets();
                prefix[8..].fill(0);
                self.key(prefix)
            }
            Some(IpAddr::V6(v6)) => self.key(v6.to_ipv4_mapped().map(IpAddr::V4)),
            other => self.key(other),
        }
    }

    fn keyed(&self, limiter: &DefaultKeyedRateLimiter<u64>, key: u64) -> Result<(), Limited> {
        limiter.check_key(&key).map_err(|not| Limited { retry_after: not.wait_time_from(self.clock.now()) })
    }

    /// A new tip: the client's own allowance. (The whole system's hourly cap is counted in
    /// the database, so that it holds across instances: `service::tips::file_within`.)
    pub fn tip(&self, client: Option<IpAddr>) -> Result<(), Limited> {
        self.keyed(&self.tips_per_client, self.client_key(client))
    }

    /// A receipt check: the client's allowance, and the reference's.
    pub fn receipt(&self, client: Option<IpAddr>, reference: &str) -> Result<(), Limited> {
        self.keyed(&self.reporter_logins, self.client_key(client))?;
        self.keyed(&self.receipt_attempts, self.key(("receipt", reference)))
    }

    /// Who is trying an account name: the name and the client, hashed together. Pauses after
    /// failures (`service::staff_login`) and the per-account allowance are kept per
    /// attempter, so that nobody can hold an official out by failing in their name.
    pub fn attempter(&self, username: &str, client: Option<IpAddr>) -> Attempter {
        Attempter(self.key(("staff", username, self.client_key(client))))
    }

    /// A staff sign-in attempt for one account from one client.
    pub fn staff_login(&self, attempter: Attempter) -> Result<(), Limited> {
        self.keyed(&self.staff_logins, attempter.0)
    }

    /// Staff sign-in attempts from one client, whatever the account.
    pub fn staff_client(&self, client: Option<IpAddr>) -> Result<(), Limited> {
        self.keyed(&self.staff_clients, self.client_key(client))
    }

    /// One more MiB (or a part of one) of evidence from a client.
    pub fn evidence_mib(&self, client: Option<IpAddr>) -> Result<(), Limited> {
        self.keyed(&self.evidence, self.client_key(client))
    }

    /// Forgets keys that are back to a full allowance.
    pub fn retain_recent(&self) {
        self.tips_per_client.retain_recent();
        self.reporter_logins.retain_recent();
        self.receipt_attempts.retain_recent();
        self.staff_logins.retain_recent();
        self.staff_clients.retain_recent();
        self.evidence.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Settings;

    #[test]
    fn one_client_runs_out_while_another_goes_on() {
        let mut limits = Settings::defaults().unwrap().limits;
        limits.tips_per_client_per_hour = NonZeroU32::new(2).unwrap();
        let limiters = Limiters::new(&limits);
        let a = Some("198.51.100.1".parse().unwrap());
        let b = Some("198.51.100.2".parse().unwrap());
        assert!(limiters.tip(a).is_ok());
        assert!(limiters.tip(a).is_ok());
        let refused = limiters.tip(a).unwrap_err();
        assert!(refused.minutes() >= 1 && refused.minutes() <= 30, "{refused:?}");
        assert!(limiters.tip(b).is_ok());
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client() {
        let mut limits = Settings::defaults().unwrap().limits;
        limits.tips_per_client_per_hour = NonZeroU32::new(1).unwrap();
        let limiters = Limiters::new(&limits);
        assert!(limiters.tip(Some("2001:db8:1:2::1".parse().unwrap())).is_ok());
        assert!(limiters.tip(Some("2001:db8:1:2::ffff".parse().unwrap())).is_err());
        assert!(limiters.tip(Some("2001:db8:1:3::1".parse().unwrap())).is_ok());
    }
}
