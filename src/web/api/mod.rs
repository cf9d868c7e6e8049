//! The JSON API, version 1 (CONTRACT.md), documented at `/api/v1/openapi.json`.

pub mod extract;
pub mod openapi;
pub mod reference;
pub mod reporter;
pub mod staff;
pub mod tips;

use actix_web::web;
use jubao_templates::i18n::Msg;

use super::error::{ApiError, Problem};

/// The largest JSON body accepted; tips with long descriptions fit well inside.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Unreadable JSON gets the API's error shape, not actix's plain text.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(|err, _req| {
        use actix_web::error::JsonPayloadError;
        let problem = match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                Problem::new(actix_web::http::StatusCode::PAYLOAD_TOO_LARGE, "too_large", "api-body-too-large")
            }
            JsonPayloadError::ContentType => Problem::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "api-send-body-application-json",
            ),
            JsonPayloadError::Deserialize(e) => {
                Problem::bad_request("invalid_body", Msg::new("api-body-not-valid-e").with("e", (e).to_string()))
            }
            _ => Problem::bad_request("invalid_body", "api-body-could-not-read"),
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
            Msg::new("api-query-parameters-not-valid-err").with("err", (err).to_string()),
        ))
        .into()
    })
}

pub fn unauthorised() -> Problem {
    Problem::new(actix_web::http::StatusCode::UNAUTHORIZED, "unauthorised", "api-sign-first-session-has-ended")
}

pub fn forbidden(msg: impl Into<Msg>) -> Problem {
    Problem::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", msg)
}
