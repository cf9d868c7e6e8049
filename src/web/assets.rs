//! Static assets compiled into the binary.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(jubao_templates::STYLESHEET)
}

/// `/favicon.ico`: browsers ask for it on every page; it changes only with a release.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/x-icon"))
        .insert_header((CACHE_CONTROL, "public, max-age=604800"))
        .body(jubao_templates::FAVICON)
}
