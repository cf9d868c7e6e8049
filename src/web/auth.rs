//! Who is asking: a reporter (session cookie on pages, bearer token on the API) or an
//! official (bearer token on the API). Sessions are kept as `service::sessions` describes.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::crypto::session::SessionToken;
use crate::crypto::{Reporter, User};
use crate::domain::Role;
use crate::service::officials::SignedIn;
use crate::service::tips::{self, ReporterView};
use crate::service::{ServiceError, sessions};
use crate::store::sessions::SessionKind;
use crate::store::{unix_now, users};

/// The cookie of a reporter's session on the public pages.
pub const REPORTER_COOKIE: &str = "jubao_reporter";

pub fn bearer(req: &HttpRequest) -> Option<SessionToken> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    SessionToken::parse(token)
}

pub fn reporter_cookie_token(req: &HttpRequest) -> Option<SessionToken> {
    SessionToken::parse(req.cookie(REPORTER_COOKIE)?.value())
}

/// The session cookie: only for the tracking pages, never readable by scripts, never sent
/// from another site.
pub fn reporter_cookie(token: &SessionToken, secure: bool) -> Cookie<'static> {
    Cookie::build(REPORTER_COOKIE, token.to_text().to_string())
        .path("/track")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

pub fn expired_reporter_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = reporter_cookie(&SessionToken::generate(), secure);
    cookie.make_removal();
    cookie
}

/// A reporter's live session: the token and their view of the tip.
pub struct ReporterSession {
    pub token: SessionToken,
    pub view: ReporterView,
}

pub async fn reporter(state: &AppState, token: Option<SessionToken>) -> Result<Option<ReporterSession>, ServiceError> {
    let Some(token) = token else { return Ok(None) };
    let Some((tip_id, key)) =
        sessions::resume::<Reporter>(&state.store, SessionKind::Reporter, &token, unix_now()).await?
    else {
        return Ok(None);
    };
    let view = tips::open_with_reporter_key(&state.store, &tip_id, key).await?;
    Ok(Some(ReporterSession { token, view }))
}

/// The form token of a reporter's session: derived from the session token, which only the
/// client holds, so another site cannot forge a form post.
pub fn csrf_token(token: &SessionToken) -> String {
    let digest = Sha256::new().chain_update(b"jubao csrf\0").chain_update(token.to_text().as_bytes()).finalize();
    data_encoding::BASE64URL_NOPAD.encode(&digest[..18])
}

pub fn csrf_matches(token: &SessionToken, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    csrf_token(token).as_bytes().ct_eq(given.as_bytes()).into()
}

/// The cookie behind the form token of the pages used before there is a session
/// (`/staff/login`, `/track`): random, strict, so a form posted from another site carries
/// none and cannot sign a victim in to the attacker's account (login CSRF).
pub const FORM_COOKIE: &str = "jubao_form";

/// A form token for a page without a session: the value for the form's hidden `csrf` field,
/// and the cookie to set when the visitor has none yet.
pub struct FormToken {
    pub csrf: String,
    pub cookie: Option<Cookie<'static>>,
}

fn form_cookie_token(req: &HttpRequest) -> Option<SessionToken> {
    SessionToken::parse(req.cookie(FORM_COOKIE)?.value())
}

fn form_csrf(token: &SessionToken) -> String {
    let digest = Sha256::new().chain_update(b"jubao form\0").chain_update(token.to_text().as_bytes()).finalize();
    data_encoding::BASE64URL_NOPAD.encode(&digest[..18])
}

/// The visitor's form token, reusing their cookie so that two open tabs both work.
pub fn form_token(req: &HttpRequest, secure: bool) -> FormToken {
    if let Some(token) = form_cookie_token(req) {
        return FormToken { csrf: form_csrf(&token), cookie: None };
    }
    let token = SessionToken::generate();
    let cookie = Cookie::build(FORM_COOKIE, token.to_text().to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    FormToken { csrf: form_csrf(&token), cookie: Some(cookie) }
}

impl FormToken {
    /// The page, with the cookie when the visitor had none.
    pub fn attach(&self, mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
        if let Some(cookie) = &self.cookie {
            let _ = response.add_cookie(cookie);
        }
        response
    }
}

/// Whether a posted form carries the token of the visitor's own cookie.
pub fn form_token_matches(req: &HttpRequest, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    form_cookie_token(req).is_some_and(|token| form_csrf(&token).as_bytes().ct_eq(given.as_bytes()).into())
}

/// An official signed in: who, with their key, and the session's token.
pub struct StaffSession {
    pub official: SignedIn,
    pub token: SessionToken,
}

impl StaffSession {
    pub fn has(&self, role: Role) -> bool {
        self.official.has(role)
    }

    pub fn can(&self, capability: crate::domain::Capability) -> bool {
        self.official.can(capability)
    }
}

pub async fn staff(state: &AppState, token: Option<SessionToken>) -> Result<Option<StaffSession>, ServiceError> {
    let Some(token) = token else { return Ok(None) };
    let Some((user_id, key)) = sessions::resume::<User>(&state.store, SessionKind::Staff, &token, unix_now()).await?
    else {
        return Ok(None);
    };
    let mut conn = state.store.conn().await?;
    let Some(user) = users::by_id(&mut conn, &user_id).await?.filter(|u| u.disabled_at.is_none()) else {
        return Ok(None);
    };
    let roles = users::roles(&mut conn, &user_id).await?;
    Ok(Some(StaffSession { official: SignedIn::resumed(user, &roles, key), token }))
}

/// Not signed in, or the session ended: to the page where one signs in, the stale cookie
/// removed. The answer of the session extractors (`web::staff::Staff`, `web::pages::track::Reporting`).
#[derive(Debug)]
pub struct SignInFirst {
    pub to: &'static str,
    pub expired: Cookie<'static>,
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not signed in: to {}", self.to)
    }
}

impl actix_web::ResponseError for SignInFirst {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        actix_web::HttpResponse::SeeOther()
            .cookie(self.expired.clone())
            .insert_header((actix_web::http::header::LOCATION, self.to))
            .finish()
    }
}
