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
    /// For a 429: seconds until the client may try again.
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self { status, code, zh: zh.into(), en: en.into(), retry_after: None }
    }

    pub fn bad_request(code: &'static str, zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, zh, en)
    }

    /// 429: refused for now, with when to come back (at least a second).
    pub fn retry_later(
        code: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
        seconds: u64,
    ) -> Self {
        Self { retry_after: Some(seconds.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, zh, en) }
    }

    /// 429 for a wait of whole minutes.
    fn retry_in_minutes(seconds: u64) -> Self {
        let minutes = seconds.div_ceil(60).max(1);
        Self::retry_later(
            "too_many_requests",
            format!("请求过于频繁，请在 {minutes} 分钟后再试。"),
            format!("Too many requests; try again in {minutes} minutes."),
            seconds,
        )
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
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(ErrorBody { error: ErrorDetail { code: self.code, message: &self.en, message_zh: &self.zh } })
    }

    fn html(&self, lang: Lang) -> HttpResponse {
        let title = lang.t("出错了", "Something went wrong");
        let page =
            jubao_templates::error_page(&Frame { lang, title, path: "/" }, self.status.as_u16(), self.message(lang));
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
        StoreError::Query(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
            Problem::unavailable()
        }
        StoreError::Conflict(why) => {
            Problem::new(StatusCode::CONFLICT, "conflict", "记录已被他人更改，请刷新后重试。", why.clone())
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
            E::BadCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "用户名、密码或验证码不正确。",
                "Wrong username, password or code.",
            ),
            E::NotFound { zh, en } => Problem::new(StatusCode::NOT_FOUND, "not_found", zh, en),
            // 403, as CONTRACT.md gives for a tip the official cannot open: the same for one
            // that does not exist.
            E::NoSuchTip => Problem::new(
                StatusCode::FORBIDDEN,
                "no_such_tip",
                "没有您可以查看的此编号举报。",
                "No tip with this reference is open to you.",
            ),
            E::Forbidden { zh, en } => Problem::new(StatusCode::FORBIDDEN, "forbidden", zh, en),
            E::NotAdmitted(group) => {
                let (zh, en) = match group {
                    crate::domain::KeyGroup::Department(_) => ("本部门", "your department's"),
                    crate::domain::KeyGroup::Finance => ("财务", "the finance"),
                    crate::domain::KeyGroup::Custodians => ("保密专员", "the custodians'"),
                };
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "key_pending",
                    format!("您的账户尚在等待同事批准加入{zh}密钥组，获准后才能进行此操作。"),
                    format!(
                        "Your account is waiting for a colleague to admit it to {en} key group; until then it cannot take this step."
                    ),
                )
            }
            E::AboveCeiling { ceiling } => Problem::new(
                StatusCode::FORBIDDEN,
                "above_ceiling",
                format!("奖励金额不得超过奖励办法规定的上限 {ceiling} 元。"),
                format!("A reward may not exceed the reward policy's ceiling of {ceiling} yuan."),
            ),
            E::Invalid { zh, en } => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", zh, en),
            E::Illegal { zh, en } => Problem::new(StatusCode::CONFLICT, "illegal_transition", zh, en),
            E::BadInput { zh, en } => Problem::bad_request("invalid", zh, en),
            E::Refused { zh, en } => Problem::new(StatusCode::CONFLICT, "refused", zh, en),
            E::Busy { retry_after_secs } => Problem::retry_in_minutes(retry_after_secs),
            E::NoRoom => Problem::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "no_room",
                "存储空间暂时不足，现在无法上传文件，请稍后再试。不带文件的举报和留言仍可提交。",
                "There is no room to store files just now; try again later. Reports and messages without files are still accepted.",
            ),
            E::Quota { zh, en, retry_after_secs } => Problem::retry_later("quota", zh, en, retry_after_secs),
            E::Overloaded { retry_after_secs } => {
                let seconds = retry_after_secs.max(1);
                Problem::retry_later(
                    "busy",
                    format!("系统繁忙，请在 {seconds} 秒后再试。"),
                    format!("The portal is busy; try again in {seconds} seconds."),
                    seconds,
                )
            }
            E::Shredded { at } => {
                let date = crate::domain::china_time::date_string(at);
                Problem::new(
                    StatusCode::GONE,
                    "shredded",
                    format!("本举报已于 {date} 按保存期限销毁，内容已无法查看。"),
                    format!(
                        "This report was destroyed on {date} under the retention rule; its content can no longer be read."
                    ),
                )
            }
            E::NotSetUp => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_set_up",
                "本平台尚未开通在线受理，请拨打举报电话 12350。",
                "This portal is not open for reports yet; please call the hotline 12350.",
            ),
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
        match e {
            E::Unsupported => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_file",
                "不支持这种文件。请上传照片（JPEG、PNG、WebP、HEIC）、视频（MP4、MOV、3GP）、录音（MP3、M4A、AMR、WAV）或 PDF。",
                "This kind of file is not accepted. Send photos (JPEG, PNG, WebP, HEIC), videos (MP4, MOV, 3GP), recordings (MP3, M4A, AMR, WAV) or PDF.",
            ),
            E::TooLarge { limit } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!("文件太大：每个文件最多 {} MB。", mb(limit)),
                format!("The file is too large: at most {} MB each.", mb(limit)),
            ),
            E::TooManyFiles { limit } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_files",
                format!("每条举报最多 {limit} 个文件。"),
                format!("A report can hold at most {limit} files."),
            ),
            E::TipFull { limit } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "evidence_full",
                format!("每条举报的证据合计最多 {} MB。", mb(limit)),
                format!("A report's evidence can total at most {} MB.", mb(limit)),
            ),
            E::Malformed(e @ StripError::Malformed { .. }) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "malformed_file",
                "文件已损坏或格式不正确，无法处理。",
                format!("The file cannot be processed: {e}."),
            ),
            E::Malformed(StripError::TooComplex { what_zh, what_en, cap, .. }) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "file_too_complex",
                format!("文件结构过于复杂（{what_zh}超过 {cap}），无法安全处理。请换用手机或相机直接生成的原始文件。"),
                format!(
                    "The file is too complex to process safely (more than {cap} {what_en}). Send the file as the phone or camera made it."
                ),
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
