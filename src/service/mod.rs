//! What the portal does — taking tips and evidence, queues and cases, conversations,
//! disclosure, rewards, officials and key groups, sessions, deadlines, notifications, QR
//! posters, oversight statistics, retention — composed from the pure rules (`domain`), the
//! key hierarchy (`crypto`), evidence cleaning (`evidence`) and persistence (`store`).
//! Handlers and commands call these; these never see HTTP.

pub mod cases;
pub mod conversation;
pub mod deadlines;
pub mod disclosure;
pub mod evidence;
pub mod groups;
pub mod intake;
pub mod mailer;
pub mod notify;
pub mod officials;
pub mod oversight;
pub mod posters;
pub mod queue;
pub mod related;
pub mod reporter;
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
pub use jubao_templates::i18n::{Arg, Msg};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Unknown name, or a wrong password or code: the same answer for both.
    #[error("wrong username, password or code")]
    BadCredentials,
    /// A record the request names is not there (HTTP 404).
    #[error("{0}")]
    NotFound(Msg),
    /// A staff request names a tip that does not exist or that this official may not see:
    /// the two get the same answer, so a reference is never confirmed across departments.
    #[error("no tip with this reference is open to this official")]
    NoSuchTip,
    /// The request is understood but this person may not do it (HTTP 403).
    #[error("{0}")]
    Forbidden(Msg),
    /// The official's account still waits for a colleague to admit it to this key group
    /// (HTTP 403).
    #[error("not yet admitted to the {0} key group")]
    NotAdmitted(KeyGroup),
    /// A reward above the most the policy allows for the tip, in yuan (HTTP 403).
    #[error("a reward may not exceed {ceiling} yuan")]
    AboveCeiling { ceiling: i64 },
    /// The request cannot be carried out as asked (HTTP 422).
    #[error("{0}")]
    Invalid(Msg),
    /// A value the client sent is out of range, said in both languages (HTTP 400).
    #[error("{0}")]
    BadInput(Msg),
    /// Like `BadInput`, about one field of a form: a page shows it beside that field, the API
    /// as a 400 like any other bad value.
    #[error("{field}: {msg}")]
    Field { field: &'static str, msg: Msg },
    /// The step does not fit the state of the tip, reward or request: taken already, decided
    /// already, or its time has passed (HTTP 409, code `illegal_transition`).
    #[error("{0}")]
    Conflict(Msg),
    /// The whole system has taken as many tips this hour as it may (HTTP 429).
    #[error("the portal has taken as many tips as it may this hour")]
    Busy { retry_after_secs: u64 },
    /// There is no room to store evidence now (HTTP 507); tips without files still go in.
    #[error("there is no room to store files now")]
    NoRoom,
    /// A quota of the client's is used up (HTTP 429), with when it renews.
    #[error("{msg}")]
    Quota { msg: Msg, retry_after_secs: u64 },
    /// This client has sent as many tips as it may for now (HTTP 429).
    #[error("too many tips from this client; try again in {retry_after_secs} seconds")]
    TooMany { retry_after_secs: u64 },
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

// Every error a person reads is a message of the catalogue: one constructor per kind.

/// 409 `illegal_transition`: the step does not fit the state.
pub fn conflict(msg: impl Into<Msg>) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

/// 403 `forbidden`: this person may not do it.
pub fn forbidden(msg: impl Into<Msg>) -> ServiceError {
    ServiceError::Forbidden(msg.into())
}

/// 422 `invalid`: the request cannot be carried out as asked.
pub fn invalid(msg: impl Into<Msg>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}

/// 400 `invalid`: a value the client sent is out of range.
pub fn bad_input(msg: impl Into<Msg>) -> ServiceError {
    ServiceError::BadInput(msg.into())
}

/// 404 `not_found`: a record the request names is not there.
pub fn not_found(msg: impl Into<Msg>) -> ServiceError {
    ServiceError::NotFound(msg.into())
}

/// 422 for data of the portal's own that cannot be written or read (it never comes from
/// what a person typed); the detail goes to the log, never to the page.
pub fn unprocessable(detail: impl std::fmt::Display) -> ServiceError {
    tracing::warn!(%detail, "data could not be processed");
    invalid("service-portal-could-not-process-data")
}

/// 404: the tip a record points to is not there.
pub fn no_tip() -> ServiceError {
    not_found("service-tip-not-found")
}

/// 422: a payout needs a finance official's key.
pub fn no_finance() -> ServiceError {
    invalid("service-no-finance-official-has-been")
}

/// 422: a transfer to the department that has the tip.
pub fn already_there() -> ServiceError {
    invalid("service-tip-already-department")
}

/// 422: a transfer to a department that has no key yet, named in the reader's language.
pub async fn cannot_receive(conn: &mut crate::store::Conn, to: &crate::domain::Code) -> ServiceError {
    let (zh, en) = crate::store::reference::department_names(conn, to.as_str())
        .await
        .unwrap_or_else(|_| (to.to_string(), to.to_string()));
    invalid(Msg::new("service-cannot-receive-yet").with("department", Arg::Name { zh, en }))
}

/// Calls `$f::<Role>(args…)` with the key role that matches a `KeyGroup`.
macro_rules! per_group {
    ($group:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $group {
            $crate::domain::KeyGroup::Department(_) => $f::<$crate::crypto::Department>($($arg),*).await,
            $crate::domain::KeyGroup::Custodians => $f::<$crate::crypto::Custodian>($($arg),*).await,
            $crate::domain::KeyGroup::Finance => $f::<$crate::crypto::Finance>($($arg),*).await,
            $crate::domain::KeyGroup::Matching => $f::<$crate::crypto::Matching>($($arg),*).await,
        }
    };
}
pub(crate) use per_group;
