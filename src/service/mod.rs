//! What the portal does, composed from the pure rules (`domain`), the key hierarchy
//! (`crypto`) and persistence (`store`). Handlers and commands call these; these never see
//! HTTP.

pub mod cases;
pub mod conversation;
pub mod deadlines;
pub mod disclosure;
pub mod evidence;
pub mod groups;
pub mod mailer;
pub mod notify;
pub mod officials;
pub mod oversight;
pub mod posters;
pub mod queue;
pub mod retention;
pub mod rewards;
pub mod sessions;
pub mod staff_login;
pub mod storage;
pub mod tips;
pub mod work;

use crate::crypto::CryptoError;
use crate::domain::KeyGroup;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Unknown name, or a wrong password or code: the same answer for both.
    #[error("wrong username, password or code")]
    BadCredentials,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A staff request names a tip that does not exist or that this official may not see:
    /// the two get the same answer, so a reference is never confirmed across departments.
    #[error("no tip with this reference is open to this official")]
    NoSuchTip,
    /// The request is understood but this person may not do it.
    #[error("{0}")]
    Denied(String),
    /// As `Denied`, for a reason the official reads in their language (HTTP 403).
    #[error("{en}")]
    Forbidden { zh: String, en: String },
    /// The official's account still waits for a colleague to admit it to this key group
    /// (HTTP 403).
    #[error("not yet admitted to the {0} key group")]
    NotAdmitted(KeyGroup),
    /// A reward above the most the policy allows for the tip, in yuan (HTTP 403).
    #[error("a reward may not exceed {ceiling} yuan")]
    AboveCeiling { ceiling: i64 },
    /// The request cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// A value the client sent is out of range, said in both languages (HTTP 400).
    #[error("{en}")]
    BadInput { zh: String, en: String },
    /// The step does not fit the tip's state (HTTP 409).
    #[error("{0}")]
    Illegal(String),
    /// The step does not fit the state, for a reason the reporter reads in their language
    /// (HTTP 409).
    #[error("{en}")]
    Refused { zh: String, en: String },
    /// The whole system has taken as many tips this hour as it may (HTTP 429).
    #[error("the portal has taken as many tips as it may this hour")]
    Busy { retry_after_secs: u64 },
    /// There is no room to store evidence now (HTTP 507); tips without files still go in.
    #[error("there is no room to store files now")]
    NoRoom,
    /// A quota of the client's is used up (HTTP 429), with when it renews.
    #[error("{en}")]
    Quota { zh: String, en: String, retry_after_secs: u64 },
    /// A pool of heavy work (`work`) is full: try again shortly (HTTP 429).
    #[error("the portal is busy; try again in {retry_after_secs} seconds")]
    Overloaded { retry_after_secs: u64 },
    /// The tip was crypto-shredded under the retention rule at this time (HTTP 410).
    #[error("the tip was destroyed under the retention rule")]
    Shredded { at: i64 },
    /// No department can receive tips yet.
    #[error("no department can receive tips yet: create the first official")]
    NotSetUp,
    #[error("a blocking task failed: {0}")]
    Blocking(String),
}

pub fn refused(zh: &str, en: &str) -> ServiceError {
    ServiceError::Refused { zh: zh.to_owned(), en: en.to_owned() }
}

pub fn forbidden(zh: &str, en: &str) -> ServiceError {
    ServiceError::Forbidden { zh: zh.to_owned(), en: en.to_owned() }
}

/// Calls `$f::<Role>(args…)` with the key role that matches a `KeyGroup`.
macro_rules! per_group {
    ($group:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $group {
            $crate::domain::KeyGroup::Department(_) => $f::<$crate::crypto::Department>($($arg),*).await,
            $crate::domain::KeyGroup::Custodians => $f::<$crate::crypto::Custodian>($($arg),*).await,
            $crate::domain::KeyGroup::Finance => $f::<$crate::crypto::Finance>($($arg),*).await,
        }
    };
}
pub(crate) use per_group;
