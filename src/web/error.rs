//! Errors as the client sees them: a status, a stable code, and a message in Chinese and
//! English. Internals are logged (without request data) and never shown.

use std::borrow::Cow;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use jubao_templates::{Frame, Lang};
use serde::Serialize;

use super::lang::lang_of;
use crate::store::StoreError;

/// Something the client should be told.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self { status, code, zh: zh.into(), en: en.into() }
    }

    pub fn bad_request(code: &'static str, zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, zh, en)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "找不到这个页面或资源。", "There is nothing at this address.")
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器出现故障，请稍后再试。您提交的内容没有因此泄露。",
            "The server ran into a fault; please try again later.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂时不可用，请稍后再试。",
            "The service is unavailable for a moment; please try again later.",
        )
    }

    /// The generic problem for a bare status (a 405 from the router, a 413 from a limit…).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "method_not_allowed",
                "此地址不接受这种请求方式。",
                "This address does not accept this method.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(status, "too_large", "提交的内容太大。", "What was sent is too large.")
            }
            StatusCode::TOO_MANY_REQUESTS => Self::new(
                status,
                "too_many_requests",
                "请求过于频繁，请稍后再试。",
                "Too many requests; please wait and try again.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(),
            s if s.is_server_error() => Self::internal(),
            s => Self::new(s, "bad_request", "请求无效。", "The request is not valid."),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.t(&self.zh, &self.en)
    }

    fn json(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .json(ErrorBody { error: ErrorDetail { code: self.code, message: &self.en, message_zh: &self.zh } })
    }

    fn html(&self, lang: Lang) -> HttpResponse {
        let title = lang.t("出错了", "Something went wrong");
        let page =
            jubao_templates::error_page(&Frame { lang, title, path: "/" }, self.status.as_u16(), self.message(lang));
        HttpResponse::build(self.status).content_type("text/html; charset=utf-8").body(page.into_string())
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

fn problem_of_store_error(e: &StoreError) -> Problem {
    tracing::error!(error = %e, "store");
    match e {
        StoreError::Query(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
            Problem::unavailable()
        }
        _ => Problem::internal(),
    }
}

fn wants_json(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
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
