//! The page language: Chinese unless the visitor chose English with the switch in the header.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use jubao_templates::Lang;
use serde::Deserialize;

use super::AppState;

pub const COOKIE: &str = "jubao_lang";

pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or_default()
}

/// Extractor for the language of the visitor.
pub struct PageLang(pub Lang);

impl FromRequest for PageLang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(PageLang(lang_of(req))))
    }
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// A path on this site to return to; anything else (another host, a scheme) becomes `/`.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && p.len() <= 512
                && !p.chars().any(|c| c.is_control()) =>
        {
            p
        }
        _ => "/",
    }
}

/// `GET /lang/{code}?next=/path`: remembers the choice in a cookie and goes back.
pub async fn switch(
    code: web::Path<String>,
    query: web::Query<SwitchQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = Lang::parse(&code).unwrap_or_default();
    let cookie = Cookie::build(COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(state.settings.public_url.is_https())
        .finish();
    HttpResponse::SeeOther().insert_header((LOCATION, local_path(query.next.as_deref()))).cookie(cookie).finish()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        for (next, expected) in [
            (Some("/report"), "/report"),
            (Some("/q/abc?x=1"), "/q/abc?x=1"),
            (Some("//evil.example/"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("/a\r\nSet-Cookie: x"), "/"),
            (None, "/"),
        ] {
            assert_eq!(local_path(next), expected, "{next:?}");
        }
    }
}
