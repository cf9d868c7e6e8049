//! Errors as the client sees them: a status, a stable code, and a message in Chinese and
//! English. Internals are logged (without request data) and never shown.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use jubao_templates::i18n::{Arg, Msg};
use jubao_templates::{Frame, Lang};
use serde::Serialize;

use super::lang::lang_of;
use crate::store::StoreError;

/// Something the client should be told.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    /// What the client reads, in their language.
    pub msg: Msg,
    /// For a 429: seconds until the client may try again.
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, msg: impl Into<Msg>) -> Self {
        Self { status, code, msg: msg.into(), retry_after: None }
    }

    pub fn bad_request(code: &'static str, msg: impl Into<Msg>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, msg)
    }

    /// 429: refused for now, with when to come back (at least a second).
    pub fn retry_later(code: &'static str, msg: impl Into<Msg>, seconds: u64) -> Self {
        Self { retry_after: Some(seconds.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, msg) }
    }

    /// 429 for a wait of whole minutes.
    fn retry_in_minutes(seconds: u64) -> Self {
        let minutes = seconds.div_ceil(60).max(1);
        Self::retry_later("too_many_requests", Msg::new("error-retry-in-minutes").with("minutes", minutes), seconds)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "error-there-nothing-address")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "error-server-ran-into-fault-please")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "error-service-unavailable-moment-please-try")
    }

    /// The generic problem for a bare status (a 405 from the router, a 413 from a limit…).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, "method_not_allowed", "error-address-does-not-accept-method")
            }
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(status, "too_large", "error-what-sent-too-large"),
            StatusCode::TOO_MANY_REQUESTS => {
                Self::new(status, "too_many_requests", "error-too-many-requests-please-wait")
            }
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(),
            s if s.is_server_error() => Self::internal(),
            s => Self::new(s, "bad_request", "error-request-not-valid"),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        self.msg.render(lang)
    }

    fn json(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        let (en, zh) = (self.msg.render(Lang::En), self.msg.render(Lang::Zh));
        response.json(ErrorBody { error: ErrorDetail { code: self.code, message: &en, message_zh: &zh } })
    }

    fn html(&self, lang: Lang) -> HttpResponse {
        let title = lang.tr("error-something-went-wrong");
        let page =
            jubao_templates::error_page(&Frame { lang, title, path: "/" }, self.status.as_u16(), &self.message(lang));
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.content_type("text/html; charset=utf-8").body(page.into_string())
    }
}

/// `{"error": {"code", "message", "message_zh"}}` (CONTRACT.md).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// Stable, machine-readable.
    pub code: &'a str,
    /// English.
    pub message: &'a str,
    /// Chinese.
    pub message_zh: &'a str,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        self.0.json()
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self(p)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self(problem_of_store_error(&e))
    }
}

/// An error of an HTML page, shown in the visitor's language.
#[derive(Debug)]
pub struct PageError {
    pub problem: Problem,
    pub lang: Lang,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.problem.status.as_u16(), self.problem.code)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.problem.status
    }

    fn error_response(&self) -> HttpResponse {
        self.problem.html(self.lang)
    }
}

impl PageError {
    pub fn store(lang: Lang) -> impl FnOnce(StoreError) -> PageError {
        move |e| PageError { problem: problem_of_store_error(&e), lang }
    }
}

pub fn problem_of_store_error(e: &StoreError) -> Problem {
    if !matches!(e, StoreError::Conflict(_)) {
        tracing::error!(error = %e, "store");
    }
    match e {
        e if e.is_unavailable() => Problem::unavailable(),
        StoreError::Conflict(why) => {
            tracing::info!(%why, "conflict");
            Problem::new(StatusCode::CONFLICT, "conflict", "error-changed-meanwhile")
        }
        _ => Problem::internal(),
    }
}

fn wants_json(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// The response, with the problem's Retry-After when it has one.
pub fn with_retry_after(mut response: HttpResponse, problem: &Problem) -> HttpResponse {
    if let Some(seconds) = problem.retry_after {
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, seconds.into());
    }
    response
}

/// A problem as the request wants it: JSON under `/api/`, a page in the visitor's language
/// elsewhere.
pub fn response_for(req: &HttpRequest, problem: &Problem) -> HttpResponse {
    if wants_json(req) { problem.json() } else { problem.html(lang_of(req)) }
}

/// Requests no route matched.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let problem = Problem::not_found();
    if wants_json(&req) { problem.json() } else { problem.html(lang_of(&req)) }
}

/// Gives every error response that has no body of its own (a 405 from the router, a 413 from
/// a size limit, …) the bilingual message its status calls for.
pub fn fill_empty_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let empty = matches!(res.response().body().size(), BodySize::Sized(0) | BodySize::None)
        && !res.response().headers().contains_key(CONTENT_TYPE);
    if !empty {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let problem = Problem::for_status(res.status());
    let (req, old) = res.into_parts();
    let mut fresh = if wants_json(&req) { problem.json() } else { problem.html(lang_of(&req)) };
    for (name, value) in old.headers() {
        if !fresh.headers().contains_key(name) {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<BoxBody> = ServiceResponse::new(req, fresh);
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}

impl From<crate::service::ServiceError> for Problem {
    fn from(e: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError as E;
        match e {
            E::Store(store) => problem_of_store_error(&store),
            E::BadCredentials => {
                Problem::new(StatusCode::UNAUTHORIZED, "bad_credentials", "error-wrong-username-password-code")
            }
            E::NotFound(msg) => Problem::new(StatusCode::NOT_FOUND, "not_found", msg),
            // 403, as CONTRACT.md gives for a tip the official cannot open: the same for one
            // that does not exist.
            E::NoSuchTip => Problem::new(StatusCode::FORBIDDEN, "no_such_tip", "error-no-tip-reference-open-you"),
            E::Forbidden(msg) => Problem::new(StatusCode::FORBIDDEN, "forbidden", msg),
            E::NotAdmitted(group) => {
                let group = match group {
                    crate::domain::KeyGroup::Department(_) => "error-your-department-s",
                    crate::domain::KeyGroup::Finance => "error-finance",
                    crate::domain::KeyGroup::Custodians => "error-custodians",
                    crate::domain::KeyGroup::Matching => "error-matching",
                };
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "key_pending",
                    Msg::new("error-key-pending").with("group", Arg::Key(group)),
                )
            }
            E::AboveCeiling { ceiling } => Problem::new(
                StatusCode::FORBIDDEN,
                "above_ceiling",
                Msg::new("error-above-ceiling").with("ceiling", ceiling),
            ),
            E::Invalid(msg) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", msg),
            E::BadInput(msg) | E::Field { msg, .. } => Problem::bad_request("invalid", msg),
            E::Conflict(msg) => Problem::new(StatusCode::CONFLICT, "illegal_transition", msg),
            E::Busy { retry_after_secs } | E::TooMany { retry_after_secs } => {
                Problem::retry_in_minutes(retry_after_secs)
            }
            E::NoRoom => Problem::new(StatusCode::INSUFFICIENT_STORAGE, "no_room", "error-there-no-room-store-files"),
            E::Quota { msg, retry_after_secs } => Problem::retry_later("quota", msg, retry_after_secs),
            E::Overloaded { retry_after_secs } => {
                let seconds = retry_after_secs.max(1);
                Problem::retry_later("busy", Msg::new("error-busy-seconds").with("seconds", seconds), seconds)
            }
            E::Shredded { at } => {
                let date = crate::domain::china_time::date_string(at);
                Problem::new(StatusCode::GONE, "shredded", Msg::new("error-shredded").with("date", date))
            }
            E::NotSetUp => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not_set_up", "error-portal-not-open-reports-yet")
            }
            E::Crypto(e) => {
                tracing::error!(error = %e, "sealed data could not be opened");
                Problem::internal()
            }
            E::Blocking(e) => {
                tracing::error!(error = %e, "blocking task");
                Problem::internal()
            }
        }
    }
}

impl From<crate::service::ServiceError> for ApiError {
    fn from(e: crate::service::ServiceError) -> Self {
        Self(e.into())
    }
}

impl From<crate::service::evidence::EvidenceError> for Problem {
    fn from(e: crate::service::evidence::EvidenceError) -> Self {
        use crate::evidence::StripError;
        use crate::service::evidence::EvidenceError as E;
        let mb = |bytes: u64| bytes.div_ceil(1024 * 1024);
        let too_large =
            |code, key, value| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, code, Msg::new(key).with("limit", value));
        match e {
            E::Unsupported => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_file",
                "error-kind-file-not-accepted-send",
            ),
            E::LegacyOffice => {
                Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file", "error-legacy-office-file")
            }
            E::TooLarge { limit } => too_large("file_too_large", "error-file-too-large", mb(limit)),
            E::TooManyFiles { limit } => too_large("too_many_files", "error-too-many-files", limit as u64),
            E::TipFull { limit } => too_large("evidence_full", "error-evidence-full", mb(limit)),
            E::Malformed(e @ StripError::Malformed { .. }) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "malformed_file",
                Msg::new("error-malformed-file").with("detail", e.to_string()),
            ),
            E::Malformed(StripError::TooComplex { what: "pdf-bytes" | "office-bytes", cap, .. }) => {
                too_large("file_too_large", "error-document-too-large", mb(cap))
            }
            E::Malformed(StripError::TooComplex { what, cap, .. }) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "file_too_complex",
                Msg::new("error-file-too-complex").with("what", Arg::Key(what)).with("cap", cap),
            ),
            E::Malformed(StripError::Io(e)) => {
                tracing::error!(error = %e, "reading or writing evidence");
                Problem::internal()
            }
            E::Service(e) => e.into(),
            E::Io(e) => {
                tracing::error!(error = %e, "blob storage");
                Problem::internal()
            }
        }
    }
}

impl From<crate::web::limits::Limited> for ApiError {
    fn from(limited: crate::web::limits::Limited) -> Self {
        ApiError(Problem::retry_in_minutes(limited.retry_after.as_secs()))
    }
}

/// The 429 page: when to come back, in the visitor's language.
pub fn limited_page(lang: Lang, limited: crate::web::limits::Limited) -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header(("Retry-After", limited.retry_after.as_secs().max(1).to_string()))
        .content_type("text/html; charset=utf-8")
        .body(jubao_templates::limited::page(lang, limited.minutes()).into_string())
}
