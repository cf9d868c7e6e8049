//! The staff workspace under `/staff/`. The session lives in a strict, HTTP-only cookie for
//! `/staff` alone; every form that changes something carries a token derived from it; every
//! route checks the official's roles on the server, and what they read is opened with their
//! own keys.

pub mod admin;
pub mod case;
pub mod disclosures;
pub mod finance;
pub mod intake;
pub mod keys;
pub mod login;
pub mod oversight;
pub mod queue;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse};
use jubao_templates::Lang;
use jubao_templates::staff::{Frame, Nav};

use super::AppState;
use super::auth::{self, StaffSession, csrf_matches, csrf_token};
use super::error::{PageError, Problem};
use crate::crypto::session::SessionToken;
use crate::domain::Role;

pub const COOKIE: &str = "jubao_staff";

pub fn cookie(token: &SessionToken, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_text().to_string())
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

pub fn expired_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie(&SessionToken::generate(), secure);
    c.make_removal();
    c
}

pub fn html(status: actix_web::http::StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string())
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()
}

/// The signed-in official, or the answer that sends them to sign in.
pub async fn session(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
) -> Result<Result<StaffSession, HttpResponse>, PageError> {
    let token = req.cookie(COOKIE).and_then(|c| SessionToken::parse(c.value()));
    match auth::staff(state, token).await {
        Ok(Some(s)) => Ok(Ok(s)),
        Ok(None) => Ok(Err(HttpResponse::SeeOther()
            .cookie(expired_cookie(state.settings.public_url.is_https()))
            .insert_header((LOCATION, "/staff/login"))
            .finish())),
        Err(e) => Err(PageError { problem: e.into(), lang }),
    }
}

/// Refused: the role does not allow this page.
pub fn forbidden(lang: Lang) -> PageError {
    PageError {
        problem: Problem::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", "staff-your-role-may-not-open"),
        lang,
    }
}

/// Refused: the form token is missing or wrong.
pub fn bad_token(lang: Lang) -> PageError {
    PageError {
        problem: Problem::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "bad_form_token",
            "staff-page-has-expired-go-back",
        ),
        lang,
    }
}

pub fn check_csrf(session: &StaffSession, given: &str, lang: Lang) -> Result<(), PageError> {
    if csrf_matches(&session.token, given) { Ok(()) } else { Err(bad_token(lang)) }
}

/// The navigation an official's roles call for.
pub fn nav(session: &StaffSession, lang: Lang) -> Vec<Nav> {
    let mut items = Vec::new();
    if session.has(Role::Intake) {
        items.push(Nav { href: "/staff/intake", label: lang.tr("intake-file-tip").to_owned() });
    }
    if session.has(Role::Officer) || session.has(Role::Head) || session.has(Role::Oversight) {
        items.push(Nav { href: "/staff", label: lang.tr("staff-queue").to_owned() });
    }
    if session.has(Role::Oversight) {
        items.push(Nav { href: "/staff/oversight", label: lang.tr("staff-oversight").to_owned() });
    }
    if session.has(Role::Finance) {
        items.push(Nav { href: "/staff/finance", label: lang.tr("finance-rewards").to_owned() });
    }
    if session.has(Role::Custodian) {
        items.push(Nav { href: "/staff/disclosures", label: lang.tr("staff-disclosures").to_owned() });
    }
    if [Role::Officer, Role::Head, Role::Oversight, Role::Custodian, Role::Finance].iter().any(|r| session.has(*r)) {
        items.push(Nav { href: "/staff/keys", label: lang.tr("staff-keys").to_owned() });
    }
    if session.has(Role::Admin) {
        items.push(Nav { href: "/staff/admin", label: lang.tr("admin-administration").to_owned() });
    }
    items
}

/// Everything a staff page needs besides its body.
pub struct Page {
    pub session: StaffSession,
    pub nav: Vec<Nav>,
    pub csrf: String,
    pub lang: Lang,
}

impl Page {
    pub fn new(session: StaffSession, lang: Lang) -> Self {
        let nav = nav(&session, lang);
        let csrf = csrf_token(&session.token);
        Self { session, nav, csrf, lang }
    }

    pub fn frame<'a>(&'a self, title: &'a str, path: &'a str) -> Frame<'a> {
        Frame {
            lang: self.lang,
            title,
            path,
            username: &self.session.official.username,
            nav: &self.nav,
            csrf: &self.csrf,
        }
    }
}

/// Opens the staff page for an official holding one of `roles`, or answers for them.
pub async fn page_for(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    roles: &[Role],
) -> Result<Result<Page, HttpResponse>, PageError> {
    let session = match session(state, req, lang).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(Err(redirect)),
    };
    if !roles.iter().any(|r| session.has(*r)) {
        return Err(forbidden(lang));
    }
    Ok(Ok(Page::new(session, lang)))
}

/// `Ok(page)` or return the redirect/refusal.
#[macro_export]
macro_rules! staff_page {
    ($state:expr, $req:expr, $lang:expr, $roles:expr) => {
        match $crate::web::staff::page_for(&$state, &$req, $lang, $roles).await? {
            Ok(page) => page,
            Err(answer) => return Ok(answer),
        }
    };
}
