//! The JSON API, version 1 (CONTRACT.md), documented at `/api/v1/openapi.json`.

pub mod openapi;
pub mod reference;
pub mod reporter;
pub mod staff;
pub mod tips;

use actix_web::web;

use super::error::{ApiError, Problem};

/// The largest JSON body accepted; tips with long descriptions fit well inside.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Unreadable JSON gets the API's error shape, not actix's plain text.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(|err, _req| {
        use actix_web::error::JsonPayloadError;
        let problem = match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => Problem::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "提交的内容太大。",
                "The body is too large.",
            ),
            JsonPayloadError::ContentType => Problem::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请以 application/json 格式提交。",
                "Send the body as application/json.",
            ),
            JsonPayloadError::Deserialize(e) => Problem::bad_request(
                "invalid_body",
                format!("提交的内容格式不正确：{e}"),
                format!("The body is not valid: {e}"),
            ),
            _ => Problem::bad_request("invalid_body", "提交的内容无法读取。", "The body could not be read."),
        };
        ApiError(problem).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError(Problem::not_found()).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        ApiError(Problem::bad_request(
            "invalid_query",
            format!("查询参数不正确：{err}"),
            format!("The query parameters are not valid: {err}"),
        ))
        .into()
    })
}

pub fn unauthorised() -> Problem {
    Problem::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "unauthorised",
        "请先登录（会话已过期或令牌无效）。",
        "Sign in first: the session has ended or the token is not valid.",
    )
}

pub fn forbidden(zh: &'static str, en: &'static str) -> Problem {
    Problem::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", zh, en)
}
